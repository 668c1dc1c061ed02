import type { Activation, Draftee } from './activation';
import type { UnitKind } from './vocabulary';
import { filledInTime, type RecordedWhistle, unitsOnWhistle } from './whistle-report';

/** 周排名 / 月排行 / 年考评. */
export const PERIODS = ['week', 'month', 'year'] as const;
export type Period = (typeof PERIODS)[number];

/** Minutes to confirm are counted in one-minute buckets; this one holds everything slower. */
export const HISTOGRAM_CAP_MINUTES = 60;

/** What one grid did in one activation, or in every activation of a period: plain sums. */
export type GridTally = {
  activations: number;
  /** People the alert reached. */
  alerted: number;
  /** Of them, who said yes (confirmed or arrived). */
  confirmed: number;
  arrived: number;
  teams: number;
  teamsMet: number;
  /** `histogram[m]` people confirmed within m minutes of the alert (rounded up, capped). */
  histogram: number[];
  /** Whistles (吹哨) the grid raised, counted when each closed. */
  whistlesRaised: number;
};

export type GridSummary = GridTally & { communityId: string; gridId: string; gridName: string };

/** Rankings are cut on China Standard Time days (UTC+8, no daylight saving). */
const CST_OFFSET_MS = 8 * 3600 * 1000;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const ymd = (d: Date) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;

/** ISO 8601 week of a (CST) calendar day: the year that owns it and its number. */
function isoWeek(day: Date): { year: number; week: number; monday: Date } {
  const weekday = (day.getUTCDay() + 6) % 7; // Monday 0
  const monday = new Date(day.getTime() - weekday * 86_400_000);
  const thursday = new Date(monday.getTime() + 3 * 86_400_000);
  const year = thursday.getUTCFullYear();
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const firstMonday = new Date(jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 86_400_000);
  const week = Math.round((monday.getTime() - firstMonday.getTime()) / (7 * 86_400_000)) + 1;
  return { year, week, monday };
}

/** The period holding a calendar day (`YYYY-MM-DD`): its bucket key and first and last days. */
export function periodOf(period: Period, date: string): { key: string; from: string; to: string } {
  const day = new Date(`${date}T00:00:00Z`);
  if (period === 'week') {
    const { year, week, monday } = isoWeek(day);
    return {
      key: `week#${year}-W${pad(week)}`,
      from: ymd(monday),
      to: ymd(new Date(monday.getTime() + 6 * 86_400_000)),
    };
  }
  const y = day.getUTCFullYear();
  if (period === 'month') {
    const m = day.getUTCMonth();
    return {
      key: `month#${y}-${pad(m + 1)}`,
      from: ymd(new Date(Date.UTC(y, m, 1))),
      to: ymd(new Date(Date.UTC(y, m + 1, 0))),
    };
  }
  return { key: `year#${y}`, from: `${y}-01-01`, to: `${y}-12-31` };
}

/** The CST calendar day an instant falls on. */
export function cstDay(instant: string): string {
  return ymd(new Date(Date.parse(instant) + CST_OFFSET_MS));
}

/** The three buckets (week, month, year) an activation started at `startedAt` counts in. */
export function bucketsOf(startedAt: string): string[] {
  const day = cstDay(startedAt);
  return PERIODS.map((p) => periodOf(p, day).key);
}

const emptyHistogram = () => Array.from({ length: HISTOGRAM_CAP_MINUTES + 1 }, () => 0);

/** The minute bucket of a time to confirm: rounded up to whole minutes, the last bucket capped. */
export function minuteBucket(seconds: number): number {
  return Math.min(HISTOGRAM_CAP_MINUTES, Math.max(0, Math.ceil(seconds / 60)));
}

const said = (d: Draftee) => d.status === 'confirmed' || d.status === 'arrived';
const confirmedAt = (d: Draftee) => d.confirmedAt ?? d.arrivedAt ?? d.respondedAt;

/**
 * What each grid's team did in one activation, from its draftees as they stand at stand-down.
 * Reserves called in count for the team they filled. Pure.
 */
export function summariseActivation(activation: Activation, draftees: readonly Draftee[]): GridSummary[] {
  const byGrid = new Map<string, GridSummary>();
  const gridOfTeam = new Map(activation.teams.map((t) => [t.teamId, t.gridId]));
  for (const team of activation.teams) {
    const members = draftees.filter((d) => d.teamId === team.teamId && d.status !== 'released');
    const filled = members.filter(said).length;
    const summary = byGrid.get(team.gridId) ?? {
      communityId: activation.communityId,
      gridId: team.gridId,
      gridName: team.gridName,
      ...emptyTally(),
      activations: 1,
    };
    summary.teams += 1;
    if (filled >= team.quota) summary.teamsMet += 1;
    byGrid.set(team.gridId, summary);
  }
  for (const d of draftees) {
    if (d.status === 'released' || !d.alertedAt) continue;
    const gridId = gridOfTeam.get(d.teamId);
    const summary = gridId === undefined ? undefined : byGrid.get(gridId);
    if (!summary) continue;
    summary.alerted += 1;
    if (!said(d)) continue;
    summary.confirmed += 1;
    if (d.status === 'arrived') summary.arrived += 1;
    const at = confirmedAt(d);
    if (at) {
      const bucket = minuteBucket((Date.parse(at) - Date.parse(d.alertedAt)) / 1000);
      summary.histogram[bucket] = (summary.histogram[bucket] ?? 0) + 1;
    }
  }
  return [...byGrid.values()].sort((a, b) => a.gridId.localeCompare(b.gridId));
}

/** One person's part in one activation: called (the alert reached them), answered, came. */
export type Participation = {
  memberId: string;
  communityId: string;
  called: 0 | 1;
  answered: 0 | 1;
  came: 0 | 1;
};

/** Everyone an activation alerted, with whether they answered and came. Pure. */
export function participationOf(draftees: readonly Draftee[]): Participation[] {
  return draftees
    .filter((d) => d.status !== 'released' && d.alertedAt)
    .map((d) => ({
      memberId: d.memberId,
      communityId: d.communityId,
      called: 1 as const,
      answered: (['confirmed', 'declined', 'arrived'].includes(d.status) ? 1 : 0) as 0 | 1,
      came: (d.status === 'arrived' ? 1 : 0) as 0 | 1,
    }))
    .sort((a, b) => a.communityId.localeCompare(b.communityId) || a.memberId.localeCompare(b.memberId));
}

/** The median of a minute histogram: the bucket that holds the middle person, or null when empty. */
export function histogramMedian(histogram: readonly number[]): number | null {
  const total = histogram.reduce((n, c) => n + c, 0);
  if (total === 0) return null;
  const middle = Math.ceil(total / 2);
  let seen = 0;
  for (const [minute, count] of histogram.entries()) {
    seen += count;
    if (seen >= middle) return minute;
  }
  return HISTOGRAM_CAP_MINUTES;
}

/** A tally with nothing in it. */
export function emptyTally(): GridTally {
  return {
    activations: 0,
    alerted: 0,
    confirmed: 0,
    arrived: 0,
    teams: 0,
    teamsMet: 0,
    histogram: emptyHistogram(),
    whistlesRaised: 0,
  };
}

/** Adds tallies together (a community is the sum of its grids). */
export function addTallies(tallies: readonly GridTally[]): GridTally {
  const sum = emptyTally();
  for (const t of tallies) {
    sum.whistlesRaised += t.whistlesRaised;
    sum.activations += t.activations;
    sum.alerted += t.alerted;
    sum.confirmed += t.confirmed;
    sum.arrived += t.arrived;
    sum.teams += t.teams;
    sum.teamsMet += t.teamsMet;
    for (const [i, c] of t.histogram.entries()) sum.histogram[i] = (sum.histogram[i] ?? 0) + c;
  }
  return sum;
}

/** The score's formula, as the console prints it. Weights sum to 100. */
export const SCORE_FORMULA =
  'score = 40 × confirmedRate + 30 × arrivedRate + 20 × quotaMetRate + 10 × max(0, 1 − medianMinutesToConfirm / 30)';

/** Minutes to confirm at which the speed part of the score reaches zero. */
export const SPEED_ZERO_MINUTES = 30;

export type Standing = {
  score: number;
  activations: number;
  alerted: number;
  confirmedRate: number | null;
  arrivedRate: number | null;
  medianMinutesToConfirm: number | null;
  teams: number;
  teamsMet: number;
  whistlesRaised: number;
};

const rate = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 1000 : null);

/** A tally's rates and its score, by `SCORE_FORMULA`. A share with nothing to divide counts as 0. */
export function standingOf(t: GridTally): Standing {
  const confirmedRate = rate(t.confirmed, t.alerted);
  const arrivedRate = rate(t.arrived, t.alerted);
  const quotaMetRate = rate(t.teamsMet, t.teams);
  const median = histogramMedian(t.histogram);
  const speed = median === null ? 0 : Math.max(0, 1 - median / SPEED_ZERO_MINUTES);
  const score = 40 * (confirmedRate ?? 0) + 30 * (arrivedRate ?? 0) + 20 * (quotaMetRate ?? 0) + 10 * speed;
  return {
    score: Math.round(score * 10) / 10,
    activations: t.activations,
    alerted: t.alerted,
    confirmedRate,
    arrivedRate,
    medianMinutesToConfirm: median,
    teams: t.teams,
    teamsMet: t.teamsMet,
    whistlesRaised: t.whistlesRaised,
  };
}

/**
 * Orders by score, best first (ties: more confirmed share, then id), and gives equal scores the
 * same rank (1, 1, 3).
 */
export function rank<T extends { score: number; confirmedRate: number | null }>(
  rows: readonly T[],
  idOf: (row: T) => string,
): (T & { rank: number })[] {
  const sorted = [...rows].sort(
    (a, b) =>
      b.score - a.score || (b.confirmedRate ?? 0) - (a.confirmedRate ?? 0) || idOf(a).localeCompare(idOf(b)),
  );
  let previous: number | undefined;
  let current = 0;
  return sorted.map((row, i) => {
    if (row.score !== previous) current = i + 1;
    previous = row.score;
    return { ...row, rank: current };
  });
}

/** What a unit or department did on whistles: plain sums, like a grid's tally. */
export type UnitTally = {
  /** Whistles that called someone of the unit. */
  whistlesCalled: number;
  /** Of them, whistles someone of the unit came to (报到). */
  whistlesAnswered: number;
  /** Of the whistles it answered, those filled within their time to answer. */
  whistlesFilledInTime: number;
  /** `answerHistogram[m]` whistles the unit first answered within m minutes of its call. */
  answerHistogram: number[];
};

export type UnitSummary = UnitTally & { unitId: string; unitName: string; kind: UnitKind | null };

/**
 * What a closed whistle adds to the rankings: one raised to its grid, and to each unit it
 * called whether it answered, how fast and whether the whistle was filled in time. Pure.
 */
export function summariseWhistle(
  whistle: RecordedWhistle,
  units: readonly { unitId: string; name: string; kind: UnitKind }[],
): { grid: GridSummary; units: UnitSummary[] } {
  const info = new Map(units.map((u) => [u.unitId, u]));
  const inTime = filledInTime(whistle);
  return {
    grid: {
      communityId: whistle.communityId,
      gridId: whistle.gridId,
      gridName: whistle.gridName,
      ...emptyTally(),
      whistlesRaised: 1,
    },
    units: unitsOnWhistle(whistle).map((u) => {
      const answerHistogram = emptyHistogram();
      if (u.secondsToFirstAnswer !== undefined) answerHistogram[minuteBucket(u.secondsToFirstAnswer)] = 1;
      return {
        unitId: u.unitId,
        unitName: info.get(u.unitId)?.name ?? u.unitId,
        kind: info.get(u.unitId)?.kind ?? null,
        whistlesCalled: 1,
        whistlesAnswered: u.answered ? 1 : 0,
        whistlesFilledInTime: u.answered && inTime ? 1 : 0,
        answerHistogram,
      };
    }),
  };
}

/** A unit's line of the rankings. */
export type UnitStanding = {
  whistlesCalled: number;
  whistlesAnswered: number;
  answeredRate: number | null;
  medianMinutesToFirstAnswer: number | null;
  /** Share of the whistles it answered that were filled in time. */
  filledInTimeRate: number | null;
};

export function unitStandingOf(t: UnitTally): UnitStanding {
  return {
    whistlesCalled: t.whistlesCalled,
    whistlesAnswered: t.whistlesAnswered,
    answeredRate: rate(t.whistlesAnswered, t.whistlesCalled),
    medianMinutesToFirstAnswer: histogramMedian(t.answerHistogram),
    filledInTimeRate: rate(t.whistlesFilledInTime, t.whistlesAnswered),
  };
}

/**
 * Orders units by whistles answered, then share filled in time, then faster median answer, then
 * id; units equal on all three share a rank.
 */
export function rankUnits<T extends UnitStanding>(
  rows: readonly T[],
  idOf: (row: T) => string,
): (T & { rank: number })[] {
  const median = (r: T) => r.medianMinutesToFirstAnswer ?? Number.POSITIVE_INFINITY;
  const compare = (a: T, b: T) =>
    b.whistlesAnswered - a.whistlesAnswered ||
    (b.filledInTimeRate ?? 0) - (a.filledInTimeRate ?? 0) ||
    (median(a) === median(b) ? 0 : median(a) < median(b) ? -1 : 1);
  const sorted = [...rows].sort((a, b) => compare(a, b) || idOf(a).localeCompare(idOf(b)));
  let current = 0;
  return sorted.map((row, i) => {
    const previous = sorted[i - 1];
    if (previous === undefined || compare(previous, row) !== 0) current = i + 1;
    return { ...row, rank: current };
  });
}

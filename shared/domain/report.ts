import { type Activation, type Counts, countsOf, type Draftee, shortfall } from './activation';

/** Spread of a duration over people: median, 90th percentile and slowest, in seconds. */
export type Spread = { count: number; p50: number | null; p90: number | null; max: number | null };

export type TeamReport = {
  teamId: string;
  gridName: string;
  quota: number;
  counts: Counts;
  /** Reserves called in to fill places. */
  backfilled: number;
  /** Confirmed or arrived against quota. */
  filled: number;
  met: boolean;
  shortfall: number;
  firstArrivalAt?: string | undefined;
  timeToConfirm: Spread;
  missingSkills: string[];
};

/** What a planner reads after a drill or an emergency: how fast people were reached and came. */
export type AfterActionReport = {
  activationId: string;
  communityId: string;
  communityName: string;
  kind: Activation['kind'];
  level: Activation['level'];
  drill: boolean;
  status: Activation['status'];
  startedAt: string;
  endedAt?: string | undefined;
  durationSeconds: number | null;
  counts: Counts;
  reminded: number;
  backfilled: number;
  /** Share of the alerted who answered at all (confirmed, declined or arrived). */
  responseRate: number | null;
  /** Share of the teams' quota filled by people who confirmed or arrived. */
  fillRate: number | null;
  timeToAlert: Spread;
  timeToConfirm: Spread;
  timeToArrive: Spread;
  teams: TeamReport[];
  declineReasons: { reason: string; count: number }[];
  silent: { memberId: string; name: string; teamId: string }[];
  /** Confirmed and arrived, counted up minute by minute since the press: overall and per team. */
  curve: ResponseCurve;
  /** How many took how many minutes, from the alert, to confirm. */
  confirmDistribution: Bucket[];
};

/** One minute of a response curve: how many had confirmed and arrived by its end. */
export type CurvePoint = { minute: number; confirmed: number; arrived: number };
export type ResponseCurve = { overall: CurvePoint[]; teams: { teamId: string; points: CurvePoint[] }[] };
/** People whose time fell in `[fromMinute, toMinute)`; the last bucket has no upper end. */
export type Bucket = { fromMinute: number; toMinute: number | null; count: number };

/** The curve stops here, so a long-open activation does not make thousands of points. */
export const CURVE_MAX_MINUTES = 240;
/** One-minute buckets up to here; the rest fall in one last open bucket. */
export const DISTRIBUTION_MINUTES = 30;

const minutesSince = (from: string, at: string | undefined): number | undefined =>
  at === undefined ? undefined : Math.max(0, (Date.parse(at) - Date.parse(from)) / 60_000);

/**
 * The response curve of some draftees: for each whole minute since `startedAt`, how many had
 * confirmed (or arrived, which says yes too) and how many had arrived by the end of it.
 */
export function responseCurve(
  startedAt: string,
  draftees: readonly Draftee[],
  endMinute: number,
): CurvePoint[] {
  const last = Math.max(0, Math.min(CURVE_MAX_MINUTES, Math.ceil(endMinute)));
  const confirms = draftees
    .filter(answered)
    .map((d) => minutesSince(startedAt, confirmedAt(d)))
    .filter((m): m is number => m !== undefined);
  const arrivals = draftees
    .filter((d) => d.status === 'arrived')
    .map((d) => minutesSince(startedAt, arrivedAt(d)))
    .filter((m): m is number => m !== undefined);
  const points: CurvePoint[] = [];
  for (let minute = 0; minute <= last; minute++) {
    points.push({
      minute,
      confirmed: confirms.filter((m) => m <= minute).length,
      arrived: arrivals.filter((m) => m <= minute).length,
    });
  }
  return points;
}

/** Minutes from alert to confirmation, counted into one-minute buckets and a last open one. */
export function confirmDistribution(draftees: readonly Draftee[]): Bucket[] {
  const buckets: Bucket[] = Array.from({ length: DISTRIBUTION_MINUTES }, (_, i) => ({
    fromMinute: i,
    toMinute: i + 1,
    count: 0,
  }));
  const rest: Bucket = { fromMinute: DISTRIBUTION_MINUTES, toMinute: null, count: 0 };
  for (const d of draftees) {
    if (!answered(d) || !d.alertedAt) continue;
    const minutes = minutesSince(d.alertedAt, confirmedAt(d));
    if (minutes === undefined) continue;
    const bucket = buckets[Math.floor(minutes)] ?? rest;
    bucket.count += 1;
  }
  return [...buckets, rest];
}

const seconds = (from: string | undefined, to: string | undefined): number | undefined =>
  from && to ? Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000) : undefined;

function quantile(sorted: readonly number[], q: number): number | null {
  if (!sorted.length) return null;
  const index = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? 0) * 10) / 10;
}

/** Median, 90th percentile and maximum of a list of durations. */
export function spread(values: readonly (number | undefined)[]): Spread {
  const sorted = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    max: quantile(sorted, 1),
  };
}

const answered = (d: Draftee) => d.status === 'confirmed' || d.status === 'arrived';
/** When the person first said yes; someone who arrived without saying so said it by arriving. */
const confirmedAt = (d: Draftee) => d.confirmedAt ?? d.arrivedAt ?? d.respondedAt;
const arrivedAt = (d: Draftee) => d.arrivedAt ?? (d.status === 'arrived' ? d.respondedAt : undefined);

/**
 * The after-action report of an activation, from its draftees as they stand. Pure: the same
 * records give the same report. Times run from the press (alert), and from the alert (confirm,
 * arrive); an arrival without a confirmation counts for both.
 */
export function afterActionReport(
  activation: Activation,
  draftees: readonly Draftee[],
  now: string,
): AfterActionReport {
  const live = draftees.filter((d) => d.status !== 'released');
  const counts = countsOf(draftees);
  const teams: TeamReport[] = activation.teams.map((team) => {
    const members = draftees.filter((d) => d.teamId === team.teamId);
    const teamCounts = countsOf(members);
    const filled = members.filter(answered).length;
    const arrivals = members
      .filter((d) => d.status === 'arrived')
      .map(arrivedAt)
      .filter((at): at is string => at !== undefined)
      .sort();
    return {
      teamId: team.teamId,
      gridName: team.gridName,
      quota: team.quota,
      counts: teamCounts,
      backfilled: members.filter((d) => d.source === 'reserve').length,
      filled,
      met: filled >= team.quota,
      shortfall: shortfall(team.quota, teamCounts),
      firstArrivalAt: arrivals[0],
      timeToConfirm: spread(members.filter(answered).map((d) => seconds(d.alertedAt, confirmedAt(d)))),
      missingSkills: team.missingSkills,
    };
  });
  const reasons = new Map<string, number>();
  for (const d of live) {
    if (d.status === 'declined') {
      const reason = d.reason?.trim() || '—';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
  }
  const quota = activation.teams.reduce((n, t) => n + t.quota, 0);
  const filled = teams.reduce((n, t) => n + Math.min(t.filled, t.quota), 0);
  const responded = live.filter(
    (d) => d.alertedAt && ['confirmed', 'declined', 'arrived'].includes(d.status),
  ).length;
  return {
    activationId: activation.activationId,
    communityId: activation.communityId,
    communityName: activation.communityName,
    kind: activation.kind,
    level: activation.level,
    drill: activation.drill,
    status: activation.status,
    startedAt: activation.startedAt,
    endedAt: activation.endedAt,
    durationSeconds: seconds(activation.startedAt, activation.endedAt ?? now) ?? null,
    counts,
    reminded: live.filter((d) => d.remindedAt).length,
    backfilled: live.filter((d) => d.source === 'reserve').length,
    responseRate: counts.alerted ? Math.round((responded / counts.alerted) * 1000) / 1000 : null,
    fillRate: quota ? Math.round((filled / quota) * 1000) / 1000 : null,
    timeToAlert: spread(live.map((d) => seconds(activation.startedAt, d.alertedAt))),
    timeToConfirm: spread(live.filter(answered).map((d) => seconds(d.alertedAt, confirmedAt(d)))),
    timeToArrive: spread(
      live.filter((d) => d.status === 'arrived').map((d) => seconds(d.alertedAt, arrivedAt(d))),
    ),
    teams,
    declineReasons: [...reasons.entries()]
      .map(([reason, count]) => ({ reason, count }))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    silent: live
      .filter((d) => d.status === 'noResponse' || (d.status === 'drafted' && d.alertedAt))
      .map((d) => ({ memberId: d.memberId, name: d.name, teamId: d.teamId })),
    curve: curveOf(activation, live, now),
    confirmDistribution: confirmDistribution(live),
  };
}

function curveOf(activation: Activation, live: readonly Draftee[], now: string): ResponseCurve {
  const end = minutesSince(activation.startedAt, activation.endedAt ?? now) ?? 0;
  return {
    overall: responseCurve(activation.startedAt, live, end),
    teams: activation.teams.map((team) => ({
      teamId: team.teamId,
      points: responseCurve(
        activation.startedAt,
        live.filter((d) => d.teamId === team.teamId),
        end,
      ),
    })),
  };
}

/** One line of history: an activation with its counts, how long it ran and its rates. */
export type HistoryEntry = Omit<Activation, 'teams' | 'unitIds' | 'endedBy'> & {
  counts: Counts;
  durationSeconds: number | null;
  /** Share of the drafted who confirmed (or arrived, which says yes too). */
  confirmedRate: number | null;
  /** Share of the drafted who arrived. */
  arrivedRate: number | null;
};

const rate = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 1000 : null);

/** An activation as a line of history, from its teams' counters. */
export function historyEntry(activation: Activation, counts: Counts, now: string): HistoryEntry {
  const { teams: _teams, unitIds: _units, endedBy: _by, ...head } = activation;
  return {
    ...head,
    counts,
    durationSeconds: seconds(activation.startedAt, activation.endedAt ?? now) ?? null,
    confirmedRate: rate(counts.confirmed + counts.arrived, counts.drafted),
    arrivedRate: rate(counts.arrived, counts.drafted),
  };
}

/** A drill set against the community's drills before it, for the report. */
export type DrillComparison = {
  activationId: string;
  startedAt: string;
  drafted: number;
  confirmedRate: number | null;
  arrivedRate: number | null;
  current: boolean;
};

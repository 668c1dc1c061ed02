import type { Spread } from './report';
import { spread } from './report';
import type { UnitKind, WhistleCategory } from './vocabulary';
import type { ResponderStatus, WhistleStatus } from './whistle';

/** A stored whistle as the records read it: its times and who was called, with their answers. */
export type RecordedWhistle = {
  whistleId: string;
  code: string;
  communityId: string;
  gridId: string;
  gridName: string;
  reason: string;
  category: WhistleCategory;
  status: WhistleStatus;
  people?: number | undefined;
  respondWithinMinutes: number;
  openedAt: string;
  firstAnswerAt?: string | undefined;
  filledAt?: string | undefined;
  closedAt?: string | undefined;
  activationId?: string | undefined;
  responders: readonly RecordedResponder[];
};

export type RecordedResponder = {
  memberId: string;
  unitId?: string | undefined;
  status: ResponderStatus;
  calledAt: string;
  respondedAt?: string | undefined;
};

/** A unit's name and kind, where the roster still knows it. */
export type UnitInfo = { unitId: string; name: string; kind: UnitKind };

/** Statuses of someone who turned up (报到): said they are coming, or arrived. */
const CAME: ReadonlySet<ResponderStatus> = new Set(['coming', 'arrived']);

const seconds = (from: string, to: string | undefined): number | undefined =>
  to === undefined ? undefined : Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);

/**
 * Whether a whistle was filled within its time to answer, counted from the raise: the first
 * deadline, before any widening.
 */
export function filledInTime(w: Pick<RecordedWhistle, 'openedAt' | 'filledAt' | 'respondWithinMinutes'>) {
  const took = seconds(w.openedAt, w.filledAt);
  return took !== undefined && took <= w.respondWithinMinutes * 60;
}

/**
 * What one unit did on one whistle: whether anyone of it was called, whether anyone came, and
 * the seconds from its first call to its first person coming.
 */
export type UnitOnWhistle = { unitId: string; answered: boolean; secondsToFirstAnswer?: number | undefined };

/** Each unit called to a whistle, sorted by id. People called for no unit are left out. */
export function unitsOnWhistle(w: Pick<RecordedWhistle, 'responders'>): UnitOnWhistle[] {
  const byUnit = new Map<string, { calledAt: string; answeredAt?: string | undefined }>();
  for (const r of w.responders) {
    if (r.unitId === undefined) continue;
    const seen = byUnit.get(r.unitId) ?? { calledAt: r.calledAt };
    if (r.calledAt < seen.calledAt) seen.calledAt = r.calledAt;
    if (CAME.has(r.status) && r.respondedAt && (!seen.answeredAt || r.respondedAt < seen.answeredAt))
      seen.answeredAt = r.respondedAt;
    byUnit.set(r.unitId, seen);
  }
  return [...byUnit.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([unitId, { calledAt, answeredAt }]) => ({
      unitId,
      answered: answeredAt !== undefined,
      secondsToFirstAnswer: seconds(calledAt, answeredAt),
    }));
}

/** One whistle as a line of the report. */
export type WhistleLine = {
  whistleId: string;
  code: string;
  gridId: string;
  gridName: string;
  category: WhistleCategory;
  reason: string;
  status: WhistleStatus;
  people: number;
  openedAt: string;
  called: number;
  came: number;
  toFirstAnswerSeconds: number | null;
  toFilledSeconds: number | null;
  toResolvedSeconds: number | null;
  filledInTime: boolean;
  /** Blown for a team's shortfall of this activation. */
  forActivation: boolean;
};

export type WhistleGridLine = {
  gridId: string;
  gridName: string;
  raised: number;
  filled: number;
  filledInTime: number;
};
export type WhistleUnitLine = {
  unitId: string;
  name: string;
  kind: UnitKind | null;
  /** Whistles that called someone of the unit. */
  called: number;
  /** Of them, whistles someone of the unit came to. */
  answered: number;
  /** Of the whistles it answered, those filled in time. */
  filledInTime: number;
  timeToFirstAnswer: Spread;
};

/** The after-action report's 吹哨报到 section. */
export type WhistleSection = {
  raised: number;
  filled: number;
  filledInTime: number;
  resolved: number;
  cancelled: number;
  /** Not closed when the report was read. */
  open: number;
  timeToFirstAnswer: Spread;
  timeToFilled: Spread;
  timeToResolved: Spread;
  grids: WhistleGridLine[];
  units: WhistleUnitLine[];
  whistles: WhistleLine[];
};

/**
 * Whether a whistle belongs in an activation's report: blown for it, or raised in its community
 * between the press and the stand-down (or now, while it is open).
 */
export function duringActivation(
  w: Pick<RecordedWhistle, 'communityId' | 'openedAt' | 'activationId'>,
  activation: { activationId: string; communityId: string; startedAt: string; endedAt?: string | undefined },
  now: string,
): boolean {
  if (w.activationId !== undefined) return w.activationId === activation.activationId;
  const end = activation.endedAt ?? now;
  return w.communityId === activation.communityId && w.openedAt >= activation.startedAt && w.openedAt <= end;
}

/**
 * The 吹哨报到 section of a report, from the whistles as they stand: per grid how many it raised,
 * per unit and department how many it answered and how fast, and the times from each raise to
 * its first answer, to filled and to resolved. Pure; whistles are listed oldest first.
 */
export function whistleSection(
  whistles: readonly RecordedWhistle[],
  units: readonly UnitInfo[],
): WhistleSection {
  const sorted = [...whistles].sort(
    (a, b) => a.openedAt.localeCompare(b.openedAt) || a.whistleId.localeCompare(b.whistleId),
  );
  const grids = new Map<string, WhistleGridLine>();
  const unitInfo = new Map(units.map((u) => [u.unitId, u]));
  const unitRows = new Map<string, { line: WhistleUnitLine; times: number[] }>();
  const lines: WhistleLine[] = sorted.map((w) => {
    const inTime = filledInTime(w);
    const grid = grids.get(w.gridId) ?? {
      gridId: w.gridId,
      gridName: w.gridName,
      raised: 0,
      filled: 0,
      filledInTime: 0,
    };
    grid.raised += 1;
    if (w.filledAt) grid.filled += 1;
    if (inTime) grid.filledInTime += 1;
    grids.set(w.gridId, grid);
    for (const u of unitsOnWhistle(w)) {
      const info = unitInfo.get(u.unitId);
      const row = unitRows.get(u.unitId) ?? {
        line: {
          unitId: u.unitId,
          name: info?.name ?? u.unitId,
          kind: info?.kind ?? null,
          called: 0,
          answered: 0,
          filledInTime: 0,
          timeToFirstAnswer: spread([]),
        },
        times: [],
      };
      row.line.called += 1;
      if (u.answered) {
        row.line.answered += 1;
        if (inTime) row.line.filledInTime += 1;
      }
      if (u.secondsToFirstAnswer !== undefined) row.times.push(u.secondsToFirstAnswer);
      unitRows.set(u.unitId, row);
    }
    return {
      whistleId: w.whistleId,
      code: w.code,
      gridId: w.gridId,
      gridName: w.gridName,
      category: w.category,
      reason: w.reason,
      status: w.status,
      people: w.people ?? 1,
      openedAt: w.openedAt,
      called: w.responders.length,
      came: w.responders.filter((r) => CAME.has(r.status)).length,
      toFirstAnswerSeconds: seconds(w.openedAt, w.firstAnswerAt) ?? null,
      toFilledSeconds: seconds(w.openedAt, w.filledAt) ?? null,
      toResolvedSeconds: w.status === 'resolved' ? (seconds(w.openedAt, w.closedAt) ?? null) : null,
      filledInTime: inTime,
      forActivation: w.activationId !== undefined,
    };
  });
  const count = (status: WhistleStatus) => sorted.filter((w) => w.status === status).length;
  return {
    raised: sorted.length,
    filled: sorted.filter((w) => w.filledAt).length,
    filledInTime: lines.filter((l) => l.filledInTime).length,
    resolved: count('resolved'),
    cancelled: count('cancelled'),
    open: count('open') + count('filled'),
    timeToFirstAnswer: spread(lines.map((l) => l.toFirstAnswerSeconds ?? undefined)),
    timeToFilled: spread(lines.map((l) => l.toFilledSeconds ?? undefined)),
    timeToResolved: spread(lines.map((l) => l.toResolvedSeconds ?? undefined)),
    grids: [...grids.values()].sort((a, b) => b.raised - a.raised || a.gridId.localeCompare(b.gridId)),
    units: [...unitRows.values()]
      .map(({ line, times }) => ({ ...line, timeToFirstAnswer: spread(times) }))
      .sort((a, b) => b.answered - a.answered || a.unitId.localeCompare(b.unitId)),
    whistles: lines,
  };
}

import type { Invocation } from './harness';

/**
 * Where the time between the first and the last alert went, read from the stream handler's
 * invocations and the gateway's accept times: per invocation that sent alerts, the time from
 * its start to its first accept (unmarshalling, reading the items, the first claim), the span
 * of its accepts, the time from its last accept to its end (the last settle), and the gap since
 * the previous invocation ended (the poller: checkpoint, GetRecords, unmarshalling).
 */
export type SendAnatomy = {
  invocations: number;
  invocationsWithAlerts: number;
  recordsPerInvocation: number;
  alertsPerInvocation: number;
  /** Means over the invocations that sent alerts, in milliseconds. */
  beforeFirstAcceptMs: number;
  acceptSpanMs: number;
  afterLastAcceptMs: number;
  gapBeforeMs: number;
  /** Time between the first and last alert when no invocation was sending. */
  idleBetweenInvocationsMs: number;
};

export function sendAnatomy(
  invocations: readonly Invocation[],
  acceptTimes: readonly number[],
  since: number,
): SendAnatomy {
  const times = [...acceptTimes].sort((a, b) => a - b);
  const list = invocations.filter((i) => i.end > since);
  const rows: { records: number; alerts: number; pre: number; span: number; post: number; gap: number }[] =
    [];
  for (const inv of list) {
    const inside = times.filter((t) => t >= inv.start && t <= inv.end);
    if (!inside.length) continue;
    const first = inside[0] as number;
    const last = inside.at(-1) as number;
    const previous = invocations[invocations.indexOf(inv) - 1];
    rows.push({
      records: inv.records,
      alerts: inside.length,
      pre: first - inv.start,
      span: last - first,
      post: inv.end - last,
      gap: previous ? inv.start - previous.end : 0,
    });
  }
  const mean = (pick: (r: (typeof rows)[number]) => number) =>
    rows.length ? rows.reduce((n, r) => n + pick(r), 0) / rows.length : 0;
  const whole = times.length > 1 ? (times.at(-1) as number) - (times[0] as number) : 0;
  return {
    invocations: list.length,
    invocationsWithAlerts: rows.length,
    recordsPerInvocation: mean((r) => r.records),
    alertsPerInvocation: mean((r) => r.alerts),
    beforeFirstAcceptMs: mean((r) => r.pre),
    acceptSpanMs: mean((r) => r.span),
    afterLastAcceptMs: mean((r) => r.post),
    gapBeforeMs: mean((r) => r.gap),
    idleBetweenInvocationsMs: Math.max(0, whole - rows.reduce((n, r) => n + r.span, 0)),
  };
}

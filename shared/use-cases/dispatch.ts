import pMap from 'p-map';
import pThrottle from 'p-throttle';
import {
  type ActivationRepository,
  chunk,
  type MessageUpdate,
  planEntriesOf,
  toActivation,
} from '../adapters/activation-repository';
import type { Clock } from '../adapters/clock';
import { backoff, type Item } from '../adapters/dynamo';
import type { MemberRepository } from '../adapters/member-repository';
import { type SmsGateway, SmsRejectedError, SmsThrottledError } from '../adapters/sms-gateway';
import type { Activation, Counts, Draftee, MessageKind, OutboxMessage } from '../domain/activation';
import { type CalloutVars, render, type SmsMessage } from '../domain/sms';
import { logger } from '../observability';
import type { ItemKey } from '../table';

/** One record of the table's stream, unmarshalled. `index` is its place in the batch. */
export type StreamChange = {
  index: number;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  newImage?: Item | undefined;
  oldImage?: Item | undefined;
};

export type DispatchPorts = {
  activations: ActivationRepository;
  members: MemberRepository;
  sms: SmsGateway;
  clock: Clock;
  /** Messages per second this consumer hands to the gateway. */
  rate: number;
  /** How long a claim on a message holds before another consumer may settle it. */
  leaseSeconds?: number;
  /** Tries per message while the gateway says it is busy. */
  maxAttempts?: number;
  /** Messages claimed, sent and settled together. */
  groupSize?: number;
};

export type DispatchStats = {
  materialized: number;
  closed: number;
  sent: number;
  failed: number;
  requeued: number;
  cancelled: number;
};

/** Kinds that must not go out once the person's activation has closed. */
const CALL_OUT_KINDS: ReadonlySet<MessageKind> = new Set(['alert', 'reminder', 'shortfall']);

/** Groups of queued messages read from the table at a time, ahead of sending them. */
const READ_AHEAD_GROUPS = 8;

/** A queued message, ready to be claimed, with the item it lives on. */
type Work = {
  key: ItemKey;
  messageKey: string;
  message: OutboxMessage;
  phone: string;
  team?: { activationId: string; teamId: string } | undefined;
  firstAlert: boolean;
  /** Claimed by a consumer that never settled it: ask the gateway before sending again. */
  reconcile: boolean;
  index: number;
};

type Outcome = { work: Work; update: MessageUpdate };

/** The stable name of one message, for the gateway and for reconciliation. */
export const dedupeKeyOf = (key: ItemKey, messageKey: string) => `${key.pk}/${key.sk}/${messageKey}`;

/** A queued outbox entry holding a message rendered now. */
export function queuedMessage(
  kind: MessageKind,
  message: SmsMessage,
  locale: 'zh' | 'en',
  now: string,
): OutboxMessage {
  return {
    kind,
    body: render(message, locale),
    template: { message, locale },
    state: 'queued',
    queuedAt: now,
    attempts: 0,
  };
}

/** What an alert or a reminder says of the call-out and of the recipient's team. */
export function callOutVars(activation: Activation, teamId: string, leader: boolean): CalloutVars {
  const team = activation.teams.find((t) => t.teamId === teamId);
  return {
    drill: activation.drill,
    communityName: activation.communityName,
    kind: activation.kind,
    level: activation.level,
    teamName: team?.gridName ?? teamId,
    leaderName: team?.leaderName ?? '',
    musterPoint: team?.musterPoint ?? '',
    isLeader: leader,
  };
}

/** The alert a draftee gets when their team is formed or they are called in from the reserves. */
export function alertMessage(
  activation: Activation,
  teamId: string,
  leader: boolean,
  now: string,
  backfill = false,
): OutboxMessage {
  return queuedMessage(
    'alert',
    { type: 'alert', ...callOutVars(activation, teamId, leader), backfill },
    activation.locale,
    now,
  );
}

/**
 * The consumer of the table's stream: turns plans into draftees, closes draftees at stand-down,
 * and sends every queued SMS exactly once, at the configured rate. Records are handled in order;
 * the index of the first record whose work is not done is returned, so that it and everything
 * after it is delivered again. Every step is conditional on the state it expects, so a record
 * delivered twice does nothing twice.
 */
export function makeDispatcher(ports: DispatchPorts) {
  const { activations, members, sms, clock } = ports;
  // A claim must outlast the time one group takes to send at the configured rate.
  const leaseMs = Math.max(
    (ports.leaseSeconds ?? 60) * 1000,
    ((2 * (ports.groupSize ?? 50)) / Math.max(ports.rate, 0.001)) * 1000 + 2_000,
  );
  const maxAttempts = ports.maxAttempts ?? 6;
  const groupSize = ports.groupSize ?? 50;
  // Spread sends evenly: small slots of a twentieth of a second rather than one burst a second.
  const perSlot = Math.max(1, Math.ceil(ports.rate / 20));
  const throttle = pThrottle({
    limit: perSlot,
    interval: Math.max(1, Math.round((1000 * perSlot) / ports.rate)),
  });
  const send = throttle((to: string, body: string, dedupeKey: string, template: unknown) =>
    sms.send({ to, body, dedupeKey, template }),
  );

  async function materialize(plan: Item): Promise<number> {
    const activation = await activations.get(String(plan.activationId));
    // A plan of a closed activation is not turned into people: nobody is alerted after stand-down.
    if (!activation || activation.status !== 'active') return 0;
    const entries = planEntriesOf(plan);
    const found = new Map(
      (await members.getMany(entries.map((e) => ({ communityId: e.communityId, memberId: e.memberId })))).map(
        (m) => [m.memberId, m],
      ),
    );
    const now = clock.now().toISOString();
    const groups = new Map<string, { teamId: string; draftees: Draftee[]; delta: Partial<Counts> }>();
    for (const entry of entries) {
      const member = found.get(entry.memberId);
      const usable = member?.available === true && !member.smsOptOut;
      const group = groups.get(entry.teamId) ?? { teamId: entry.teamId, draftees: [], delta: {} };
      groups.set(entry.teamId, group);
      if (!usable) {
        // Changed since the press: off the roster, unavailable or opted out. Released, not alerted.
        group.delta.drafted = (group.delta.drafted ?? 0) - 1;
        group.delta.released = (group.delta.released ?? 0) + 1;
      }
      group.draftees.push({
        activationId: activation.activationId,
        memberId: entry.memberId,
        communityId: entry.communityId,
        teamId: entry.teamId,
        name: member?.name ?? '',
        phone: member?.phone ?? '',
        leader: entry.leader,
        source: entry.source,
        status: usable ? 'drafted' : 'released',
        open: usable,
        drill: activation.drill,
        locale: activation.locale,
        musterPoint: activation.teams.find((t) => t.teamId === entry.teamId)?.musterPoint ?? '',
        draftedAt: now,
        reason: usable
          ? undefined
          : !member
            ? 'no longer on the roster'
            : member.smsOptOut
              ? 'opted out of SMS'
              : 'marked unavailable',
        outbox: usable ? { alert: alertMessage(activation, entry.teamId, entry.leader, now) } : {},
      });
    }
    return activations.insertDraftees(activation, [...groups.values()]);
  }

  async function closeAfterStandDown(image: Item): Promise<number> {
    const activation = toActivation(image);
    const draftees = await activations.listDraftees(activation.activationId);
    const now = clock.now().toISOString();
    const closings = draftees
      .filter((d) => d.open)
      .map((d) => ({
        memberId: d.memberId,
        cancel: Object.entries(d.outbox)
          // A message already claimed may be leaving this very moment: it is let finish.
          .filter(([, m]) => m.state === 'queued' && CALL_OUT_KINDS.has(m.kind))
          .map(([k]) => k),
        // Only people who know they were called out (alerted, or already answered) are told it is
        // over; reserves who said yes but were never needed at the muster point are thanked.
        message:
          d.alertedAt || d.status !== 'drafted' || d.outbox.alert?.state === 'sending'
            ? {
                key: 'standDown',
                value:
                  d.source === 'reserve' && d.status === 'confirmed'
                    ? queuedMessage(
                        'notNeeded',
                        {
                          type: 'notNeeded',
                          drill: activation.drill,
                          communityName: activation.communityName,
                        },
                        activation.locale,
                        now,
                      )
                    : queuedMessage(
                        'standDown',
                        {
                          type: 'standDown',
                          drill: activation.drill,
                          communityName: activation.communityName,
                          kind: activation.kind,
                        },
                        activation.locale,
                        now,
                      ),
              }
            : undefined,
      }));
    await activations.closeDraftees(activation.activationId, closings);
    return closings.length;
  }

  /** Items whose image shows a message waiting: queued, or claimed by a consumer whose lease ran out. */
  function pendingWork(changes: readonly StreamChange[]): Map<string, { key: ItemKey; index: number }> {
    const candidates = new Map<string, { key: ItemKey; index: number }>();
    const now = clock.now().getTime();
    const waitingMessage = (m: unknown) => {
      if (typeof m !== 'object' || m === null || !('state' in m)) return false;
      if (m.state === 'queued') return true;
      const lease = 'leaseUntil' in m && typeof m.leaseUntil === 'string' ? Date.parse(m.leaseUntil) : 0;
      return m.state === 'sending' && lease < now;
    };
    for (const change of changes) {
      const image = change.newImage;
      const outbox = image?.outbox;
      if (!image || typeof outbox !== 'object' || outbox === null) continue;
      const waiting = Object.values(outbox).some(waitingMessage);
      if (!waiting) continue;
      const id = `${String(image.pk)}|${String(image.sk)}`;
      if (!candidates.has(id))
        candidates.set(id, { key: { pk: String(image.pk), sk: String(image.sk) }, index: change.index });
    }
    return candidates;
  }

  function workOf(
    item: Item,
    index: number,
    now: number,
    cancels: MessageUpdate[],
    held: Set<number>,
  ): Work[] {
    const key = { pk: String(item.pk), sk: String(item.sk) };
    const draftee = item.type === 'draftee';
    const outbox = (item.outbox ?? {}) as Record<string, OutboxMessage>;
    const open = item.open !== false;
    const out: Work[] = [];
    for (const [messageKey, message] of Object.entries(outbox).sort(([, a], [, b]) =>
      a.queuedAt.localeCompare(b.queuedAt),
    )) {
      const expired = message.state === 'sending' && Date.parse(message.leaseUntil ?? '') < now;
      if (message.state === 'sending' && !expired) {
        // Claimed and not settled: if its sender died, nobody else will look at it again. Keep the
        // record to be delivered again; once the lease has run out it is reconciled and settled.
        held.add(index);
        continue;
      }
      if (message.state !== 'queued' && !expired) continue;
      if (draftee && !open && CALL_OUT_KINDS.has(message.kind)) {
        cancels.push({ key, messageKey, action: 'cancel' });
        continue;
      }
      out.push({
        key,
        messageKey,
        message,
        phone: String(item.phone ?? ''),
        team: draftee ? { activationId: String(item.activationId), teamId: String(item.teamId) } : undefined,
        firstAlert: draftee && message.kind === 'alert' && item.alertedAt === undefined,
        reconcile: expired,
        index,
      });
    }
    return out;
  }

  async function deliver(work: Work): Promise<Outcome> {
    const dedupeKey = dedupeKeyOf(work.key, work.messageKey);
    const base = { key: work.key, messageKey: work.messageKey, team: work.team };
    if (work.reconcile && (await sms.wasSent(dedupeKey)) === 'yes') {
      const at = clock.now().toISOString();
      return {
        work,
        update: {
          ...base,
          action: 'sent',
          sentAt: at,
          messageId: 'reconciled',
          delivered: false,
          firstAlert: work.firstAlert,
        },
      };
    }
    if (!work.phone)
      return {
        work,
        update: { ...base, action: 'failed', error: 'no phone number', firstAlert: work.firstAlert },
      };
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      try {
        const result = await send(work.phone, work.message.body, dedupeKey, work.message.template);
        return {
          work,
          update: {
            ...base,
            action: 'sent',
            sentAt: clock.now().toISOString(),
            messageId: result.messageId,
            delivered: result.delivered === true,
            firstAlert: work.firstAlert,
          },
        };
      } catch (error) {
        if (error instanceof SmsRejectedError) {
          return {
            work,
            update: { ...base, action: 'failed', error: error.reason, firstAlert: work.firstAlert },
          };
        }
        if (!(error instanceof SmsThrottledError)) logger.warn('sms gateway error; retrying', { error });
        await new Promise((resolve) => setTimeout(resolve, backoff(attempt, 50, 5_000)));
      }
    }
    // Still refused after every try: put it back; the record is retried later.
    return { work, update: { ...base, action: 'requeue' } };
  }

  async function sendAll(
    changes: readonly StreamChange[],
    remainingMs: () => number,
    stats: DispatchStats,
  ): Promise<number | undefined> {
    const candidates = [...pendingWork(changes).values()].sort((a, b) => a.index - b.index);
    if (candidates.length === 0) return undefined;
    let failedAt: number | undefined;
    const fail = (index: number) => {
      failedAt = failedAt === undefined ? index : Math.min(failedAt, index);
    };
    // A claim, a settle or a read runs while a group is sent; if anything fails meanwhile, the
    // error is reported where it is awaited, never left as an unhandled rejection.
    const quiet = <T>(promise: Promise<T>): Promise<T> => {
      promise.catch(() => undefined);
      return promise;
    };
    /** The current items behind some candidates, turned into work in record order. */
    const readWork = async (part: readonly { key: ItemKey; index: number }[]): Promise<Work[]> => {
      const indexOf = new Map(part.map((c) => [`${c.key.pk}|${c.key.sk}`, c.index]));
      const items = await activations.getDraftees(part.map((c) => c.key));
      const now = clock.now().getTime();
      const cancels: MessageUpdate[] = [];
      const held = new Set<number>();
      const work = items
        .flatMap((item) =>
          workOf(item, indexOf.get(`${String(item.pk)}|${String(item.sk)}`) ?? 0, now, cancels, held),
        )
        .sort((a, b) => a.index - b.index);
      if (cancels.length) {
        await activations.applyMessageUpdates(cancels);
        stats.cancelled += cancels.length;
      }
      if (held.size) fail(Math.min(...held));
      return work;
    };
    // The first items are read alone so that sending starts at once; the rest of the batch is
    // read a window at a time while earlier groups go out, the first once the first group is
    // claimed (not sooner: the first claim would wait behind it). Candidates are in record order,
    // so the groups stay in it too.
    const headSize = groupSize * 2;
    const groups = chunk(await readWork(candidates.slice(0, headSize)), groupSize);
    const windows = chunk(candidates.slice(headSize), groupSize * READ_AHEAD_GROUPS);
    let nextWindow = 0;
    let reading: { promise: Promise<Work[]>; firstIndex: number } | undefined;
    /** Starts reading the next window, unless one is being read or none is left. */
    const readAhead = () => {
      const window = windows[nextWindow];
      if (reading || !window) return;
      nextWindow++;
      reading = { promise: quiet(readWork(window)), firstIndex: window[0]?.index ?? 0 };
    };
    /** Group `g`, once the windows it needs have been read. */
    const groupAt = async (g: number): Promise<Work[] | undefined> => {
      while (g >= groups.length) {
        readAhead();
        const current = reading;
        if (!current) break;
        reading = undefined;
        try {
          groups.push(...chunk(await current.promise, groupSize));
        } catch (error) {
          // Not read: those records and all after them are delivered again; what was read goes out.
          logger.warn('reading queued messages failed; their records are retried', { error });
          fail(current.firstIndex);
          nextWindow = windows.length;
          break;
        }
      }
      return groups[g];
    };
    const claim = async (group: Work[]) => {
      const at = clock.now();
      const lease = new Date(at.getTime() + leaseMs).toISOString();
      const lost = await activations.applyMessageUpdates(
        group.map((w) => ({
          key: w.key,
          messageKey: w.messageKey,
          action: 'claim',
          leaseUntil: lease,
          now: at.toISOString(),
        })),
      );
      const taken = new Set(lost.map((u) => dedupeKeyOf(u.key, u.messageKey)));
      return group.filter((w) => !taken.has(dedupeKeyOf(w.key, w.messageKey)));
    };
    let settling: Promise<void> = Promise.resolve();
    const first = await groupAt(0);
    let nextClaim: Promise<Work[]> | undefined = first ? quiet(claim(first)) : undefined;
    try {
      for (let g = 0; nextClaim; g++) {
        const claimed = await nextClaim;
        // Keep the next window being read while the groups already read go out.
        if (groups.length - g <= READ_AHEAD_GROUPS / 2) readAhead();
        // Leave time to settle what is in flight; what is left is retried with the record.
        const budget = ((groupSize * 2) / Math.max(1, ports.rate)) * 1000 + 5_000;
        const next = await groupAt(g + 1);
        nextClaim = next && remainingMs() > budget ? quiet(claim(next)) : undefined;
        if (!nextClaim && next) fail(next[0]?.index ?? 0);
        // One phone's messages go out in the order they were queued; different phones in parallel.
        const byItem = new Map<string, Work[]>();
        for (const w of claimed) {
          const id = `${w.key.pk}|${w.key.sk}`;
          const list = byItem.get(id);
          if (list) list.push(w);
          else byItem.set(id, [w]);
        }
        const outcomes = (
          await pMap(
            [...byItem.values()],
            async (list) => {
              const done: Outcome[] = [];
              for (const w of list) done.push(await deliver(w));
              return done;
            },
            { concurrency: 32 },
          )
        ).flat();
        await settling;
        settling = quiet(
          (async () => {
            const lost = await activations.applyMessageUpdates(outcomes.map((o) => o.update));
            if (lost.length) logger.warn('outbox updates lost a race', { count: lost.length });
            for (const o of outcomes) {
              if (o.update.action === 'sent') stats.sent++;
              else if (o.update.action === 'failed') stats.failed++;
              else if (o.update.action === 'requeue') {
                stats.requeued++;
                fail(o.work.index);
              }
            }
          })(),
        );
      }
    } finally {
      // What was handed to the gateway is recorded before any error is reported.
      await settling;
    }
    return failedAt;
  }

  return {
    /** Handles one batch of stream records; returns the index of the first record to deliver again. */
    async handle(
      changes: readonly StreamChange[],
      remainingMs: () => number = () => Number.POSITIVE_INFINITY,
    ): Promise<{ failedAt?: number; stats: DispatchStats }> {
      const stats: DispatchStats = {
        materialized: 0,
        closed: 0,
        sent: 0,
        failed: 0,
        requeued: 0,
        cancelled: 0,
      };
      let failedAt: number | undefined;
      for (const change of changes) {
        const image = change.newImage;
        if (!image) continue;
        try {
          if (change.eventName === 'INSERT' && image.type === 'plan') {
            stats.materialized += await materialize(image);
          } else if (
            image.type === 'activation' &&
            image.status === 'stoodDown' &&
            change.oldImage?.status === 'active'
          ) {
            stats.closed += await closeAfterStandDown(image);
          }
        } catch (error) {
          logger.error('stream record failed', { error, index: change.index, type: image.type });
          failedAt = change.index;
          break;
        }
      }
      const before = failedAt === undefined ? changes : changes.filter((c) => c.index < (failedAt as number));
      const sendFailedAt = await sendAll(before, remainingMs, stats);
      if (sendFailedAt !== undefined)
        failedAt = failedAt === undefined ? sendFailedAt : Math.min(failedAt, sendFailedAt);
      return { ...(failedAt === undefined ? {} : { failedAt }), stats };
    },
  };
}

export type Dispatcher = ReturnType<typeof makeDispatcher>;

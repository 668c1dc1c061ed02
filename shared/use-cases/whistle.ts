import { createHash } from 'node:crypto';
import type { ActivationRepository } from '../adapters/activation-repository';
import type { AuditLog } from '../adapters/audit-log';
import type { Inbound, PhoneEntry } from '../adapters/check-in-repository';
import type { Clock, IdGenerator } from '../adapters/clock';
import type { MemberRepository } from '../adapters/member-repository';
import type { StructureRepository } from '../adapters/structure-repository';
import type { WhistleMessage, WhistleMessenger } from '../adapters/whistle-messages';
import type {
  NewEvent,
  PersonRef,
  ResponderRecord,
  WhistleDetail,
  WhistleRecord,
  WhistleRepository,
} from '../adapters/whistle-repository';
import { authorize, can, type Principal } from '../domain/access';
import { ConflictError, NotFoundError, ValidationError } from '../domain/errors';
import type { ParsedReply } from '../domain/reply';
import type { Member } from '../domain/roster';
import type { WhistleSms } from '../domain/sms';
import {
  type Answer,
  applyAnswer,
  isOverdue,
  nextLevel,
  parseSmsWhistle,
  respondWithin,
  type WhistleInput,
  type WhistleLevel,
  type WhistleStatus,
  type WhistleUnit,
  whoIsCalled,
} from '../domain/whistle';
import { logger } from '../observability';
import { toCandidate } from './activation';

export type WhistlePorts = {
  whistles: WhistleRepository;
  structure: StructureRepository;
  members: MemberRepository;
  activations: ActivationRepository;
  messenger: WhistleMessenger;
  clock: Clock;
  ids: IdGenerator;
  /** Where whistles raised and widened outside a request (SMS, the sweep) are recorded. */
  audit?: Pick<AuditLog, 'record'> | undefined;
};

/** A whistle as the API shows it. */
export type WhistleView = ReturnType<typeof toView>;

const shortId = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
const minutesLater = (at: string, minutes: number) =>
  new Date(Date.parse(at) + minutes * 60_000).toISOString();
const seconds = (from: string | undefined, to: string | undefined) =>
  from && to ? Math.round((Date.parse(to) - Date.parse(from)) / 1000) : undefined;
const isClosed = (status: WhistleStatus) => status === 'resolved' || status === 'cancelled';
/** Answers that count towards filling a whistle. */
const COUNTS = new Set(['coming', 'arrived']);
/** Responders the whistle still holds: they carry its marker. */
const HELD = new Set(['called', 'coming', 'declined', 'arrived']);

/** The short code a whistle is known by in SMS and on the console. */
export const whistleCode = (whistleId: string) => whistleId.slice(-6).toUpperCase();

/** A whistle as `GET /whistles/{id}` returns it. */
export function toView(detail: WhistleDetail, now: string) {
  const { whistle: w, responders, events } = detail;
  const coming = responders.filter((r) => COUNTS.has(r.status)).length;
  return {
    whistleId: w.whistleId,
    code: w.code,
    communityId: w.communityId,
    streetId: w.streetId,
    gridId: w.gridId,
    gridName: w.gridName,
    reason: w.reason,
    category: w.category,
    people: w.people ?? 1,
    skills: w.skills,
    respondWithinMinutes: w.respondWithinMinutes,
    level: w.level,
    status: w.status,
    via: w.via,
    ...(w.activationId ? { activationId: w.activationId } : {}),
    openedAt: w.openedAt,
    deadlineAt: w.deadlineAt,
    overdue: isOverdue(w.status, w.deadlineAt, now),
    filled: w.status === 'filled' || w.filledAt !== undefined,
    coming,
    notified: responders.length,
    firstAnswerAt: w.firstAnswerAt,
    filledAt: w.filledAt,
    closedAt: w.closedAt,
    note: w.note,
    warnings: w.warnings,
    times: {
      toFirstAnswerSeconds: seconds(w.openedAt, w.firstAnswerAt),
      toFilledSeconds: seconds(w.openedAt, w.filledAt),
      toClosedSeconds: seconds(w.openedAt, w.closedAt),
    },
    responders: responders
      .map((r) => ({
        memberId: r.memberId,
        ...(r.unitId ? { unitId: r.unitId } : {}),
        name: r.name,
        status: r.status,
        level: r.level,
        reason: r.reason,
        calledAt: r.calledAt,
        ...(r.respondedAt ? { respondedAt: r.respondedAt } : {}),
        ...(r.etaMinutes !== undefined ? { etaMinutes: r.etaMinutes } : {}),
      }))
      .sort((a, b) => a.calledAt.localeCompare(b.calledAt) || a.name.localeCompare(b.name)),
    events: events.map((e) => ({ at: e.at, type: e.type, detail: e.detail })),
  };
}

/** A whistle in a list: without its responders and events. */
export function toSummary(w: WhistleRecord, now: string) {
  return {
    whistleId: w.whistleId,
    code: w.code,
    communityId: w.communityId,
    gridId: w.gridId,
    gridName: w.gridName,
    reason: w.reason,
    category: w.category,
    people: w.people ?? 1,
    level: w.level,
    status: w.status,
    openedAt: w.openedAt,
    deadlineAt: w.deadlineAt,
    overdue: isOverdue(w.status, w.deadlineAt, now),
    filled: w.status === 'filled' || w.filledAt !== undefined,
    closedAt: w.closedAt,
  };
}

type Context = {
  units: WhistleUnit[];
  neighbours: string[];
  roster: Map<string, Member>;
  engaged: Set<string>;
};

/** The whistle flow: raise, widen, answer, fill, close; and a switch's precedence over it. */
export function makeWhistleUseCases(ports: WhistlePorts) {
  const { whistles, structure, members, activations, messenger, clock, ids } = ports;
  const event = (at: string, type: string, detail: Record<string, unknown> = {}): NewEvent => ({
    eventId: ids.next(),
    at,
    type,
    detail,
  });

  /** What `whoIsCalled` needs for a whistle of this grid: the street's units, the people, who is busy. */
  async function context(w: Pick<WhistleRecord, 'communityId' | 'streetId' | 'gridId' | 'category'>) {
    const [found, communities, allUnits] = await Promise.all([
      structure.getStructure(w.communityId),
      structure.listCommunitiesOfStreet(w.streetId),
      structure.listUnits(),
    ]);
    const inStreet = new Set(communities.map((c) => c.communityId));
    const units: WhistleUnit[] = allUnits
      .filter(
        (u) =>
          u.pairedGrids.some((g) => inStreet.has(g.communityId)) ||
          (u.kind === 'department' && u.pairedGrids.length === 0),
      )
      .map((u) => ({ unitId: u.unitId, kind: u.kind, serves: u.serves, pairedGrids: u.pairedGrids }));
    // Only units that can be called at some level are read.
    const relevant = units.filter(
      (u) => u.pairedGrids.some((g) => g.communityId === w.communityId) || u.serves.includes(w.category),
    );
    const [own, ...fromUnits] = await Promise.all([
      members.listCommunity(w.communityId),
      ...relevant.map((u) => members.listUnit(u.unitId)),
    ]);
    const roster = new Map<string, Member>();
    for (const m of [...own, ...fromUnits.flat()]) roster.set(m.memberId, m);
    const unitIds = [...new Set([...roster.values()].flatMap((m) => (m.unitId ? [m.unitId] : [])))].sort();
    const locks = await activations.getUnitLocks(unitIds);
    const engaged = new Set<string>();
    for (const lock of locks.values())
      for (const list of lock.engaged.values()) for (const id of list) engaged.add(id);
    const community = found?.community;
    if (community && community.mode !== 'normal' && community.activationId) {
      for (const d of await activations.listDraftees(community.activationId))
        if (d.open) engaged.add(d.memberId);
    }
    const grid = found?.grids.find((g) => g.gridId === w.gridId);
    return {
      found,
      ctx: { units, neighbours: grid?.neighbours ?? [], roster, engaged } satisfies Context,
    };
  }

  function callAt(
    w: WhistleRecord,
    ctx: Context,
    level: WhistleLevel,
    already: ReadonlySet<string>,
    now: string,
  ) {
    const calls = whoIsCalled({
      communityId: w.communityId,
      gridId: w.gridId,
      category: w.category,
      skills: w.skills,
      level,
      neighbours: ctx.neighbours,
      units: ctx.units,
      candidates: [...ctx.roster.values()].map(toCandidate),
      engaged: ctx.engaged,
      alreadyCalled: already,
    });
    return calls.flatMap((c): ResponderRecord[] => {
      const m = ctx.roster.get(c.memberId);
      if (!m) return [];
      return [
        {
          memberId: m.memberId,
          communityId: m.communityId,
          ...(c.unitId ? { unitId: c.unitId } : {}),
          name: m.name,
          phone: m.phone,
          status: 'called',
          level,
          reason: c.reason,
          calledAt: now,
        },
      ];
    });
  }

  const message = (
    w: WhistleRecord,
    r: Pick<ResponderRecord, 'memberId' | 'phone'>,
    sms: WhistleSms,
    tag: string,
  ) =>
    ({
      id: `whistle-${shortId(`${w.whistleId}/${r.memberId}/${tag}`)}`,
      phone: r.phone,
      message: sms,
    }) satisfies WhistleMessage;

  const callMessage = (w: WhistleRecord, r: ResponderRecord) =>
    message(
      w,
      r,
      {
        type: 'whistleCall',
        communityName: w.communityName,
        gridName: w.gridName,
        reason: w.reason,
        code: w.code,
      },
      `call`,
    );

  /** Calls the people of `level` and those above it while nobody is found; returns the whistle as left. */
  async function widenFrom(
    start: WhistleRecord,
    ctx: Context,
    level: WhistleLevel,
    already: Set<string>,
    now: string,
    first: boolean,
  ): Promise<{ whistle: WhistleRecord; called: ResponderRecord[] }> {
    let whistle = start;
    let current: WhistleLevel | undefined = level;
    const called: ResponderRecord[] = [];
    while (current) {
      if (!first || current !== level) {
        const next: WhistleRecord = {
          ...whistle,
          level: current,
          deadlineAt: minutesLater(now, whistle.respondWithinMinutes),
        };
        const result = await whistles.advance({
          whistle,
          next,
          events: [event(now, 'widened', { level: current })],
        });
        if (result !== 'applied') return { whistle, called };
        whistle = { ...next, version: whistle.version + 1 };
      }
      const wanted = callAt(whistle, ctx, current, already, now);
      const added = await whistles.addResponders(whistle.whistleId, wanted);
      for (const r of added) already.add(r.memberId);
      called.push(...added);
      await messenger.queue(
        added.map((r) => callMessage(whistle, r)),
        now,
      );
      if (added.length > 0) break;
      current = nextLevel(current);
    }
    return { whistle, called };
  }

  async function raiseCore(args: {
    communityId: string;
    input: WhistleInput;
    raisedBy: string;
    via: 'api' | 'sms';
    inbound?: Inbound;
    activationId?: string;
  }) {
    const { input } = args;
    const community = await structure.getCommunity(args.communityId);
    if (!community) throw new NotFoundError('community', args.communityId);
    const now = clock.now().toISOString();
    const whistleId = ids.next();
    if (input.activationId) {
      const activation = await activations.get(input.activationId);
      if (activation?.communityId !== args.communityId)
        throw new ValidationError(`unknown activation '${input.activationId}'`, [
          { path: 'activationId', message: `not an activation of community '${args.communityId}'` },
        ]);
    }
    const draft = {
      communityId: args.communityId,
      streetId: community.streetId,
      gridId: input.gridId,
      category: input.category,
    };
    const { found, ctx } = await context(draft);
    const grid = found?.grids.find((g) => g.gridId === input.gridId);
    if (!grid)
      throw new ValidationError(`unknown grid '${input.gridId}'`, [
        { path: 'gridId', message: `not a grid of community '${args.communityId}'` },
      ]);
    const warnings: string[] = [];
    if (!ctx.units.some((u) => u.serves.includes(input.category)))
      warnings.push(`nobody in the street serves ${input.category}: only the community will be told`);
    const minutes = respondWithin(input);
    const whistle: WhistleRecord = {
      whistleId,
      code: whistleCode(whistleId),
      communityId: args.communityId,
      communityName: community.name,
      streetId: community.streetId,
      gridId: input.gridId,
      gridName: grid.name,
      reason: input.reason,
      category: input.category,
      ...(input.people !== undefined ? { people: input.people } : {}),
      skills: input.skills ?? [],
      respondWithinMinutes: minutes,
      level: 'grid',
      status: 'open',
      openedAt: now,
      deadlineAt: minutesLater(now, minutes),
      raisedBy: args.raisedBy,
      via: args.via,
      ...(args.activationId ? { activationId: args.activationId } : {}),
      warnings,
      version: 0,
    };
    const created = await whistles.create(
      whistle,
      event(now, 'raised', { by: args.raisedBy, via: args.via, category: input.category }),
      args.inbound,
    );
    if (created === 'replayed') return { replayed: true as const };
    const { called } = await widenFrom(whistle, ctx, 'grid', new Set(), now, true);
    return { replayed: false as const, whistleId, called, now };
  }

  async function view(whistleId: string) {
    const detail = await whistles.get(whistleId);
    if (!detail) throw new NotFoundError('whistle', whistleId);
    return toView(detail, clock.now().toISOString());
  }

  async function audit(
    scope: string,
    action: string,
    whistleId: string,
    actor: string,
    details: Record<string, unknown>,
  ) {
    try {
      await ports.audit?.record([
        {
          auditId: ids.next(),
          scope,
          at: clock.now().toISOString(),
          action,
          actor,
          groups: [],
          target: { type: 'whistle', id: whistleId },
          requestId: actor,
          status: 200,
          details,
        },
      ]);
    } catch (error) {
      logger.error('audit entry could not be written', { error, action });
    }
  }

  async function close(principal: Principal, whistleId: string, to: 'resolved' | 'cancelled', note?: string) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const detail = await whistles.get(whistleId);
      if (!detail) throw new NotFoundError('whistle', whistleId);
      const { whistle } = detail;
      authorize(principal, 'whistle:raise', [whistle.communityId]);
      if (isClosed(whistle.status)) {
        if (whistle.status === to) return toView(detail, clock.now().toISOString());
        throw new ConflictError('WHISTLE_CLOSED', `the whistle is already ${whistle.status}`, [
          { path: 'status', message: `already ${whistle.status}` },
        ]);
      }
      const now = clock.now().toISOString();
      const next: WhistleRecord = {
        ...whistle,
        status: to,
        closedAt: now,
        ...(note ? { note } : {}),
      };
      const result = await whistles.advance({
        whistle,
        next,
        events: [event(now, to, { by: principal.sub, ...(note ? { note } : {}) })],
      });
      if (result !== 'applied') continue;
      const held = detail.responders.filter((r) => HELD.has(r.status));
      await whistles.settleResponders(
        whistleId,
        held.map((r) => ({ from: r, to: r.status === 'called' ? { ...r, status: 'notNeeded' } : r })),
      );
      await messenger.queue(
        held
          .filter((r) => r.status === 'called' || r.status === 'coming')
          .map((r) =>
            message(
              next,
              r,
              {
                type: 'whistleClosed',
                code: next.code,
                gridName: next.gridName,
                cancelled: to === 'cancelled',
              },
              to,
            ),
          ),
        now,
      );
      return view(whistleId);
    }
    throw new ConflictError('CONCURRENT_UPDATE', 'the whistle kept changing; try again');
  }

  return {
    /** `POST /communities/{id}/whistles`: admins, and the community's duty officers and commanders. */
    async raise(principal: Principal, communityId: string, input: WhistleInput) {
      authorize(principal, 'whistle:raise', [communityId]);
      const { activationId } = input;
      const result = await raiseCore({
        communityId,
        input,
        raisedBy: principal.sub,
        via: 'api',
        ...(activationId ? { activationId } : {}),
      });
      if (result.replayed) throw new Error('an API raise cannot be a replay');
      return view(result.whistleId);
    },

    async get(principal: Principal, whistleId: string) {
      const detail = await whistles.get(whistleId);
      if (!detail) throw new NotFoundError('whistle', whistleId);
      authorize(principal, 'board:read', [detail.whistle.communityId]);
      return toView(detail, clock.now().toISOString());
    },

    /** A community's whistles: open and filled first, then closed, newest first within each. */
    async list(principal: Principal, communityId: string, status?: WhistleStatus, limit = 50) {
      authorize(principal, 'board:read', [communityId]);
      const now = clock.now().toISOString();
      const items = await whistles.listCommunity(communityId, status ? 200 : limit);
      return items
        .filter((w) => !status || w.status === status)
        .slice(0, limit)
        .map((w) => toSummary(w, now));
    },

    /** The street's whistles not yet closed, those of communities the caller may read. */
    async listStreet(principal: Principal, streetId: string) {
      const now = clock.now().toISOString();
      const mine = principal.communities === '*' ? [] : principal.communities.slice(0, 1);
      // Anyone who may read some community's board may ask; they see their own communities' whistles.
      if (!can(principal, 'board:read', []) && !(mine.length > 0 && can(principal, 'board:read', mine)))
        authorize(principal, 'board:read', []);
      const items = await whistles.listOpenOfStreet(streetId);
      return items.filter((w) => can(principal, 'board:read', [w.communityId])).map((w) => toSummary(w, now));
    },

    resolve: (principal: Principal, whistleId: string, note: string) =>
      close(principal, whistleId, 'resolved', note),
    cancel: (principal: Principal, whistleId: string, note?: string) =>
      close(principal, whistleId, 'cancelled', note),

    /**
     * `吹哨` / `哨` from a phone: raised when it is a grid leader's, for their grid, acknowledged
     * with the short code. Undefined when the text is not a whistle.
     */
    async raiseBySms(
      entry: PhoneEntry,
      body: string,
      inbound: Inbound,
    ): Promise<'raised' | 'refused' | 'replayed' | undefined> {
      const parsed = parseSmsWhistle(body);
      if (parsed === undefined) return undefined;
      const now = clock.now().toISOString();
      const refuse = async (why: 'notLeader' | 'people') => {
        await messenger.queue(
          [
            {
              id: `whistle-refused-${shortId(inbound.id)}`,
              phone: entry.phone,
              message: { type: 'whistleRefused', why },
            },
          ],
          now,
        );
        return 'refused' as const;
      };
      if ('error' in parsed) return refuse('people');
      const member = await members.get(entry.communityId, entry.memberId);
      if (!member?.roles.includes('gridLeader') || !member.gridId) return refuse('notLeader');
      const result = await raiseCore({
        communityId: entry.communityId,
        input: {
          gridId: member.gridId,
          reason: parsed.reason,
          category: parsed.category,
          ...(parsed.people !== undefined ? { people: parsed.people } : {}),
        },
        raisedBy: `sms:${member.memberId}`,
        via: 'sms',
        inbound,
      });
      if (result.replayed) return 'replayed';
      await messenger.queue(
        [
          {
            id: `whistle-raised-${result.whistleId}`,
            phone: entry.phone,
            message: {
              type: 'whistleRaised',
              code: whistleCode(result.whistleId),
              notified: result.called.length,
            },
          },
        ],
        now,
      );
      await audit(entry.communityId, 'whistle.raise', result.whistleId, `sms:${member.memberId}`, {
        via: 'sms',
        category: parsed.category,
        notified: result.called.length,
      });
      return 'raised';
    },

    /**
     * An SMS answer (1 / 2 / 3) from someone on a whistle; undefined when they are on none.
     * The answer, its acknowledgement and the inbound id are one transaction.
     */
    async answerBySms(
      entry: PhoneEntry,
      parsed: ParsedReply,
      inbound: Inbound,
    ): Promise<'applied' | 'replayed' | 'ignored' | undefined> {
      if (parsed.kind !== 'confirm' && parsed.kind !== 'decline' && parsed.kind !== 'arrived')
        return undefined;
      const [marker] = await whistles.getMarkers([
        { communityId: entry.communityId, memberId: entry.memberId },
      ]);
      if (!marker) return undefined;
      const answer: Answer =
        parsed.kind === 'confirm'
          ? { kind: 'confirm', etaMinutes: parsed.etaMinutes }
          : parsed.kind === 'decline'
            ? { kind: 'decline' }
            : { kind: 'arrived' };
      for (let attempt = 0; attempt < 8; attempt++) {
        const detail = await whistles.get(marker.whistleId);
        const responder = detail?.responders.find((r) => r.memberId === entry.memberId);
        if (!detail || !responder || !HELD.has(responder.status) || isClosed(detail.whistle.status))
          return undefined;
        const { whistle } = detail;
        const now = clock.now().toISOString();
        const outcome = applyAnswer(
          {
            status: whistle.status,
            people: whistle.people ?? 1,
            responders: detail.responders.map((r) => ({
              memberId: r.memberId,
              status: r.status,
              etaMinutes: r.etaMinutes,
              respondedAt: r.respondedAt,
            })),
            firstAnswerAt: whistle.firstAnswerAt,
            filledAt: whistle.filledAt,
          },
          entry.memberId,
          answer,
          now,
        );
        const updated = outcome.state.responders.find((r) => r.memberId === entry.memberId);
        if (!updated) return undefined;
        const nextResponder: ResponderRecord = {
          ...responder,
          status: updated.status === 'notNeeded' ? responder.status : updated.status,
          respondedAt: now,
          ...(updated.etaMinutes !== undefined ? { etaMinutes: updated.etaMinutes } : {}),
        };
        const filledNow =
          outcome.notNeeded.length > 0 || (outcome.state.status === 'filled' && whistle.status === 'open');
        const next: WhistleRecord = {
          ...whistle,
          status: outcome.state.status,
          ...(outcome.state.firstAnswerAt ? { firstAnswerAt: outcome.state.firstAnswerAt } : {}),
          ...(outcome.state.filledAt ? { filledAt: outcome.state.filledAt } : {}),
        };
        const events = [event(now, 'answered', { memberId: entry.memberId, answer: nextResponder.status })];
        if (filledNow)
          events.push(
            event(now, 'filled', {
              coming: outcome.state.responders.filter((r) => COUNTS.has(r.status)).length,
            }),
          );
        const result = await whistles.advance({
          whistle,
          next,
          events,
          inbound,
          extra: [whistles.responderUpdate(whistle.whistleId, responder, nextResponder)],
        });
        if (result === 'replayed') return 'replayed';
        if (result === 'stale') continue;
        const ack: WhistleMessage = {
          id: `whistle-ack-${shortId(inbound.id)}`,
          phone: entry.phone,
          message: {
            type: 'whistleAck',
            code: whistle.code,
            answer:
              nextResponder.status === 'declined'
                ? 'declined'
                : nextResponder.status === 'arrived'
                  ? 'arrived'
                  : 'coming',
            ...(nextResponder.status === 'coming' && nextResponder.etaMinutes !== undefined
              ? { etaMinutes: nextResponder.etaMinutes }
              : {}),
          },
        };
        await messenger.queue([ack], now);
        if (filledNow) {
          const rest = detail.responders.filter((r) => outcome.notNeeded.includes(r.memberId));
          const settled = await whistles.settleResponders(
            whistle.whistleId,
            rest.map((r) => ({ from: r, to: { ...r, status: 'notNeeded' } })),
          );
          await messenger.queue(
            settled.map((r) =>
              message(
                next,
                r,
                { type: 'whistleNotNeeded', code: next.code, gridName: next.gridName },
                'notNeeded',
              ),
            ),
            now,
          );
        }
        return 'applied';
      }
      throw new Error('the whistle answer kept racing');
    },

    /**
     * Each minute: every open whistle past its deadline widens a level (grid → community →
     * street) and calls the new level's people; past the last level it is flagged overdue.
     */
    async sweep(): Promise<{ widened: number; overdue: number }> {
      const stats = { widened: 0, overdue: 0 };
      const now = clock.now().toISOString();
      for (const whistleId of await whistles.listDue(now)) {
        try {
          const detail = await whistles.get(whistleId);
          if (!detail) continue;
          const { whistle } = detail;
          if (whistle.status !== 'open' || whistle.overdueAt || whistle.deadlineAt > now) continue;
          const level = nextLevel(whistle.level);
          if (!level) {
            const result = await whistles.advance({
              whistle,
              next: { ...whistle, overdueAt: now },
              events: [event(now, 'overdue', { level: whistle.level })],
            });
            if (result === 'applied') stats.overdue++;
            continue;
          }
          const { ctx } = await context(whistle);
          const already = new Set(detail.responders.map((r) => r.memberId));
          const { called } = await widenFrom(whistle, ctx, level, already, now, false);
          stats.widened++;
          await audit(whistle.communityId, 'whistle.widen', whistleId, 'sweep', {
            level,
            called: called.length,
          });
        } catch (error) {
          logger.error('widening a whistle failed', { error, whistleId });
        }
      }
      return stats;
    },

    /**
     * A switch takes precedence: people just drafted are released from any whistle they are on,
     * and told so.
     */
    async releaseDrafted(people: readonly PersonRef[]): Promise<number> {
      const markers = await whistles.getMarkers(people);
      if (markers.length === 0) return 0;
      const now = clock.now().toISOString();
      let released = 0;
      const byWhistle = new Map<string, Set<string>>();
      for (const m of markers)
        byWhistle.set(m.whistleId, (byWhistle.get(m.whistleId) ?? new Set()).add(m.memberId));
      for (const [whistleId, memberIds] of byWhistle) {
        const detail = await whistles.get(whistleId);
        if (!detail) continue;
        const held = detail.responders.filter((r) => memberIds.has(r.memberId) && HELD.has(r.status));
        const settled = await whistles.settleResponders(
          whistleId,
          held.map((r) => ({ from: r, to: { ...r, status: 'released' } })),
        );
        released += settled.length;
        if (settled.length === 0) continue;
        // The whistle's version moves with the event, so a concurrent answer reads the release.
        for (let attempt = 0; attempt < 5; attempt++) {
          const fresh = attempt === 0 ? detail : await whistles.get(whistleId);
          if (!fresh) break;
          const result = await whistles.advance({
            whistle: fresh.whistle,
            next: fresh.whistle,
            events: [event(now, 'released', { memberIds: settled.map((r) => r.memberId), why: 'switch' })],
          });
          if (result === 'applied') break;
        }
        await messenger.queue(
          settled.map((r) =>
            message(detail.whistle, r, { type: 'whistleReleased', code: detail.whistle.code }, 'released'),
          ),
          now,
        );
      }
      return released;
    },
  };
}

export type WhistleUseCases = ReturnType<typeof makeWhistleUseCases>;

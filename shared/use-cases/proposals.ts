import pMap from 'p-map';
import type { Clock } from '../adapters/clock';
import type { ProposalRepository } from '../adapters/proposal-repository';
import type { StructureRepository } from '../adapters/structure-repository';
import { actsFor, authorize, can, type Principal } from '../domain/access';
import { type CapAlert, coveredPrefixes, parseCap, type Suggestion } from '../domain/cap';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors';
import {
  type AcceptByIdInput,
  type AcceptInput,
  type DismissByIdInput,
  type DismissInput,
  isLive,
  messageKey,
  type Proposal,
  planOf,
  type WarningResult,
} from '../domain/proposal';
import type { ActivationResponse, ActivationUseCases } from './activation';

export type ProposalPorts = {
  proposals: ProposalRepository;
  structure: StructureRepository;
  switchUseCases: Pick<ActivationUseCases, 'activate'>;
  clock: Clock;
};

type Entry = WarningResult['proposals'][number];
const WRITE_CONCURRENCY = 8;

const entryOf = (p: Proposal, change: Entry['change']): Entry => ({
  proposalId: p.proposalId,
  communityId: p.communityId,
  change,
  status: p.status,
  kind: p.kind,
  level: p.level,
  drill: p.drill,
  headline: p.headline,
  ...(p.expires ? { expires: p.expires } : {}),
});

/** The Idempotency-Key a proposal's acceptance presses the switch with: one press, whatever the retries. */
export const acceptanceKey = (proposalId: string) => `proposal-${proposalId}`;

/**
 * Official warnings in, proposals out: nothing switches by itself. A duty officer accepts a
 * proposal (one press of the same switch, pre-filled) or dismisses it.
 */
export function makeProposalUseCases({ proposals, structure, switchUseCases, clock }: ProposalPorts) {
  const now = () => clock.now().toISOString();

  /** The thread a message belongs to: an Alert starts one; an Update or Cancel joins its reference's. */
  async function threadOf(alert: CapAlert, key: string): Promise<string> {
    const reference = alert.msgType === 'Alert' ? undefined : alert.references[0];
    if (!reference) return key;
    const referenced = messageKey(reference.sender, reference.identifier);
    return (await proposals.getMessage(referenced))?.threadId ?? referenced;
  }

  /** Every community whose GB/T 2260 code lies under one of the warning's geocodes. */
  async function coveredCommunities(alert: CapAlert): Promise<string[]> {
    const lists = await Promise.all(coveredPrefixes(alert).map((p) => structure.listCommunityIdsInArea(p)));
    return [...new Set(lists.flat())].sort();
  }

  async function propose(
    alert: CapAlert,
    threadId: string,
    suggestion: Suggestion,
    communityIds: string[],
    formerly: string[],
  ): Promise<Entry[]> {
    const at = now();
    const fields = {
      kind: suggestion.kind,
      level: suggestion.level,
      drill: suggestion.drill,
      source: suggestion.source,
      sender: alert.sender,
      identifier: alert.identifier,
      headline: suggestion.headline,
      expires: suggestion.expires,
      updatedAt: at,
    };
    const written = await pMap(
      communityIds,
      async (communityId): Promise<Entry> => {
        const proposal: Proposal = {
          proposalId: threadId,
          communityId,
          status: 'open',
          receivedAt: at,
          ...fields,
        };
        const made = await proposals.create(proposal);
        if ('created' in made) return entryOf(proposal, 'created');
        const existing = made.existing ?? proposal;
        // An Update revises what is still open; an accepted or dismissed proposal stays decided.
        if (alert.msgType !== 'Update' || existing.status !== 'open') return entryOf(existing, 'unchanged');
        const revised = await proposals.transition(communityId, threadId, ['open'], 'open', fields);
        return 'proposal' in revised
          ? entryOf(revised.proposal, 'updated')
          : entryOf(revised.conflict ?? existing, 'unchanged');
      },
      { concurrency: WRITE_CONCURRENCY },
    );
    // An Update whose area no longer covers a community withdraws what it had proposed there.
    const dropped = formerly.filter((id) => !communityIds.includes(id));
    return [...written, ...(await withdraw(threadId, dropped))];
  }

  async function withdraw(threadId: string, communityIds: string[]): Promise<Entry[]> {
    const at = now();
    const done = await pMap(
      communityIds,
      async (communityId) => {
        const result = await proposals.transition(communityId, threadId, ['open'], 'withdrawn', {
          decidedAt: at,
          updatedAt: at,
        });
        if ('proposal' in result) return entryOf(result.proposal, 'withdrawn');
        return result.conflict ? entryOf(result.conflict, 'unchanged') : undefined;
      },
      { concurrency: WRITE_CONCURRENCY },
    );
    return done.filter((entry): entry is Entry => entry !== undefined);
  }

  async function proposalOf(communityId: string, proposalId: string): Promise<Proposal> {
    const proposal = await proposals.get(communityId, proposalId);
    if (!proposal) throw new NotFoundError('proposal', proposalId);
    return proposal;
  }

  /**
   * The community a proposal named by its id alone is decided in: of the communities its warning
   * proposed to, the one the caller acts for, or the one whose proposal is still open; the caller
   * names it (`communityId`) when several fit.
   */
  async function communityFor(
    principal: Principal,
    proposalId: string,
    communityId: string | undefined,
  ): Promise<string> {
    const covered = (await proposals.getThread(proposalId))?.communityIds ?? [];
    if (covered.length === 0) throw new NotFoundError('proposal', proposalId);
    if (communityId !== undefined) {
      if (!covered.includes(communityId))
        throw new ValidationError(`the warning did not propose to community '${communityId}'`, [
          { path: 'communityId', message: `one of ${covered.join(', ')}` },
        ]);
      return communityId;
    }
    const mine = covered.filter((id) => actsFor(principal, id));
    // Someone acting for none of them is refused as the community routes refuse them.
    if (mine.length === 0) authorize(principal, 'board:read', covered);
    if (mine.length === 1 && mine[0] !== undefined) return mine[0];
    const open = (await pMap(mine, (id) => proposals.get(id, proposalId), { concurrency: WRITE_CONCURRENCY }))
      .filter((p): p is Proposal => p?.status === 'open')
      .map((p) => p.communityId);
    if (open.length === 1 && open[0] !== undefined) return open[0];
    throw new ValidationError('the warning proposed to several of your communities: name one', [
      { path: 'communityId', message: `required: one of ${(open.length ? open : mine).join(', ')}` },
    ]);
  }

  const closed = (proposal: Proposal) =>
    new ConflictError('PROPOSAL_CLOSED', `proposal '${proposal.proposalId}' is ${proposal.status}`, [
      {
        path: 'proposalId',
        message: `the proposal is ${proposal.status}`,
        status: proposal.status,
        ...(proposal.activationId ? { activationId: proposal.activationId } : {}),
      },
    ]);

  return {
    /**
     * Takes a CAP 1.2 warning from an official feed. The same message (sender and identifier)
     * twice is recorded once: the second answer is the first one's, marked as a replay.
     */
    async receive(principal: Principal, xml: string): Promise<{ result: WarningResult; replayed: boolean }> {
      if (!principal.groups.some((g) => g === 'admin' || g === 'warningFeed'))
        throw new ForbiddenError('not allowed to receive warnings');
      const alert = parseCap(xml);
      const key = messageKey(alert.sender, alert.identifier);
      const seen = await proposals.getMessage(key);
      if (seen) return { result: seen.result, replayed: true };

      const threadId = await threadOf(alert, key);
      const plan = planOf(alert, now());
      const thread = plan.action === 'ignore' ? undefined : await proposals.getThread(threadId);
      const base = {
        warningId: key,
        sender: alert.sender,
        identifier: alert.identifier,
        msgType: alert.msgType,
        status: alert.status,
      };
      let result: WarningResult;
      if (plan.action === 'ignore') {
        result = { ...base, outcome: 'ignored', reason: plan.reason, proposals: [], skipped: [] };
      } else if (thread?.cancelled) {
        result = {
          ...base,
          outcome: 'ignored',
          reason: 'the warning was cancelled',
          proposals: [],
          skipped: [],
        };
      } else {
        const covered =
          plan.action === 'withdraw' ? (thread?.communityIds ?? []) : await coveredCommunities(alert);
        const allowed = covered.filter((id) => can(principal, 'warning:receive', [id]));
        if (covered.length > 0 && allowed.length === 0)
          throw new ForbiddenError(`not allowed to propose to ${covered.join(', ')}`);
        const skipped = covered
          .filter((id) => !allowed.includes(id))
          .map((communityId) => ({
            communityId,
            code: 'FORBIDDEN',
          }));
        if (plan.action === 'withdraw') {
          await proposals.updateThread(threadId, { cancel: true });
          result = { ...base, outcome: 'withdrawn', proposals: await withdraw(threadId, allowed), skipped };
        } else {
          const formerly = (thread?.communityIds ?? []).filter((id) => actsFor(principal, id));
          // The thread learns its communities first, so a Cancel racing this finds them all.
          await proposals.updateThread(threadId, { add: allowed });
          const entries = await propose(alert, threadId, plan.suggestion, allowed, formerly);
          result = { ...base, outcome: 'proposed', proposals: entries, skipped };
        }
      }
      const recorded = await proposals.putMessage({ messageKey: key, threadId, receivedAt: now(), result });
      if (!recorded) {
        const first = await proposals.getMessage(key);
        if (first) return { result: first.result, replayed: true };
      }
      return { result, replayed: false };
    },

    /** The community's open proposals whose warnings have not expired, oldest first. */
    async listOpen(principal: Principal, communityId: string): Promise<Proposal[]> {
      authorize(principal, 'board:read', [communityId]);
      if (!(await structure.getCommunity(communityId))) throw new NotFoundError('community', communityId);
      const at = now();
      return (await proposals.listOpen(communityId)).filter((p) => isLive(p, at));
    },

    /**
     * Accepts a proposal: one press of the switch, through the same use case and the same rules
     * as a person's press, pre-filled with the proposal's kind and level.
     */
    async accept(
      principal: Principal,
      communityId: string,
      proposalId: string,
      input: AcceptInput,
    ): Promise<ActivationResponse> {
      authorize(principal, 'board:read', [communityId]);
      const proposal = await proposalOf(communityId, proposalId);
      if (proposal.status !== 'open') throw closed(proposal);
      if (!isLive(proposal, now()))
        throw new ConflictError('PROPOSAL_EXPIRED', `proposal '${proposalId}' has expired`, [
          { path: 'proposalId', message: `the warning expired at ${proposal.expires}` },
        ]);
      if (proposal.drill && input.drill === false)
        throw new ValidationError('an exercise warning proposes only a drill', [
          { path: 'drill', message: 'must be true for an exercise warning' },
        ]);
      const { response } = await switchUseCases.activate(
        principal,
        communityId,
        {
          kind: input.kind ?? proposal.kind,
          level: input.level ?? proposal.level,
          drill: proposal.drill || (input.drill ?? false),
          note: input.note,
          locale: input.locale,
        },
        acceptanceKey(proposalId),
      );
      // A retry after the switch committed finds the proposal accepted already: same activation.
      await proposals.transition(communityId, proposalId, ['open', 'withdrawn'], 'accepted', {
        activationId: response.activationId,
        decidedAt: now(),
        decidedBy: principal.sub,
        updatedAt: now(),
      });
      return response;
    },

    /** `POST /proposals/{proposalId}/accept`: the community found from the warning, then as above. */
    async acceptById(
      principal: Principal,
      proposalId: string,
      input: AcceptByIdInput,
    ): Promise<ActivationResponse> {
      const { communityId, ...rest } = input;
      return this.accept(principal, await communityFor(principal, proposalId, communityId), proposalId, rest);
    },

    /** `POST /proposals/{proposalId}/dismiss`: the community found from the warning, then as below. */
    async dismissById(principal: Principal, proposalId: string, input: DismissByIdInput): Promise<Proposal> {
      const { communityId, ...rest } = input;
      return this.dismiss(
        principal,
        await communityFor(principal, proposalId, communityId),
        proposalId,
        rest,
      );
    },

    /** Dismisses a proposal: allowed to whoever could have accepted it as it stands. */
    async dismiss(
      principal: Principal,
      communityId: string,
      proposalId: string,
      input: DismissInput,
    ): Promise<Proposal> {
      authorize(principal, 'board:read', [communityId]);
      const proposal = await proposalOf(communityId, proposalId);
      authorize(principal, proposal.drill ? 'drill:switch' : 'emergency:switch', [communityId]);
      const result = await proposals.transition(communityId, proposalId, ['open'], 'dismissed', {
        decidedAt: now(),
        decidedBy: principal.sub,
        updatedAt: now(),
        note: input.note || undefined,
      });
      if ('proposal' in result) return result.proposal;
      const current = result.conflict ?? proposal;
      if (current.status === 'dismissed') return current;
      throw closed(current);
    },
  };
}

export type ProposalUseCases = ReturnType<typeof makeProposalUseCases>;

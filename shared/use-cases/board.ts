import type { ActivationRepository, PlanEntry, Team } from '../adapters/activation-repository';
import type { Clock } from '../adapters/clock';
import type { MemberRepository } from '../adapters/member-repository';
import type { StructureRepository } from '../adapters/structure-repository';
import type { WhistleRepository } from '../adapters/whistle-repository';
import { authorize, type Principal } from '../domain/access';
import {
  type Activation,
  type Counts,
  type Draftee,
  type DrafteeStatus,
  type MessageKind,
  shortfall,
  zeroCounts,
} from '../domain/activation';
import { alertDelivery, type DeliveryState, frequencyLimitedKinds } from '../domain/delivery';
import { NotFoundError } from '../domain/errors';
import { type AfterActionReport, afterActionReport } from '../domain/report';
import { reportCsv } from '../domain/report-csv';
import type { VoiceLine } from '../domain/voice';
import { duringActivation, type WhistleSection, whistleSection } from '../domain/whistle-report';

export type BoardMember = {
  memberId: string;
  name: string;
  phone?: string | undefined;
  status: DrafteeStatus;
  leader: boolean;
  source: Draftee['source'];
  alertedAt?: string | undefined;
  deliveredAt?: string | undefined;
  respondedAt?: string | undefined;
  etaMinutes?: number | undefined;
  reason?: string | undefined;
  /** The alert with the provider: sent, delivered, failed or frequency-limited (from receipts). */
  delivery?: DeliveryState | undefined;
  /** The provider's reason when the alert did not reach the phone. */
  deliveryReason?: string | undefined;
  /** Messages to this person the provider frequency-limited, by kind: recorded, never retried. */
  frequencyLimited?: MessageKind[] | undefined;
  /** The voice call for the silent, when one was rung or tried. */
  voice?: BoardVoice | undefined;
};

/** The voice call as the board shows it: where it stands, and what came of it. */
export type BoardVoice = Pick<VoiceLine, 'status' | 'at' | 'keypress' | 'durationSeconds' | 'error'>;

function voiceLine(d: Draftee): Pick<BoardMember, 'voice'> {
  if (!d.voice) return {};
  const { status, at, keypress, durationSeconds, error } = d.voice;
  return { voice: { status, at, keypress, durationSeconds, error } };
}

export type BoardTeam = Omit<Team, 'counts'> & {
  counts: Counts;
  shortfall: number;
  members?: BoardMember[];
};

export type Board = Omit<Activation, 'teams' | 'unitIds'> & {
  mode: 'emergency' | 'drill';
  counts: Counts;
  teams: BoardTeam[];
};

/** What the member's line shows of the provider: the alert's delivery and any capped messages. */
function deliveryLine(d: Draftee): Pick<BoardMember, 'delivery' | 'deliveryReason' | 'frequencyLimited'> {
  const limited = frequencyLimitedKinds(d);
  return { ...alertDelivery(d), ...(limited.length ? { frequencyLimited: limited } : {}) };
}

/** What a person's status reads as on the board: alerted once the SMS has gone and nothing came back. */
export function displayStatus(d: Pick<Draftee, 'status' | 'alertedAt'>): DrafteeStatus {
  return d.status === 'drafted' && d.alertedAt ? 'alerted' : d.status;
}

function sum(list: readonly Counts[]): Counts {
  const total = zeroCounts();
  for (const c of list) for (const k of Object.keys(total) as (keyof Counts)[]) total[k] += c[k];
  return total;
}

/** The community command's board: counts from counters, members team by team. */
export function makeBoardUseCases({
  activations,
  members,
}: {
  activations: ActivationRepository;
  members: MemberRepository;
}) {
  return {
    /**
     * The board. Counts come from the teams' counters, two reads whatever the size; with
     * `view: 'counts'` that is all it reads. The full view adds every member, team by team.
     */
    async get(principal: Principal, activationId: string, view: 'full' | 'counts' = 'full'): Promise<Board> {
      const found = await activations.getWithTeams(activationId);
      if (!found) throw new NotFoundError('activation', activationId);
      const { activation, teams } = found;
      authorize(principal, 'board:read', [activation.communityId]);

      let byTeam: Map<string, BoardMember[]> | undefined;
      if (view === 'full') {
        const draftees = await activations.listDraftees(activationId);
        byTeam = new Map();
        const seen = new Set(draftees.map((d) => d.memberId));
        for (const d of draftees) {
          const list = byTeam.get(d.teamId) ?? [];
          list.push({
            memberId: d.memberId,
            name: d.name,
            phone: d.phone || undefined,
            status: displayStatus(d),
            leader: d.leader,
            source: d.source,
            alertedAt: d.alertedAt,
            deliveredAt: d.deliveredAt,
            respondedAt: d.respondedAt,
            etaMinutes: d.etaMinutes,
            reason: d.reason,
            ...deliveryLine(d),
            ...voiceLine(d),
          });
          byTeam.set(d.teamId, list);
        }
        // Right after the press the plan may not have become draftees yet: show it as drafted.
        if (seen.size < activation.drafted) {
          const waiting = (await activations.getPlan(activationId)).filter((e) => !seen.has(e.memberId));
          await addPlanned(waiting, byTeam, members);
        }
      }
      const boardTeams: BoardTeam[] = teams.map((t) => ({
        ...t,
        shortfall: shortfall(t.quota, t.counts),
        ...(byTeam
          ? {
              members: (byTeam.get(t.teamId) ?? []).sort(
                (a, b) => Number(b.leader) - Number(a.leader) || a.name.localeCompare(b.name, 'zh'),
              ),
            }
          : {}),
      }));
      const { teams: _teams, unitIds: _units, ...head } = activation;
      return {
        ...head,
        mode: activation.drill ? 'drill' : 'emergency',
        counts: sum(teams.map((t) => t.counts)),
        teams: boardTeams,
      };
    },
  };
}

async function addPlanned(
  waiting: PlanEntry[],
  byTeam: Map<string, BoardMember[]>,
  members: MemberRepository,
) {
  if (!waiting.length) return;
  const names = new Map(
    (await members.getMany(waiting.map((e) => ({ communityId: e.communityId, memberId: e.memberId })))).map(
      (m) => [m.memberId, m],
    ),
  );
  for (const e of waiting) {
    const list = byTeam.get(e.teamId) ?? [];
    list.push({
      memberId: e.memberId,
      name: names.get(e.memberId)?.name ?? '',
      phone: names.get(e.memberId)?.phone,
      status: 'drafted',
      leader: e.leader,
      source: e.source,
    });
    byTeam.set(e.teamId, list);
  }
}

export type BoardUseCases = ReturnType<typeof makeBoardUseCases>;

/** The report with its 吹哨报到 section: the whistles raised in the community while it ran. */
export type ReportWithWhistles = AfterActionReport & { whistles: WhistleSection };

/** The after-action report of an activation, open or closed. */
export function makeReportUseCases({
  activations,
  whistles,
  structure,
  clock,
}: {
  activations: ActivationRepository;
  whistles: Pick<WhistleRepository, 'listCommunityRaisedBetween' | 'get'>;
  structure: Pick<StructureRepository, 'getUnits'>;
  clock: Clock;
}) {
  /** The whistles of the activation's community raised from its press to its stand-down (or now). */
  async function whistlesDuring(activation: Activation, now: string): Promise<WhistleSection> {
    const raised = await whistles.listCommunityRaisedBetween(
      activation.communityId,
      activation.startedAt,
      activation.endedAt ?? now,
    );
    const details = await Promise.all(
      raised.filter((w) => duringActivation(w, activation, now)).map((w) => whistles.get(w.whistleId)),
    );
    const recorded = details.flatMap((d) => (d ? [{ ...d.whistle, responders: d.responders }] : []));
    const unitIds = [...new Set(recorded.flatMap((w) => w.responders.flatMap((r) => r.unitId ?? [])))];
    const units = unitIds.length > 0 ? await structure.getUnits(unitIds) : [];
    return whistleSection(recorded, units);
  }

  return {
    async get(principal: Principal, activationId: string): Promise<ReportWithWhistles> {
      const activation = await activations.get(activationId);
      if (!activation) throw new NotFoundError('activation', activationId);
      authorize(principal, 'board:read', [activation.communityId]);
      const now = clock.now().toISOString();
      const [draftees, whistleReport] = await Promise.all([
        activations.listDraftees(activationId),
        whistlesDuring(activation, now),
      ]);
      return { ...afterActionReport(activation, draftees, now), whistles: whistleReport };
    },
    /** The report as CSV: one row per drafted person. */
    async csv(principal: Principal, activationId: string): Promise<string> {
      const activation = await activations.get(activationId);
      if (!activation) throw new NotFoundError('activation', activationId);
      authorize(principal, 'board:read', [activation.communityId]);
      return reportCsv(activation, await activations.listDraftees(activationId));
    },
  };
}

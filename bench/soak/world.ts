import { type DynamoDBDocumentClient, paginateScan, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import {
  COUNTERS,
  type Counts,
  countsOf,
  DRAFTEE_STATUSES,
  OUTBOX_STATES,
} from '../../shared/domain/activation';
import { keys } from '../../shared/table';

/** What the soak reads of the table, parsed by its own schemas so it does not lean on the adapters. */
const message = z.object({ kind: z.string(), state: z.enum(OUTBOX_STATES) }).passthrough();
const draftee = z.object({
  pk: z.string(),
  sk: z.string(),
  type: z.literal('draftee'),
  activationId: z.string(),
  memberId: z.string(),
  teamId: z.string(),
  phone: z.string(),
  status: z.enum(DRAFTEE_STATUSES),
  open: z.boolean(),
  alertedAt: z.string().optional(),
  respondedAt: z.string().optional(),
  deliveredAt: z.string().optional(),
  outbox: z.record(z.string(), message).default({}),
});
const team = z.object({
  type: z.literal('team'),
  activationId: z.string(),
  teamId: z.string(),
  counts: z.object(Object.fromEntries(COUNTERS.map((c) => [c, z.number().default(0)]))).partial(),
});
const activation = z.object({
  type: z.literal('activation'),
  activationId: z.string(),
  communityId: z.string(),
  status: z.enum(['active', 'stoodDown']),
  startedAt: z.string(),
  endedAt: z.string().optional(),
});
const plan = z.object({ type: z.literal('plan'), activationId: z.string(), entries: z.array(z.string()) });
const phoneMessage = z
  .object({ pk: z.string(), direction: z.enum(['in', 'out']), dedupeKey: z.string().optional() })
  .passthrough();

export type SoakDraftee = z.infer<typeof draftee>;
export type SoakActivation = z.infer<typeof activation>;
export type World = {
  draftees: SoakDraftee[];
  teams: z.infer<typeof team>[];
  activations: SoakActivation[];
  plannedBy: Map<string, number>;
  /** Each activation's plan entries (member and team), as the press wrote them. */
  planEntries: Map<string, { memberId: string; teamId: string }[]>;
};

async function scanAll(doc: DynamoDBDocumentClient, table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: doc }, { TableName: table, ConsistentRead: true }))
    items.push(...(page.Items ?? []));
  return items;
}

/** Everything the day left in the table (a scan: this is a test bench, not a request path). */
export async function readWorld(doc: DynamoDBDocumentClient, table: string): Promise<World> {
  const world: World = {
    draftees: [],
    teams: [],
    activations: [],
    plannedBy: new Map(),
    planEntries: new Map(),
  };
  for (const item of await scanAll(doc, table)) {
    if (item.type === 'draftee') world.draftees.push(draftee.parse(item));
    else if (item.type === 'team') world.teams.push(team.parse(item));
    else if (item.type === 'activation') world.activations.push(activation.parse(item));
    else if (item.type === 'plan') {
      const p = plan.parse(item);
      world.plannedBy.set(p.activationId, (world.plannedBy.get(p.activationId) ?? 0) + p.entries.length);
      const entries = p.entries.map((e) => {
        const [memberId = '', , teamId = ''] = e.split('|');
        return { memberId, teamId };
      });
      world.planEntries.set(p.activationId, [...(world.planEntries.get(p.activationId) ?? []), ...entries]);
    }
  }
  return world;
}

/** The draftees of one activation, read straight from the table. */
export async function drafteesOf(
  doc: DynamoDBDocumentClient,
  table: string,
  activationId: string,
): Promise<SoakDraftee[]> {
  const out: SoakDraftee[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :m)',
        ExpressionAttributeValues: { ':pk': keys.activation(activationId).pk, ':m': keys.drafteePrefix },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    out.push(...(page.Items ?? []).map((i) => draftee.parse(i)));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** How many SMS the simulated network carried under each dedupe key (duplicates included). */
export async function sentByKey(
  doc: DynamoDBDocumentClient,
  phoneTable: string,
): Promise<Map<string, number>> {
  const sent = new Map<string, number>();
  for (const item of await scanAll(doc, phoneTable)) {
    // The network also keeps a tally per key; the messages themselves live under each phone.
    if (typeof item.pk !== 'string' || !item.pk.startsWith('PHONE#')) continue;
    const m = phoneMessage.parse(item);
    if (m.direction !== 'out') continue;
    const key = m.dedupeKey ?? '(none)';
    sent.set(key, (sent.get(key) ?? 0) + 1);
  }
  return sent;
}

/** Messages not yet in a final state. */
export function unsettled(draftees: readonly SoakDraftee[]): { queued: number; sending: number } {
  let queued = 0;
  let sending = 0;
  for (const d of draftees)
    for (const m of Object.values(d.outbox)) {
      if (m.state === 'queued') queued++;
      if (m.state === 'sending') sending++;
    }
  return { queued, sending };
}

/**
 * Teams whose stored counters differ from what their draftees' statuses say. A plan entry that
 * never became a draftee (its activation was stood down first) still counts as `drafted`: the
 * press counts the whole plan as drafted, and only its draftees move the counters after that.
 */
export function countersOff(world: World): string[] {
  const off: string[] = [];
  const drafted = new Set(world.draftees.map((d) => `${d.activationId}/${d.memberId}`));
  for (const t of world.teams) {
    const undrafted = (world.planEntries.get(t.activationId) ?? []).filter(
      (e) => e.teamId === t.teamId && !drafted.has(`${t.activationId}/${e.memberId}`),
    ).length;
    const expected = countsOf(
      world.draftees
        .filter((d) => d.activationId === t.activationId && d.teamId === t.teamId)
        .map((d) => ({
          status: d.status,
          alertedAt: d.alertedAt,
          deliveredAt: d.deliveredAt,
          respondedAt: d.respondedAt,
          outbox: Object.fromEntries(
            Object.entries(d.outbox).map(([k, m]) => [
              k,
              { kind: 'alert' as const, body: '', queuedAt: '', attempts: 0, state: m.state },
            ]),
          ),
        })),
    );
    expected.drafted += undrafted;
    const stored = t.counts as Partial<Counts>;
    const differs = COUNTERS.filter((c) => (stored[c] ?? 0) !== expected[c]);
    if (differs.length) off.push(`${t.activationId}/${t.teamId}: ${differs.join(',')}`);
  }
  return off;
}

/** People (by phone) who were on two call-outs open at the same time. */
export function doubleCallOuts(world: World): number {
  const byActivation = new Map(world.activations.map((a) => [a.activationId, a]));
  const byPhone = new Map<string, SoakDraftee[]>();
  for (const d of world.draftees) {
    if (d.status === 'released' || !d.phone) continue;
    byPhone.set(d.phone, [...(byPhone.get(d.phone) ?? []), d]);
  }
  let people = 0;
  for (const list of byPhone.values()) {
    const spans = list
      .map((d) => byActivation.get(d.activationId))
      .filter((a): a is SoakActivation => a !== undefined)
      .map((a) => ({ from: a.startedAt, to: a.endedAt ?? '9999' }))
      .sort((a, b) => a.from.localeCompare(b.from));
    if (spans.some((s, i) => i > 0 && (spans[i - 1]?.to ?? '') > s.from)) people++;
  }
  return people;
}

import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Activation, Counts } from '../domain/activation';
import { zeroCounts } from '../domain/activation';
import { keys } from '../table';
import { toActivation, toTeamCounts } from './activation-repository';
import { batchGetAll } from './dynamo';

/** Which activations a history read keeps: drills or real ones, started within `[from, to]` (ISO). */
export type HistoryFilter = {
  drill?: boolean | undefined;
  from?: string | undefined;
  to?: string | undefined;
};

/** A page of history: activations newest first, each with its teams' counters added up. */
export type HistoryPage = { items: { activation: Activation; counts: Counts }[]; nextCursor?: string };

/** A history cursor is the index sort key (`startedAt#activationId`) of the last item returned. */
export const encodeHistoryCursor = (sortKey: string) => Buffer.from(sortKey, 'utf8').toString('base64url');

/** The sort key inside a cursor, or undefined when the text is not one. */
export function decodeHistoryCursor(cursor: string): string | undefined {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^\d{4}-\d{2}-\d{2}T[\d:.]+Z#[A-Za-z0-9]+$/.test(text) ? text : undefined;
}

const sortKeyOf = (a: Activation) => `${a.startedAt}#${a.activationId}`;

/**
 * Reads activation history from the community index (`gsi2`: `ACTIVATIONS#<community>`, sorted
 * by `startedAt#activationId`). The date range is a key condition; drill or real is a filter.
 * Because the cursor is the sort key itself, the same cursor pages one community or a merge of
 * a street's communities.
 */
export class HistoryRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Up to `limit` activations of one community older than `before`, newest first. */
  async listCommunity(
    communityId: string,
    filter: HistoryFilter,
    limit: number,
    before?: string,
  ): Promise<{ items: Activation[]; more: boolean }> {
    const lo = filter.from ?? '0';
    const hiFromFilter = filter.to ? `${filter.to}\uffff` : '\uffff';
    const hi = before && before < hiFromFilter ? before : hiFromFilter;
    const items: Activation[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi2',
          KeyConditionExpression: 'gsi2pk = :p AND gsi2sk BETWEEN :lo AND :hi',
          ...(filter.drill === undefined ? {} : { FilterExpression: 'drill = :d' }),
          ExpressionAttributeValues: {
            ':p': keys.activationsOfCommunity(communityId),
            ':lo': lo,
            ':hi': hi,
            ...(filter.drill === undefined ? {} : { ':d': filter.drill }),
          },
          ScanIndexForward: false,
          Limit: limit + 1,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const activation = toActivation(item);
        // BETWEEN is inclusive: the cursor's own item was on the page before.
        if (before && sortKeyOf(activation) >= before) continue;
        items.push(activation);
      }
      start = page.LastEvaluatedKey;
    } while (start && items.length <= limit);
    return { items: items.slice(0, limit), more: items.length > limit || start !== undefined };
  }

  /** History of several communities merged newest first, one page of `limit`. */
  async list(
    communityIds: readonly string[],
    filter: HistoryFilter,
    limit: number,
    cursor?: string,
  ): Promise<HistoryPage> {
    const before = cursor === undefined ? undefined : decodeHistoryCursor(cursor);
    if (cursor !== undefined && before === undefined) throw new Error('bad cursor');
    const pages = await Promise.all(communityIds.map((id) => this.listCommunity(id, filter, limit, before)));
    const merged = pages.flatMap((p) => p.items).sort((a, b) => (sortKeyOf(a) < sortKeyOf(b) ? 1 : -1));
    const page = merged.slice(0, limit);
    const more = merged.length > limit || pages.some((p) => p.more);
    const last = page.at(-1);
    const counts = await this.countsOf(page);
    return {
      items: page.map((activation) => ({
        activation,
        counts: counts.get(activation.activationId) ?? zeroCounts(),
      })),
      ...(more && last ? { nextCursor: encodeHistoryCursor(sortKeyOf(last)) } : {}),
    };
  }

  /** Each activation's team counters, added up: one batch read for the whole page. */
  private async countsOf(activations: readonly Activation[]): Promise<Map<string, Counts>> {
    const wanted = activations.flatMap((a) => a.teams.map((t) => keys.team(a.activationId, t.teamId)));
    const items = wanted.length ? await batchGetAll(this.doc, this.table, wanted, false) : [];
    const byPartition = new Map(activations.map((a) => [keys.activation(a.activationId).pk, a.activationId]));
    const totals = new Map<string, Counts>();
    for (const item of items) {
      const activationId = typeof item.pk === 'string' ? byPartition.get(item.pk) : undefined;
      if (!activationId) continue;
      const total = totals.get(activationId) ?? zeroCounts();
      const counts = toTeamCounts(item);
      for (const k of Object.keys(total) as (keyof Counts)[]) total[k] += counts[k];
      totals.set(activationId, total);
    }
    return totals;
  }
}

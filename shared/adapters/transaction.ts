import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import pMap from 'p-map';
import type { ItemKey } from '../table';
import { type Item, type TransactItem, transactWrite } from './dynamo';

/** DynamoDB refuses transactions over 100 items or 4 MB; stay clear of both. */
export const TRANSACTION_ITEMS = 100;
export const TRANSACTION_BYTES = 3_500_000;

/** Splits a list into lists of at most `size`. */
export function chunk<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Counters to move on one item's `counts` map, by name. */
export type CounterDelta = Readonly<Partial<Record<string, number>>>;

/** A part of a transaction that DynamoDB refused, named by the label it was added under. */
export type FailedPart = { label: string; code: string; item?: Item | undefined };

export type TransactionOutcome =
  | { ok: true }
  | {
      ok: false;
      failed: FailedPart[];
      /** The first refused part added under `label` (with `code`, when given). */
      failedOn(label: string, code?: string): FailedPart | undefined;
    };

/** One labelled part of a transaction. */
export type Part = { label: string; item: TransactItem };

/** Writes that stand or fall together: labelled parts, and counters moved with them. */
export type TransactionUnit = {
  parts: readonly Part[];
  counters?: readonly { key: ItemKey; delta: CounterDelta }[] | undefined;
};

const idOf = (key: ItemKey) => `${key.pk}\u0000${key.sk}`;

function keyOfItem(item: TransactItem): ItemKey | undefined {
  const key = item.Update?.Key ?? item.Delete?.Key ?? item.ConditionCheck?.Key ?? item.Put?.Item;
  return key && typeof key.pk === 'string' && typeof key.sk === 'string'
    ? { pk: key.pk, sk: key.sk }
    : undefined;
}

/**
 * The update that moves counters on one item by `delta`, built from the data once (nothing when
 * every value is zero). The item must exist: counters never create what they count.
 */
export function counterItem(table: string, key: ItemKey, delta: CounterDelta): TransactItem | undefined {
  const entries = Object.entries(delta).filter(
    (e): e is [string, number] => e[1] !== undefined && e[1] !== 0,
  );
  if (!entries.length) return undefined;
  return {
    Update: {
      TableName: table,
      Key: key,
      UpdateExpression: `ADD ${entries.map((_, i) => `counts.#c${i} :c${i}`).join(', ')}`,
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: Object.fromEntries(entries.map(([name], i) => [`#c${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(entries.map(([, value], i) => [`:c${i}`, value])),
    },
  };
}

/**
 * One DynamoDB transaction, built part by part: `tx.add('release', item)` … `await tx.commit()`.
 * A refused transaction says which labelled part failed, never a position. Counters are kept as
 * data, summed per item, and rendered once when the transaction is sent (a transaction may touch
 * an item only once).
 */
export class Transaction {
  private readonly parts: Part[] = [];
  private readonly counters = new Map<string, { key: ItemKey; delta: Record<string, number> }>();
  private readonly keys = new Set<string>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Adds a part under a label; several parts may share one (`unitLock`, `draftee`). */
  add(label: string, item: TransactItem): this {
    this.parts.push({ label, item });
    const key = keyOfItem(item);
    if (key) this.keys.add(idOf(key));
    return this;
  }

  /** Moves counters on an item, summed with whatever this transaction already moves there. */
  count(key: ItemKey, delta: CounterDelta): this {
    if (!Object.values(delta).some((v) => v)) return this;
    const id = idOf(key);
    const entry = this.counters.get(id) ?? { key, delta: {} };
    for (const [name, value] of Object.entries(delta)) {
      if (value) entry.delta[name] = (entry.delta[name] ?? 0) + value;
    }
    this.counters.set(id, entry);
    return this;
  }

  /** Adds a unit: its parts and its counters. */
  addUnit(unit: TransactionUnit): this {
    for (const part of unit.parts) this.add(part.label, part.item);
    for (const c of unit.counters ?? []) this.count(c.key, c.delta);
    return this;
  }

  /** The items that would be sent, counters last, and each item's label. */
  render(): Part[] {
    const counters = [...this.counters.values()].flatMap(({ key, delta }) => {
      const item = counterItem(this.table, key, delta);
      return item ? [{ label: 'counters', item }] : [];
    });
    return [...this.parts, ...counters];
  }

  /** Whether `unit` still fits: no item touched twice, and within DynamoDB's item limit. */
  fits(unit: TransactionUnit, limit = TRANSACTION_ITEMS): boolean {
    const ids = unit.parts.flatMap((p) => {
      const key = keyOfItem(p.item);
      return key ? [idOf(key)] : [];
    });
    if (ids.some((id) => this.keys.has(id))) return false;
    const newCounters = new Set(
      (unit.counters ?? [])
        .filter((c) => Object.values(c.delta).some((v) => v))
        .map((c) => idOf(c.key))
        .filter((id) => !this.counters.has(id)),
    ).size;
    return this.parts.length + this.counters.size + unit.parts.length + newCounters <= limit;
  }

  get empty(): boolean {
    return this.parts.length === 0 && this.counters.size === 0;
  }

  /** Throws when the rendered transaction would exceed DynamoDB's limits. */
  assertWithinLimits(what: string): void {
    const items = this.render();
    const bytes = JSON.stringify(items.map((p) => p.item)).length;
    if (items.length > TRANSACTION_ITEMS || bytes > TRANSACTION_BYTES) {
      throw new Error(`${what} too large for one transaction: ${items.length} items, ${bytes} bytes`);
    }
  }

  /** Sends the transaction; conflicts and throttling are retried (see `transactWrite`). */
  async commit(clientRequestToken?: string): Promise<TransactionOutcome> {
    const parts = this.render();
    const result = await transactWrite(
      this.doc,
      parts.map((p) => p.item),
      clientRequestToken,
    );
    if (result.ok) return { ok: true };
    const failed = result.failed.map((f) => ({
      label: parts[f.index]?.label ?? 'unknown',
      code: f.code,
      item: f.item,
    }));
    return {
      ok: false,
      failed,
      failedOn: (label, code) =>
        failed.find((f) => f.label === label && (code === undefined || f.code === code)),
    };
  }
}

/** A refused transaction as a readable error message: which labelled parts failed, and why. */
export function describeFailure(what: string, outcome: TransactionOutcome): string {
  return outcome.ok
    ? `${what} succeeded`
    : `${what} failed: ${JSON.stringify(outcome.failed.map((f) => [f.label, f.code]))}`;
}

/**
 * Writes units (each all or nothing) packed into as few transactions as DynamoDB allows: no item
 * twice in one transaction, counters of one item summed, at most `TRANSACTION_ITEMS` items. When
 * a packed transaction is refused, its units are written one by one, so only those whose
 * condition no longer holds are dropped. Returns, for each unit, whether it was written.
 */
export async function commitUnits(
  doc: DynamoDBDocumentClient,
  table: string,
  units: readonly TransactionUnit[],
  options: { concurrency?: number; limit?: number } = {},
): Promise<boolean[]> {
  const applied: boolean[] = units.map(() => false);
  const batches: { tx: Transaction; members: number[] }[] = [];
  let current: { tx: Transaction; members: number[] } | undefined;
  units.forEach((unit, i) => {
    if (!current || !current.tx.fits(unit, options.limit)) {
      current = { tx: new Transaction(doc, table), members: [] };
      batches.push(current);
    }
    current.tx.addUnit(unit);
    current.members.push(i);
  });
  await pMap(
    batches,
    async ({ tx, members }) => {
      if ((await tx.commit()).ok) {
        for (const i of members) applied[i] = true;
        return;
      }
      if (members.length === 1) return;
      for (const i of members) {
        const unit = units[i];
        if (unit) applied[i] = (await new Transaction(doc, table).addUnit(unit).commit()).ok;
      }
    },
    { concurrency: options.concurrency ?? 1 },
  );
  return applied;
}

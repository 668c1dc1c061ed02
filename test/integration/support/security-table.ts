import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/** Every item of a table, by `pk|sk`, each serialised with its keys sorted so two reads compare. */
export type TableSnapshot = Map<string, string>;

const sortedJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

/** Reads a whole (small) table straight from DynamoDB, with consistent reads. */
export class TableReader {
  private readonly client: DynamoDBClient;

  constructor(
    endpoint: string,
    private readonly tableName: string,
  ) {
    this.client = new DynamoDBClient({ endpoint });
  }

  async items(): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) items.push(unmarshall(item));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async snapshot(): Promise<TableSnapshot> {
    return snapshotOf(await this.items());
  }

  close(): void {
    this.client.destroy();
  }
}

export function snapshotOf(items: readonly Record<string, unknown>[]): TableSnapshot {
  return new Map(items.map((item) => [`${String(item.pk)}|${String(item.sk)}`, sortedJson(item)]));
}

/** The keys of items added, removed or changed between two snapshots. */
export function diff(
  before: TableSnapshot,
  after: TableSnapshot,
): { added: string[]; removed: string[]; changed: string[] } {
  return {
    added: [...after.keys()].filter((k) => !before.has(k)),
    removed: [...before.keys()].filter((k) => !after.has(k)),
    changed: [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)),
  };
}

/**
 * What is wrong with the roster's phone index: a phone item whose member is gone or has another
 * phone, or a member without its phone item. Empty when every member and phone item pair up.
 */
export function phoneIndexProblems(items: readonly Record<string, unknown>[]): string[] {
  const members = new Map<string, Record<string, unknown>>();
  const phones = new Map<string, Record<string, unknown>>();
  for (const item of items) {
    const pk = String(item.pk);
    const sk = String(item.sk);
    if (pk.startsWith('COMMUNITY#') && sk.startsWith('MEMBER#')) members.set(`${pk}|${sk}`, item);
    if (pk.startsWith('PHONE#') && sk === 'PHONE') phones.set(pk.slice('PHONE#'.length), item);
  }
  const problems: string[] = [];
  for (const [phone, entry] of phones) {
    const member = members.get(`COMMUNITY#${String(entry.communityId)}|MEMBER#${String(entry.memberId)}`);
    if (!member) problems.push(`phone ${phone} points at a member that does not exist`);
    else if (member.phone !== phone) problems.push(`phone ${phone} points at a member with another phone`);
  }
  for (const [key, member] of members) {
    const entry = phones.get(String(member.phone));
    if (!entry || entry.memberId !== member.memberId || entry.communityId !== member.communityId)
      problems.push(`member ${key} has no phone item of its own`);
  }
  return problems;
}

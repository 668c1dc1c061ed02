import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { loadConfig, tableEnv } from '../config';
import { type AuditEntry, auditEntry } from '../domain/audit';
import { keys } from '../table';
import { batchWriteAll, decodeCursor, documentClient, encodeCursor } from './dynamo';

const partition = (scope: string) => `AUDIT#${scope}`;

/** The audit trail, one partition per community, newest first. */
export class AuditLog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(entries: readonly AuditEntry[]): Promise<void> {
    await batchWriteAll(
      this.doc,
      this.table,
      entries.map((e) => ({
        PutRequest: { Item: { pk: partition(e.scope), sk: `${e.at}#${e.auditId}`, type: 'audit', ...e } },
      })),
    );
  }

  /** The community an activation belongs to, for entries about activations. */
  async communityOfActivation(activationId: string): Promise<string | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.activation(activationId),
        ProjectionExpression: 'communityId',
      }),
    );
    return typeof Item?.communityId === 'string' ? Item.communityId : undefined;
  }

  /** A page of a scope's entries, newest first. Returns undefined for a cursor from elsewhere. */
  async list(
    scope: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: AuditEntry[]; nextCursor?: string } | undefined> {
    const start = cursor
      ? decodeCursor(cursor, ['pk', 'sk'], { attribute: 'pk', value: partition(scope) })
      : undefined;
    if (cursor && !start) return undefined;
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': partition(scope) },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: start,
      }),
    );
    return {
      items: (page.Items ?? []).map((i) => auditEntry.parse(i)),
      ...(page.LastEvaluatedKey ? { nextCursor: encodeCursor(page.LastEvaluatedKey) } : {}),
    };
  }
}

let shared: AuditLog | undefined;

/** The process-wide audit log over the table in `TABLE_NAME`, built on first use. */
export function auditLog(): AuditLog {
  shared ??= new AuditLog(documentClient(), loadConfig(tableEnv).TABLE_NAME);
  return shared;
}

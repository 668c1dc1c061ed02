import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { loadConfig, tableEnv } from '../config';
import { type AuditEntry, auditEntry } from '../domain/audit';
import { keys } from '../table';
import { batchWriteAll, decodeCursor, documentClient, encodeCursor } from './dynamo';
import { BadCursorError } from './errors';

const partition = (scope: string) => `AUDIT#${scope}`;

/** The port of the audit trail: entries per scope (a community or `street:<id>`), newest first. */
export interface AuditLog {
  record(entries: readonly AuditEntry[]): Promise<void>;
  /** The community an activation belongs to, for entries about activations. */
  communityOfActivation(activationId: string): Promise<string | undefined>;
  /** A page of a scope's entries, newest first. Throws `BadCursorError` for a cursor from elsewhere. */
  list(scope: string, limit: number, cursor?: string): Promise<{ items: AuditEntry[]; nextCursor?: string }>;
}

/** The audit trail in the table, one partition per scope. */
export class DynamoAuditLog implements AuditLog {
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

  async list(
    scope: string,
    limit: number,
    cursor?: string,
  ): Promise<{ items: AuditEntry[]; nextCursor?: string }> {
    const start = cursor
      ? decodeCursor(cursor, ['pk', 'sk'], { attribute: 'pk', value: partition(scope) })
      : undefined;
    if (cursor && !start) throw new BadCursorError();
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
  shared ??= new DynamoAuditLog(documentClient(), loadConfig(tableEnv).TABLE_NAME);
  return shared;
}

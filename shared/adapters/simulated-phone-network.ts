import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import * as z from 'zod';
import { transactWrite } from './dynamo';
import type { OutgoingSms, SentSms, SmsGateway } from './sms-gateway';

/** One SMS as a phone on the simulated network saw it. */
export type PhoneMessage = {
  direction: 'in' | 'out';
  to: string;
  from: string;
  body: string;
  sentAt: string;
  messageId: string;
  dedupeKey?: string | undefined;
};

const messageRecord = z.object({
  direction: z.enum(['in', 'out']),
  to: z.string(),
  from: z.string(),
  body: z.string(),
  sentAt: z.string(),
  messageId: z.string(),
  dedupeKey: z.string().optional(),
});

/** The number the service sends from and volunteers reply to, on the simulated network. */
export const SERVICE_NUMBER = '+8610690000';

/**
 * The local stand-in for SNS and the carriers: every SMS lands in the recipient's simulated
 * phone, kept in a table of its own in DynamoDB Local so it survives restarts. It records
 * every send, duplicates included, so a duplicate can be seen rather than hidden.
 */
export class SimulatedPhoneNetwork implements SmsGateway {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Creates the network's table if it is missing. */
  static async ensureTable(client: DynamoDBClient, table: string): Promise<void> {
    try {
      await client.send(new DescribeTableCommand({ TableName: table }));
      return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    await client.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  }

  async send(sms: OutgoingSms): Promise<SentSms> {
    const messageId = ulid().toLowerCase();
    const sentAt = this.clock().toISOString();
    const message: PhoneMessage = {
      direction: 'out',
      to: sms.to,
      from: SERVICE_NUMBER,
      body: sms.body,
      sentAt,
      messageId,
      dedupeKey: sms.dedupeKey,
    };
    const result = await transactWrite(this.doc, [
      {
        Put: {
          TableName: this.table,
          Item: { pk: `PHONE#${sms.to}`, sk: `${sentAt}#${messageId}`, ...message },
        },
      },
      // Every send of a key is counted, so a second send of one message shows up as a duplicate.
      {
        Update: {
          TableName: this.table,
          Key: { pk: `KEY#${sms.dedupeKey}`, sk: 'KEY' },
          UpdateExpression: 'ADD sends :one SET lastMessageId = :id',
          ExpressionAttributeValues: { ':one': 1, ':id': messageId },
        },
      },
    ]);
    if (!result.ok) throw new Error('simulated network could not record the message');
    return { messageId, delivered: true };
  }

  async wasSent(dedupeKey: string): Promise<'yes' | 'no'> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: `KEY#${dedupeKey}`, sk: 'KEY' },
        ConsistentRead: true,
      }),
    );
    return Item ? 'yes' : 'no';
  }

  /** How many times a message with this key was handed over (0, 1, or more if duplicated). */
  async sendsOf(dedupeKey: string): Promise<number> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: `KEY#${dedupeKey}`, sk: 'KEY' },
        ConsistentRead: true,
      }),
    );
    return typeof Item?.sends === 'number' ? Item.sends : 0;
  }

  /** Records a message the phone sent to the service. */
  async recordInbound(from: string, body: string, messageId: string): Promise<PhoneMessage> {
    const sentAt = this.clock().toISOString();
    const message: PhoneMessage = { direction: 'in', to: SERVICE_NUMBER, from, body, sentAt, messageId };
    await transactWrite(this.doc, [
      {
        Put: {
          TableName: this.table,
          Item: { pk: `PHONE#${from}`, sk: `${sentAt}#${messageId}`, ...message },
        },
      },
    ]);
    return message;
  }

  /** The phone's conversation with the service, oldest first. */
  async conversation(phone: string): Promise<PhoneMessage[]> {
    const out: PhoneMessage[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :p',
          ExpressionAttributeValues: { ':p': `PHONE#${phone}` },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      out.push(...(page.Items ?? []).map((i) => messageRecord.parse(i)));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** Every SMS the phone received, oldest first. */
  async received(phone: string): Promise<PhoneMessage[]> {
    return (await this.conversation(phone)).filter((m) => m.direction === 'out');
  }
}

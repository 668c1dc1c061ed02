import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { INCIDENT_KINDS, LEVELS } from '../domain/incident';
import {
  PROPOSAL_STATUSES,
  type Proposal,
  type ProposalStatus,
  type WarningResult,
  warningResult,
} from '../domain/proposal';
import { keys } from '../table';
import { isConditionFailure, queryAll } from './dynamo';

/** A received CAP message: which thread it belongs to and what it came to. */
export type CapMessageRecord = {
  messageKey: string;
  threadId: string;
  receivedAt: string;
  result: WarningResult;
};
/** A warning thread: the communities it proposed to, and whether it was cancelled. */
export type CapThread = { threadId: string; communityIds: string[]; cancelled: boolean };

/** Proposals from official warnings, and the record of the warnings received. */
export interface ProposalRepository {
  get(communityId: string, proposalId: string): Promise<Proposal | undefined>;
  /** The community's open proposals, oldest first (one query of a sparse index). */
  listOpen(communityId: string): Promise<Proposal[]>;
  /** Writes a new open proposal; the one already there when it exists. */
  create(proposal: Proposal): Promise<{ created: true } | { existing: Proposal | undefined }>;
  /**
   * Moves a proposal from one of `from` to `to`, setting `fields`; `{ conflict }` with its
   * current state when it was in none of `from`.
   */
  transition(
    communityId: string,
    proposalId: string,
    from: readonly ProposalStatus[],
    to: ProposalStatus,
    fields: Partial<Proposal>,
  ): Promise<{ proposal: Proposal } | { conflict: Proposal | undefined }>;
  getMessage(messageKey: string): Promise<CapMessageRecord | undefined>;
  /** Records a message once; false when it was recorded already. */
  putMessage(record: CapMessageRecord): Promise<boolean>;
  getThread(threadId: string): Promise<CapThread | undefined>;
  /** Adds communities to a thread (creating it), or marks it cancelled. */
  updateThread(threadId: string, change: { add?: string[]; cancel?: boolean }): Promise<void>;
}

const proposalRecord = z.object({
  proposalId: z.string(),
  communityId: z.string(),
  status: z.enum(PROPOSAL_STATUSES),
  kind: z.enum(INCIDENT_KINDS),
  level: z.enum(LEVELS),
  drill: z.boolean(),
  source: z.string(),
  sender: z.string(),
  identifier: z.string(),
  headline: z.string(),
  expires: z.string().optional(),
  receivedAt: z.string(),
  updatedAt: z.string(),
  activationId: z.string().optional(),
  decidedAt: z.string().optional(),
  decidedBy: z.string().optional(),
  note: z.string().optional(),
});
const FIELDS = Object.keys(proposalRecord.shape) as (keyof Proposal)[];
const toProposal = (item: Record<string, unknown>): Proposal => proposalRecord.parse(item);
const openKey = (p: Pick<Proposal, 'receivedAt' | 'proposalId'>) => `${p.receivedAt}#${p.proposalId}`;

const messageRecord = z.object({
  messageKey: z.string(),
  threadId: z.string(),
  receivedAt: z.string(),
  result: warningResult,
});
const threadRecord = z.object({
  threadId: z.string(),
  communityIds: z.set(z.string()).optional(),
  cancelled: z.boolean().optional(),
});

export class DynamoProposalRepository implements ProposalRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(communityId: string, proposalId: string): Promise<Proposal | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.proposal(communityId, proposalId),
        ConsistentRead: true,
      }),
    );
    return Item ? toProposal(Item) : undefined;
  }

  async listOpen(communityId: string): Promise<Proposal[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': keys.openProposalsOfCommunity(communityId) },
    });
    return items.map(toProposal);
  }

  async create(proposal: Proposal): Promise<{ created: true } | { existing: Proposal | undefined }> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...keys.proposal(proposal.communityId, proposal.proposalId),
            type: 'proposal',
            ...proposal,
            ...(proposal.status === 'open'
              ? { gsi1pk: keys.openProposalsOfCommunity(proposal.communityId), gsi1sk: openKey(proposal) }
              : {}),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { existing: await this.get(proposal.communityId, proposal.proposalId) };
    }
  }

  async transition(
    communityId: string,
    proposalId: string,
    from: readonly ProposalStatus[],
    to: ProposalStatus,
    fields: Partial<Proposal>,
  ): Promise<{ proposal: Proposal } | { conflict: Proposal | undefined }> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':to': to };
    const sets = ['#status = :to'];
    for (const name of FIELDS) {
      const value = fields[name];
      if (value === undefined || name === 'status' || name === 'proposalId' || name === 'communityId')
        continue;
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      sets.push(`#${name} = :${name}`);
    }
    // Only an open proposal sits in the open index.
    const index = to === 'open' ? '' : ' REMOVE gsi1pk, gsi1sk';
    const allowed = from.map((s, i) => {
      values[`:from${i}`] = s;
      return `:from${i}`;
    });
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.proposal(communityId, proposalId),
          UpdateExpression: `SET ${sets.join(', ')}${index}`,
          ConditionExpression: `attribute_exists(pk) AND #status IN (${allowed.join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { proposal: toProposal(Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { conflict: await this.get(communityId, proposalId) };
    }
  }

  async getMessage(messageKey: string): Promise<CapMessageRecord | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.capMessage(messageKey), ConsistentRead: true }),
    );
    return Item ? messageRecord.parse(Item) : undefined;
  }

  async putMessage(record: CapMessageRecord): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.capMessage(record.messageKey), type: 'capMessage', ...record },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async getThread(threadId: string): Promise<CapThread | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.capThread(threadId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const thread = threadRecord.parse(Item);
    return {
      threadId: thread.threadId,
      communityIds: [...(thread.communityIds ?? [])].sort(),
      cancelled: thread.cancelled ?? false,
    };
  }

  async updateThread(threadId: string, change: { add?: string[]; cancel?: boolean }): Promise<void> {
    const add = change.add?.length ? new Set(change.add) : undefined;
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: keys.capThread(threadId),
        UpdateExpression: `SET #type = :type, threadId = :id${change.cancel ? ', cancelled = :yes' : ''}${add ? ' ADD communityIds :add' : ''}`,
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: {
          ':type': 'capThread',
          ':id': threadId,
          ...(change.cancel ? { ':yes': true } : {}),
          ...(add ? { ':add': add } : {}),
        },
      }),
    );
  }
}

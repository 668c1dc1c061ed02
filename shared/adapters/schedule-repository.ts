import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { INCIDENT_KINDS, LEVELS } from '../domain/incident';
import { type DrillSchedule, SCHEDULE_STATUSES, type ScheduleStatus } from '../domain/schedule';
import { keys } from '../table';
import { isConditionFailure, queryAll } from './dynamo';

/** Drills planned ahead, one item per schedule in its community's partition. */
export interface ScheduleRepository {
  /** Writes a new pending schedule; false when the id is taken. */
  create(schedule: DrillSchedule): Promise<boolean>;
  get(communityId: string, scheduleId: string): Promise<DrillSchedule | undefined>;
  /** Every schedule of a community, soonest first. */
  listCommunity(communityId: string): Promise<DrillSchedule[]>;
  /** Pending schedules due at or before `now`, soonest first (the local timer's read). */
  listDue(now: string, limit: number): Promise<{ communityId: string; scheduleId: string }[]>;
  /**
   * Moves a schedule from one of `from` to `to`, setting `fields`; the schedule as it stands
   * afterwards, or `{ conflict }` with its current state when it was in no status of `from`.
   */
  transition(
    communityId: string,
    scheduleId: string,
    from: readonly ScheduleStatus[],
    to: ScheduleStatus,
    fields: Partial<DrillSchedule>,
  ): Promise<{ schedule: DrillSchedule } | { conflict: DrillSchedule | undefined }>;
  /** Removes a schedule that was never armed (its scheduler entry could not be made). */
  remove(communityId: string, scheduleId: string): Promise<void>;
}

const scheduleRecord = z.object({
  scheduleId: z.string(),
  communityId: z.string(),
  at: z.string(),
  kind: z.enum(INCIDENT_KINDS),
  level: z.enum(LEVELS),
  note: z.string().optional(),
  status: z.enum(SCHEDULE_STATUSES),
  createdAt: z.string(),
  createdBy: z.string(),
  firedAt: z.string().optional(),
  activationId: z.string().optional(),
  skipReason: z.string().optional(),
  cancelledAt: z.string().optional(),
  cancelledBy: z.string().optional(),
});

const FIELDS = Object.keys(scheduleRecord.shape) as (keyof DrillSchedule)[];

function toSchedule(item: Record<string, unknown>): DrillSchedule {
  return scheduleRecord.parse(item);
}

/** Only a pending schedule sits in the due index: firing or cancelling takes it out. */
const dueKey = (s: Pick<DrillSchedule, 'at' | 'scheduleId'>) => `${s.at}#${s.scheduleId}`;

export class DynamoScheduleRepository implements ScheduleRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(schedule: DrillSchedule): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...keys.drillSchedule(schedule.communityId, schedule.scheduleId),
            type: 'drillSchedule',
            ...schedule,
            gsi1pk: keys.dueSchedulesIndex,
            gsi1sk: dueKey(schedule),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async get(communityId: string, scheduleId: string): Promise<DrillSchedule | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({
        TableName: this.table,
        Key: keys.drillSchedule(communityId, scheduleId),
        ConsistentRead: true,
      }),
    );
    return Item ? toSchedule(Item) : undefined;
  }

  async listCommunity(communityId: string): Promise<DrillSchedule[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: {
        ':pk': keys.community(communityId).pk,
        ':s': keys.drillSchedulePrefix,
      },
    });
    return items
      .map(toSchedule)
      .sort((a, b) => a.at.localeCompare(b.at) || a.scheduleId.localeCompare(b.scheduleId));
  }

  async listDue(now: string, limit: number): Promise<{ communityId: string; scheduleId: string }[]> {
    const page = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p AND gsi1sk <= :now',
        ExpressionAttributeValues: { ':p': keys.dueSchedulesIndex, ':now': `${now}#\uffff` },
        Limit: limit,
      }),
    );
    return (page.Items ?? []).flatMap((i) =>
      typeof i.communityId === 'string' && typeof i.scheduleId === 'string'
        ? [{ communityId: i.communityId, scheduleId: i.scheduleId }]
        : [],
    );
  }

  async transition(
    communityId: string,
    scheduleId: string,
    from: readonly ScheduleStatus[],
    to: ScheduleStatus,
    fields: Partial<DrillSchedule>,
  ): Promise<{ schedule: DrillSchedule } | { conflict: DrillSchedule | undefined }> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':to': to };
    const sets = ['#status = :to'];
    for (const name of FIELDS) {
      const value = fields[name];
      if (value === undefined || name === 'status') continue;
      names[`#${name}`] = name;
      values[`:${name}`] = value;
      sets.push(`#${name} = :${name}`);
    }
    const allowed = from.map((s, i) => {
      values[`:from${i}`] = s;
      return `:from${i}`;
    });
    try {
      const { Attributes } = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.drillSchedule(communityId, scheduleId),
          UpdateExpression: `SET ${sets.join(', ')}${to === 'pending' ? '' : ' REMOVE gsi1pk, gsi1sk'}`,
          ConditionExpression: `attribute_exists(pk) AND #status IN (${allowed.join(', ')})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { schedule: toSchedule(Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      return { conflict: await this.get(communityId, scheduleId) };
    }
  }

  async remove(communityId: string, scheduleId: string): Promise<void> {
    await this.doc.send(
      new DeleteCommand({ TableName: this.table, Key: keys.drillSchedule(communityId, scheduleId) }),
    );
  }
}

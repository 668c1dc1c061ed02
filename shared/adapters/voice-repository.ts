import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { VoiceError, VoiceLine, VoiceOutcomeStatus } from '../domain/voice';
import { keys } from '../table';
import { isConditionFailure } from './dynamo';

/** A draftee, by key. */
export type DrafteeRef = { activationId: string; memberId: string };

/** How a call ended, as its report lands on the person's line. */
export type CallOutcome = {
  status: VoiceOutcomeStatus;
  durationSeconds?: number | undefined;
  reason?: string | undefined;
};

/** The writes of the voice call onto a draftee; each conditional on where the call stands. */
export interface VoiceRepository {
  /** Claims the call for a still-silent, never-rung draftee; false when someone else did, or it answered. */
  claim(ref: DrafteeRef, at: string): Promise<boolean>;
  /** The provider took the call. */
  placed(ref: DrafteeRef, callId: string, at: string): Promise<void>;
  /** The provider did not take the call. */
  notPlaced(ref: DrafteeRef, failure: { error: VoiceError; reason: string }, at: string): Promise<void>;
  /** The call's outcome, once per call: `duplicate` when it had one, or the call id is not this one. */
  report(ref: DrafteeRef, callId: string, outcome: CallOutcome, at: string): Promise<'applied' | 'duplicate'>;
  /** The key pressed during the call, once per call. */
  keypress(ref: DrafteeRef, callId: string, key: string): Promise<'applied' | 'duplicate'>;
}

/** The voice call's writes on the single table: a `voice` map on the draftee item. */
export class DynamoVoiceRepository implements VoiceRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async claim(ref: DrafteeRef, at: string): Promise<boolean> {
    const line: VoiceLine = { status: 'calling', at };
    return this.update(ref, {
      UpdateExpression: 'SET voice = :line',
      ConditionExpression:
        'attribute_not_exists(voice) AND #status = :drafted AND #open = :true AND attribute_exists(remindedAt)',
      ExpressionAttributeNames: { '#status': 'status', '#open': 'open' },
      ExpressionAttributeValues: { ':line': line, ':drafted': 'drafted', ':true': true },
    });
  }

  async placed(ref: DrafteeRef, callId: string, at: string): Promise<void> {
    // A report can only name a call id the provider answered with, so none can have landed yet.
    await this.update(ref, {
      UpdateExpression: 'SET voice.#s = :placed, voice.callId = :id, voice.#at = :at',
      ConditionExpression: 'voice.#s = :calling',
      ExpressionAttributeNames: { '#s': 'status', '#at': 'at' },
      ExpressionAttributeValues: { ':placed': 'placed', ':calling': 'calling', ':id': callId, ':at': at },
    });
  }

  async notPlaced(
    ref: DrafteeRef,
    failure: { error: VoiceError; reason: string },
    at: string,
  ): Promise<void> {
    await this.update(ref, {
      UpdateExpression: 'SET voice.#s = :not, voice.#error = :error, voice.reason = :reason, voice.#at = :at',
      ConditionExpression: 'voice.#s = :calling',
      ExpressionAttributeNames: { '#s': 'status', '#at': 'at', '#error': 'error' },
      ExpressionAttributeValues: {
        ':not': 'notPlaced',
        ':calling': 'calling',
        ':error': failure.error,
        ':reason': failure.reason.slice(0, 200),
        ':at': at,
      },
    });
  }

  async report(
    ref: DrafteeRef,
    callId: string,
    outcome: CallOutcome,
    at: string,
  ): Promise<'applied' | 'duplicate'> {
    const sets = ['voice.#s = :status', 'voice.#at = :at', 'voice.reportedAt = :at'];
    const values: Record<string, unknown> = { ':status': outcome.status, ':at': at, ':id': callId };
    if (outcome.durationSeconds !== undefined) {
      sets.push('voice.durationSeconds = :d');
      values[':d'] = outcome.durationSeconds;
    }
    if (outcome.reason) {
      sets.push('voice.reason = :reason');
      values[':reason'] = outcome.reason.slice(0, 200);
    }
    const applied = await this.update(ref, {
      UpdateExpression: `SET ${sets.join(', ')}`,
      ConditionExpression: 'voice.callId = :id AND attribute_not_exists(voice.reportedAt)',
      ExpressionAttributeNames: { '#s': 'status', '#at': 'at' },
      ExpressionAttributeValues: values,
    });
    return applied ? 'applied' : 'duplicate';
  }

  async keypress(ref: DrafteeRef, callId: string, key: string): Promise<'applied' | 'duplicate'> {
    const applied = await this.update(ref, {
      UpdateExpression: 'SET voice.keypress = :k',
      ConditionExpression: 'voice.callId = :id AND attribute_not_exists(voice.keypress)',
      ExpressionAttributeValues: { ':k': key.slice(0, 8), ':id': callId },
    });
    return applied ? 'applied' : 'duplicate';
  }

  private async update(
    ref: DrafteeRef,
    input: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeNames?: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.draftee(ref.activationId, ref.memberId),
          ...input,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

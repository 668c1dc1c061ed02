import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { ActivationRepository } from './adapters/activation-repository';
import { CheckInRepository } from './adapters/check-in-repository';
import { systemClock, ulidIds } from './adapters/clock';
import { documentClient } from './adapters/dynamo';
import { HistoryRepository } from './adapters/history-repository';
import { DynamoMemberRepository } from './adapters/member-repository';
import { SimulatedPhoneNetwork } from './adapters/simulated-phone-network';
import type { SmsGateway } from './adapters/sms-gateway';
import { SnsSmsGateway } from './adapters/sms-gateway';
import { DynamoStructureRepository } from './adapters/structure-repository';
import { loadConfig, tableEnv } from './config';

/**
 * The production ports over the table named in `TABLE_NAME`. Called at module scope by each
 * handler, so a missing variable fails the cold start, and the clients are built once.
 */
export function tablePorts() {
  const { TABLE_NAME } = loadConfig(tableEnv);
  const doc = documentClient();
  return {
    structure: new DynamoStructureRepository(doc, TABLE_NAME),
    members: new DynamoMemberRepository(doc, TABLE_NAME),
    activations: new ActivationRepository(doc, TABLE_NAME),
    checkIns: new CheckInRepository(doc, TABLE_NAME),
    history: new HistoryRepository(doc, TABLE_NAME),
    clock: systemClock,
    ids: ulidIds,
  };
}

const smsEnv = z.object({
  /** `sns` in AWS; `simulated` on the local stack, where phones live in a DynamoDB table. */
  PINGJI_SMS_GATEWAY: z.enum(['sns', 'simulated']).default('sns'),
  PINGJI_PHONE_TABLE: z.string().min(3).optional(),
  PINGJI_SMS_SENDER_ID: z.string().min(1).max(11).optional(),
  PINGJI_SMS_ORIGINATION_NUMBER: z.string().optional(),
  /** Messages per second one consumer hands to the gateway. */
  PINGJI_SMS_RATE: z.coerce.number().positive().max(10_000).default(20),
});

/** The SMS gateway the environment names. */
export function smsGateway(): SmsGateway {
  const env = loadConfig(smsEnv);
  if (env.PINGJI_SMS_GATEWAY === 'simulated') {
    if (!env.PINGJI_PHONE_TABLE)
      throw new Error('invalid configuration: PINGJI_PHONE_TABLE is required for the simulated gateway');
    return new SimulatedPhoneNetwork(documentClient(), env.PINGJI_PHONE_TABLE);
  }
  return new SnsSmsGateway(new SNSClient({}), {
    senderId: env.PINGJI_SMS_SENDER_ID,
    originationNumber: env.PINGJI_SMS_ORIGINATION_NUMBER,
  });
}

export function smsRate(): number {
  return loadConfig(smsEnv).PINGJI_SMS_RATE;
}

const timerEnv = z.object({
  PINGJI_REALERT_AFTER_SECONDS: z.coerce.number().int().positive().default(600),
  PINGJI_NO_RESPONSE_AFTER_SECONDS: z.coerce.number().int().positive().default(1200),
});

/** How long silence may last before a reminder, and before `noResponse`. */
export function timerSettings(): { realertAfterSeconds: number; noResponseAfterSeconds: number } {
  const env = loadConfig(timerEnv);
  if (env.PINGJI_NO_RESPONSE_AFTER_SECONDS <= env.PINGJI_REALERT_AFTER_SECONDS) {
    throw new Error(
      'invalid configuration: PINGJI_NO_RESPONSE_AFTER_SECONDS must exceed PINGJI_REALERT_AFTER_SECONDS',
    );
  }
  return {
    realertAfterSeconds: env.PINGJI_REALERT_AFTER_SECONDS,
    noResponseAfterSeconds: env.PINGJI_NO_RESPONSE_AFTER_SECONDS,
  };
}

import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import * as z from 'zod';
import { DynamoActivationRepository } from './adapters/activation-repository';
import { auditLog } from './adapters/audit-log';
import { DynamoCheckInRepository } from './adapters/check-in-repository';
import { systemClock, ulidIds } from './adapters/clock';
import { DynamoDrafteeRepository } from './adapters/draftee-repository';
import {
  type DrillScheduler,
  EventBridgeDrillScheduler,
  tableDrivenScheduler,
} from './adapters/drill-scheduler';
import { documentClient } from './adapters/dynamo';
import { DynamoHistoryRepository } from './adapters/history-repository';
import { DynamoMemberRepository } from './adapters/member-repository';
import { DynamoProposalRepository } from './adapters/proposal-repository';
import { DynamoRankingRepository } from './adapters/ranking-repository';
import { DynamoScheduleRepository } from './adapters/schedule-repository';
import { SimulatedPhoneNetwork } from './adapters/simulated-phone-network';
import type { SmsGateway } from './adapters/sms-gateway';
import { SnsSmsGateway } from './adapters/sms-gateway';
import { ProviderSmsGateway } from './adapters/sms-providers/provider-gateway';
import { providerName, templateProvider } from './adapters/sms-providers/settings';
import { DynamoStructureRepository } from './adapters/structure-repository';
import { type VoiceConfig, voiceConfig, voiceProvider } from './adapters/voice/settings';
import { DynamoVoiceRepository } from './adapters/voice-repository';
import { DynamoWhistleMessenger } from './adapters/whistle-messages';
import { WhistleRepository } from './adapters/whistle-repository';
import { loadConfig, tableEnv } from './config';
import { tracer } from './observability';
import { DynamoOutbox } from './outbox/dynamo-outbox';
import { makeVoiceStep, type VoiceStep } from './use-cases/voice-step';
import { makeWhistleUseCases } from './use-cases/whistle';

/**
 * The production ports over the table named in `TABLE_NAME`. Called at module scope by each
 * handler, so a missing variable fails the cold start, and the clients are built once.
 */
export function tablePorts() {
  const { TABLE_NAME } = loadConfig(tableEnv);
  const doc = documentClient();
  const ports = {
    structure: new DynamoStructureRepository(doc, TABLE_NAME),
    members: new DynamoMemberRepository(doc, TABLE_NAME),
    activations: new DynamoActivationRepository(doc, TABLE_NAME),
    draftees: new DynamoDrafteeRepository(doc, TABLE_NAME),
    checkIns: new DynamoCheckInRepository(doc, TABLE_NAME),
    outbox: new DynamoOutbox(doc, TABLE_NAME),
    schedules: new DynamoScheduleRepository(doc, TABLE_NAME),
    rankings: new DynamoRankingRepository(doc, TABLE_NAME),
    history: new DynamoHistoryRepository(doc, TABLE_NAME),
    whistles: new WhistleRepository(doc, TABLE_NAME),
    proposals: new DynamoProposalRepository(doc, TABLE_NAME),
    clock: systemClock,
    ids: ulidIds,
  };
  const whistle = makeWhistleUseCases({
    ...ports,
    messenger: new DynamoWhistleMessenger(doc, TABLE_NAME),
    audit: auditLog(),
  });
  return { ...ports, whistle };
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
  const provider = providerName();
  if (provider === 'tencent' || provider === 'aliyun') {
    const { provider: p, templates } = templateProvider(provider);
    return new ProviderSmsGateway(p, templates);
  }
  if (provider === 'simulated') {
    if (!env.PINGJI_PHONE_TABLE)
      throw new Error('invalid configuration: PINGJI_PHONE_TABLE is required for the simulated gateway');
    return new SimulatedPhoneNetwork(documentClient(), env.PINGJI_PHONE_TABLE);
  }
  return new SnsSmsGateway(tracer.captureAWSv3Client(new SNSClient({})), {
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

const schedulerEnv = z.object({
  /** `eventbridge` in AWS; `table` on the local stack, whose timer reads the due index. */
  PINGJI_DRILL_SCHEDULER: z.enum(['eventbridge', 'table']).default('eventbridge'),
  PINGJI_SCHEDULE_GROUP: z.string().min(1).optional(),
  PINGJI_SCHEDULED_DRILL_ARN: z.string().startsWith('arn:').optional(),
  PINGJI_SCHEDULER_ROLE_ARN: z.string().startsWith('arn:').optional(),
});

/** The timer that fires scheduled drills, as the environment names it. */
export function drillScheduler(): DrillScheduler {
  const env = loadConfig(schedulerEnv);
  if (env.PINGJI_DRILL_SCHEDULER === 'table') return tableDrivenScheduler;
  if (!env.PINGJI_SCHEDULE_GROUP || !env.PINGJI_SCHEDULED_DRILL_ARN || !env.PINGJI_SCHEDULER_ROLE_ARN) {
    throw new Error(
      'invalid configuration: PINGJI_SCHEDULE_GROUP, PINGJI_SCHEDULED_DRILL_ARN and PINGJI_SCHEDULER_ROLE_ARN are required',
    );
  }
  return new EventBridgeDrillScheduler(tracer.captureAWSv3Client(new SchedulerClient({})), {
    groupName: env.PINGJI_SCHEDULE_GROUP,
    targetArn: env.PINGJI_SCHEDULED_DRILL_ARN,
    roleArn: env.PINGJI_SCHEDULER_ROLE_ARN,
  });
}

const capEnv = z.object({
  /** The CAP `sender` of the alerts this service writes: no spaces, commas, `<` or `&`. */
  PINGJI_CAP_SENDER: z
    .string()
    .regex(/^[^\s,<&]{1,120}$/, 'must have no spaces, commas, < or &')
    .default('pingji'),
});

/** Who this service's CAP alerts say they are from. */
export function capSender(): string {
  return loadConfig(capEnv).PINGJI_CAP_SENDER;
}

/** The voice call, as `PINGJI_VOICE` configures it: its settings, provider and writes; undefined when off. */
export function voiceWiring() {
  const timing = timerSettings();
  const config: VoiceConfig | undefined = voiceConfig(timing);
  if (!config) return undefined;
  const { TABLE_NAME } = loadConfig(tableEnv);
  return {
    config,
    provider: voiceProvider(config),
    calls: new DynamoVoiceRepository(documentClient(), TABLE_NAME),
    noResponseAfterSeconds: timing.noResponseAfterSeconds,
  };
}

/** The sweep's voice step, or undefined when the voice call is off. */
export function voiceStep(): VoiceStep | undefined {
  const voice = voiceWiring();
  return voice && makeVoiceStep({ ...voice, clock: systemClock });
}

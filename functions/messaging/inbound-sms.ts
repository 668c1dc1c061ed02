import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SNSEvent } from 'aws-lambda';
import * as z from 'zod';
import { logger, metrics, tracer } from '../../shared/observability';
import { makeCheckInUseCases } from '../../shared/use-cases/check-in';
import { tablePorts } from '../../shared/wiring';

const checkIn = makeCheckInUseCases({
  ...tablePorts(),
  // Replies by kind, and how long after the alert people confirm (drills apart from real calls).
  observe: ({ kind, secondsAfterAlert, drill }) => {
    const applied = metrics.singleMetric();
    applied.addDimensions({ kind, drill: String(drill) });
    applied.addMetric('RepliesApplied', MetricUnit.Count, 1);
    if (kind === 'confirmed' && secondsAfterAlert !== undefined) {
      const timing = metrics.singleMetric();
      timing.addDimension('drill', String(drill));
      timing.addMetric('TimeToConfirm', MetricUnit.Seconds, secondsAfterAlert);
    }
  },
});

/** AWS End User Messaging's two-way SMS payload, carried as the SNS message's text. */
const inboundSms = z.object({
  originationNumber: z.string().min(1),
  destinationNumber: z.string().optional(),
  messageKeyword: z.string().optional(),
  messageBody: z.string(),
  inboundMessageId: z.string().min(1),
  previousPublishedMessageId: z.string().optional(),
});

/**
 * Replies from volunteers' phones, from the inbound SNS topic. A message that is not the
 * expected payload is logged and dropped (retrying cannot fix it); anything else that fails is
 * thrown so SNS's retries and the failure destination keep it.
 */
export const handler = middy<SNSEvent, void, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(logMetrics(metrics))
  .handler(async (event) => {
    for (const record of event.Records) {
      let payload: unknown;
      try {
        payload = JSON.parse(record.Sns.Message);
      } catch {
        payload = undefined;
      }
      const parsed = inboundSms.safeParse(payload);
      if (!parsed.success) {
        logger.warn('inbound message is not a two-way SMS payload; dropped', {
          messageId: record.Sns.MessageId,
        });
        metrics.addMetric('InboundMalformed', MetricUnit.Count, 1);
        continue;
      }
      const outcome = await checkIn.reply({
        from: parsed.data.originationNumber,
        body: parsed.data.messageBody,
        inboundMessageId: parsed.data.inboundMessageId,
        receivedAt: record.Sns.Timestamp,
      });
      const byOutcome = metrics.singleMetric();
      byOutcome.addDimension('outcome', outcome);
      byOutcome.addMetric('Replies', MetricUnit.Count, 1);
      logger.info('reply handled', { outcome, inboundMessageId: parsed.data.inboundMessageId });
    }
  });

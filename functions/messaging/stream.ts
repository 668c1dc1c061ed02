import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import middy from '@middy/core';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { Item } from '../../shared/adapters/dynamo';
import { logger, metrics, tracer } from '../../shared/observability';
import { makeDispatcher, type StreamChange } from '../../shared/use-cases/dispatch';
import { makeWhistleRankingRecorder } from '../../shared/use-cases/whistle-rankings';
import { smsGateway, smsRate, tablePorts } from '../../shared/wiring';

const ports = tablePorts();
const dispatcher = makeDispatcher({
  ...ports,
  sms: smsGateway(),
  rate: smsRate(),
  whistleRankings: makeWhistleRankingRecorder(ports),
});

/** Lambda's stream images use the same attribute-value JSON as the SDK. */
function imageOf(image: Record<string, unknown> | undefined): Item | undefined {
  return image ? unmarshall(image as Record<string, AttributeValue>) : undefined;
}

/**
 * The table's stream consumer: plans become draftees, stand-downs close them, closed whistles
 * are counted in the rankings, and every queued SMS goes out once. Reports the first record not done so Lambda retries from there.
 */
export const handler = middy<DynamoDBStreamEvent, DynamoDBBatchResponse, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .handler(async (event, context) => {
    const changes: StreamChange[] = event.Records.map((record, index) => ({
      index,
      eventName: record.eventName ?? 'MODIFY',
      newImage: imageOf(record.dynamodb?.NewImage),
      oldImage: imageOf(record.dynamodb?.OldImage),
    }));
    const { failedAt, stats } = await dispatcher.handle(changes, () => context.getRemainingTimeInMillis());
    metrics.addMetric('SmsSent', MetricUnit.Count, stats.sent);
    metrics.addMetric('SmsFailed', MetricUnit.Count, stats.failed);
    metrics.addMetric('SmsRequeued', MetricUnit.Count, stats.requeued);
    metrics.addMetric('DrafteesMaterialized', MetricUnit.Count, stats.materialized);
    logger.info('stream batch', { records: event.Records.length, ...stats, failedAt });
    const failed = failedAt === undefined ? undefined : event.Records[failedAt]?.dynamodb?.SequenceNumber;
    return { batchItemFailures: failed ? [{ itemIdentifier: failed }] : [] };
  });

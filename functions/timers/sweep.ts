import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger, metrics, tracer } from '../../shared/observability';
import { makeSweeper, type SweepStats } from '../../shared/use-cases/sweep';
import { tablePorts, timerSettings, voiceStep } from '../../shared/wiring';

const sweeper = makeSweeper({ ...tablePorts(), ...timerSettings(), voice: voiceStep() });

/** Every minute: reminders, noResponse, and backfill from the reserves, for every open activation. */
export const handler = middy<ScheduledEvent, SweepStats, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(logMetrics(metrics))
  .handler(async () => {
    const stats = await sweeper.sweep();
    metrics.addMetric('Reminders', MetricUnit.Count, stats.reminded);
    metrics.addMetric('NoResponse', MetricUnit.Count, stats.silenced);
    metrics.addMetric('Backfilled', MetricUnit.Count, stats.backfilled);
    if (stats.rung || stats.ringFailed) {
      metrics.addMetric('VoiceCalls', MetricUnit.Count, stats.rung);
      // Calls the provider would not place (refused, limited, misconfigured): the number to watch.
      metrics.addMetric('VoiceCallsNotPlaced', MetricUnit.Count, stats.ringFailed);
    }
    if (stats.activations) logger.info('sweep', { ...stats });
    return stats;
  });

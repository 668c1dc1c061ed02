import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { logger, metrics, tracer } from '../../shared/observability';
import { makeActivationUseCases } from '../../shared/use-cases/activation';
import { type FireOutcome, makeScheduleFiring } from '../../shared/use-cases/schedules';
import { tablePorts } from '../../shared/wiring';

const ports = tablePorts();
const firing = makeScheduleFiring({ ...ports, switchUseCases: makeActivationUseCases(ports) });

const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/);
/** EventBridge Scheduler's input for one drill; the local timer sends `{due: true}` to fire every due one. */
const event = z.union([z.object({ communityId: id, scheduleId: id }), z.object({ due: z.literal(true) })]);

/** Starts a scheduled drill when its time comes (or, locally, every drill that is due). */
export const handler = middy<unknown, FireOutcome[], Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(logMetrics(metrics))
  .handler(async (raw) => {
    const input = event.parse(raw);
    const outcomes =
      'due' in input ? await firing.fireDue() : [await firing.fire(input.communityId, input.scheduleId)];
    for (const o of outcomes) {
      if (o.outcome !== 'unchanged')
        metrics.addMetric(
          `ScheduledDrill${o.outcome === 'started' ? 'Started' : 'Skipped'}`,
          MetricUnit.Count,
          1,
        );
      logger.info('scheduled drill', {
        scheduleId: o.schedule.scheduleId,
        communityId: o.schedule.communityId,
        outcome: o.outcome,
        status: o.schedule.status,
        activationId: o.schedule.activationId,
      });
    }
    return outcomes;
  });

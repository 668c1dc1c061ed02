import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * E.164 numbers, and mainland mobile numbers written without the +86 (with or without 86); and
 * both as people also write them, split by spaces, dashes or dots (`+86 138 0013 8000`,
 * `138-0013-8000`), as they arrive in request bodies and SMS.
 */
const PHONE_LIKE = new RegExp(
  [
    String.raw`\+\d{7,15}(?!\d)`,
    String.raw`\+\d{1,3}(?:[ \-.]\d{2,5}){2,4}(?![\d])`,
    String.raw`(?<!\d)(?:86)?1[3-9]\d{9}(?!\d)`,
    String.raw`(?<![\w+])(?:86[ \-.]?)?1[3-9]\d[ \-.]\d{4}[ \-.]\d{4}(?![\w])`,
  ].join('|'),
  'g',
);

/** Masks every phone number in a string, keeping only the last four digits. */
export function maskPhonesIn(text: string): string {
  return text.replace(
    PHONE_LIKE,
    (match) => `${match.startsWith('+') ? '+' : ''}****${match.replace(/\D/g, '').slice(-4)}`,
  );
}

/**
 * Powertools serialises every log line through this replacer, so no full phone number reaches a
 * log whatever a caller passes in.
 */
function maskingReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return maskPhonesIn(value);
  // A phone passed as a number (13800138000) would otherwise be printed whole.
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    const masked = maskPhonesIn(String(value));
    if (masked !== String(value)) return masked;
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** The service logger: structured JSON, phones masked in every line. */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'pingji',
  jsonReplacerFn: maskingReplacer,
});

/**
 * What the metrics library has to say goes through the service logger (levels, masking). Its
 * notice that an invocation recorded no metric is dropped: a reply that changes nothing or a
 * stream batch with nothing to send is an ordinary invocation, not a warning.
 */
const metricsLogger = {
  debug: (...args: unknown[]) => logger.debug(String(args[0] ?? ''), { details: args.slice(1) }),
  info: (...args: unknown[]) => logger.info(String(args[0] ?? ''), { details: args.slice(1) }),
  warn: (...args: unknown[]) => {
    const message = String(args[0] ?? '');
    if (message.startsWith('No application metrics to publish')) return;
    logger.warn(message, { details: args.slice(1) });
  },
  error: (...args: unknown[]) => logger.error(String(args[0] ?? ''), { details: args.slice(1) }),
};

/** CloudWatch embedded metrics for the service namespace. */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Pingji',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'pingji',
  logger: metricsLogger,
});

/**
 * X-Ray tracing: each handler's invocation and every DynamoDB, SNS, Scheduler and Secrets
 * Manager call its clients make (the clients are captured where they are built). It switches
 * itself off outside Lambda (the local stack, the tests) and where `POWERTOOLS_TRACE_ENABLED` is
 * `false` (the China regions, which have no X-Ray). Responses are never recorded: they carry
 * phone numbers.
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'pingji' });

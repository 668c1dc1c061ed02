import * as z from 'zod';

/**
 * Reads and validates environment configuration once. A missing or malformed variable fails the
 * cold start with a message naming it, instead of failing the first request.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  return result.data;
}

/** Variables every function that touches the table needs. */
export const tableEnv = z.object({
  TABLE_NAME: z.string().min(1),
});

/**
 * Stream records per consumer invocation (the event source mapping's `BatchSize`, and the local
 * poller's): about ten seconds of sending at the consumer's rate, so the fixed cost of an
 * invocation (reading its first items, the first claim, the last settle, the poll) stays small
 * beside its sending time; at least 100, at most 5,000. Lambda cuts a batch short at its 6 MB
 * payload whatever the size.
 */
export function streamBatchSize(ratePerSecond: number): number {
  return Math.min(5_000, Math.max(100, Math.round(ratePerSecond * 10)));
}

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

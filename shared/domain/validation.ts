import type { z } from 'zod';
import { type FieldIssue, ValidationError } from './errors';

/** Renders a zod issue path the way the API reports it: `members[3].phone`. */
export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Turns zod's issues into the API's field issues. */
export function issuesOf(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    // An unknown field is reported at its own path, one issue each, not at the object holding it.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key], prefix),
        message: 'unknown field',
      }));
    }
    return [{ path: formatPath(issue.path, prefix) || prefix || '(body)', message: issue.message }];
  });
}

/** Parses a value with a schema or throws a 400 that names every wrong field. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  prefix = '',
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(`invalid ${what}`, issuesOf(result.error, prefix));
  return result.data;
}

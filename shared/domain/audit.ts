import * as z from 'zod';

/** One recorded write: who, when, what, and from which request. */
export type AuditEntry = {
  auditId: string;
  /** The community the write concerns; `street:<id>` for a street. */
  scope: string;
  at: string;
  action: string;
  actor: string;
  groups: string[];
  target: { type: string; id: string };
  requestId: string;
  sourceIp?: string | undefined;
  userAgent?: string | undefined;
  status: number;
  /** Field names or counts, never values: the audit trail holds no phone numbers. */
  details?: Record<string, unknown> | undefined;
};

/** An audit entry as stored and as the API returns it. */
export const auditEntry = z.object({
  auditId: z.string(),
  scope: z.string(),
  at: z.string(),
  action: z.string(),
  actor: z.string(),
  groups: z.array(z.string()),
  target: z.object({ type: z.string(), id: z.string() }),
  requestId: z.string(),
  sourceIp: z.string().optional(),
  userAgent: z.string().optional(),
  status: z.number(),
  details: z.record(z.string(), z.unknown()).optional(),
});

import type * as z from 'zod';
import { auditRoutes } from './routes-audit';
import { capRoutes } from './routes-cap';
import { planningRoutes } from './routes-planning';
import { rosterRoutes } from './routes-roster';
import { structureRoutes } from './routes-structure';
import { switchRoutes } from './routes-switch';
import { systemRoutes } from './routes-system';
import { whistleRoutes } from './routes-whistle';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One HTTP route: its method and path, the Lambda entry that serves it (`functions/<fn>.ts`),
 * and the zod schemas of its input and output. The CDK stack makes a function and a route of
 * each, the local server serves each, and `GET /openapi.json` documents each, from this list.
 */
export type RouteDef = {
  method: HttpMethod;
  path: string;
  fn: string;
  summary: string;
  tag: string;
  /** False only for routes open to anyone: the health check. */
  auth: boolean;
  /** What the route's function may do to the table; its IAM role grants exactly this. */
  table: 'none' | 'read' | 'write';
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** `csv` bodies are passed through as text, with a larger size limit; `xml` (CAP) as text up to 1 MB. */
  bodyType?: 'json' | 'csv' | 'xml';
  /** `contentType`: the success body is not JSON but a document of this media type. */
  success: { status: number; schema?: z.ZodType; description: string; contentType?: string };
  lambda?: { timeoutSeconds?: number; memoryMb?: number };
  /** A write recorded in the audit trail: what it is called, and what it concerns. */
  audit?: AuditSpec;
};

/** What an audited request was, worked out from its input and its answer. */
export type AuditSpec = {
  action: string;
  /** What kind of record it touched; its id is `<target>Id` in the path or the answer. */
  target: string;
  /** The scopes (community ids, `street:<id>`, or `activation:<id>` resolved to its community). */
  scopes: (r: AuditInput) => string[];
  details?: (r: AuditInput) => Record<string, unknown>;
};
export type AuditInput = { params: Record<string, unknown>; body: unknown; result: unknown };

/**
 * Every route, by name, assembled from each area's list. A new area adds its list here; a new
 * route goes into its area's file.
 */
export const routes = {
  ...systemRoutes,
  ...structureRoutes,
  ...rosterRoutes,
  ...switchRoutes,
  ...auditRoutes,
  ...planningRoutes,
  ...whistleRoutes,
  ...capRoutes,
} as const;

export type RouteName = keyof typeof routes;

/** Every route, in a stable order. */
export const allRoutes: readonly RouteDef[] = Object.values(routes);

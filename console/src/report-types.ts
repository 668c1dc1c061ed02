import type { z } from 'zod';
import type {
  historyPageView,
  reportView,
  streetActivationView,
  streetView,
} from '../../shared/http/schemas';

// The API's own shapes for history, reports and the street view, erased at build time.
export type HistoryPage = z.infer<typeof historyPageView>;
export type HistoryItem = HistoryPage['items'][number];
export type Report = z.infer<typeof reportView>;
export type ReportTeam = Report['teams'][number];
export type CurvePoint = Report['curve']['overall'][number];
export type StreetActivation = z.infer<typeof streetActivationView>;
export type Street = z.infer<typeof streetView>;

/** Filters of a history read: drill or real (or both), and days in China time. */
export type HistoryFilter = { drill?: boolean | undefined; from?: string; to?: string; limit?: number };

import type { z } from 'zod';
import type { drillScheduleView, rankingsView } from '../../shared/http/planning-schemas';

// The API's own shapes for the planning pages, erased at build time.
export type DrillSchedule = z.infer<typeof drillScheduleView>;
export type Rankings = z.infer<typeof rankingsView>;
export type RankingPeriod = Rankings['period'];

import type { z } from 'zod';
import type { WhistleInput } from '../../shared/domain/whistle';
import type { whistleSummaryView, whistleView } from '../../shared/http/whistle-schemas';

// The whistle's API shapes, erased at build time.
export type WhistleSummary = z.infer<typeof whistleSummaryView>;
export type WhistleDetail = z.infer<typeof whistleView>;
export type WhistleRequest = WhistleInput;

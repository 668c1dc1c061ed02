import type { RankingRepository } from '../adapters/ranking-repository';
import type { StructureRepository } from '../adapters/structure-repository';
import type { WhistleRepository } from '../adapters/whistle-repository';
import { bucketsOf, summariseWhistle } from '../domain/ranking';

/**
 * Folds a closed whistle (resolved or cancelled) into its street's precomputed rankings: one
 * whistle raised to its grid, and to each unit or department it called whether it came, how fast
 * and whether the whistle was filled in time. It counts in the periods of its raise. Delivered
 * twice, it adds nothing the second time: each slice is written with a marker.
 */
export function makeWhistleRankingRecorder({
  whistles,
  structure,
  rankings,
}: {
  whistles: Pick<WhistleRepository, 'get'>;
  structure: Pick<StructureRepository, 'getUnits'>;
  rankings: Pick<RankingRepository, 'recordWhistle'>;
}) {
  return {
    async record(whistleId: string): Promise<{ slices: number; written: number } | undefined> {
      const detail = await whistles.get(whistleId);
      if (!detail) return undefined;
      const { whistle, responders } = detail;
      if (whistle.status !== 'resolved' && whistle.status !== 'cancelled') return undefined;
      const unitIds = [...new Set(responders.flatMap((r) => (r.unitId === undefined ? [] : [r.unitId])))];
      const units = unitIds.length > 0 ? await structure.getUnits(unitIds) : [];
      const summary = summariseWhistle({ ...whistle, responders }, units);
      return rankings.recordWhistle({
        whistleId,
        streetId: whistle.streetId,
        buckets: bucketsOf(whistle.openedAt),
        grid: summary.grid,
        units: summary.units,
      });
    },
  };
}

export type WhistleRankingRecorder = ReturnType<typeof makeWhistleRankingRecorder>;

import type { Level } from '../../shared/domain/incident';
import {
  type Candidate,
  type FormationInput,
  formTeams,
  rankReserves,
} from '../../shared/domain/team-formation';
import { toCandidate } from '../../shared/use-cases/activation';
import { childSettings, progress, writeResult } from '../support/harness';
import { benchStreet } from '../support/roster';

export type FormationArgs = { people: number; runs: number; warmups: number; levels: Level[] };

export type FormationRun = {
  level: Level;
  drafted: number;
  reserves: number;
  /** formTeams alone, each run in milliseconds, sorted. */
  formTeamsMs: number[];
  medianMs: number;
  /** rankReserves for every team, as the switch does right after formTeams (median). */
  rankReservesMedianMs: number;
};

export type FormationResult = { people: number; candidates: number; runs: number; results: FormationRun[] };

const median = (list: readonly number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** The pure function on a generated community: nothing but CPU, the same input every run. */
function main(): void {
  const { resultFile, args } = childSettings<FormationArgs>();
  const label = 'formation';
  const street = benchStreet([{ communityId: 'f', people: args.people }]);
  const community = street.communities[0];
  if (!community) throw new Error('no community');
  // Member ids shaped like the real ones (26-character lower-case ULIDs), unique and fixed.
  const id = (i: number) => `01jbench${String(i).padStart(18, '0')}`;
  const candidates: Candidate[] = street.members.map((m, i) =>
    toCandidate({ ...m, memberId: id(i), smsOptOut: false }),
  );
  const pairings = street.units.flatMap((u) =>
    u.pairedGrids.map((g) => ({ gridId: g.gridId, unitId: u.unitId })),
  );
  const results: FormationRun[] = [];
  for (const level of args.levels) {
    const input: FormationInput = {
      communityId: community.communityId,
      kind: 'flood',
      level,
      grids: community.grids,
      pairings,
      candidates,
      engaged: new Set(),
    };
    const times: number[] = [];
    const ranks: number[] = [];
    let last = formTeams(input);
    for (let run = 0; run < args.warmups + args.runs; run++) {
      const start = performance.now();
      last = formTeams(input);
      const took = performance.now() - start;
      const rankStart = performance.now();
      for (const team of last.teams) rankReserves(team.gridId, input, last.reserves);
      const rankTook = performance.now() - rankStart;
      if (run >= args.warmups) {
        times.push(took);
        ranks.push(rankTook);
      }
    }
    times.sort((a, b) => a - b);
    const result: FormationRun = {
      level,
      drafted: last.drafted,
      reserves: last.reserves.length,
      formTeamsMs: times,
      medianMs: median(times),
      rankReservesMedianMs: median(ranks),
    };
    results.push(result);
    progress(
      label,
      `level ${level}: formTeams on ${args.people.toLocaleString('en')} people, median ${result.medianMs.toFixed(
        1,
      )} ms of ${args.runs} runs (${result.drafted} drafted, ${result.reserves} reserves)`,
    );
  }
  writeResult(resultFile, {
    people: args.people,
    candidates: candidates.length,
    runs: args.runs,
    results,
  } satisfies FormationResult);
}

main();

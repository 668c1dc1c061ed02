import { streamBatchSize } from '../shared/config';

/** Messages a second the switch scenario's gateway accepts and its consumer sends. */
const SWITCH_RATE = 500;
/** The same for the check-in scenario, whose alerts only have to be out before the replies. */
const CHECKIN_RATE = 2_000;

/** Every setting of the run, in one place; BENCHMARKS.md quotes them. */
export const SETTINGS = {
  switch: {
    sizes: [1_000, 10_000, 40_000],
    rate: SWITCH_RATE,
    burst: 50,
    latencyMs: 0,
    levels: ['III', 'I'],
    /** Records per stream invocation: the event source mapping's BatchSize at this rate. */
    batchSize: streamBatchSize(SWITCH_RATE),
    /** Level I pressed again on this size with another batch size or gateway latency. */
    contrast: {
      people: 10_000,
      runs: [
        { batchSize: 100, latencyMs: 0 },
        { batchSize: 1_000, latencyMs: 0 },
        { batchSize: streamBatchSize(SWITCH_RATE), latencyMs: 30 },
      ],
    },
  },
  /** Level I through the fake Tencent Cloud SMS, beside the same press with SNS-like sending. */
  provider: {
    sizes: [1_000, 10_000, 40_000],
    rate: SWITCH_RATE,
    burst: 50,
    batchSize: streamBatchSize(SWITCH_RATE),
  },
  formation: { people: 100_000, runs: 7, warmups: 2, levels: ['I', 'III'] },
  checkin: {
    stormPeople: 10_000,
    boardSizes: [100, 1_000],
    concurrency: 32,
    silentShare: 0.1,
    doubleShare: 0.02,
    lateShare: 0.01,
    secondShare: 0.07,
    rate: CHECKIN_RATE,
    burst: 200,
    batchSize: streamBatchSize(CHECKIN_RATE),
  },
  /**
   * Lianhu district's size: 131 communities in 364 grids, drilled weekly for a year, each raising a
   * whistle a week that calls two of the street's 60 units and departments.
   */
  rankings: { communities: 131, grids: 364, weeks: 52, year: 2026, concurrency: 8, units: 60 },
  whistle: { sizes: [10, 500] },
} as const;

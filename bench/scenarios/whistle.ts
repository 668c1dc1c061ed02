/**
 * The whistle (吹哨): DynamoDB requests per raise and per answer, with 10 and with 500 people
 * called. A grid paired with one unit whose party members are all called at the grid level; the
 * raise goes through the use case the API calls, the answers through the SMS reply path, every
 * DynamoDB request counted (the SMS the whistle queues included).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ensureTable } from '../../shared/adapters/table-admin';
import type { Principal } from '../../shared/domain/access';
import type { Member } from '../../shared/domain/roster';
import { childSettings, progress, writeResult } from '../support/harness';
import { asActor, RequestCounter } from '../support/requests';

export type WhistleArgs = { sizes: number[] };

export type WhistleMeasure = {
  called: number;
  raise: { requests: number; byOp: Record<string, number>; ms: number };
  answer: { requests: number; byOp: Record<string, number>; ms: number };
  /** The answer that fills the whistle and tells everyone else they are not needed. */
  filling: { requests: number; byOp: Record<string, number>; ms: number; toldNotNeeded: number };
};
export type WhistleResult = { runs: WhistleMeasure[] };

const ADMIN: Principal = { sub: 'bench-admin', groups: ['admin'], communities: '*' };

async function main(): Promise<void> {
  const { endpoint, resultFile, args } = childSettings<WhistleArgs>();
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint();
  process.env.TABLE_NAME = 'bench-whistle';
  const admin = new DynamoDBClient({});
  await ensureTable(admin, 'bench-whistle');
  admin.destroy();
  const { tablePorts } = await import('../../shared/wiring');
  const { documentClient } = await import('../../shared/adapters/dynamo');
  const { makeCheckInUseCases } = await import('../../shared/use-cases/check-in');
  const counter = new RequestCounter();
  counter.install(documentClient());
  const ports = tablePorts();
  const checkIn = makeCheckInUseCases(ports);
  const now = () => new Date().toISOString();
  await ports.structure.putStreet({ streetId: 'bench', name: '基准街道', updatedAt: now() });
  const runs: WhistleMeasure[] = [];
  let phone = 13_800_000_000;
  for (const [i, size] of args.sizes.entries()) {
    const communityId = `wc${i + 1}`;
    const unitId = `wu${i + 1}`;
    await ports.structure.putCommunity({
      communityId,
      name: `社区${i + 1}`,
      streetId: 'bench',
      updatedAt: now(),
    });
    await ports.structure.putGrid({
      communityId,
      gridId: 'g1',
      name: '一网格',
      level: 'green',
      musterPoint: '广场',
      neighbours: [],
      updatedAt: now(),
    });
    const unit = {
      unitId,
      name: `单位${i + 1}`,
      pairedGrids: [{ communityId, gridId: 'g1' }],
      serves: [],
      kind: 'unit' as const,
      updatedAt: now(),
    };
    await ports.structure.putUnit(unit, undefined);
    const members: Member[] = Array.from({ length: size }, (_, k) => ({
      memberId: `m${i + 1}x${k}`,
      communityId,
      name: `党员${k}`,
      phone: `+86${phone++}`,
      roles: ['servingPartyMember'],
      partyMember: true,
      unitId,
      skills: [],
      available: true,
      smsOptOut: false,
      createdAt: now(),
      updatedAt: now(),
    }));
    for (let k = 0; k < members.length; k += 50) await ports.members.writeBatch(members.slice(k, k + 50), []);
    progress('whistle', `${size} people in ${communityId}`);

    const measure = async <T>(actor: string, fn: () => Promise<T>) => {
      counter.reset();
      const tally = new Map<string, number>();
      const start = performance.now();
      const value = await asActor({ actor, tally }, fn);
      return {
        value,
        requests: counter.total(actor),
        byOp: Object.fromEntries(tally),
        ms: performance.now() - start,
      };
    };
    const raised = await measure('raise', () =>
      ports.whistle.raise(ADMIN, communityId, {
        gridId: 'g1',
        reason: '基准吹哨',
        category: 'people',
        people: 2,
      }),
    );
    if (raised.value.notified !== size) throw new Error(`called ${raised.value.notified}, not ${size}`);
    const [first, second] = members;
    if (!first || !second) throw new Error('too few people');
    const answer = await measure('answer', () =>
      checkIn.reply({ from: first.phone, body: '1', inboundMessageId: `bench-${communityId}-1` }),
    );
    const filling = await measure('filling', () =>
      checkIn.reply({ from: second.phone, body: '1', inboundMessageId: `bench-${communityId}-2` }),
    );
    const after = await ports.whistle.get(ADMIN, raised.value.whistleId);
    if (after.status !== 'filled') throw new Error(`the whistle is ${after.status}, not filled`);
    runs.push({
      called: size,
      raise: { requests: raised.requests, byOp: raised.byOp, ms: raised.ms },
      answer: { requests: answer.requests, byOp: answer.byOp, ms: answer.ms },
      filling: {
        requests: filling.requests,
        byOp: filling.byOp,
        ms: filling.ms,
        toldNotNeeded: after.responders.filter((r) => r.status === 'notNeeded').length,
      },
    });
    progress(
      'whistle',
      `raise ${raised.requests} requests, answer ${answer.requests}, filling ${filling.requests}`,
    );
  }
  writeResult(resultFile, { runs } satisfies WhistleResult);
}

await main();

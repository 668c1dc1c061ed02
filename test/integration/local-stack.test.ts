import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import * as z from 'zod';
import { demoStreet } from '../../local/demo-data';
import { freePort } from '../../local/dynamodb-local';
import { DEMO_USERS } from '../../local/stack';
import { communityDetailView, communityView, streetView, unitView } from '../../shared/http/schemas';
import { keys } from '../../shared/table';
import { type Api, httpClient } from './support/http-client';
import {
  isDynamoDbLocal,
  type LocalProcess,
  type PrintedToken,
  startLocalProcess,
} from './support/local-process';
import { bodyOf, itemsOf, walkMembers } from './support/roster';
import { waitFor } from './support/wait-for';

const demo = demoStreet();
const demoCount = (communityId: string) => demo.members.filter((m) => m.communityId === communityId).length;

function tokenFor(proc: LocalProcess, role: string): string {
  const printed = proc.tokens().find((t) => t.role === role);
  if (!printed) throw new Error(`no ${role} token in the output:\n${proc.output()}`);
  return printed.token;
}

const adminOf = (proc: LocalProcess): Api => httpClient(proc.url, tokenFor(proc, 'admin'));

/** Members per community, counted by walking each community's list. */
async function memberCounts(client: Api, communityIds: readonly string[]): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const id of communityIds) counts[id] = (await walkMembers(client, id, {}, 100)).items.length;
  return counts;
}

/** Waits until none of `pids` is a running DynamoDB Local. */
async function gone(pids: readonly number[]): Promise<true> {
  return waitFor(
    `DynamoDB Local ${pids.join(', ')} to be gone`,
    async () => {
      for (const pid of pids) if (await isDynamoDbLocal(pid)) return undefined;
      return true;
    },
    { timeoutMs: 10_000 },
  );
}

const answers = async (url: string): Promise<boolean> => {
  try {
    await fetch(`${url}/health`);
    return true;
  } catch {
    return false;
  }
};

describe('npm start with a data dir', () => {
  let dataDir = '';
  let first: LocalProcess | undefined;
  let second: LocalProcess | undefined;

  beforeAll(async () => {
    // A space in the path, as in many home directories, must not split DynamoDB Local's -dbPath.
    dataDir = await mkdtemp(join(tmpdir(), 'pingji stack '));
    first = await startLocalProcess({ PORT: String(await freePort()), PINGJI_DATA_DIR: dataDir });
  });
  afterAll(async () => {
    // Both, even if stopping one fails.
    await Promise.allSettled([first?.kill(), second?.kill()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  const running = (): LocalProcess => {
    if (!first || first.hasExited()) throw new Error('the first run is not running');
    return first;
  };

  it('answers /health without a token', async () => {
    const reply = await httpClient(running().url).get('/health');

    expect(reply).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('prints a token per demo user, each working for exactly its communities', async () => {
    const proc = running();

    const printed = proc.tokens();
    const seen: Record<string, string[]> = {};
    for (const { role, token } of printed) {
      const reply = await httpClient(proc.url, token).get('/communities');
      seen[role] = bodyOf(itemsOf(communityView), reply)
        .items.map((c) => c.communityId)
        .sort();
    }

    expect(printed.map((t: PrintedToken) => [t.role, t.communities])).toEqual(
      DEMO_USERS.map((u) => [u.groups[0], [...u.communities]]),
    );
    expect(seen).toEqual({
      admin: ['dongguan', 'xijie'],
      planner: ['dongguan', 'xijie'],
      dutyOfficer: ['dongguan'],
      commander: ['dongguan'],
    });
  });

  it('serves the demo street: 2 communities, 12 graded grids with neighbours, 8 units, ~300 people', async () => {
    const admin = adminOf(running());

    const streets = bodyOf(itemsOf(streetView), await admin.get('/streets')).items;
    const communities = bodyOf(itemsOf(communityView), await admin.get('/communities')).items;
    const dongguan = bodyOf(communityDetailView, await admin.get('/communities/dongguan'));
    const units = bodyOf(itemsOf(unitView), await admin.get('/units')).items;
    const counts = await memberCounts(admin, ['dongguan', 'xijie']);

    expect(streets.map((s) => s.streetId)).toEqual(['chengguan']);
    expect(communities.map((c) => [c.communityId, c.mode]).sort()).toEqual([
      ['dongguan', 'normal'],
      ['xijie', 'normal'],
    ]);
    expect(dongguan.grids).toHaveLength(12);
    expect(new Set(dongguan.grids.map((g) => g.level))).toEqual(new Set(['red', 'yellow', 'green']));
    const expectedGrids = demo.communities.find((c) => c.communityId === 'dongguan')?.grids ?? [];
    expect(dongguan.grids.map((g) => [g.gridId, g.level, [...g.neighbours].sort()]).sort()).toEqual(
      expectedGrids.map((g) => [g.gridId, g.level, [...g.neighbours].sort()]).sort(),
    );
    expect(dongguan.grids.every((g) => g.neighbours.length > 0)).toBe(true);
    expect(dongguan.grids.map((g) => g.pairing)).toEqual(expect.arrayContaining(['1+1', 'N+1']));
    expect(units.map((u) => u.unitId).sort()).toEqual(demo.units.map((u) => u.unitId).sort());
    expect(counts).toEqual({ dongguan: demoCount('dongguan'), xijie: demoCount('xijie') });
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(250);
    expect(total).toBeLessThan(350);
  });

  it('runs one DynamoDB Local of its own, and on SIGTERM exits 0 leaving none behind', async () => {
    const proc = running();
    const javas = proc.dynamoDbLocals;

    const exit = await proc.stop('SIGTERM');

    expect(javas).toHaveLength(1);
    expect(javas[0]?.commandLine).toContain(join(dataDir, 'dynamodb'));
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await gone(javas.map((j) => j.pid))).toBe(true);
    expect(await answers(proc.url)).toBe(false);
  });

  it('restarted on the same data dir keeps its data, seeds nothing twice, honours old tokens and stops on Ctrl-C', async () => {
    const oldAdminToken = first ? tokenFor(first, 'admin') : '';
    await first?.kill();

    second = await startLocalProcess({ PORT: String(await freePort()), PINGJI_DATA_DIR: dataDir });
    const admin = adminOf(second);
    const counts = await memberCounts(admin, ['dongguan', 'xijie']);
    const communities = bodyOf(itemsOf(communityView), await admin.get('/communities')).items;
    const withOldToken = await httpClient(second.url, oldAdminToken).get('/communities/dongguan');
    const javas = second.dynamoDbLocals;
    const exit = await second.stop('SIGINT');

    expect(oldAdminToken).not.toBe('');
    expect(second.output()).not.toContain('Seeded');
    expect(counts).toEqual({ dongguan: demoCount('dongguan'), xijie: demoCount('xijie') });
    expect(communities).toHaveLength(2);
    expect(withOldToken.status).toBe(200);
    expect(javas).toHaveLength(1);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await gone(javas.map((j) => j.pid))).toBe(true);
  });
});

describe('npm start in memory without demo data', () => {
  let dataDir = '';
  let proc: LocalProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pingji-memory-'));
  });
  afterAll(async () => {
    await proc?.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts empty, keeps nothing on disk, and leaves no DynamoDB Local behind even when killed', async () => {
    proc = await startLocalProcess({
      PORT: String(await freePort()),
      PINGJI_DATA_DIR: dataDir,
      PINGJI_IN_MEMORY: '1',
      PINGJI_SEED: 'none',
    });
    const admin = adminOf(proc);

    const streets = bodyOf(itemsOf(streetView), await admin.get('/streets')).items;
    const communities = bodyOf(itemsOf(communityView), await admin.get('/communities')).items;
    const units = bodyOf(itemsOf(unitView), await admin.get('/units')).items;
    const javas = proc.dynamoDbLocals;
    // No clean-up code runs on SIGKILL: only the watchdog between Node and Java can end the JVM.
    const exit = await proc.stop('SIGKILL');

    expect({ streets, communities, units }).toEqual({ streets: [], communities: [], units: [] });
    expect(proc.output()).not.toContain('Seeded');
    expect(javas.map((j) => j.commandLine.includes('-inMemory'))).toEqual([true]);
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await gone(javas.map((j) => j.pid))).toBe(true);
    expect(await readdir(dataDir)).toEqual([]);
  });
});

describe('npm start against a DynamoDB that is already running', () => {
  const endpoint = inject('dynamoEndpoint');
  const tableName = `stack-${randomUUID()}`;
  const dynamo = new DynamoDBClient({ endpoint });
  let dataDir = '';
  let proc: LocalProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pingji-external-'));
  });
  afterAll(async () => {
    await proc?.kill();
    await dynamo.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    dynamo.destroy();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts no DynamoDB Local of its own and creates its table there', async () => {
    proc = await startLocalProcess({
      PORT: String(await freePort()),
      PINGJI_DATA_DIR: dataDir,
      PINGJI_SEED: 'none',
      AWS_ENDPOINT_URL_DYNAMODB: endpoint,
      TABLE_NAME: tableName,
    });
    const admin = adminOf(proc);

    const javas = proc.dynamoDbLocals;
    const put = await admin.put('/streets/external-st', { name: '外部街道' });
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
    const key = keys.street('external-st');
    const { Item } = await dynamo.send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: key.pk }, sk: { S: key.sk } } }),
    );
    const exit = await proc.stop('SIGTERM');

    expect(javas).toEqual([]);
    expect(proc.output()).toContain(`table ${tableName}`);
    expect(put.status).toBe(201);
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(z.object({ name: z.object({ S: z.string() }) }).parse(Item).name.S).toBe('外部街道');
    expect(exit).toEqual({ code: 0, signal: null });
  });
});

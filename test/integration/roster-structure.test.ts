import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  communityDetailView,
  communityView,
  gridView,
  streetView,
  unitView,
} from '../../shared/http/schemas';
import type { Api } from './support/http-client';
import { startTestApi, type TestApi } from './support/local-api';
import { bodyOf, buildCommunity, errorOf, itemsOf, succeed } from './support/roster';

let api: TestApi;
let admin: Api;

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as(['admin'], ['*']);
});
afterAll(async () => {
  await api?.stop();
});

const grid = (name: string, level: string, neighbours: string[] = []) => ({
  name,
  level,
  musterPoint: `${name}广场`,
  neighbours,
});

/** The community as GET returns it, grids and their units sorted by id (the contract fixes no order). */
async function communityDetail(client: Api, communityId: string) {
  const community = bodyOf(communityDetailView.strict(), await client.get(`/communities/${communityId}`));
  const grids = community.grids
    .map((g) => ({ ...g, units: [...g.units].sort() }))
    .sort((a, b) => a.gridId.localeCompare(b.gridId));
  return { ...community, grids };
}

async function listUnitIds(client: Api): Promise<string[]> {
  return bodyOf(itemsOf(unitView), await client.get('/units')).items.map((u) => u.unitId);
}

describe('streets', () => {
  it('creates a street with 201, renames it with 200 and lists the new name', async () => {
    const first = await admin.put('/streets/st-rename', { name: '城关街道' });
    const second = await admin.put('/streets/st-rename', { name: '东城街道' });
    const list = bodyOf(itemsOf(streetView), await admin.get('/streets'));

    expect(first.status).toBe(201);
    expect(bodyOf(streetView, first)).toMatchObject({ streetId: 'st-rename', name: '城关街道' });
    expect(second.status).toBe(200);
    expect(bodyOf(streetView, second)).toMatchObject({ streetId: 'st-rename', name: '东城街道' });
    expect(list.items.filter((s) => s.streetId === 'st-rename')).toEqual([
      expect.objectContaining({ name: '东城街道' }),
    ]);
  });
});

describe('communities', () => {
  it('creates a community with 201 in normal mode, updates it with 200 and reads it back', async () => {
    await succeed('street', admin.put('/streets/st-comm', { name: '城关街道' }));
    await succeed('other street', admin.put('/streets/st-comm-2', { name: '西城街道' }));

    const first = await admin.put('/communities/comm-a', { name: '东关社区', streetId: 'st-comm' });
    const second = await admin.put('/communities/comm-a', { name: '东关新社区', streetId: 'st-comm-2' });
    const read = await communityDetail(admin, 'comm-a');

    expect(first.status).toBe(201);
    expect(bodyOf(communityView.strict(), first)).toMatchObject({
      communityId: 'comm-a',
      name: '东关社区',
      streetId: 'st-comm',
      mode: 'normal',
    });
    expect(second.status).toBe(200);
    expect(read).toMatchObject({
      communityId: 'comm-a',
      name: '东关新社区',
      streetId: 'st-comm-2',
      mode: 'normal',
      grids: [],
    });
  });

  it('refuses a community in an unknown street with 400 on streetId and writes nothing', async () => {
    const reply = await admin.put('/communities/comm-orphan', {
      name: '孤儿社区',
      streetId: 'no-such-street',
    });
    const after = await admin.get('/communities/comm-orphan');
    const listed = bodyOf(itemsOf(communityView), await admin.get('/communities'));

    expect(errorOf(reply)).toMatchObject({ status: 400, paths: ['streetId'] });
    expect(errorOf(after)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(listed.items.map((c) => c.communityId)).not.toContain('comm-orphan');
  });

  it('refuses to move a community to an unknown street and keeps it as it was', async () => {
    await buildCommunity(admin, { streetId: 'st-move', communityId: 'comm-move' });
    const before = await communityDetail(admin, 'comm-move');

    const reply = await admin.put('/communities/comm-move', { name: '搬家社区', streetId: 'no-such-street' });
    const after = await communityDetail(admin, 'comm-move');

    expect(errorOf(reply)).toMatchObject({ status: 400, paths: ['streetId'] });
    expect(after).toEqual(before);
  });

  it('answers 404 for a community that does not exist', async () => {
    const reply = await admin.get('/communities/comm-never');

    expect(errorOf(reply)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('lists every community for an admin and for a caller acting for *', async () => {
    await buildCommunity(admin, { streetId: 'st-list', communityId: 'list-a' });
    await buildCommunity(admin, { streetId: 'st-list', communityId: 'list-b' });
    const starPlanner = await api.as(['planner'], ['*'], 'star-planner');

    const forAdmin = bodyOf(itemsOf(communityView), await admin.get('/communities'));
    const forStar = bodyOf(itemsOf(communityView), await starPlanner.get('/communities'));

    expect(forAdmin.items.map((c) => c.communityId)).toEqual(expect.arrayContaining(['list-a', 'list-b']));
    expect(forStar.items.map((c) => c.communityId).sort()).toEqual(
      forAdmin.items.map((c) => c.communityId).sort(),
    );
  });

  it.each([
    ['planner', ['list-a']],
    ['dutyOfficer', ['list-b']],
    ['commander', ['list-a', 'list-b']],
  ])('lists only the communities a %s acts for', async (role, communities) => {
    await buildCommunity(admin, { streetId: 'st-list', communityId: 'list-a' });
    await buildCommunity(admin, { streetId: 'st-list', communityId: 'list-b' });
    await buildCommunity(admin, { streetId: 'st-list', communityId: 'list-c' });
    const caller = await api.as([role], [...communities, 'list-not-created']);

    const reply = await caller.get('/communities');

    expect(reply.status).toBe(200);
    expect(
      bodyOf(itemsOf(communityView), reply)
        .items.map((c) => c.communityId)
        .sort(),
    ).toEqual([...communities].sort());
  });
});

describe('grids', () => {
  it('creates a grid with 201, updates it with 200, and shows it graded with its neighbours', async () => {
    await buildCommunity(admin, { streetId: 'st-grid', communityId: 'grid-comm' });

    const first = await admin.put('/communities/grid-comm/grids/g1', grid('一网格', 'red'));
    const second = await admin.put('/communities/grid-comm/grids/g2', grid('二网格', 'yellow', ['g1']));
    const update = await admin.put('/communities/grid-comm/grids/g1', grid('一网格', 'green', ['g2']));
    const read = await communityDetail(admin, 'grid-comm');

    expect(first.status).toBe(201);
    expect(bodyOf(gridView.strict(), first)).toMatchObject({
      communityId: 'grid-comm',
      gridId: 'g1',
      level: 'red',
      neighbours: [],
    });
    expect(second.status).toBe(201);
    expect(update.status).toBe(200);
    expect(read.mode).toBe('normal');
    expect(read.grids.map((g) => [g.gridId, g.level, g.musterPoint, g.neighbours]).sort()).toEqual([
      ['g1', 'green', '一网格广场', ['g2']],
      ['g2', 'yellow', '二网格广场', ['g1']],
    ]);
  });

  it('answers 404 for a grid in an unknown community and creates neither', async () => {
    const reply = await admin.put('/communities/grid-ghost/grids/g1', grid('一网格', 'red'));
    const after = await admin.get('/communities/grid-ghost');

    expect(errorOf(reply)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(after.status).toBe(404);
  });

  it('refuses neighbours that are not grids of the community with 400 on each, and writes nothing', async () => {
    await buildCommunity(admin, { streetId: 'st-grid', communityId: 'nb-comm', grids: ['n1'] });
    await buildCommunity(admin, { streetId: 'st-grid', communityId: 'nb-other', grids: ['far'] });

    const fresh = await admin.put(
      '/communities/nb-comm/grids/n2',
      grid('二网格', 'red', ['n1', 'nope', 'far']),
    );
    const existing = await admin.put('/communities/nb-comm/grids/n1', grid('一网格', 'red', ['n1']));
    const read = await communityDetail(admin, 'nb-comm');

    expect(errorOf(fresh)).toMatchObject({ status: 400, paths: ['neighbours[1]', 'neighbours[2]'] });
    expect(errorOf(existing)).toMatchObject({ status: 400, paths: ['neighbours[0]'] });
    expect(read.grids.map((g) => ({ gridId: g.gridId, level: g.level, neighbours: g.neighbours }))).toEqual([
      { gridId: 'n1', level: 'green', neighbours: [] },
    ]);
  });

  it('refuses a level outside red/yellow/green and an unknown field with 400', async () => {
    await buildCommunity(admin, { streetId: 'st-grid', communityId: 'lvl-comm' });

    const blue = await admin.put('/communities/lvl-comm/grids/g1', grid('一网格', 'blue'));
    const extra = await admin.put('/communities/lvl-comm/grids/g1', {
      ...grid('一网格', 'red'),
      colour: 'red',
    });
    const read = await communityDetail(admin, 'lvl-comm');

    expect(errorOf(blue)).toMatchObject({ status: 400, paths: ['level'] });
    expect(errorOf(extra).status).toBe(400);
    expect(errorOf(extra).message + JSON.stringify(errorOf(extra).details)).toContain('colour');
    expect(read.grids).toEqual([]);
  });
});

describe('partner units', () => {
  it('creates a unit with 201, updates it with 200 and lists it with its pairings', async () => {
    await buildCommunity(admin, { streetId: 'st-unit', communityId: 'unit-comm', grids: ['u1', 'u2'] });
    const pairedGrids = [{ communityId: 'unit-comm', gridId: 'u1' }];

    const first = await admin.put('/units/hospital', { name: '县人民医院', pairedGrids });
    const second = await admin.put('/units/hospital', { name: '县医院', pairedGrids });
    const units = bodyOf(itemsOf(unitView), await admin.get('/units'));

    expect(first.status).toBe(201);
    expect(bodyOf(unitView.strict(), first)).toMatchObject({ unitId: 'hospital', pairedGrids });
    expect(second.status).toBe(200);
    expect(units.items.filter((u) => u.unitId === 'hospital')).toEqual([
      expect.objectContaining({ name: '县医院', pairedGrids }),
    ]);
  });

  it('keeps the categories a unit serves and its kind, and keeps them when a later PUT leaves them out', async () => {
    await buildCommunity(admin, { streetId: 'st-serve', communityId: 'serve-comm', grids: ['v1'] });
    const pairedGrids = [{ communityId: 'serve-comm', gridId: 'v1' }];

    const plain = bodyOf(
      unitView.strict(),
      await admin.put('/units/plain-unit', { name: '物业公司', pairedGrids }),
    );
    const first = await admin.put('/units/city-dept', {
      name: '街道城管科',
      pairedGrids,
      serves: ['cityManagement', 'water'],
      kind: 'department',
    });
    const renamed = await admin.put('/units/city-dept', { name: '城管执法中队', pairedGrids });
    const cleared = await admin.put('/units/city-dept', { name: '城管执法中队', pairedGrids, serves: [] });
    const bad = await admin.put('/units/city-dept', {
      name: '城管',
      pairedGrids,
      serves: ['lawyer'],
      kind: 'x',
    });
    const listed = bodyOf(itemsOf(unitView), await admin.get('/units')).items.find(
      (u) => u.unitId === 'city-dept',
    );

    expect(plain).toMatchObject({ serves: [], kind: 'unit' });
    expect(bodyOf(unitView.strict(), first)).toMatchObject({
      serves: ['cityManagement', 'water'],
      kind: 'department',
    });
    expect(bodyOf(unitView.strict(), renamed)).toMatchObject({
      name: '城管执法中队',
      serves: ['cityManagement', 'water'],
      kind: 'department',
    });
    expect(bodyOf(unitView.strict(), cleared)).toMatchObject({ serves: [], kind: 'department' });
    expect(bad.status).toBe(400);
    expect(errorOf(bad).paths.sort()).toEqual(['kind', 'serves[0]']);
    expect(listed).toMatchObject({ name: '城管执法中队', serves: [], kind: 'department' });
  });

  it("shows each grid's units and whether it is paired 1+1, N+1 or not at all", async () => {
    await buildCommunity(admin, { streetId: 'st-unit', communityId: 'pair-comm', grids: ['p1', 'p2', 'p3'] });
    await buildCommunity(admin, { streetId: 'st-unit', communityId: 'pair-other', grids: ['q1'] });
    const at = (gridId: string) => ({ communityId: 'pair-comm', gridId });

    await succeed(
      'unit a',
      admin.put('/units/pair-a', { name: '甲单位', pairedGrids: [at('p1'), at('p2')] }),
    );
    await succeed(
      'unit b',
      admin.put('/units/pair-b', {
        name: '乙单位',
        pairedGrids: [at('p2'), { communityId: 'pair-other', gridId: 'q1' }],
      }),
    );
    const read = await communityDetail(admin, 'pair-comm');
    const other = await communityDetail(admin, 'pair-other');

    const byGrid = Object.fromEntries(
      read.grids.map((g) => [g.gridId, { units: g.units, pairing: g.pairing }]),
    );
    expect(byGrid).toEqual({
      p1: { units: ['pair-a'], pairing: '1+1' },
      p2: { units: ['pair-a', 'pair-b'], pairing: 'N+1' },
      p3: { units: [], pairing: 'none' },
    });
    expect(other.grids.map((g) => [g.gridId, g.units, g.pairing])).toEqual([['q1', ['pair-b'], '1+1']]);
  });

  it('replaces the pairings when a unit is paired again', async () => {
    await buildCommunity(admin, {
      streetId: 'st-unit',
      communityId: 'repair-comm',
      grids: ['r1', 'r2', 'r3'],
    });
    const at = (gridId: string) => ({ communityId: 'repair-comm', gridId });
    await succeed(
      'pair',
      admin.put('/units/repair-u', { name: '供电公司', pairedGrids: [at('r1'), at('r2')] }),
    );

    const reply = await admin.put('/units/repair-u', { name: '供电公司', pairedGrids: [at('r2'), at('r3')] });
    const read = await communityDetail(admin, 'repair-comm');
    const unit = bodyOf(itemsOf(unitView), await admin.get('/units')).items.find(
      (u) => u.unitId === 'repair-u',
    );

    expect(reply.status).toBe(200);
    expect(read.grids.map((g) => [g.gridId, g.units, g.pairing])).toEqual([
      ['r1', [], 'none'],
      ['r2', ['repair-u'], '1+1'],
      ['r3', ['repair-u'], '1+1'],
    ]);
    expect(unit?.pairedGrids).toEqual([at('r2'), at('r3')]);
  });

  it('unpairs a unit from every grid when paired with none', async () => {
    await buildCommunity(admin, { streetId: 'st-unit', communityId: 'unpair-comm', grids: ['x1'] });
    await succeed(
      'pair',
      admin.put('/units/unpair-u', {
        name: '银行',
        pairedGrids: [{ communityId: 'unpair-comm', gridId: 'x1' }],
      }),
    );

    const reply = await admin.put('/units/unpair-u', { name: '银行', pairedGrids: [] });
    const read = await communityDetail(admin, 'unpair-comm');

    expect(reply.status).toBe(200);
    expect(read.grids.map((g) => [g.gridId, g.units, g.pairing])).toEqual([['x1', [], 'none']]);
  });

  it('refuses a pairing with an unknown grid with 400 on pairedGrids[i].gridId and writes nothing', async () => {
    await buildCommunity(admin, { streetId: 'st-unit', communityId: 'bad-pair', grids: ['b1'] });

    const reply = await admin.put('/units/bad-pair-u', {
      name: '住建局',
      pairedGrids: [
        { communityId: 'bad-pair', gridId: 'b1' },
        { communityId: 'bad-pair', gridId: 'b9' },
      ],
    });
    const read = await communityDetail(admin, 'bad-pair');

    expect(errorOf(reply)).toMatchObject({ status: 400, paths: ['pairedGrids[1].gridId'] });
    expect(await listUnitIds(admin)).not.toContain('bad-pair-u');
    expect(read.grids.map((g) => [g.gridId, g.units])).toEqual([['b1', []]]);
  });

  it('refuses a pairing in an unknown community with 400 on pairedGrids[i].communityId', async () => {
    await buildCommunity(admin, { streetId: 'st-unit', communityId: 'ghost-pair', grids: ['h1'] });

    const reply = await admin.put('/units/ghost-pair-u', {
      name: '交通局',
      pairedGrids: [
        { communityId: 'ghost-pair', gridId: 'h1' },
        { communityId: 'no-such-community', gridId: 'h1' },
      ],
    });

    expect(errorOf(reply)).toMatchObject({ status: 400, paths: ['pairedGrids[1].communityId'] });
    expect(await listUnitIds(admin)).not.toContain('ghost-pair-u');
  });

  it('keeps the old pairings when a re-pairing names an unknown grid', async () => {
    await buildCommunity(admin, { streetId: 'st-unit', communityId: 'keep-comm', grids: ['k1', 'k2'] });
    const at = (gridId: string) => ({ communityId: 'keep-comm', gridId });
    await succeed('pair', admin.put('/units/keep-u', { name: '消防', pairedGrids: [at('k1')] }));

    const reply = await admin.put('/units/keep-u', { name: '消防', pairedGrids: [at('k2'), at('k9')] });
    const read = await communityDetail(admin, 'keep-comm');

    expect(errorOf(reply)).toMatchObject({ status: 400, paths: ['pairedGrids[1].gridId'] });
    expect(read.grids.map((g) => [g.gridId, g.units])).toEqual([
      ['k1', ['keep-u']],
      ['k2', []],
    ]);
  });
});

describe('ids in paths', () => {
  const tooLong = `a${'b'.repeat(63)}`;
  it.each([
    ['PUT', '/streets/Upper', 'streetId', { name: '街道' }],
    ['PUT', '/streets/under_score', 'streetId', { name: '街道' }],
    ['PUT', `/streets/${tooLong}`, 'streetId', { name: '街道' }],
    ['PUT', '/communities/-lead', 'communityId', { name: '社区', streetId: 'st-slug' }],
    ['PUT', '/communities/%E4%B8%9C%E5%85%B3', 'communityId', { name: '社区', streetId: 'st-slug' }],
    ['GET', '/communities/Dongguan', 'communityId', undefined],
    ['PUT', '/communities/slug-comm/grids/G1', 'gridId', grid('一网格', 'red')],
    ['PUT', '/communities/Slug-Comm/grids/g1', 'communityId', grid('一网格', 'red')],
    ['PUT', '/units/unit.one', 'unitId', { name: '单位', pairedGrids: [] }],
  ])('%s %s is refused with 400 on %s', async (method, path, param, body) => {
    await buildCommunity(admin, { streetId: 'st-slug', communityId: 'slug-comm' });

    const reply = await admin.raw(path, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

    expect(errorOf(reply)).toMatchObject({ status: 400, paths: [param] });
  });

  it('accepts the longest slug the contract allows', async () => {
    const longest = `a${'b'.repeat(62)}`;

    const reply = await admin.put(`/streets/${longest}`, { name: '长街道' });

    expect(reply.status).toBe(201);
  });
});

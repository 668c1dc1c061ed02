import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role, Skill } from '../../shared/domain/roster';
import { memberPageView, memberView } from '../../shared/http/schemas';
import type { Api } from './support/http-client';
import { startTestApi, type TestApi } from './support/local-api';
import {
  bodyOf,
  buildCommunity,
  createMember,
  errorOf,
  type MemberView,
  memberBody,
  national,
  PhoneBook,
  succeed,
  walkMembers,
} from './support/roster';

let api: TestApi;
let admin: Api;
let planner: Api;
const phones = new PhoneBook(1_001);

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as(['admin'], ['*']);
  planner = await api.as(['planner'], ['north', 'south', 'filters', 'paging'], 'planner-roster');
  await buildCommunity(admin, { streetId: 'st', communityId: 'north', grids: ['n1', 'n2'] });
  await buildCommunity(admin, { streetId: 'st', communityId: 'south', grids: ['s1'] });
  await succeed(
    'unit',
    admin.put('/units/clinic', { name: '社区卫生院', pairedGrids: [{ communityId: 'north', gridId: 'n1' }] }),
  );
});
afterAll(async () => {
  await api?.stop();
});

const membersOf = (communityId: string) => `/communities/${communityId}/members`;
const memberAt = (m: { communityId: string; memberId: string }) =>
  `/communities/${m.communityId}/members/${m.memberId}`;

/** Every member of the community with this phone, read through the list. */
async function holdersOf(phone: string, communityIds = ['north', 'south']): Promise<MemberView[]> {
  const walks = await Promise.all(communityIds.map((c) => walkMembers(admin, c)));
  return walks.flatMap((w) => w.items).filter((m) => m.phone === phone);
}

describe('adding a member', () => {
  it('answers 201 with the phone in E.164 and the defaults filled in, and GET returns the same', async () => {
    const phone = phones.next();

    const reply = await planner.post(membersOf('north'), memberBody(national(phone), { gridId: 'n1' }));
    const created = bodyOf(memberView.strict(), reply);
    const read = await planner.get(memberAt(created));

    expect(reply.status).toBe(201);
    expect(created).toMatchObject({
      communityId: 'north',
      name: '王伟',
      phone,
      roles: ['volunteer'],
      gridId: 'n1',
      partyMember: false,
      skills: [],
      available: true,
      smsOptOut: false,
    });
    expect(created.createdAt).toBe(created.updatedAt);
    expect(read.status).toBe(200);
    expect(bodyOf(memberView.strict(), read)).toEqual(created);
  });

  it.each([
    [
      'with spaces and +86',
      (e164: string) => `+86 ${national(e164).replace(/^(\d{3})(\d{4})(\d{4})$/, '$1 $2 $3')}`,
    ],
    ['with dashes', (e164: string) => national(e164).replace(/^(\d{3})(\d{4})(\d{4})$/, '$1-$2-$3')],
    ['with the 0086 prefix', (e164: string) => `0086${national(e164)}`],
  ])('normalises a phone written %s', async (_how, write) => {
    const phone = phones.next();

    const created = await createMember(admin, 'north', memberBody(write(phone)));

    expect(created.phone).toBe(phone);
  });

  it('keeps every field given', async () => {
    const phone = phones.next();
    const body = memberBody(phone, {
      name: '李秀英',
      roles: ['servingPartyMember', 'volunteer'],
      partyMember: true,
      gridId: 'n1',
      unitId: 'clinic',
      skills: ['medical', 'firstAid'],
      available: false,
    });

    const created = await createMember(admin, 'north', body);

    expect(created).toMatchObject({ ...body, phone });
  });

  it('refuses a phone already on a roster with 409 PHONE_TAKEN, in any community and notation', async () => {
    const phone = phones.next();
    await createMember(admin, 'north', memberBody(phone));

    const same = await admin.post(membersOf('north'), memberBody(phone, { name: '张三' }));
    const elsewhere = await admin.post(membersOf('south'), memberBody(national(phone), { name: '李四' }));

    expect(errorOf(same)).toMatchObject({ status: 409, code: 'PHONE_TAKEN', paths: ['phone'] });
    expect(errorOf(elsewhere)).toMatchObject({ status: 409, code: 'PHONE_TAKEN', paths: ['phone'] });
    expect((await holdersOf(phone)).map((m) => m.name)).toEqual(['王伟']);
  });

  it('lets exactly one of two simultaneous creates of one phone win, every time', async () => {
    for (let round = 0; round < 5; round++) {
      const phone = phones.next();

      const replies = await Promise.all([
        admin.post(membersOf('north'), memberBody(phone, { name: '甲' })),
        admin.post(membersOf('south'), memberBody(national(phone), { name: '乙' })),
      ]);

      expect(replies.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(replies.map((r) => (r.status === 409 ? errorOf(r).code : 'created'))).toContain('PHONE_TAKEN');
      expect(await holdersOf(phone)).toHaveLength(1);
    }
  });

  it('refuses a grid of another community with 400 on gridId and writes nothing', async () => {
    const phone = phones.next();

    const reply = await admin.post(membersOf('north'), memberBody(phone, { gridId: 's1' }));

    expect(errorOf(reply)).toMatchObject({ status: 400, paths: ['gridId'] });
    expect(await holdersOf(phone)).toEqual([]);
    expect((await admin.post(membersOf('south'), memberBody(phone, { gridId: 's1' }))).status).toBe(201);
  });

  it('refuses an unknown unit with 400 on unitId and writes nothing', async () => {
    const phone = phones.next();

    const reply = await admin.post(membersOf('north'), memberBody(phone, { unitId: 'no-such-unit' }));

    expect(errorOf(reply)).toMatchObject({ status: 400, paths: ['unitId'] });
    expect(await holdersOf(phone)).toEqual([]);
  });

  it.each([
    ['too short', '12345'],
    ['a landline that cannot take SMS', '010-6512-3456'],
    ['letters', 'phone-number'],
  ])('refuses a phone that is %s with 400 on phone', async (_why, phone) => {
    const reply = await admin.post(membersOf('north'), memberBody(phone));

    expect(errorOf(reply)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', paths: ['phone'] });
  });

  it('refuses a serving party member who is not a party member with 400 on partyMember', async () => {
    const reply = await admin.post(
      membersOf('north'),
      memberBody(phones.next(), { roles: ['servingPartyMember'], partyMember: false }),
    );

    expect(errorOf(reply)).toMatchObject({ status: 400, paths: ['partyMember'] });
  });

  it('answers 404 when the community does not exist', async () => {
    const reply = await admin.post(membersOf('nowhere'), memberBody(phones.next()));

    expect(errorOf(reply)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });
});

describe('bodies the API refuses', () => {
  it('refuses malformed JSON with 400 MALFORMED_JSON', async () => {
    const reply = await admin.raw(membersOf('north'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": "王伟", "phone": ',
    });

    expect(errorOf(reply)).toMatchObject({ status: 400, code: 'MALFORMED_JSON', paths: ['body'] });
  });

  it('refuses wrong types with 400 naming each wrong field', async () => {
    const reply = await admin.post(membersOf('north'), {
      name: 42,
      phone: 13_800_138_000,
      roles: 'volunteer',
      partyMember: 'yes',
      skills: ['juggling'],
      available: 'no',
    });

    expect(errorOf(reply).status).toBe(400);
    expect([...errorOf(reply).paths].sort()).toEqual(
      ['available', 'name', 'partyMember', 'phone', 'roles', 'skills[0]'].sort(),
    );
  });

  it('refuses a body without the required fields with 400 naming each', async () => {
    const reply = await admin.post(membersOf('north'), {});

    expect([...errorOf(reply).paths].sort()).toEqual(['name', 'phone', 'roles']);
  });

  it('refuses unknown fields with 400', async () => {
    const phone = phones.next();

    const reply = await admin.post(membersOf('north'), memberBody(phone, { nickname: '小王' }));

    expect(errorOf(reply).status).toBe(400);
    expect(JSON.stringify(errorOf(reply).details)).toContain('nickname');
    expect(await holdersOf(phone)).toEqual([]);
  });

  it('refuses a body over 256 KiB with 413 and writes nothing', async () => {
    const phone = phones.next();
    const body = JSON.stringify(memberBody(phone, { note: 'x'.repeat(256 * 1024) }));

    const reply = await admin.raw(membersOf('north'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });

    expect(errorOf(reply)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(await holdersOf(phone)).toEqual([]);
  });

  it('refuses an id that is not a member id with 400 on memberId', async () => {
    const reply = await admin.get('/communities/north/members/NOT_AN_ID');

    expect(errorOf(reply)).toMatchObject({ status: 400, paths: ['memberId'] });
  });
});

describe('changing a member', () => {
  it('changes only the fields given and keeps the rest', async () => {
    const member = await createMember(admin, 'north', memberBody(phones.next(), { gridId: 'n1' }));

    const reply = await planner.patch(memberAt(member), {
      name: '王芳',
      skills: ['driving'],
      available: false,
      gridId: 'n2',
    });
    const read = bodyOf(memberView, await admin.get(memberAt(member)));

    expect(reply.status).toBe(200);
    expect(bodyOf(memberView.strict(), reply)).toEqual(read);
    expect(read).toMatchObject({
      memberId: member.memberId,
      name: '王芳',
      phone: member.phone,
      roles: member.roles,
      skills: ['driving'],
      available: false,
      gridId: 'n2',
      createdAt: member.createdAt,
    });
  });

  it('moves the member between the grid lists when the grid changes', async () => {
    const member = await createMember(
      admin,
      'north',
      memberBody(phones.next(), { gridId: 'n1', unitId: 'clinic' }),
    );

    await succeed('move', admin.patch(memberAt(member), { gridId: 'n2', unitId: null }));
    const inN1 = await walkMembers(admin, 'north', { gridId: 'n1' });
    const inN2 = await walkMembers(admin, 'north', { gridId: 'n2' });
    const ofClinic = await walkMembers(admin, 'north', { unitId: 'clinic' });

    expect(inN1.items.map((m) => m.memberId)).not.toContain(member.memberId);
    expect(inN2.items.map((m) => m.memberId)).toContain(member.memberId);
    expect(ofClinic.items.map((m) => m.memberId)).not.toContain(member.memberId);
  });

  it('lets exactly one of two simultaneous moves to one phone win', async () => {
    const target = phones.next();
    const a = await createMember(admin, 'north', memberBody(phones.next(), { name: '甲' }));
    const b = await createMember(admin, 'south', memberBody(phones.next(), { name: '乙' }));

    const replies = await Promise.all([
      admin.patch(memberAt(a), { phone: target }),
      admin.patch(memberAt(b), { phone: national(target) }),
    ]);

    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await holdersOf(target)).toHaveLength(1);
  });

  it('clears the grid and the unit with null', async () => {
    const member = await createMember(
      admin,
      'north',
      memberBody(phones.next(), { gridId: 'n1', unitId: 'clinic' }),
    );

    const reply = await admin.patch(memberAt(member), { gridId: null, unitId: null });
    const read = bodyOf(memberView, await admin.get(memberAt(member)));

    expect(reply.status).toBe(200);
    expect(read.gridId).toBeUndefined();
    expect(read.unitId).toBeUndefined();
  });

  it('sets an until-date, keeps it through other changes, and clears it with null', async () => {
    const member = await createMember(admin, 'north', memberBody(phones.next()));

    const set = await planner.patch(memberAt(member), { unavailableUntil: '2031-05-04' });
    await succeed('rename', planner.patch(memberAt(member), { name: '赵敏' }));
    const kept = bodyOf(memberView.strict(), await admin.get(memberAt(member)));
    const cleared = await planner.patch(memberAt(member), { unavailableUntil: null });

    expect(bodyOf(memberView.strict(), set).unavailableUntil).toBe('2031-05-04');
    expect(kept).toMatchObject({ name: '赵敏', unavailableUntil: '2031-05-04', available: true });
    expect(bodyOf(memberView.strict(), cleared).unavailableUntil).toBeUndefined();
  });

  it('refuses an until-date that is not a day with 400 on unavailableUntil and changes nothing', async () => {
    const member = await createMember(admin, 'north', memberBody(phones.next()));

    const reply = await planner.patch(memberAt(member), { unavailableUntil: '2031-02-30', name: '改名' });
    const read = bodyOf(memberView, await admin.get(memberAt(member)));

    expect(reply.status).toBe(400);
    expect(errorOf(reply).paths).toEqual(['unavailableUntil']);
    expect(read.name).toBe(member.name);
    expect(read.unavailableUntil).toBeUndefined();
  });

  it('moves the phone: the old number is free for someone else, the new one is taken', async () => {
    const [oldPhone, newPhone] = [phones.next(), phones.next()];
    const member = await createMember(admin, 'north', memberBody(oldPhone));

    const moved = await admin.patch(memberAt(member), { phone: national(newPhone) });
    const reuse = await admin.post(membersOf('south'), memberBody(oldPhone, { name: '新人' }));
    const clash = await admin.post(membersOf('south'), memberBody(newPhone, { name: '撞号' }));

    expect(bodyOf(memberView, moved).phone).toBe(newPhone);
    expect(reuse.status).toBe(201);
    expect(errorOf(clash)).toMatchObject({ status: 409, code: 'PHONE_TAKEN' });
    expect((await holdersOf(oldPhone)).map((m) => m.name)).toEqual(['新人']);
    expect((await holdersOf(newPhone)).map((m) => m.memberId)).toEqual([member.memberId]);
  });

  it('refuses a phone someone else holds with 409 and changes nothing', async () => {
    const [mine, theirs] = [phones.next(), phones.next()];
    const member = await createMember(admin, 'north', memberBody(mine, { name: '赵敏' }));
    const other = await createMember(admin, 'south', memberBody(theirs, { name: '钱军' }));

    const reply = await admin.patch(memberAt(member), { phone: theirs, name: '赵改名' });
    const after = bodyOf(memberView, await admin.get(memberAt(member)));

    expect(errorOf(reply)).toMatchObject({ status: 409, code: 'PHONE_TAKEN' });
    expect(after).toEqual(member);
    expect(await holdersOf(mine)).toEqual([member]);
    expect(await holdersOf(theirs)).toEqual([other]);
  });

  it('keeps the phone when the patch names the number the member already has', async () => {
    const phone = phones.next();
    const member = await createMember(admin, 'north', memberBody(phone));

    const reply = await admin.patch(memberAt(member), { phone: national(phone), name: '同号' });

    expect(reply.status).toBe(200);
    expect((await holdersOf(phone)).map((m) => [m.memberId, m.name])).toEqual([[member.memberId, '同号']]);
  });

  it.each([
    ['an unknown field', { nickname: '小王' }, 'nickname'],
    ['no field at all', {}, '(body)'],
    ['a bad phone', { phone: '12345' }, 'phone'],
    ['a grid of another community', { gridId: 's1' }, 'gridId'],
    ['an unknown unit', { unitId: 'no-such-unit' }, 'unitId'],
  ])('refuses %s with 400 and changes nothing', async (_what, patch, path) => {
    const member = await createMember(admin, 'north', memberBody(phones.next(), { gridId: 'n1' }));

    const reply = await admin.patch(memberAt(member), patch);
    const after = bodyOf(memberView, await admin.get(memberAt(member)));

    expect(errorOf(reply)).toMatchObject({ status: 400 });
    expect(errorOf(reply).paths).toContain(path);
    expect(after).toEqual(member);
  });

  it('answers 404 for a member that does not exist', async () => {
    const reply = await admin.patch('/communities/north/members/01jzzzzzzzzzzzzzzzzzzzzzzz', {
      name: '无人',
    });

    expect(errorOf(reply)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('answers 404 for a member asked for under another community', async () => {
    const member = await createMember(admin, 'north', memberBody(phones.next()));

    const read = await admin.get(`/communities/south/members/${member.memberId}`);
    const patch = await admin.patch(`/communities/south/members/${member.memberId}`, { name: '换社区' });

    expect(errorOf(read).status).toBe(404);
    expect(errorOf(patch).status).toBe(404);
    expect(bodyOf(memberView, await admin.get(memberAt(member)))).toEqual(member);
  });
});

describe('taking a member off the roster', () => {
  it('answers 204, then 404, and frees the phone', async () => {
    const phone = phones.next();
    const member = await createMember(admin, 'north', memberBody(phone));

    const removed = await planner.delete(memberAt(member));
    const read = await admin.get(memberAt(member));
    const again = await admin.delete(memberAt(member));
    const reuse = await admin.post(membersOf('south'), memberBody(phone, { name: '接号' }));

    expect(removed.status).toBe(204);
    expect(removed.body).toBeUndefined();
    expect(errorOf(read).status).toBe(404);
    expect(errorOf(again).status).toBe(404);
    expect(reuse.status).toBe(201);
    expect((await holdersOf(phone)).map((m) => m.name)).toEqual(['接号']);
    expect((await walkMembers(admin, 'north')).items.map((m) => m.memberId)).not.toContain(member.memberId);
  });
});

describe('listing the roster', () => {
  type Spec = { name: string; gridId?: string; unitId?: string; roles: Role[]; skills: Skill[] };
  const specs: Spec[] = [
    { name: '甲', gridId: 'f1', roles: ['gridLeader'], skills: ['firstAid'] },
    { name: '乙', gridId: 'f1', unitId: 'fu', roles: ['volunteer'], skills: ['driving', 'firstAid'] },
    { name: '丙', gridId: 'f1', roles: ['volunteer'], skills: [] },
    { name: '丁', gridId: 'f2', unitId: 'fu', roles: ['volunteer', 'auxiliary'], skills: ['firstAid'] },
    { name: '戊', gridId: 'f2', roles: ['partTimeGridWorker'], skills: ['rescue'] },
    { name: '己', unitId: 'fu', roles: ['volunteer'], skills: ['firstAid', 'rescue'] },
    { name: '庚', roles: ['auxiliary'], skills: ['logistics'] },
    { name: '辛', gridId: 'f1', roles: ['volunteer'], skills: ['firstAid'] },
    { name: '壬', gridId: 'f2', unitId: 'fv', roles: ['volunteer'], skills: ['firstAid'] },
  ];
  let created: { spec: Spec; member: MemberView }[] = [];

  beforeAll(async () => {
    await buildCommunity(admin, { streetId: 'st', communityId: 'filters', grids: ['f1', 'f2'] });
    const at = (gridId: string) => ({ communityId: 'filters', gridId });
    await succeed('unit fu', admin.put('/units/fu', { name: '甲单位', pairedGrids: [at('f1')] }));
    await succeed('unit fv', admin.put('/units/fv', { name: '乙单位', pairedGrids: [at('f2')] }));
    // A member of the same unit living in another community must not show up in this list.
    await createMember(
      admin,
      'north',
      memberBody(phones.next(), { name: '外人', unitId: 'fu', skills: ['firstAid'] }),
    );
    created = [];
    for (const spec of specs) {
      const partyMember = spec.roles.includes('servingPartyMember');
      created.push({
        spec,
        member: await createMember(admin, 'filters', memberBody(phones.next(), { ...spec, partyMember })),
      });
    }
  });

  const expected = (keep: (s: Spec) => boolean) =>
    created
      .filter((c) => keep(c.spec))
      .map((c) => c.member.name)
      .sort();

  it.each([
    ['everyone', {}, () => true],
    ['gridId', { gridId: 'f1' }, (s: Spec) => s.gridId === 'f1'],
    ['unitId', { unitId: 'fu' }, (s: Spec) => s.unitId === 'fu'],
    ['role', { role: 'volunteer' }, (s: Spec) => s.roles.includes('volunteer')],
    ['skill', { skill: 'firstAid' }, (s: Spec) => s.skills.includes('firstAid')],
    [
      'gridId and unitId',
      { gridId: 'f2', unitId: 'fu' },
      (s: Spec) => s.gridId === 'f2' && s.unitId === 'fu',
    ],
    [
      'gridId, role and skill',
      { gridId: 'f1', role: 'volunteer', skill: 'firstAid' },
      (s: Spec) => s.gridId === 'f1' && s.roles.includes('volunteer') && s.skills.includes('firstAid'),
    ],
    [
      'unitId and skill',
      { unitId: 'fu', skill: 'rescue' },
      (s: Spec) => s.unitId === 'fu' && s.skills.includes('rescue'),
    ],
    ['a grid with nobody in it', { gridId: 'f9' }, () => false],
  ])('filters by %s, a page of 2 at a time', async (_by, query: Record<string, string>, keep) => {
    const walk = await walkMembers(admin, 'filters', query, 2);

    expect(walk.items.map((m) => m.name).sort()).toEqual(expected(keep));
    expect(new Set(walk.items.map((m) => m.memberId)).size).toBe(walk.items.length);
  });

  it('answers 404 for the list of a community that does not exist', async () => {
    const reply = await admin.get('/communities/nowhere/members');

    expect(errorOf(reply)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('returns the whole filtered list in one page when the limit allows', async () => {
    const reply = await admin.get('/communities/filters/members?skill=firstAid&limit=1000');
    const page = bodyOf(memberPageView.strict(), reply);

    expect(page.items.map((m) => m.name).sort()).toEqual(expected((s) => s.skills.includes('firstAid')));
    expect(page.nextCursor).toBeUndefined();
  });

  it.each([
    ['an unknown role', 'role=mayor', 'role'],
    ['an unknown skill', 'skill=juggling', 'skill'],
    ['a limit of 0', 'limit=0', 'limit'],
    ['a limit over 1000', 'limit=1001', 'limit'],
    ['an unknown parameter', 'colour=red', 'colour'],
  ])('refuses %s with 400', async (_what, query, path) => {
    const reply = await admin.get(`/communities/filters/members?${query}`);

    expect(errorOf(reply).status).toBe(400);
    expect(errorOf(reply).paths).toEqual([path]);
  });
});

describe('paging through the roster', () => {
  const total = 23;
  let all: MemberView[] = [];

  beforeAll(async () => {
    await buildCommunity(admin, { streetId: 'st', communityId: 'paging', grids: ['pg1'] });
    all = await Promise.all(
      Array.from({ length: total }, (_, i) =>
        createMember(
          admin,
          'paging',
          memberBody(phones.next(), { name: `成员${i}`, roles: [i % 3 === 0 ? 'auxiliary' : 'volunteer'] }),
        ),
      ),
    );
  });

  it.each([1, 5, 23, 24, 100])('walks every member exactly once with a limit of %i', async (limit) => {
    const walk = await walkMembers(planner, 'paging', {}, limit);

    expect(walk.items.map((m) => m.memberId).sort()).toEqual(all.map((m) => m.memberId).sort());
    expect(walk.items).toHaveLength(total);
    expect(walk.pages).toBeGreaterThanOrEqual(Math.ceil(total / limit));
    expect(walk.pages).toBeLessThanOrEqual(Math.ceil(total / limit) + 1);
  });

  it('walks a filtered list exactly once, 3 at a time', async () => {
    const walk = await walkMembers(planner, 'paging', { role: 'auxiliary' }, 3);

    expect(walk.items.map((m) => m.memberId).sort()).toEqual(
      all
        .filter((m) => m.roles.includes('auxiliary'))
        .map((m) => m.memberId)
        .sort(),
    );
  });

  it('gives a first page of exactly limit members and a cursor to the rest', async () => {
    const page = bodyOf(memberPageView.strict(), await planner.get('/communities/paging/members?limit=10'));

    expect(page.items).toHaveLength(10);
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it.each([
    ['garbage', () => 'not-a-cursor'],
    ['base64 of a string', () => Buffer.from('"hello"').toString('base64url')],
    [
      'a key of another partition',
      () => Buffer.from(JSON.stringify({ pk: 'COMMUNITY#north', sk: 'MEMBER#0' })).toString('base64url'),
    ],
    [
      'a key with foreign attributes',
      () =>
        Buffer.from(JSON.stringify({ pk: 'COMMUNITY#paging', sk: 'MEMBER#0', x: 'y' })).toString('base64url'),
    ],
  ])('refuses a cursor that is %s with 400 on cursor', async (_what, cursor) => {
    const reply = await planner.get(
      `/communities/paging/members?limit=5&cursor=${encodeURIComponent(cursor())}`,
    );

    expect(errorOf(reply)).toMatchObject({ status: 400, paths: ['cursor'] });
  });

  it("refuses another community's cursor, and an unfiltered list's cursor on a grid filter", async () => {
    const north = bodyOf(memberPageView, await admin.get('/communities/north/members?limit=1'));
    const paging = bodyOf(memberPageView, await admin.get('/communities/paging/members?limit=1'));
    const northCursor = north.nextCursor ?? 'missing';
    const pagingCursor = paging.nextCursor ?? 'missing';

    const foreign = await admin.get(`/communities/paging/members?limit=5&cursor=${northCursor}`);
    const otherFilter = await admin.get(
      `/communities/paging/members?gridId=pg1&limit=5&cursor=${pagingCursor}`,
    );

    expect(northCursor).not.toBe('missing');
    expect(errorOf(foreign)).toMatchObject({ status: 400, paths: ['cursor'] });
    expect(errorOf(otherFilter)).toMatchObject({ status: 400, paths: ['cursor'] });
  });
});

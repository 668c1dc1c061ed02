import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chineseName, type DemoMember, Dice, rosterCsv } from '../../local/demo-data';
import type { Api } from './support/http-client';
import { startTestApi, type TestApi } from './support/local-api';
import {
  bodyOf,
  buildCommunity,
  CSV_HEADER,
  createMember,
  errorOf,
  importCsv,
  importResult,
  memberBody,
  national,
  PhoneBook,
  succeed,
  walkMembers,
} from './support/roster';

let api: TestApi;
let admin: Api;
let planner: Api;
const phones = new PhoneBook(2_002);

beforeAll(async () => {
  // Thousands of rows: a DynamoDB Local of its own, not one slowed by every other suite's tables.
  api = await startTestApi({ ownDatabase: true });
  admin = await api.as(['admin'], ['*']);
  planner = await api.as(['planner'], ['*'], 'planner-import');
  await succeed('street', admin.put('/streets/st-import', { name: '城关街道' }));
});
afterAll(async () => {
  await api?.stop();
});

/** A fresh community with grids g1 and g2 and the unit `<id>-unit` paired with g1. */
async function community(communityId: string): Promise<void> {
  await buildCommunity(admin, { streetId: 'st-import', communityId, grids: ['g1', 'g2'] });
  await succeed(
    'unit',
    admin.put(`/units/${communityId}-unit`, {
      name: '共建单位',
      pairedGrids: [{ communityId, gridId: 'g1' }],
    }),
  );
}

/** The roster of a community as phone → the fields the CSV carries. */
async function rosterOf(communityId: string) {
  const { items } = await walkMembers(admin, communityId, {}, 1000);
  return new Map(
    items.map((m) => [
      m.phone,
      {
        memberId: m.memberId,
        name: m.name,
        roles: m.roles,
        partyMember: m.partyMember,
        gridId: m.gridId,
        unitId: m.unitId,
        skills: m.skills,
        available: m.available,
      },
    ]),
  );
}

const row = (cells: readonly (string | boolean)[]) => cells.join(',');

describe('importing a roster CSV', () => {
  it('imports every row of a clean file, with the columns in any order and phones normalised', async () => {
    await community('clean');
    const [a, b, c] = [phones.next(), phones.next(), phones.next()];
    const csv = [
      'available,skills,unitId,gridId,partyMember,roles,phone,name',
      row([
        'true',
        'firstAid;driving',
        'clean-unit',
        'g1',
        'true',
        'servingPartyMember',
        national(a),
        '李秀英',
      ]),
      row(['否', '', '', 'g2', '0', 'volunteer；auxiliary', `+86 ${national(b)}`, '王伟']),
      row(['', '', '', '', '', 'gridLeader', c, '张强']),
    ].join('\n');

    const reply = await importCsv(planner, 'clean', csv);
    const roster = await rosterOf('clean');

    expect(reply.status).toBe(200);
    expect(bodyOf(importResult, reply)).toEqual({
      created: 3,
      updated: 0,
      unchanged: 0,
      rejected: [],
      ignoredColumns: [],
    });
    expect(Object.fromEntries(roster)).toEqual({
      [a]: expect.objectContaining({
        name: '李秀英',
        roles: ['servingPartyMember'],
        partyMember: true,
        gridId: 'g1',
        unitId: 'clean-unit',
        skills: ['firstAid', 'driving'],
        available: true,
      }),
      [b]: expect.objectContaining({
        name: '王伟',
        roles: ['volunteer', 'auxiliary'],
        partyMember: false,
        gridId: 'g2',
        skills: [],
        available: false,
      }),
      [c]: expect.objectContaining({
        name: '张强',
        roles: ['gridLeader'],
        partyMember: false,
        available: true,
      }),
    });
    expect(roster.get(c)?.gridId).toBeUndefined();
  });

  it('refuses a file whose header lacks a column with 400 CSV_HEADER and writes nothing', async () => {
    await community('no-header');
    const phone = phones.next();
    const csv = [
      'name,phone,roles,partyMember,gridId,unitId,skills',
      row(['王伟', phone, 'volunteer', 'false', 'g1', '', 'firstAid']),
    ].join('\n');

    const reply = await importCsv(admin, 'no-header', csv);

    expect(errorOf(reply)).toMatchObject({ status: 400, code: 'CSV_HEADER', paths: ['header.available'] });
    expect((await rosterOf('no-header')).size).toBe(0);
    expect((await admin.post('/communities/no-header/members', memberBody(phone))).status).toBe(201);
  });

  it('refuses an empty file with 400 CSV_HEADER', async () => {
    await community('empty-file');

    const reply = await importCsv(admin, 'empty-file', '');

    expect(errorOf(reply)).toMatchObject({ status: 400, code: 'CSV_HEADER' });
  });

  it('rejects bad rows alone, with their lines and columns, and imports the rest', async () => {
    await community('bad-rows');
    const good = [phones.next(), phones.next(), phones.next()];
    const csv = [
      CSV_HEADER, // line 1
      row(['好一', good[0] ?? '', 'volunteer', 'false', 'g1', '', '', 'true']), // 2
      row(['坏电话', '12345', 'volunteer', 'false', 'g1', '', '', 'true']), // 3
      '', // 4: blank lines are skipped but still counted
      row(['好二', good[1] ?? '', 'auxiliary', 'false', '', 'bad-rows-unit', 'rescue', 'true']), // 5
      row(['坏角色', phones.next(), 'volunteer;mayor', 'maybe', 'g1', '', 'juggling', 'true']), // 6
      row(['坏网格', phones.next(), 'volunteer', 'false', 'g9', 'no-unit', '', 'true']), // 7
      row(['', phones.next(), '', 'false', '', '', '', 'true']), // 8
      row(['坏党员', phones.next(), 'servingPartyMember', 'false', '', '', '', 'true']), // 9
      row(['好三', good[2] ?? '', 'gridLeader', 'true', 'g2', '', 'firstAid', '']), // 10
    ].join('\n');

    const reply = await importCsv(admin, 'bad-rows', csv);
    const result = bodyOf(importResult, reply);
    const roster = await rosterOf('bad-rows');

    expect(reply.status).toBe(200);
    expect(result).toMatchObject({ created: 3, updated: 0, unchanged: 0 });
    expect(result.rejected.map((r) => ({ line: r.line, paths: r.errors.map((e) => e.path).sort() }))).toEqual(
      [
        { line: 3, paths: ['phone'] },
        { line: 6, paths: ['partyMember', 'roles[1]', 'skills[0]'] },
        { line: 7, paths: ['gridId', 'unitId'] },
        { line: 8, paths: ['name', 'roles'] },
        { line: 9, paths: ['partyMember'] },
      ],
    );
    expect([...roster.keys()].sort()).toEqual([...good].sort());
  });

  it('rejects both rows that carry one phone, however written, and imports the rest', async () => {
    await community('dup-phone');
    const [twice, once] = [phones.next(), phones.next()];
    const csv = [
      CSV_HEADER,
      row(['甲', twice, 'volunteer', 'false', 'g1', '', '', 'true']),
      row(['乙', once, 'volunteer', 'false', 'g1', '', '', 'true']),
      row(['丙', national(twice), 'auxiliary', 'false', 'g2', '', '', 'true']),
    ].join('\n');

    const result = bodyOf(importResult, await importCsv(admin, 'dup-phone', csv));
    const roster = await rosterOf('dup-phone');

    expect(result).toMatchObject({ created: 1, updated: 0, unchanged: 0 });
    expect(result.rejected.map((r) => [r.line, r.errors.map((e) => e.path)])).toEqual([
      [2, ['phone']],
      [4, ['phone']],
    ]);
    expect([...roster.keys()]).toEqual([once]);
  });

  it("rejects a row whose phone is on another community's roster and leaves that member alone", async () => {
    await community('theirs');
    await community('ours');
    const [taken, free] = [phones.next(), phones.next()];
    const theirs = await createMember(admin, 'theirs', memberBody(taken, { name: '原主', gridId: 'g1' }));
    const csv = [
      CSV_HEADER,
      row(['抢号', national(taken), 'volunteer', 'false', 'g2', '', '', 'true']),
      row(['新人', free, 'volunteer', 'false', 'g2', '', '', 'true']),
    ].join('\n');

    const result = bodyOf(importResult, await importCsv(admin, 'ours', csv));

    expect(result).toMatchObject({ created: 1, updated: 0, unchanged: 0 });
    expect(result.rejected).toEqual([{ line: 2, errors: [expect.objectContaining({ path: 'phone' })] }]);
    expect([...(await rosterOf('ours')).keys()]).toEqual([free]);
    expect((await walkMembers(admin, 'theirs')).items).toEqual([theirs]);
  });

  it('upserts by phone: the same file again changes nothing, an edited file updates in place', async () => {
    await community('again');
    const people = [phones.next(), phones.next(), phones.next(), phones.next()];
    const rows = people.map((p, i) =>
      row([`成员${i}`, p, 'volunteer', 'false', 'g1', '', 'driving', 'true']),
    );
    const csv = [CSV_HEADER, ...rows].join('\n');
    const first = bodyOf(importResult, await importCsv(admin, 'again', csv));
    const before = await rosterOf('again');

    const repeat = bodyOf(importResult, await importCsv(admin, 'again', csv));
    const unchanged = await rosterOf('again');
    const edited = [
      CSV_HEADER,
      row(['成员0', people[0] ?? '', 'volunteer', 'false', 'g1', '', 'driving', 'true']),
      row(['改名', national(people[1] ?? ''), 'auxiliary', 'true', 'g2', 'again-unit', 'rescue', 'false']),
      row(['成员2', people[2] ?? '', 'volunteer', 'false', '', '', 'driving', 'true']),
      row(['成员3', people[3] ?? '', 'volunteer', 'false', 'g1', '', 'driving', 'true']),
    ].join('\n');
    const update = bodyOf(importResult, await importCsv(admin, 'again', edited));
    const after = await rosterOf('again');

    expect(first).toMatchObject({ created: 4, updated: 0, unchanged: 0, rejected: [] });
    expect(repeat).toMatchObject({ created: 0, updated: 0, unchanged: 4, rejected: [] });
    expect(unchanged).toEqual(before);
    expect(update).toMatchObject({ created: 0, updated: 2, unchanged: 2, rejected: [] });
    expect(after.size).toBe(4);
    expect([...after.values()].map((m) => m.memberId).sort()).toEqual(
      [...before.values()].map((m) => m.memberId).sort(),
    );
    expect(after.get(people[1] ?? '')).toMatchObject({
      name: '改名',
      roles: ['auxiliary'],
      partyMember: true,
      gridId: 'g2',
      unitId: 'again-unit',
      skills: ['rescue'],
      available: false,
    });
    expect(after.get(people[2] ?? '')?.gridId).toBeUndefined();
  });

  it('updates a member added by hand when the file carries their phone', async () => {
    await community('by-hand');
    const phone = phones.next();
    const member = await createMember(admin, 'by-hand', memberBody(phone, { name: '手填', gridId: 'g1' }));
    const csv = [CSV_HEADER, row(['导入', national(phone), 'gridLeader', 'true', 'g2', '', '', 'true'])].join(
      '\n',
    );

    const result = bodyOf(importResult, await importCsv(admin, 'by-hand', csv));
    const roster = await rosterOf('by-hand');

    expect(result).toMatchObject({ created: 0, updated: 1, unchanged: 0, rejected: [] });
    expect(Object.fromEntries(roster)).toEqual({
      [phone]: expect.objectContaining({
        memberId: member.memberId,
        name: '导入',
        gridId: 'g2',
        roles: ['gridLeader'],
      }),
    });
  });

  it('sets, keeps and clears an until-date from the optional column, and rejects a bad one at its row', async () => {
    await community('until');
    const [away, other] = [phones.next(), phones.next()];
    const untilOf = async () =>
      new Map((await walkMembers(admin, 'until')).items.map((m) => [m.phone, m.unavailableUntil]));
    const withUntil = (until: string) =>
      [
        `${CSV_HEADER},unavailableUntil`,
        row(['请假', away, 'volunteer', 'false', 'g1', '', '', 'true', until]),
        row(['日期错', other, 'volunteer', 'false', 'g1', '', '', 'true', '2026-13-01']),
      ].join('\n');

    const set = bodyOf(importResult, await importCsv(admin, 'until', withUntil('2026-12-20')));
    const afterSet = await untilOf();
    const without = [CSV_HEADER, row(['请假', away, 'volunteer', 'false', 'g1', '', '', 'true'])].join('\n');
    const kept = bodyOf(importResult, await importCsv(admin, 'until', without));
    const afterKeep = await untilOf();
    const cleared = bodyOf(importResult, await importCsv(admin, 'until', withUntil('')));
    const afterClear = await untilOf();

    expect(set).toMatchObject({ created: 1, ignoredColumns: [] });
    expect(set.rejected).toEqual([
      { line: 3, errors: [{ path: 'unavailableUntil', message: 'must be a date, YYYY-MM-DD' }] },
    ]);
    expect(Object.fromEntries(afterSet)).toEqual({ [away]: '2026-12-20' });
    expect(kept).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    expect(afterKeep.get(away)).toBe('2026-12-20');
    expect(cleared).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
    expect(afterClear.has(away)).toBe(true);
    expect(afterClear.get(away)).toBeUndefined();
  });

  it('names the columns it ignored', async () => {
    await community('extra-cols');
    const csv = [
      `${CSV_HEADER},note`,
      row(['王伟', phones.next(), 'volunteer', 'false', '', '', '', 'true', '备注']),
    ].join('\n');

    const result = bodyOf(importResult, await importCsv(admin, 'extra-cols', csv));

    expect(result).toMatchObject({ created: 1, ignoredColumns: ['note'] });
  });

  it('reads an Excel export: a byte-order mark, CRLF line ends and quoted cells', async () => {
    await community('excel');
    const [a, b] = [phones.next(), phones.next()];
    const csv = `\uFEFF${[
      CSV_HEADER,
      row(['"欧阳, 娜"', national(a), 'volunteer', '是', 'g1', '', '"firstAid;driving"', '是']),
      row(['坏行', '12345', 'volunteer', 'false', '', '', '', 'true']),
      row(['张伟', b, 'auxiliary', 'FALSE', 'g2', '', '', 'TRUE']),
    ].join('\r\n')}\r\n`;

    const result = bodyOf(importResult, await importCsv(admin, 'excel', csv));
    const roster = await rosterOf('excel');

    expect(result).toMatchObject({
      created: 2,
      rejected: [{ line: 3, errors: [expect.objectContaining({ path: 'phone' })] }],
    });
    expect(roster.get(a)).toMatchObject({
      name: '欧阳, 娜',
      partyMember: true,
      skills: ['firstAid', 'driving'],
    });
    expect(roster.get(b)).toMatchObject({ name: '张伟', partyMember: false, available: true });
  });

  it('refuses a file it cannot read with 400 CSV_UNREADABLE and writes nothing', async () => {
    await community('unreadable');
    const csv = [
      CSV_HEADER,
      row(['王伟', phones.next(), 'volunteer', 'false', '', '', '', 'true']),
      '"unclosed,quote',
    ].join('\n');

    const reply = await importCsv(admin, 'unreadable', csv);

    expect(errorOf(reply)).toMatchObject({ status: 400, code: 'CSV_UNREADABLE' });
    expect((await rosterOf('unreadable')).size).toBe(0);
  });

  it('refuses a file over 5 MiB with 413 and writes nothing', async () => {
    await community('too-big');
    const filler = row(['王伟', phones.next(), 'volunteer', 'false', '', '', '', 'true']);
    const csv = `${CSV_HEADER}\n${filler}\n${'#'.repeat(5 * 1024 * 1024)}`;

    const reply = await importCsv(admin, 'too-big', csv);

    expect(errorOf(reply)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect((await rosterOf('too-big')).size).toBe(0);
  });

  it('puts a phone on one roster only when two imports race for it', async () => {
    await community('race-a');
    await community('race-b');
    for (let round = 0; round < 3; round++) {
      const contested = phones.next();
      const file = (name: string) =>
        [CSV_HEADER, row([name, contested, 'volunteer', 'false', 'g1', '', '', 'true'])].join('\n');

      const results = (
        await Promise.all([importCsv(admin, 'race-a', file('甲')), importCsv(admin, 'race-b', file('乙'))])
      ).map((r) => bodyOf(importResult, r));
      const holders = [...(await rosterOf('race-a')).keys(), ...(await rosterOf('race-b')).keys()].filter(
        (p) => p === contested,
      );

      expect(results.map((r) => r.created).sort()).toEqual([0, 1]);
      expect(results.map((r) => r.rejected.map((x) => x.line)).sort()).toEqual([[], [2]]);
      expect(holders).toHaveLength(1);
    }
  });

  it('answers 404 for a community that does not exist', async () => {
    const reply = await importCsv(admin, 'no-such-community', `${CSV_HEADER}\n`);

    expect(errorOf(reply)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });
});

describe('a large import', () => {
  const size = 5_000;
  const grids = Array.from({ length: 12 }, (_, i) => `big${String(i + 1).padStart(2, '0')}`);

  /** `size` people with unique valid numbers over the twelve grids, one in ten of the unit. */
  function bigRoster(): DemoMember[] {
    const dice = new Dice(5_000);
    const book = new PhoneBook(5_001);
    return Array.from({ length: size }, (_, i) => ({
      communityId: 'big',
      name: chineseName(dice),
      phone: book.next(),
      roles: i % 10 === 0 ? ['servingPartyMember'] : ['volunteer'],
      partyMember: i % 10 === 0,
      gridId: grids[i % grids.length],
      unitId: i % 10 === 0 ? 'big-unit' : undefined,
      skills: i % 4 === 0 ? ['firstAid'] : [],
      available: i % 7 !== 0,
    }));
  }

  it('imports 5,000 rows in one request and lists each of them once', async () => {
    await buildCommunity(admin, { streetId: 'st-import', communityId: 'big', grids });
    await succeed(
      'unit',
      admin.put('/units/big-unit', {
        name: '县医院',
        pairedGrids: [{ communityId: 'big', gridId: 'big01' }],
      }),
    );
    const roster = bigRoster();

    const reply = await importCsv(admin, 'big', rosterCsv(roster));
    const walk = await walkMembers(admin, 'big', {}, 1000);
    const unit = await walkMembers(admin, 'big', { unitId: 'big-unit' }, 1000);

    expect(reply.status).toBe(200);
    expect(bodyOf(importResult, reply)).toEqual({
      created: size,
      updated: 0,
      unchanged: 0,
      rejected: [],
      ignoredColumns: [],
    });
    expect(walk.items).toHaveLength(size);
    expect(new Set(walk.items.map((m) => m.memberId)).size).toBe(size);
    expect(walk.items.map((m) => m.phone).sort()).toEqual(roster.map((m) => m.phone).sort());
    expect(unit.items).toHaveLength(size / 10);
  });
});

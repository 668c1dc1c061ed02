import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../shared/domain/errors';
import { CSV_COLUMNS, CSV_MAX_ROWS, parseMemberCsv } from '../../../../shared/domain/member-csv';

const HEADER = CSV_COLUMNS.join(',');
const csv = (...lines: string[]) => lines.join('\n');

/** The error parseMemberCsv throws for a whole file, or a failure when it throws none. */
function refusal(text: string): ValidationError {
  try {
    parseMemberCsv(text);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected the CSV to be refused');
}

describe('parseMemberCsv: the header', () => {
  it('reads a file whose header has the contract’s columns', () => {
    const { rows, ignoredColumns } = parseMemberCsv(
      csv(HEADER, '王伟,13800138000,volunteer;auxiliary,true,dg01,county-hospital,firstAid;driving,false'),
    );

    expect(ignoredColumns).toEqual([]);
    expect(rows).toEqual([
      {
        line: 2,
        input: {
          name: '王伟',
          phone: '+8613800138000',
          roles: ['volunteer', 'auxiliary'],
          partyMember: true,
          gridId: 'dg01',
          unitId: 'county-hospital',
          skills: ['firstAid', 'driving'],
          available: false,
        },
      },
    ]);
  });

  it('reads the columns in any order', () => {
    const { rows } = parseMemberCsv(
      csv(
        'phone,available,skills,unitId,gridId,partyMember,roles,name',
        '13800138000,0,rescue,,dg02,1,gridLeader,李娜',
      ),
    );

    expect(rows[0]?.input).toEqual({
      name: '李娜',
      phone: '+8613800138000',
      roles: ['gridLeader'],
      partyMember: true,
      gridId: 'dg02',
      skills: ['rescue'],
      available: false,
    });
  });

  it('refuses a header without the required columns, naming each', () => {
    const error = refusal(csv('name,phone,roles,gridId', '王伟,13800138000,volunteer,dg01'));

    expect(error).toMatchObject({
      status: 400,
      code: 'CSV_HEADER',
      details: [
        { path: 'header.partyMember', message: 'missing column' },
        { path: 'header.unitId', message: 'missing column' },
        { path: 'header.skills', message: 'missing column' },
        { path: 'header.available', message: 'missing column' },
      ],
    });
  });

  it('refuses an empty file', () => {
    expect(refusal('')).toMatchObject({ code: 'CSV_HEADER', details: [{ path: 'header' }] });
  });

  it('ignores extra columns and reports them', () => {
    const { rows, ignoredColumns } = parseMemberCsv(
      csv(`${HEADER},备注,age`, '王伟,13800138000,volunteer,,,,,,腿脚不便,70'),
    );

    expect(ignoredColumns).toEqual(['备注', 'age']);
    expect(rows[0]?.input).toMatchObject({ name: '王伟', phone: '+8613800138000' });
  });

  it('reads a header that starts with a UTF-8 byte order mark (an Excel export)', () => {
    const { rows, ignoredColumns } = parseMemberCsv(
      `\ufeff${csv(HEADER, '王伟,13800138000,volunteer,,,,,')}`,
    );

    expect(ignoredColumns).toEqual([]);
    expect(rows).toEqual([{ line: 2, input: expect.objectContaining({ name: '王伟' }) }]);
  });

  it('tolerates spaces around the header names', () => {
    const header = CSV_COLUMNS.map((c) => ` ${c} `).join(',');

    expect(parseMemberCsv(csv(header, '王伟,13800138000,volunteer,,,,,')).rows[0]?.errors).toBeUndefined();
  });
});

describe('parseMemberCsv: cells', () => {
  const row = (partyMember: string, available: string) =>
    parseMemberCsv(csv(HEADER, `王伟,13800138000,volunteer,${partyMember},,,,${available}`)).rows[0];

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['Yes', true],
    ['是', true],
    ['false', false],
    ['0', false],
    ['no', false],
    ['NO', false],
    ['否', false],
  ])('reads %j as %s', (text, value) => {
    expect(row(text, text)?.input).toMatchObject({ partyMember: value, available: value });
  });

  it('defaults blank booleans: not a party member, available', () => {
    expect(row('', '')?.input).toMatchObject({ partyMember: false, available: true });
  });

  it('reports a boolean it cannot read at its column', () => {
    expect(row('maybe', 'true')?.errors?.map((e) => e.path)).toEqual(['partyMember']);
  });

  it('splits lists on ";" and on the full-width "；", trimming and dropping blanks', () => {
    const { rows } = parseMemberCsv(
      csv(HEADER, '王伟,13800138000,volunteer； auxiliary ;,,,,firstAid；driving;;rescue,'),
    );

    expect(rows[0]?.input).toMatchObject({
      roles: ['volunteer', 'auxiliary'],
      skills: ['firstAid', 'driving', 'rescue'],
    });
  });

  it('leaves gridId and unitId out when blank', () => {
    const input = parseMemberCsv(csv(HEADER, '王伟,13800138000,volunteer,,,,,')).rows[0]?.input;

    expect(input).toMatchObject({ name: '王伟' });
    expect(input?.gridId).toBeUndefined();
    expect(input?.unitId).toBeUndefined();
  });

  it('reads a short row as blanks in the missing columns', () => {
    const { rows } = parseMemberCsv(csv(HEADER, '王伟,13800138000,volunteer'));

    expect(rows[0]?.input).toMatchObject({ partyMember: false, skills: [], available: true });
  });
});

describe('parseMemberCsv: the optional unavailableUntil column', () => {
  const WITH_UNTIL = `${HEADER},unavailableUntil`;

  it('reads an until-date, leaves a blank one out, and says the column was there', () => {
    const { rows, ignoredColumns, optionalColumns } = parseMemberCsv(
      csv(WITH_UNTIL, '王伟,13800138000,volunteer,,,,,,2026-12-20', '李娜,13900139000,volunteer,,,,,,'),
    );

    expect(ignoredColumns).toEqual([]);
    expect(optionalColumns).toEqual(['unavailableUntil']);
    expect(rows[0]?.input).toMatchObject({ name: '王伟', unavailableUntil: '2026-12-20' });
    expect(rows[1]?.input).toMatchObject({ name: '李娜' });
    expect(rows[1]?.input?.unavailableUntil).toBeUndefined();
  });

  it.each(['2026-02-30', '20/12/2026', 'next week'])(
    'rejects the row with %j at its line and column',
    (bad) => {
      const { rows } = parseMemberCsv(
        csv(
          WITH_UNTIL,
          '王伟,13800138000,volunteer,,,,,,2026-12-20',
          `李娜,13900139000,volunteer,,,,,,${bad}`,
        ),
      );

      expect(rows[0]?.errors).toBeUndefined();
      expect(rows[1]).toEqual({
        line: 3,
        errors: [{ path: 'unavailableUntil', message: 'must be a date, YYYY-MM-DD' }],
      });
    },
  );

  it('is not required: a file without it reports no optional column', () => {
    expect(parseMemberCsv(csv(HEADER, '王伟,13800138000,volunteer,,,,,')).optionalColumns).toEqual([]);
  });
});

describe('parseMemberCsv: rows and lines', () => {
  it('numbers each row by its line in the file, counting the header and blank lines', () => {
    const { rows } = parseMemberCsv(
      csv(HEADER, '王伟,13800138000,volunteer,,,,,', '', '李娜,13900139000,volunteer,,,,,', '', ''),
    );

    expect(rows.map((r) => r.line)).toEqual([2, 4]);
  });

  it('gives a row with a quoted multi-line field the line it starts on, and later rows their own', () => {
    const { rows } = parseMemberCsv(
      csv(HEADER, '"王伟",13800138000,"volunteer;', 'auxiliary",,,,,', '李娜,13900139000,volunteer,,,,,'),
    );

    expect(rows.map((r) => [r.line, r.input?.name])).toEqual([
      [2, '王伟'],
      [4, '李娜'],
    ]);
    expect(rows[0]?.input?.roles).toEqual(['volunteer', 'auxiliary']);
  });

  it('counts lines the same way in a CRLF file with a multi-line field', () => {
    const text = [
      `\ufeff${HEADER}`,
      '王伟,13800138000,"volunteer;',
      'auxiliary",,,,,',
      '',
      '李娜,13900139000,volunteer,,,,,',
      '张强,bad,volunteer,,,,,',
      '',
    ].join('\r\n');

    const { rows } = parseMemberCsv(text);

    expect(rows.map((r) => r.line)).toEqual([2, 5, 6]);
  });

  it('counts bare CR line ends as lines', () => {
    const text = [HEADER, '王伟,13800138000,volunteer,,,,,', '', '李娜,13900139000,volunteer,,,,,'].join(
      '\r',
    );

    expect(parseMemberCsv(text).rows.map((r) => r.line)).toEqual([2, 4]);
  });

  it('rejects a bad row alone, with the column paths of what is wrong', () => {
    const { rows } = parseMemberCsv(
      csv(
        HEADER,
        '王伟,13800138000,volunteer,,,,,',
        ',12345,volunteer;mayor,,DG 01,,firstAid;juggling,',
        '李娜,13900139000,volunteer,,,,,',
      ),
    );

    expect(rows[0]?.input).toBeDefined();
    expect(rows[2]?.input).toBeDefined();
    expect(rows[1]).toEqual({
      line: 3,
      errors: [
        { path: 'name', message: 'must not be empty' },
        { path: 'phone', message: 'not a valid phone number' },
        { path: 'roles[1]', message: expect.any(String) },
        { path: 'gridId', message: expect.stringContaining('slug') },
        { path: 'skills[1]', message: expect.any(String) },
      ],
    });
  });

  it('reports a serving party member marked as not a party member at partyMember', () => {
    const { rows } = parseMemberCsv(csv(HEADER, '王伟,13800138000,servingPartyMember,否,,,,'));

    expect(rows[0]?.errors).toEqual([
      { path: 'partyMember', message: 'a servingPartyMember is a party member: partyMember must be true' },
    ]);
  });

  it('returns no rows for a header alone', () => {
    expect(parseMemberCsv(`${HEADER}\n`).rows).toEqual([]);
  });

  it(`accepts ${CSV_MAX_ROWS} rows and refuses one more`, () => {
    const line = '王伟,13800138000,volunteer,,,,,';
    const at = `${HEADER}\n${`${line}\n`.repeat(CSV_MAX_ROWS)}`;

    expect(parseMemberCsv(at).rows).toHaveLength(CSV_MAX_ROWS);
    expect(refusal(`${at}${line}\n`)).toMatchObject({
      status: 400,
      code: 'CSV_TOO_MANY_ROWS',
      details: [{ path: 'body', message: `${CSV_MAX_ROWS + 1} rows` }],
    });
  });

  it('refuses a file it cannot read, such as an unclosed quote', () => {
    const error = refusal(csv(HEADER, '"王伟,13800138000,volunteer,,,,,'));

    expect(error).toMatchObject({
      status: 400,
      code: 'CSV_UNREADABLE',
      details: [{ path: 'body', message: expect.stringContaining('quote') }],
    });
  });
});

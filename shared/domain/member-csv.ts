import { parse } from 'csv-parse/sync';
import * as z from 'zod';
import { type FieldIssue, ValidationError } from './errors';
import { type MemberInput, memberInput } from './roster';
import { issuesOf } from './validation';

/** The columns a roster CSV must have, in the contract's order. */
export const CSV_COLUMNS = [
  'name',
  'phone',
  'roles',
  'partyMember',
  'gridId',
  'unitId',
  'skills',
  'available',
] as const;
/** Columns a roster CSV may have; left out, the field keeps what the roster had. */
export const CSV_OPTIONAL_COLUMNS = ['unavailableUntil'] as const;
export const CSV_MAX_ROWS = 20_000;

type Column = (typeof CSV_COLUMNS)[number] | (typeof CSV_OPTIONAL_COLUMNS)[number];

/** One data row: its line in the file, and either a valid member or what is wrong with it. */
export type CsvRow =
  | { line: number; input: MemberInput; errors?: undefined }
  | { line: number; input?: undefined; errors: FieldIssue[] };

/** What csv-parse returns with `info: true`. */
const parsedRecords = z.array(
  z.object({ record: z.array(z.string()), info: z.object({ bytes: z.number() }) }),
);

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

/**
 * The line each record starts on, from the byte offsets at which csv-parse finished each record.
 * csv-parse's own `info.lines` is the line a record ends on, and it counts a CRLF inside a quoted
 * field as two lines, so every later row of an Excel export would be reported one line late.
 */
function startLines(text: string, recordEnds: readonly number[]): number[] {
  const bytes = new TextEncoder().encode(text);
  const starts: number[] = [];
  let line = 1;
  let at = 0;
  const step = () => {
    const byte = bytes[at];
    if (byte === LF || (byte === CR && bytes[at + 1] !== LF)) line++;
    at++;
  };
  for (const end of recordEnds) {
    // Blank lines skipped before a record still count.
    while (at < end && [LF, CR, SPACE, TAB].includes(bytes[at] ?? -1)) step();
    starts.push(line);
    while (at < end) step();
  }
  return starts;
}

const TRUE = new Set(['true', '1', 'yes', 'y', '是', 't']);
const FALSE = new Set(['false', '0', 'no', 'n', '否', 'f']);

function toBoolean(raw: string): boolean | string | undefined {
  const value = raw.trim().toLowerCase();
  if (value === '') return undefined;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  return raw; // left as text so the schema reports it as the wrong type
}

const toList = (raw: string): string[] =>
  raw
    .split(/[;；]/)
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Parses a roster CSV (header row first, lists separated by `;`) into validated rows. A missing
 * column or an unreadable file is a 400 for the whole request; a bad row is reported on its own.
 */
export function parseMemberCsv(text: string): {
  rows: CsvRow[];
  ignoredColumns: string[];
  /** The optional columns the file has: their blank cells clear the field. */
  optionalColumns: (typeof CSV_OPTIONAL_COLUMNS)[number][];
} {
  let records: { record: string[]; line: number }[];
  try {
    const parsed: unknown = parse(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      info: true,
    });
    const list = parsedRecords.parse(parsed);
    const lines = startLines(
      text,
      list.map((r) => r.info.bytes),
    );
    records = list.map((r, i) => ({ record: r.record, line: lines[i] ?? 0 }));
  } catch (error) {
    const message = error instanceof Error ? error.message : 'unreadable CSV';
    throw new ValidationError('the CSV could not be read', [{ path: 'body', message }], 'CSV_UNREADABLE');
  }
  const [header, ...data] = records;
  if (!header)
    throw new ValidationError(
      'the CSV is empty',
      [{ path: 'header', message: 'no header row' }],
      'CSV_HEADER',
    );
  const columns = header.record.map((c) => c.trim());
  const missing = CSV_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) {
    throw new ValidationError(
      `the header row lacks ${missing.join(', ')}; expected ${CSV_COLUMNS.join(',')}`,
      missing.map((c) => ({ path: `header.${c}`, message: 'missing column' })),
      'CSV_HEADER',
    );
  }
  if (data.length > CSV_MAX_ROWS) {
    throw new ValidationError(
      `at most ${CSV_MAX_ROWS} rows per import`,
      [{ path: 'body', message: `${data.length} rows` }],
      'CSV_TOO_MANY_ROWS',
    );
  }
  const known: readonly Column[] = [...CSV_COLUMNS, ...CSV_OPTIONAL_COLUMNS];
  const index = Object.fromEntries(known.map((c) => [c, columns.indexOf(c)])) as Record<Column, number>;
  const cell = (record: string[], column: Column) => record[index[column]] ?? '';
  const optionalColumns = CSV_OPTIONAL_COLUMNS.filter((c) => columns.includes(c));
  const hasUntil = optionalColumns.includes('unavailableUntil');

  const rows = data.map(({ record, line }): CsvRow => {
    const gridId = cell(record, 'gridId');
    const unitId = cell(record, 'unitId');
    const until = cell(record, 'unavailableUntil');
    const candidate = {
      name: cell(record, 'name'),
      phone: cell(record, 'phone'),
      roles: toList(cell(record, 'roles')),
      partyMember: toBoolean(cell(record, 'partyMember')),
      gridId: gridId === '' ? undefined : gridId,
      unitId: unitId === '' ? undefined : unitId,
      skills: toList(cell(record, 'skills')),
      available: toBoolean(cell(record, 'available')),
      ...(hasUntil && until !== '' ? { unavailableUntil: until } : {}),
    };
    const parsed = memberInput.safeParse(candidate);
    return parsed.success ? { line, input: parsed.data } : { line, errors: issuesOf(parsed.error) };
  });
  return {
    rows,
    ignoredColumns: columns.filter((c) => !(known as readonly string[]).includes(c)),
    optionalColumns,
  };
}

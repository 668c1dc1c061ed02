import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { ValidationError } from '../../../../shared/domain/errors';
import { memberInput } from '../../../../shared/domain/roster';
import { formatPath, issuesOf, parseWith } from '../../../../shared/domain/validation';

const roster = z.object({ members: z.array(memberInput) });
const good = { name: '王伟', phone: '13800138000', roles: ['volunteer'] };

describe('formatPath', () => {
  it.each([
    [['members', 3, 'phone'], '', 'members[3].phone'],
    [['members', 0], '', 'members[0]'],
    [['name'], '', 'name'],
    [[], '', ''],
    [['phone'], 'body', 'body.phone'],
    [[2, 'phone'], 'members', 'members[2].phone'],
    [['a', 'b', 1, 2, 'c'], '', 'a.b[1][2].c'],
  ] as [PropertyKey[], string, string][])('%j with prefix %j is %j', (path, prefix, expected) => {
    expect(formatPath(path, prefix)).toBe(expected);
  });

  it('writes a symbol key as its description', () => {
    expect(formatPath(['x', Symbol('y')])).toBe('x.Symbol(y)');
  });
});

describe('issuesOf', () => {
  it('names the fourth member’s phone as members[3].phone', () => {
    const result = roster.safeParse({ members: [good, good, good, { ...good, phone: '12345' }] });

    expect(result.success).toBe(false);
    expect(result.error && issuesOf(result.error)).toEqual([
      { path: 'members[3].phone', message: 'not a valid phone number' },
    ]);
  });

  it('prefixes every path', () => {
    const result = memberInput.safeParse({ ...good, roles: ['mayor'] });

    expect(result.error && issuesOf(result.error, 'rows[1]')).toEqual([
      { path: 'rows[1].roles[0]', message: expect.any(String) },
    ]);
  });

  it('reports an issue with the whole value at the prefix, or at (body) without one', () => {
    const result = z.string().safeParse(7);

    expect(result.error && issuesOf(result.error)).toEqual([{ path: '(body)', message: expect.any(String) }]);
    expect(result.error && issuesOf(result.error, 'query')).toEqual([
      { path: 'query', message: expect.any(String) },
    ]);
  });
});

describe('parseWith', () => {
  it('returns the parsed output', () => {
    expect(parseWith(memberInput, good, 'body')).toMatchObject({ phone: '+8613800138000', available: true });
  });

  it('throws a 400 ValidationError that names every wrong field', () => {
    let caught: unknown;
    try {
      parseWith(roster, { members: [good, { ...good, name: '', phone: 'x' }] }, 'roster');
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ValidationError);
    expect(caught).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'invalid roster',
      details: [
        { path: 'members[1].name', message: 'must not be empty' },
        { path: 'members[1].phone', message: 'not a valid phone number' },
      ],
    });
  });

  it('applies the prefix to the reported paths', () => {
    expect(() => parseWith(z.object({ limit: z.number() }), { limit: 'x' }, 'query', 'query')).toThrow(
      expect.objectContaining({ details: [{ path: 'query.limit', message: expect.any(String) }] }),
    );
  });
});

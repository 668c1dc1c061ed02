import { describe, expect, it } from 'vitest';
import { normalisePhone } from '../../../../shared/domain/phone';

describe('normalisePhone', () => {
  it.each([
    ['13800138000', '+8613800138000'],
    ['+8613800138000', '+8613800138000'],
    ['8613800138000', '+8613800138000'],
    ['138 0013 8000', '+8613800138000'],
    [' 138-0013-8000 ', '+8613800138000'],
    ['+85291234567', '+85291234567'],
  ])('reads %s as %s', (input, e164) => {
    expect(normalisePhone(input)).toEqual({ ok: true, e164 });
  });

  it.each(['12345', '', 'not a phone', '1380013800', '02012345678'])('refuses %j', (input) => {
    expect(normalisePhone(input).ok).toBe(false);
  });

  it('says a landline cannot receive SMS', () => {
    const result = normalisePhone('02012345678');
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/mobile/) });
  });
});

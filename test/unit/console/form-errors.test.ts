import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../console/src/api';
import { formErrorsOf } from '../../../console/src/form-errors';

const FIELDS = ['name', 'phone', 'roles', 'pairedGrids'] as const;

describe('formErrorsOf: the API’s field issues beside the form’s fields', () => {
  it('puts each issue on the field its path starts with, joining two on one field', () => {
    const error = new ApiError(400, 'VALIDATION_FAILED', 'invalid body', [
      { path: 'phone', message: 'not a valid phone number' },
      { path: 'roles[1]', message: 'Invalid option' },
      { path: 'roles', message: 'must not repeat an entry' },
      { path: 'pairedGrids[0].gridId', message: "unknown grid 'x9' in 'xijie'" },
    ]);

    expect(formErrorsOf(error, FIELDS)).toEqual({
      fields: {
        phone: 'not a valid phone number',
        roles: 'Invalid option; must not repeat an entry',
        pairedGrids: "unknown grid 'x9' in 'xijie'",
      },
      form: undefined,
    });
  });

  it('names an issue for a field the form does not show in the form’s message', () => {
    const error = new ApiError(400, 'VALIDATION_FAILED', 'invalid body', [
      { path: 'name', message: 'must not be empty' },
      { path: 'smsOptOut', message: 'unknown field' },
    ]);

    expect(formErrorsOf(error, FIELDS)).toEqual({
      fields: { name: 'must not be empty' },
      form: 'smsOptOut: unknown field',
    });
  });

  it('shows the error’s own message when it names no field, and any thrown message', () => {
    expect(formErrorsOf(new ApiError(409, 'CONCURRENT_UPDATE', 'changed meanwhile'), FIELDS)).toEqual({
      fields: {},
      form: 'changed meanwhile',
    });
    expect(formErrorsOf(new Error('offline'), FIELDS)).toEqual({ fields: {}, form: 'offline' });
  });
});

import { ValidationError } from '../domain/errors';

/**
 * How every adapter reports what a caller did wrong, so the HTTP layer maps each once:
 * - a cursor that is not one of this list's: `BadCursorError` (400, on the `cursor` field);
 * - a write that lost to another one: `ConflictError` or `concurrentUpdate` (409);
 * - a record that is not there: `NotFoundError` (404), or `unknownReference` (400) when a body
 *   field names it.
 * The last two come from `domain/errors`; none is a plain `Error` matched by its message, and no
 * port answers `undefined` for a bad input.
 */
export class BadCursorError extends ValidationError {
  constructor() {
    super('bad cursor', [{ path: 'cursor', message: 'not a cursor from this list' }]);
  }
}

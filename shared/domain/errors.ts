/** One issue with one field of a request, as the API reports it. */
export type FieldIssue = { path: string; message: string };

/**
 * Base of every error the service raises on purpose. The HTTP error mapper turns it into
 * `{error: {code, message, details}}` with its status; anything else becomes a 500.
 */
export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  readonly details: unknown[];

  constructor(message: string, details: unknown[] = []) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly code: string;
  constructor(message: string, details: FieldIssue[] = [], code = 'VALIDATION_FAILED') {
    super(message, details);
    this.code = code;
  }
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly code = 'UNAUTHORIZED';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = 'FORBIDDEN';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'NOT_FOUND';
  constructor(what: string, id: string) {
    super(`${what} '${id}' does not exist`, [{ path: what, message: `unknown ${what} '${id}'` }]);
  }
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly code: string;
  constructor(code: string, message: string, details: unknown[] = []) {
    super(message, details);
    this.code = code;
  }
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'PAYLOAD_TOO_LARGE';
}

/** Raised when a transient dependency fault persists after retries; maps to 503. */
export class UnavailableError extends AppError {
  readonly status = 503;
  readonly code = 'TEMPORARILY_UNAVAILABLE';
}

/** A body field names a record that does not exist: 400 with the field's path. */
export function unknownReference(path: string, what: string, id: string): ValidationError {
  return new ValidationError(`unknown ${what} '${id}'`, [{ path, message: `unknown ${what} '${id}'` }]);
}

/** Another write changed the record between our read and our write. */
export function concurrentUpdate(what: string, id: string): ConflictError {
  return new ConflictError('CONCURRENT_UPDATE', `${what} '${id}' was changed by another request; try again`);
}

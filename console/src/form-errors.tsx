import { ApiError } from './api';
import { useI18n } from './i18n';
import { Icon, messageOf } from './ui';

/** What a rejected form shows: a message per field, and what belongs to no field of the form. */
export type FormErrors = { fields: Record<string, string>; form?: string | undefined };

export const NO_ERRORS: FormErrors = { fields: {} };

/**
 * Spreads an API error's field issues (`{path, message}`, e.g. `phone`, `roles[1]`,
 * `pairedGrids[0].gridId`) over the form's fields by the first segment of each path. An issue
 * for a field the form does not show, or an error with no issues, becomes the form's message.
 */
export function formErrorsOf(error: unknown, fields: readonly string[]): FormErrors {
  if (!(error instanceof ApiError)) return { fields: {}, form: messageOf(error) };
  const out: Record<string, string> = {};
  const elsewhere: string[] = [];
  for (const detail of error.details) {
    if (typeof detail !== 'object' || detail === null) continue;
    const path = 'path' in detail ? detail.path : undefined;
    const message = 'message' in detail ? detail.message : undefined;
    if (typeof path !== 'string' || typeof message !== 'string') continue;
    const field = path.split(/[.[]/)[0] ?? path;
    if (fields.includes(field)) out[field] = out[field] ? `${out[field]}; ${message}` : message;
    else elsewhere.push(`${path}: ${message}`);
  }
  const form = elsewhere.length ? elsewhere.join('; ') : Object.keys(out).length ? undefined : error.message;
  return { fields: out, form };
}

/** The attributes that tie an input to its error message. */
export function invalidProps(id: string, errors: FormErrors, field: string) {
  return errors.fields[field]
    ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` }
    : { 'aria-invalid': undefined, 'aria-describedby': undefined };
}

/** The API's message for one field, shown right under it. */
export function FieldError(props: { id: string; errors: FormErrors; field: string }) {
  const message = props.errors.fields[props.field];
  if (!message) return null;
  return (
    <p class="field-error" id={`${props.id}-error`}>
      <Icon name="warning" /> {message}
    </p>
  );
}

/** The summary at the foot of a rejected form. */
export function FormErrorNote(props: { errors: FormErrors }) {
  const { t } = useI18n();
  const { errors } = props;
  const hasFields = Object.keys(errors.fields).length > 0;
  if (!hasFields && !errors.form) return null;
  return (
    <div class="error-note" role="alert">
      <Icon name="warning" />
      <span>
        {hasFields && t('formHasErrors')}
        {hasFields && errors.form ? ' ' : ''}
        {errors.form}
      </span>
    </div>
  );
}

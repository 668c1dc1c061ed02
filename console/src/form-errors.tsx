import { ApiError } from './api';
import { type MessageKey, useI18n } from './i18n';
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

/** The API's field messages the console says in the reader's language; others are shown as they come. */
const API_MESSAGES: Record<string, MessageKey> = {
  'not a valid phone number': 'apiBadPhone',
  'not a mobile number: it cannot receive SMS': 'apiNotMobile',
  'already on a roster': 'apiPhoneTaken',
  'must not be empty': 'apiEmpty',
  'must name at least one role': 'apiNoRole',
  'must be a date, YYYY-MM-DD': 'apiBadDate',
  'a servingPartyMember is a party member: partyMember must be true': 'apiPartyRule',
};

/**
 * The API's message for one field, shown right under it; `plain` shows the API's words as they
 * come, without the icon.
 */
export function FieldError(props: {
  id: string;
  errors: FormErrors;
  field: string;
  plain?: boolean | undefined;
}) {
  const { t } = useI18n();
  const message = props.errors.fields[props.field];
  if (!message) return null;
  if (props.plain)
    return (
      <p class="field-error" id={`${props.id}-error`}>
        {message}
      </p>
    );
  const said = message
    .split('; ')
    .map((m) => {
      const key = API_MESSAGES[m];
      return key ? t(key) : m;
    })
    .join('; ');
  return (
    <p class="field-error" id={`${props.id}-error`}>
      <Icon name="warning" /> {said}
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

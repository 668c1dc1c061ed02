import type { ComponentChildren } from 'preact';
import { FormErrorNote, type FormErrors } from './form-errors';
import { useI18n } from './i18n';

/**
 * A form that stands on a page: its title, its fields in a grid, what went wrong with the form
 * as a whole, and its one button, which says so while the form is being sent. The browser's own
 * validation is off: the console and the API name the field themselves.
 */
export function PageForm(props: {
  /** The form's class, which sets its grid (`whistle-form`, `schedule-form`). */
  class: string;
  title: string;
  busy: boolean;
  submitLabel: string;
  busyLabel: string;
  /** What belongs to no field. */
  error?: string | undefined;
  onSubmit: () => void;
  children: ComponentChildren;
}) {
  return (
    <form
      class={props.class}
      onSubmit={(event) => {
        event.preventDefault();
        props.onSubmit();
      }}
      noValidate
    >
      <h2>{props.title}</h2>
      {props.children}
      {props.error && <p class="field-error">{props.error}</p>}
      <button type="submit" class="button primary" disabled={props.busy}>
        {props.busy ? props.busyLabel : props.submitLabel}
      </button>
    </form>
  );
}

/**
 * A form in an editor dialog: its fields in a grid, the summary of a rejected save, then Cancel
 * and Save (Saving… while it is sent).
 */
export function DialogForm(props: {
  errors: FormErrors;
  busy: boolean;
  onSubmit: () => void;
  onCancel: () => void;
  children: ComponentChildren;
}) {
  const { t } = useI18n();
  return (
    <form
      class="editor-form"
      onSubmit={(event) => {
        event.preventDefault();
        props.onSubmit();
      }}
      noValidate
    >
      {props.children}
      <FormErrorNote errors={props.errors} />
      <div class="dialog-actions wide">
        <button type="button" class="button" onClick={props.onCancel}>
          {t('cancel')}
        </button>
        <button type="submit" class="button primary" disabled={props.busy}>
          {props.busy ? t('saving') : t('save')}
        </button>
      </div>
    </form>
  );
}

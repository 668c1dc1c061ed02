import type { ComponentChildren } from 'preact';
import { FieldError, type FormErrors } from './form-errors';

/** What a field's control carries so that its label, hint and error speak of it. */
export type ControlProps = {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
};

/**
 * The field a form's `Field` or `FieldSet` stands for: its element id, its name in the API, the
 * form's errors; `plain` shows the API's words as they come and no icon, as the page forms do.
 */
export type FieldOf = { id: string; field: string; errors: FormErrors; plain?: boolean | undefined };

/** Names a form's fields `prefix-field`, e.g. `member-phone` for the API's `phone`. */
export const fieldsOf =
  (prefix: string, errors: FormErrors, options: { plain?: boolean } = {}) =>
  (field: string): FieldOf => ({ id: `${prefix}-${field}`, field, errors, plain: options.plain });

type Common = FieldOf & {
  label: ComponentChildren;
  /** A line under the control that explains it; the control is described by it. */
  hint?: ComponentChildren;
  /** Across the form's whole width. */
  wide?: boolean;
};

function describedBy(props: Common, invalid: boolean): string | undefined {
  const ids = [props.hint ? `${props.id}-hint` : '', invalid ? `${props.id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function Below(props: Common) {
  return (
    <>
      {props.hint && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
      <FieldError id={props.id} errors={props.errors} field={props.field} plain={props.plain} />
    </>
  );
}

/**
 * One field of a form: its label, its control, a hint, and the API's message for it beside it,
 * the control tied to both by `aria-describedby`. `check` puts a checkbox inside its label.
 */
export function Field(
  props: Common & { check?: boolean; children: (control: ControlProps) => ComponentChildren },
) {
  const invalid = Boolean(props.errors.fields[props.field]);
  const control: ControlProps = {
    id: props.id,
    'aria-invalid': invalid ? true : undefined,
    'aria-describedby': describedBy(props, invalid),
  };
  return (
    <div class={props.wide ? 'field wide' : 'field'}>
      {props.check ? (
        <label class="check" for={props.id}>
          {props.children(control)}
          {props.label}
        </label>
      ) : (
        <>
          <label for={props.id}>{props.label}</label>
          {props.children(control)}
        </>
      )}
      <Below {...props} />
    </div>
  );
}

/** A group of choices under one legend, marked and described as one field. */
export function FieldSet(
  props: Common & {
    /** The group's own classes after `field wide`. */
    class?: string;
    children: ComponentChildren;
  },
) {
  const invalid = Boolean(props.errors.fields[props.field]);
  return (
    <fieldset
      class={`field wide ${props.class ?? 'choices'}`}
      aria-invalid={invalid ? true : undefined}
      aria-describedby={describedBy(props, invalid)}
    >
      <legend>{props.label}</legend>
      {props.children}
      <Below {...props} />
    </fieldset>
  );
}

/**
 * A field's drop-down over a fixed list: what is picked is always one of `options` (never a
 * stray string from the page). An empty string among the options stands for "none".
 */
export function Select<T extends string>(props: {
  control: ControlProps;
  value: T;
  options: readonly T[];
  labelOf: (option: T) => ComponentChildren;
  onPick: (option: T) => void;
}) {
  return (
    <select
      {...props.control}
      value={props.value}
      onChange={(e) => {
        const picked = props.options.find((o) => o === e.currentTarget.value);
        if (picked !== undefined) props.onPick(picked);
      }}
    >
      {props.options.map((o) => (
        <option key={o} value={o}>
          {props.labelOf(o)}
        </option>
      ))}
    </select>
  );
}

/** A field set's checkboxes, one a choice; ticking one adds it to `checked`, unticking takes it out. */
export function CheckList<T extends string>(props: {
  options: readonly T[];
  checked: readonly T[];
  labelOf: (option: T) => ComponentChildren;
  onChange: (checked: T[]) => void;
}) {
  const { checked } = props;
  return (
    <>
      {props.options.map((o) => (
        <label key={o} class="check">
          <input
            type="checkbox"
            checked={checked.includes(o)}
            onChange={(e) =>
              props.onChange(
                e.currentTarget.checked
                  ? [...checked.filter((x) => x !== o), o]
                  : checked.filter((x) => x !== o),
              )
            }
          />
          {props.labelOf(o)}
        </label>
      ))}
    </>
  );
}

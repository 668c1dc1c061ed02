import type { VNode } from 'preact';
import { describe, expect, it } from 'vitest';
import { type ControlProps, Field, FieldSet, fieldsOf } from '../../../console/src/field';
import { type FormErrors, NO_ERRORS } from '../../../console/src/form-errors';

const REJECTED: FormErrors = { fields: { phone: 'not a valid phone number' } };

/** Renders a Field far enough to see what its control is given. */
function controlOf(props: Omit<Parameters<typeof Field>[0], 'children'>): ControlProps {
  let seen: ControlProps | undefined;
  Field({
    ...props,
    children: (control) => {
      seen = control;
      return null;
    },
  });
  if (!seen) throw new Error('the control was not rendered');
  return seen;
}

describe('Field: a control tied to its label, hint and error', () => {
  it('names the element after the form and the API field', () => {
    expect(fieldsOf('member', NO_ERRORS)('phone')).toEqual({
      id: 'member-phone',
      field: 'phone',
      errors: NO_ERRORS,
      plain: undefined,
    });
    expect(fieldsOf('schedule', NO_ERRORS, { plain: true })('at').plain).toBe(true);
  });

  it('marks the control invalid and described by its error only when the API named its field', () => {
    expect(controlOf({ ...fieldsOf('member', NO_ERRORS)('phone'), label: '手机号' })).toEqual({
      id: 'member-phone',
      'aria-invalid': undefined,
      'aria-describedby': undefined,
    });
    expect(controlOf({ ...fieldsOf('member', REJECTED)('phone'), label: '手机号' })).toEqual({
      id: 'member-phone',
      'aria-invalid': true,
      'aria-describedby': 'member-phone-error',
    });
    expect(
      controlOf({ ...fieldsOf('member', REJECTED)('name'), label: '姓名' })['aria-invalid'],
    ).toBeUndefined();
  });

  it('describes the control by its hint as well, hint first', () => {
    const at = fieldsOf('member', REJECTED);
    expect(controlOf({ ...at('phone'), label: '手机号', hint: '11 位' })['aria-describedby']).toBe(
      'member-phone-hint member-phone-error',
    );
    expect(controlOf({ ...at('name'), label: '姓名', hint: '真实姓名' })['aria-describedby']).toBe(
      'member-name-hint',
    );
  });

  it('marks a group of choices as one field', () => {
    const rejected: FormErrors = { fields: { roles: 'must name at least one role' } };
    const group: VNode<Record<string, unknown>> = FieldSet({
      ...fieldsOf('member', rejected)('roles'),
      label: '角色',
      children: null,
    });
    expect(group.type).toBe('fieldset');
    expect(group.props.class).toBe('field wide choices');
    expect(group.props['aria-invalid']).toBe(true);
    expect(group.props['aria-describedby']).toBe('member-roles-error');
    const calm: VNode<Record<string, unknown>> = FieldSet({
      ...fieldsOf('member', NO_ERRORS)('roles'),
      label: '角色',
      children: null,
    });
    expect(calm.props['aria-invalid']).toBeUndefined();
  });
});

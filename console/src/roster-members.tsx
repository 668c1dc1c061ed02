import { useState } from 'preact/hooks';
import { CheckList, Field, FieldSet, fieldsOf, Select } from './field';
import { FormErrorNote, type FormErrors, formErrorsOf, NO_ERRORS } from './form-errors';
import { DialogForm } from './form-layout';
import { useI18n } from './i18n';
import { displayPhone } from './phones';
import { useServices } from './services';
import { type Grid, type Member, ROLE_LIST, type Role, SKILL_LIST, type Skill, type Unit } from './types';
import { Dialog } from './ui';

const MEMBER_FIELDS = [
  'name',
  'phone',
  'roles',
  'partyMember',
  'gridId',
  'unitId',
  'skills',
  'available',
  'unavailableUntil',
] as const;

type Draft = {
  name: string;
  phone: string;
  roles: Role[];
  partyMember: boolean;
  gridId: string;
  unitId: string;
  skills: Skill[];
  available: boolean;
  unavailableUntil: string;
};

const draftOf = (m: Member | undefined, gridId: string): Draft => ({
  name: m?.name ?? '',
  phone: m ? displayPhone(m.phone) : '',
  roles: m?.roles ?? ['volunteer'],
  partyMember: m?.partyMember ?? false,
  gridId: m ? (m.gridId ?? '') : gridId,
  unitId: m?.unitId ?? '',
  skills: m?.skills ?? [],
  available: m?.available ?? true,
  unavailableUntil: m?.unavailableUntil ?? '',
});

/** The body of a create: every field, the optional ones only when set. */
function createBody(d: Draft): Record<string, unknown> {
  return {
    name: d.name,
    phone: d.phone,
    roles: d.roles,
    partyMember: d.partyMember,
    skills: d.skills,
    available: d.available,
    ...(d.gridId ? { gridId: d.gridId } : {}),
    ...(d.unitId ? { unitId: d.unitId } : {}),
    ...(d.unavailableUntil ? { unavailableUntil: d.unavailableUntil } : {}),
  };
}

/** The body of a PATCH: only what changed, so the audit trail names just those fields; `null` clears. */
function patchBody(before: Draft, d: Draft): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const key of MEMBER_FIELDS) {
    if (same(before[key], d[key])) continue;
    const value = d[key];
    patch[key] =
      (key === 'gridId' || key === 'unitId' || key === 'unavailableUntil') && value === '' ? null : value;
  }
  return patch;
}

/** Adds a person, or edits one: every field the member API takes, with its errors beside each. */
export function MemberDialog(props: {
  communityId: string;
  member?: Member | undefined;
  grids: readonly Grid[];
  units: readonly Unit[];
  defaultGridId: string;
  onSaved: (member: Member, created: boolean) => void;
  onClose: () => void;
}) {
  const { api, notify } = useServices();
  const { t, labels } = useI18n();
  const { member } = props;
  const [initial] = useState(() => draftOf(member, props.defaultGridId));
  const [draft, setDraft] = useState<Draft>(initial);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));
  const at = fieldsOf('member', errors);

  const submit = async () => {
    if (busy) return;
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      if (member) {
        const patch = patchBody(initial, draft);
        const saved = Object.keys(patch).length
          ? await api.updateMember(props.communityId, member.memberId, patch)
          : member;
        notify(t('memberSaved', { name: saved.name }));
        props.onSaved(saved, false);
      } else {
        const saved = await api.createMember(props.communityId, createBody(draft));
        notify(t('memberCreated', { name: saved.name }));
        props.onSaved(saved, true);
      }
    } catch (e) {
      setErrors(formErrorsOf(e, MEMBER_FIELDS));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={member ? t('editMemberTitle', { name: member.name }) : t('addMemberTitle')}
      onClose={props.onClose}
      testId="member-dialog"
    >
      <DialogForm errors={errors} busy={busy} onSubmit={() => void submit()} onCancel={props.onClose}>
        <Field {...at('name')} label={t('fieldName')}>
          {(control) => (
            <input
              {...control}
              type="text"
              value={draft.name}
              autoComplete="off"
              onInput={(e) => set('name', e.currentTarget.value)}
            />
          )}
        </Field>
        <Field {...at('phone')} label={t('fieldPhone')}>
          {(control) => (
            <input
              {...control}
              type="tel"
              inputMode="tel"
              value={draft.phone}
              autoComplete="off"
              onInput={(e) => set('phone', e.currentTarget.value)}
            />
          )}
        </Field>
        <FieldSet {...at('roles')} label={t('fieldRoles')}>
          <CheckList
            options={ROLE_LIST}
            checked={draft.roles}
            labelOf={(r) => labels.role[r]}
            onChange={(roles) => set('roles', roles)}
          />
        </FieldSet>
        <Field {...at('partyMember')} label={t('fieldParty')} check wide>
          {(control) => (
            <input
              {...control}
              type="checkbox"
              checked={draft.partyMember}
              onChange={(e) => set('partyMember', e.currentTarget.checked)}
            />
          )}
        </Field>
        <Field {...at('gridId')} label={t('fieldGrid')}>
          {(control) => (
            <Select
              control={control}
              value={draft.gridId}
              options={['', ...props.grids.map((g) => g.gridId)]}
              labelOf={(id) =>
                id ? (props.grids.find((g) => g.gridId === id)?.name ?? id) : t('noneOption')
              }
              onPick={(id) => set('gridId', id)}
            />
          )}
        </Field>
        <Field {...at('unitId')} label={t('fieldUnit')}>
          {(control) => (
            <Select
              control={control}
              value={draft.unitId}
              options={['', ...props.units.map((u) => u.unitId)]}
              labelOf={(id) =>
                id ? (props.units.find((u) => u.unitId === id)?.name ?? id) : t('noneOption')
              }
              onPick={(id) => set('unitId', id)}
            />
          )}
        </Field>
        <FieldSet {...at('skills')} label={t('fieldSkills')}>
          <CheckList
            options={SKILL_LIST}
            checked={draft.skills}
            labelOf={(s) => labels.skill[s]}
            onChange={(skills) => set('skills', skills)}
          />
        </FieldSet>
        <Field {...at('available')} label={t('fieldAvailable')} check>
          {(control) => (
            <input
              {...control}
              type="checkbox"
              checked={draft.available}
              onChange={(e) => set('available', e.currentTarget.checked)}
            />
          )}
        </Field>
        <Field {...at('unavailableUntil')} label={t('fieldUntil')}>
          {(control) => (
            <input
              {...control}
              type="date"
              value={draft.unavailableUntil}
              onInput={(e) => set('unavailableUntil', e.currentTarget.value)}
            />
          )}
        </Field>
      </DialogForm>
    </Dialog>
  );
}

/** Marks a person away through a day (drafted again after it), or unavailable until further notice. */
export function UnavailableDialog(props: {
  communityId: string;
  member: Member;
  onSaved: (member: Member) => void;
  onClose: () => void;
}) {
  const { api, notify } = useServices();
  const { t } = useI18n();
  const { member } = props;
  const [mode, setMode] = useState<'until' | 'standing'>('until');
  const [until, setUntil] = useState(member.unavailableUntil ?? '');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const away = !member.available || member.unavailableUntil !== undefined;

  const save = async (patch: Record<string, unknown>, message: string) => {
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      const saved = await api.updateMember(props.communityId, member.memberId, patch);
      notify(message);
      props.onSaved(saved);
    } catch (e) {
      setErrors(formErrorsOf(e, ['unavailableUntil', 'available']));
      setBusy(false);
    }
  };

  const submit = (event: Event) => {
    event.preventDefault();
    if (busy) return;
    if (mode === 'until' && !until) {
      setErrors({ fields: { unavailableUntil: t('unavailableDateMissing') } });
      return;
    }
    void save(
      mode === 'until' ? { unavailableUntil: until } : { available: false },
      t('unavailableSaved', { name: member.name }),
    );
  };

  return (
    <Dialog
      title={t('unavailableTitle', { name: member.name })}
      onClose={props.onClose}
      testId="unavailable-dialog"
    >
      <form class="editor-form single" onSubmit={submit} noValidate>
        <fieldset class="field wide choices stacked">
          <legend class="visually-hidden">{t('markUnavailable')}</legend>
          <label class="check">
            <input type="radio" name="away" checked={mode === 'until'} onChange={() => setMode('until')} />
            {t('unavailableUntilOption')}
          </label>
          <label class="check">
            <input
              type="radio"
              name="away"
              checked={mode === 'standing'}
              onChange={() => setMode('standing')}
            />
            {t('unavailableStanding')}
          </label>
        </fieldset>
        {mode === 'until' && (
          <Field id="away-until" field="unavailableUntil" errors={errors} label={t('unavailableDate')}>
            {(control) => (
              <input
                {...control}
                type="date"
                value={until}
                onInput={(e) => setUntil(e.currentTarget.value)}
              />
            )}
          </Field>
        )}
        <FormErrorNote errors={{ ...errors, fields: {} }} />
        <div class="dialog-actions wide">
          {away && (
            <button
              type="button"
              class="button ok"
              disabled={busy}
              onClick={() =>
                void save(
                  { available: true, unavailableUntil: null },
                  t('availableSaved', { name: member.name }),
                )
              }
            >
              {t('markAvailable')}
            </button>
          )}
          <button type="button" class="button" onClick={props.onClose}>
            {t('cancel')}
          </button>
          <button type="submit" class="button primary" disabled={busy}>
            {busy ? t('saving') : t('markUnavailable')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Asks before taking a person off the roster; Cancel is focused first. */
export function RemoveDialog(props: {
  communityId: string;
  member: Member;
  onRemoved: (member: Member) => void;
  onClose: () => void;
}) {
  const { api, notify } = useServices();
  const { t } = useI18n();
  const { member } = props;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<FormErrors>(NO_ERRORS);

  const remove = async () => {
    setBusy(true);
    try {
      await api.deleteMember(props.communityId, member.memberId);
      notify(t('memberRemoved', { name: member.name }));
      props.onRemoved(member);
    } catch (e) {
      setError(formErrorsOf(e, []));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={t('removeTitle', { name: member.name })}
      onClose={props.onClose}
      tone="emergency"
      initialFocus=".cancel-remove"
      testId="remove-dialog"
    >
      <p>{t('removeBody', { name: member.name, phone: displayPhone(member.phone) })}</p>
      <FormErrorNote errors={error} />
      <div class="dialog-actions">
        <button type="button" class="button cancel-remove" onClick={props.onClose}>
          {t('cancel')}
        </button>
        <button type="button" class="button danger" disabled={busy} onClick={() => void remove()}>
          {busy ? t('removing') : t('removeConfirm')}
        </button>
      </div>
    </Dialog>
  );
}

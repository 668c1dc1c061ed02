import { useState } from 'preact/hooks';
import {
  FieldError,
  FormErrorNote,
  type FormErrors,
  formErrorsOf,
  invalidProps,
  NO_ERRORS,
} from './form-errors';
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

const toggled = <T,>(list: readonly T[], item: T, on: boolean): T[] =>
  on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item);

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
  const id = (field: string) => `member-${field}`;

  const submit = async (event: Event) => {
    event.preventDefault();
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
      <form class="editor-form" onSubmit={(e) => void submit(e)} noValidate>
        <div class="field">
          <label for={id('name')}>{t('fieldName')}</label>
          <input
            id={id('name')}
            type="text"
            value={draft.name}
            autoComplete="off"
            onInput={(e) => set('name', e.currentTarget.value)}
            {...invalidProps(id('name'), errors, 'name')}
          />
          <FieldError id={id('name')} errors={errors} field="name" />
        </div>
        <div class="field">
          <label for={id('phone')}>{t('fieldPhone')}</label>
          <input
            id={id('phone')}
            type="tel"
            inputMode="tel"
            value={draft.phone}
            autoComplete="off"
            onInput={(e) => set('phone', e.currentTarget.value)}
            {...invalidProps(id('phone'), errors, 'phone')}
          />
          <FieldError id={id('phone')} errors={errors} field="phone" />
        </div>
        <fieldset class="field wide choices" {...invalidProps(id('roles'), errors, 'roles')}>
          <legend>{t('fieldRoles')}</legend>
          {ROLE_LIST.map((r) => (
            <label key={r} class="check">
              <input
                type="checkbox"
                checked={draft.roles.includes(r)}
                onChange={(e) => set('roles', toggled(draft.roles, r, e.currentTarget.checked))}
              />
              {labels.role[r]}
            </label>
          ))}
          <FieldError id={id('roles')} errors={errors} field="roles" />
        </fieldset>
        <div class="field wide">
          <label class="check">
            <input
              id={id('partyMember')}
              type="checkbox"
              checked={draft.partyMember}
              onChange={(e) => set('partyMember', e.currentTarget.checked)}
              {...invalidProps(id('partyMember'), errors, 'partyMember')}
            />
            {t('fieldParty')}
          </label>
          <FieldError id={id('partyMember')} errors={errors} field="partyMember" />
        </div>
        <div class="field">
          <label for={id('gridId')}>{t('fieldGrid')}</label>
          <select
            id={id('gridId')}
            value={draft.gridId}
            onChange={(e) => set('gridId', e.currentTarget.value)}
            {...invalidProps(id('gridId'), errors, 'gridId')}
          >
            <option value="">{t('noneOption')}</option>
            {props.grids.map((g) => (
              <option key={g.gridId} value={g.gridId}>
                {g.name}
              </option>
            ))}
          </select>
          <FieldError id={id('gridId')} errors={errors} field="gridId" />
        </div>
        <div class="field">
          <label for={id('unitId')}>{t('fieldUnit')}</label>
          <select
            id={id('unitId')}
            value={draft.unitId}
            onChange={(e) => set('unitId', e.currentTarget.value)}
            {...invalidProps(id('unitId'), errors, 'unitId')}
          >
            <option value="">{t('noneOption')}</option>
            {props.units.map((u) => (
              <option key={u.unitId} value={u.unitId}>
                {u.name}
              </option>
            ))}
          </select>
          <FieldError id={id('unitId')} errors={errors} field="unitId" />
        </div>
        <fieldset class="field wide choices" {...invalidProps(id('skills'), errors, 'skills')}>
          <legend>{t('fieldSkills')}</legend>
          {SKILL_LIST.map((s) => (
            <label key={s} class="check">
              <input
                type="checkbox"
                checked={draft.skills.includes(s)}
                onChange={(e) => set('skills', toggled(draft.skills, s, e.currentTarget.checked))}
              />
              {labels.skill[s]}
            </label>
          ))}
          <FieldError id={id('skills')} errors={errors} field="skills" />
        </fieldset>
        <div class="field">
          <label class="check">
            <input
              id={id('available')}
              type="checkbox"
              checked={draft.available}
              onChange={(e) => set('available', e.currentTarget.checked)}
            />
            {t('fieldAvailable')}
          </label>
          <FieldError id={id('available')} errors={errors} field="available" />
        </div>
        <div class="field">
          <label for={id('unavailableUntil')}>{t('fieldUntil')}</label>
          <input
            id={id('unavailableUntil')}
            type="date"
            value={draft.unavailableUntil}
            onInput={(e) => set('unavailableUntil', e.currentTarget.value)}
            {...invalidProps(id('unavailableUntil'), errors, 'unavailableUntil')}
          />
          <FieldError id={id('unavailableUntil')} errors={errors} field="unavailableUntil" />
        </div>
        <FormErrorNote errors={errors} />
        <div class="dialog-actions wide">
          <button type="button" class="button" onClick={props.onClose}>
            {t('cancel')}
          </button>
          <button type="submit" class="button primary" disabled={busy}>
            {busy ? t('saving') : t('save')}
          </button>
        </div>
      </form>
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
          <div class="field">
            <label for="away-until">{t('unavailableDate')}</label>
            <input
              id="away-until"
              type="date"
              value={until}
              onInput={(e) => setUntil(e.currentTarget.value)}
              {...invalidProps('away-until', errors, 'unavailableUntil')}
            />
            <FieldError id="away-until" errors={errors} field="unavailableUntil" />
          </div>
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

import { useRef, useState } from 'preact/hooks';
import type { IncidentKind, Level } from '../../shared/domain/incident';
import { type ActivationRequest, ApiError } from './api';
import { useI18n } from './i18n';
import { IncidentPicker } from './incident-picker';
import { hrefOf } from './route';
import { useServices } from './services';
import type { Community, Proposal } from './types';
import { Dialog, ErrorNote, Icon, messageOf, uuid } from './ui';

/** True when what was typed names the community: its name, or its id (quicker without an IME). */
export function namesCommunity(typed: string, community: Pick<Community, 'name' | 'communityId'>): boolean {
  const text = typed.normalize('NFKC').trim();
  return text === community.name.normalize('NFKC').trim() || text.toLowerCase() === community.communityId;
}

/**
 * One confirmed press, one Idempotency-Key: the same request pressed again (a retry) keeps its
 * key, a changed request is a new press with a new key.
 */
export function usePressKey(): (body: string) => string {
  const press = useRef<{ key: string; body: string } | undefined>(undefined);
  return (body) => {
    const key = press.current?.body === body ? press.current.key : uuid();
    press.current = { key, body };
    return key;
  };
}

/** The name typed (or picked from the one suggestion) to confirm a switch, and a word when it does not match. */
export function ConfirmNameField(props: {
  id: string;
  label: string;
  /** What must be typed: the community's or the street's name. */
  name: string;
  typed: string;
  confirmed: boolean;
  mismatch: string;
  onTyped: (typed: string) => void;
  inputName?: string;
}) {
  const { id, typed, confirmed } = props;
  return (
    <div class="field confirm-field">
      <label for={id}>{props.label}</label>
      <input
        id={id}
        name={props.inputName}
        type="text"
        autocomplete="off"
        list={`${id}-options`}
        value={typed}
        aria-invalid={typed !== '' && !confirmed}
        onInput={(e) => props.onTyped(e.currentTarget.value)}
      />
      <datalist id={`${id}-options`}>
        <option value={props.name} />
      </datalist>
      {typed !== '' && !confirmed && <p class="hint bad">{props.mismatch}</p>}
    </div>
  );
}

/** What the press will do, said once more above the button, in the drill's or the emergency's colour. */
export function SwitchWarning(props: { drill: boolean }) {
  const { t } = useI18n();
  return (
    <p class={`warning ${props.drill ? 'warning-drill' : 'warning-emergency'}`}>
      <Icon name="warning" /> {props.drill ? t('warningDrill') : t('warningEmergency')}
    </p>
  );
}

/** What a confirmed press asks for; the note only when there is one. */
export function activationRequest(choice: {
  kind: IncidentKind;
  level: Level;
  drill: boolean;
  note: string;
}): ActivationRequest {
  const note = choice.note.trim();
  return {
    kind: choice.kind,
    level: choice.level,
    drill: choice.drill,
    locale: 'zh',
    ...(note ? { note } : {}),
  };
}

/** The optional note sent with the press. */
export function NoteField(props: { id: string; note: string; onNote: (note: string) => void }) {
  const { t } = useI18n();
  return (
    <div class="field">
      <label for={props.id}>{t('noteLabel')}</label>
      <input
        id={props.id}
        type="text"
        maxLength={200}
        value={props.note}
        onInput={(e) => props.onNote(e.currentTarget.value)}
      />
    </div>
  );
}

/**
 * The confirmation step of the key: what happened, how grave, drill or not, and the community's
 * name typed (or picked) to confirm. One confirmed press has one Idempotency-Key, which a retry
 * of that same press reuses, so a press that timed out cannot switch twice.
 */
export function SwitchDialog(props: {
  community: Community;
  initialDrill: boolean;
  /** The user may only start drills (planners). */
  drillOnly: boolean;
  onClose: () => void;
  onSwitched: (activationId: string) => void;
  /** Accepting an official warning's proposal: the dialog opens pre-filled with what it suggests. */
  proposal?: Proposal | undefined;
}) {
  const { api } = useServices();
  const { t } = useI18n();
  const { community, proposal } = props;
  const [kind, setKind] = useState<IncidentKind | undefined>(proposal?.kind);
  const [level, setLevel] = useState<Level | undefined>(proposal?.level);
  // An exercise warning proposes only a drill, as a planner may start only drills.
  const drillForced = props.drillOnly || proposal?.drill === true;
  const [drill, setDrill] = useState(props.initialDrill || drillForced);
  const [note, setNote] = useState('');
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ message: string; retryable: boolean; openActivation?: string }>();
  const keyOf = usePressKey();
  const confirmed = namesCommunity(typed, community);
  const id = community.communityId;
  const ready = kind !== undefined && level !== undefined && confirmed && !busy;

  const submit = async (event?: Event) => {
    event?.preventDefault();
    if (!ready || !kind || !level) return;
    const request = activationRequest({ kind, level, drill, note });
    const key = keyOf(JSON.stringify(request));
    setBusy(true);
    setFailure(undefined);
    try {
      // A proposal's acceptance carries its own idempotency: the proposal's id.
      const created = proposal
        ? await api.acceptProposal(id, proposal.proposalId, request)
        : await api.activate(id, request, key);
      props.onSwitched(created.activationId);
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) {
        const open = error.details.find(
          (d): d is { activationId: string } =>
            typeof d === 'object' &&
            d !== null &&
            typeof (d as { activationId?: unknown }).activationId === 'string',
        );
        setFailure({ message: t('alreadyOpen'), retryable: false, openActivation: open?.activationId });
      } else {
        setFailure({
          message: messageOf(error),
          retryable: error instanceof ApiError ? error.retryable : true,
        });
      }
    } finally {
      setBusy(false);
    }
  };

  const title = drill
    ? t('drillTitle', { community: community.name })
    : t('switchTitle', { community: community.name });

  return (
    <Dialog title={title} onClose={props.onClose} tone={drill ? 'drill' : 'emergency'} testId="switch-dialog">
      <form class="switch-form" onSubmit={(e) => void submit(e)}>
        {proposal && (
          <p class="proposal-prefilled" role="note">
            <Icon name="warning" />{' '}
            {t('proposalPrefilled', { source: proposal.source, headline: proposal.headline })}
          </p>
        )}
        {drill && (
          <p class="drill-stripe" role="note">
            <Icon name="flag" /> {t('drillBanner')}
          </p>
        )}
        <IncidentPicker kind={kind} level={level} onKind={setKind} onLevel={setLevel} />
        <div class="field checkbox-field">
          <label>
            <input
              type="checkbox"
              name="drill"
              checked={drill}
              disabled={drillForced}
              aria-describedby={drillForced ? `drill-only-${id}` : undefined}
              onChange={(e) => setDrill(e.currentTarget.checked)}
            />
            <span>{t('drillToggle')}</span>
          </label>
          {drillForced && (
            <p class="hint" id={`drill-only-${id}`}>
              {props.drillOnly ? t('drillForced') : t('proposalDrillOnly')}
            </p>
          )}
        </div>
        <NoteField id={`note-${id}`} note={note} onNote={setNote} />
        <ConfirmNameField
          id={`confirm-${id}`}
          inputName="confirm-community"
          label={t('confirmLabel', { name: community.name, id })}
          name={community.name}
          typed={typed}
          confirmed={confirmed}
          mismatch={t('confirmMismatch')}
          onTyped={setTyped}
        />
        <SwitchWarning drill={drill} />
        {failure && (
          <div>
            <ErrorNote message={failure.message} />
            {failure.openActivation && (
              <a class="button" href={hrefOf({ page: 'board', activationId: failure.openActivation })}>
                {t('openBoard')}
              </a>
            )}
          </div>
        )}
        <div class="dialog-actions">
          <button type="button" class="button" onClick={props.onClose}>
            {t('cancel')}
          </button>
          <button type="submit" class={`button ${drill ? 'drill-confirm' : 'danger'}`} disabled={!ready}>
            {busy
              ? t('switching')
              : failure?.retryable
                ? t('retrySamePress')
                : drill
                  ? t('confirmDrill')
                  : t('confirmEmergency')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

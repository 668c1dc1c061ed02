import { useState } from 'preact/hooks';
import { INCIDENT_KINDS, type IncidentKind, LEVELS, type Level } from '../../shared/domain/incident';
import { type ActivationRequest, ApiError } from './api';
import { useI18n } from './i18n';
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
  const { t, labels } = useI18n();
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
  const [press, setPress] = useState<{ key: string; body: string }>();
  const confirmed = namesCommunity(typed, community);
  const id = community.communityId;
  const ready = kind !== undefined && level !== undefined && confirmed && !busy;

  const submit = async (event?: Event) => {
    event?.preventDefault();
    if (!ready || !kind || !level) return;
    const request: ActivationRequest = {
      kind,
      level,
      drill,
      locale: 'zh',
      ...(note.trim() ? { note: note.trim() } : {}),
    };
    const body = JSON.stringify(request);
    // The same press, retried, keeps its key; a changed request is a new press.
    const key = press?.body === body ? press.key : uuid();
    setPress({ key, body });
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
        <fieldset class="choice-group">
          <legend>{t('kindLabel')}</legend>
          <div class="choices">
            {INCIDENT_KINDS.map((k) => (
              <label key={k} class={`choice${kind === k ? ' chosen' : ''}`}>
                <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
                <span>{labels.kind[k]}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset class="choice-group">
          <legend>{t('levelLabel')}</legend>
          <div class="choices">
            {LEVELS.map((l) => (
              <label key={l} class={`choice level-${l}${level === l ? ' chosen' : ''}`}>
                <input
                  type="radio"
                  name="level"
                  value={l}
                  checked={level === l}
                  onChange={() => setLevel(l)}
                />
                <span>{labels.level[l]}</span>
              </label>
            ))}
          </div>
        </fieldset>
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
        <div class="field">
          <label for={`note-${id}`}>{t('noteLabel')}</label>
          <input
            id={`note-${id}`}
            type="text"
            maxLength={200}
            value={note}
            onInput={(e) => setNote(e.currentTarget.value)}
          />
        </div>
        <div class="field confirm-field">
          <label for={`confirm-${id}`}>{t('confirmLabel', { name: community.name, id })}</label>
          <input
            id={`confirm-${id}`}
            name="confirm-community"
            type="text"
            autocomplete="off"
            list={`confirm-options-${id}`}
            value={typed}
            aria-invalid={typed !== '' && !confirmed}
            onInput={(e) => setTyped(e.currentTarget.value)}
          />
          <datalist id={`confirm-options-${id}`}>
            <option value={community.name} />
          </datalist>
          {typed !== '' && !confirmed && <p class="hint bad">{t('confirmMismatch')}</p>}
        </div>
        <p class={`warning ${drill ? 'warning-drill' : 'warning-emergency'}`}>
          <Icon name="warning" /> {drill ? t('warningDrill') : t('warningEmergency')}
        </p>
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

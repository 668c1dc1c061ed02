import { useEffect, useState } from 'preact/hooks';
import { can } from '../../shared/domain/access';
import { SKILLS, type Skill } from '../../shared/domain/vocabulary';
import { WHISTLE_CATEGORIES, type WhistleCategory, type WhistleLevel } from '../../shared/domain/whistle';
import { CheckList, Field, FieldSet, Select } from './field';
import { type FormErrors, formErrorsOf, NO_ERRORS } from './form-errors';
import { PageForm } from './form-layout';
import { type MessageKey, useI18n } from './i18n';
import { hrefOf, navigate, type WhistlePrefill } from './route';
import { useServices } from './services';
import type { CommunityDetail } from './types';
import { ErrorNote, messageOf } from './ui';
import { CATEGORY_KEYS, LEVEL_KEYS, STATUS_KEYS } from './whistle-labels';
import type { WhistleDetail, WhistleSummary } from './whistle-types';

const RESPONDER_KEYS: Record<WhistleDetail['responders'][number]['status'], MessageKey> = {
  called: 'whistleRespCalled',
  coming: 'whistleRespComing',
  declined: 'whistleRespDeclined',
  arrived: 'whistleRespArrived',
  notNeeded: 'whistleRespNotNeeded',
  released: 'whistleRespReleased',
};
const EVENT_KEYS: Record<string, MessageKey> = {
  raised: 'whistleEvRaised',
  widened: 'whistleEvWidened',
  answered: 'whistleEvAnswered',
  filled: 'whistleEvFilled',
  resolved: 'whistleEvResolved',
  cancelled: 'whistleEvCancelled',
  overdue: 'whistleEvOverdue',
  released: 'whistleEvReleased',
};
const isLevel = (v: unknown): v is WhistleLevel => v === 'grid' || v === 'community' || v === 'street';

function useWhen() {
  const { lang } = useI18n();
  return (iso: string | undefined) =>
    iso
      ? new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', {
          hour12: false,
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
        })
      : '';
}

/** One whistle in a list: code, grid, reason, level, status, and whether it is overdue. */
function WhistleRow(props: { w: WhistleSummary }) {
  const { t } = useI18n();
  const when = useWhen();
  const { w } = props;
  return (
    <li class={`whistle-item status-${w.status}${w.overdue ? ' overdue' : ''}`} data-whistle={w.whistleId}>
      <a href={hrefOf({ page: 'whistle', whistleId: w.whistleId })} class="whistle-code">
        {w.code}
      </a>
      <span class="whistle-what">
        {w.gridName} · {t(CATEGORY_KEYS[w.category])} · {w.reason}
      </span>
      <span class="whistle-meta">
        {t(LEVEL_KEYS[w.level])} · {when(w.openedAt)}
      </span>
      <span class={`whistle-badge ${w.status}`}>{t(STATUS_KEYS[w.status])}</span>
      {w.overdue && <span class="whistle-badge overdue">{t('whistleOverdue')}</span>}
    </li>
  );
}

/** The fields the API's issues are shown beside; others go under the form. */
const WHISTLE_FIELDS = ['gridId', 'reason', 'people', 'respondWithinMinutes'] as const;

/** The form that blows the whistle for one of the community's grids. */
function RaiseForm(props: { community: CommunityDetail; prefill?: WhistlePrefill | undefined }) {
  const { api, notify } = useServices();
  const { t, labels } = useI18n();
  const { community, prefill } = props;
  const [gridId, setGridId] = useState(prefill?.gridId ?? community.grids[0]?.gridId ?? '');
  const [category, setCategory] = useState<WhistleCategory>(prefill ? 'people' : 'other');
  const [reason, setReason] = useState('');
  const [people, setPeople] = useState(prefill ? String(prefill.people) : '');
  const [skills, setSkills] = useState<Skill[]>([]);
  const [minutes, setMinutes] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const at = (id: string, field: string) => ({ id, field, errors, plain: true });
  const gridName = community.grids.find((g) => g.gridId === prefill?.gridId)?.name ?? prefill?.gridId ?? '';

  const submit = async () => {
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      const created = await api.raiseWhistle(community.communityId, {
        gridId,
        reason: reason.trim(),
        category,
        ...(people.trim() ? { people: Number(people) } : {}),
        ...(skills.length ? { skills } : {}),
        ...(minutes.trim() ? { respondWithinMinutes: Number(minutes) } : {}),
        ...(prefill?.activationId ? { activationId: prefill.activationId } : {}),
      });
      notify(t('whistleRaised', { code: created.code, n: created.notified }));
      navigate({ page: 'whistle', whistleId: created.whistleId });
    } catch (e) {
      setErrors(formErrorsOf(e, WHISTLE_FIELDS));
    } finally {
      setBusy(false);
    }
  };

  return (
    <PageForm
      class="whistle-form"
      title={t('whistleFormTitle')}
      busy={busy}
      submitLabel={t('whistleSubmit')}
      busyLabel={t('whistleRaising')}
      error={errors.form}
      onSubmit={() => void submit()}
    >
      {prefill && (
        <p class="hint" data-testid="whistle-prefilled">
          {t('whistlePrefilled', { grid: gridName, n: prefill.people })}
        </p>
      )}
      <Field {...at('whistle-grid', 'gridId')} label={t('whistleGrid')}>
        {(control) => (
          <Select
            control={control}
            value={gridId}
            options={community.grids.map((g) => g.gridId)}
            labelOf={(id) => community.grids.find((g) => g.gridId === id)?.name ?? id}
            onPick={setGridId}
          />
        )}
      </Field>
      <Field {...at('whistle-category', 'category')} label={t('whistleCategory')}>
        {(control) => (
          <Select
            control={control}
            value={category}
            options={WHISTLE_CATEGORIES}
            labelOf={(c) => t(CATEGORY_KEYS[c])}
            onPick={setCategory}
          />
        )}
      </Field>
      <Field {...at('whistle-reason', 'reason')} label={t('whistleReason')} wide>
        {(control) => (
          <input
            {...control}
            type="text"
            maxLength={200}
            required
            value={reason}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field {...at('whistle-people', 'people')} label={t('whistlePeople')}>
        {(control) => (
          <input
            {...control}
            type="number"
            min={1}
            max={500}
            value={people}
            onInput={(e) => setPeople(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field {...at('whistle-minutes', 'respondWithinMinutes')} label={t('whistleMinutes')}>
        {(control) => (
          <input
            {...control}
            type="number"
            min={1}
            max={1440}
            value={minutes}
            onInput={(e) => setMinutes(e.currentTarget.value)}
          />
        )}
      </Field>
      <FieldSet {...at('whistle-skills', 'skills')} class="whistle-skills" label={t('whistleSkills')}>
        <CheckList options={SKILLS} checked={skills} labelOf={(s) => labels.skill[s]} onChange={setSkills} />
      </FieldSet>
    </PageForm>
  );
}

/** A community's whistles: the form to blow one, and the list, open first, then recent. */
export function WhistlesPage(props: { communityId: string; prefill?: WhistlePrefill | undefined }) {
  const { api, session } = useServices();
  const { t } = useI18n();
  const { communityId } = props;
  const [community, setCommunity] = useState<CommunityDetail>();
  const [items, setItems] = useState<WhistleSummary[]>();
  const [error, setError] = useState<string>();
  const [nonce, setNonce] = useState(0);
  const mayRaise = can(session, 'whistle:raise', [communityId]);

  useEffect(() => {
    api
      .community(communityId)
      .then((c) => {
        setCommunity(c);
        document.title = `${t('whistlesTitle', { community: c.name })} · ${t('appShort')}`;
      })
      .catch((e: unknown) => setError(messageOf(e)));
  }, [api, communityId, t]);
  useEffect(() => {
    api
      .whistles(communityId)
      .then((list) => {
        setItems(list);
        setError(undefined);
      })
      .catch((e: unknown) => setError(messageOf(e)));
  }, [api, communityId, nonce]);

  return (
    <section class="whistles" aria-labelledby="whistles-title">
      <div class="page-head">
        <h1 id="whistles-title">{t('whistlesTitle', { community: community?.name ?? communityId })}</h1>
        {community && (
          <a class="button" href={hrefOf({ page: 'streetWhistles', streetId: community.streetId })}>
            {t('whistleStreetLink')}
          </a>
        )}
        <a class="button" href={hrefOf({ page: 'overview' })}>
          {t('backToOverview')}
        </a>
      </div>
      <p class="hint">{t('whistleIntro')}</p>
      {community && mayRaise && <RaiseForm community={community} prefill={props.prefill} />}
      {!mayRaise && <p class="hint">{t('whistleNoRaise')}</p>}
      <h2>{t('whistleListTitle')}</h2>
      {error && <ErrorNote message={error} onRetry={() => setNonce((n) => n + 1)} />}
      {!items && !error && <p class="loading">{t('loading')}</p>}
      {items && items.length === 0 && <p>{t('whistlesNone')}</p>}
      {items && items.length > 0 && (
        <ul class="whistle-list">
          {items.map((w) => (
            <WhistleRow key={w.whistleId} w={w} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** Every open whistle of a street. */
export function StreetWhistlesPage(props: { streetId: string }) {
  const { api } = useServices();
  const { t } = useI18n();
  const [items, setItems] = useState<WhistleSummary[]>();
  const [error, setError] = useState<string>();
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    document.title = `${t('whistleStreetTitle')} · ${t('appShort')}`;
    api
      .streetWhistles(props.streetId)
      .then(setItems)
      .catch((e: unknown) => setError(messageOf(e)));
  }, [api, props.streetId, nonce, t]);
  return (
    <section class="whistles" aria-labelledby="street-whistles-title">
      <div class="page-head">
        <h1 id="street-whistles-title">{t('whistleStreetTitle')}</h1>
        <a class="button" href={hrefOf({ page: 'overview' })}>
          {t('backToOverview')}
        </a>
      </div>
      {error && <ErrorNote message={error} onRetry={() => setNonce((n) => n + 1)} />}
      {!items && !error && <p class="loading">{t('loading')}</p>}
      {items && items.length === 0 && <p>{t('whistleStreetNone')}</p>}
      {items && items.length > 0 && (
        <ul class="whistle-list">
          {items.map((w) => (
            <WhistleRow key={w.whistleId} w={w} />
          ))}
        </ul>
      )}
    </section>
  );
}

/** One whistle: its state, responders and events; resolve or cancel it. */
export function WhistlePage(props: { whistleId: string }) {
  const { api, session, notify } = useServices();
  const { t } = useI18n();
  const when = useWhen();
  const [w, setW] = useState<WhistleDetail>();
  const [error, setError] = useState<string>();
  const [nonce, setNonce] = useState(0);
  const [note, setNote] = useState('');
  const [noteError, setNoteError] = useState<string>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api
      .whistle(props.whistleId)
      .then((found) => {
        setW(found);
        setError(undefined);
        document.title = `${t('whistleTitle', { code: found.code })} · ${t('appShort')}`;
      })
      .catch((e: unknown) => setError(messageOf(e)));
    // A whistle moves as people answer: look again every few seconds while it is open.
    const timer = setInterval(() => setNonce((n) => n + 1), 5000);
    return () => clearInterval(timer);
  }, [api, props.whistleId, nonce, t]);

  if (error) return <ErrorNote message={error} onRetry={() => setNonce((n) => n + 1)} />;
  if (!w) return <p class="loading">{t('loading')}</p>;
  const open = w.status === 'open' || w.status === 'filled';
  const mayClose = open && can(session, 'whistle:raise', [w.communityId]);

  const close = async (action: 'resolve' | 'cancel') => {
    if (action === 'resolve' && !note.trim()) {
      setNoteError(t('whistleNoteNeeded'));
      return;
    }
    setBusy(true);
    setNoteError(undefined);
    try {
      setW(await api.closeWhistle(w.whistleId, action, note.trim()));
      notify(t('whistleClosedNotice'));
    } catch (e) {
      notify(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="whistle-page" aria-labelledby="whistle-title" data-status={w.status}>
      <div class="page-head">
        <h1 id="whistle-title">
          {t('whistleTitle', { code: w.code })} · {w.reason}
        </h1>
        <a class="button" href={hrefOf({ page: 'whistles', communityId: w.communityId })}>
          {t('whistleBack')}
        </a>
      </div>
      <p class="whistle-summary">
        <span class={`whistle-badge ${w.status}`}>{t(STATUS_KEYS[w.status])}</span>
        {w.overdue && <span class="whistle-badge overdue">{t('whistleOverdue')}</span>} {w.gridName} ·{' '}
        {t(CATEGORY_KEYS[w.category])} · {t(LEVEL_KEYS[w.level])} ·{' '}
        {t('whistleDeadline', { time: when(w.deadlineAt) })}
      </p>
      <p class="whistle-count" data-testid="whistle-count">
        {t('whistleComing', { coming: w.coming, people: w.people })}
      </p>
      <p class="hint">
        {t('whistleTimes', {
          first: when(w.firstAnswerAt) || t('whistleNotYet'),
          filled: when(w.filledAt) || t('whistleNotYet'),
          closed: when(w.closedAt) || t('whistleNotYet'),
        })}
      </p>
      {w.warnings.length > 0 && <p class="switch-reason">{t('whistleNoServer')}</p>}
      {w.note && <p class="whistle-note">{w.note}</p>}

      {mayClose && (
        <div class="whistle-close">
          <label for="whistle-note">{t('whistleNote')}</label>
          <input
            id="whistle-note"
            type="text"
            maxLength={500}
            value={note}
            aria-invalid={noteError ? true : undefined}
            onInput={(e) => setNote(e.currentTarget.value)}
          />
          {noteError && <p class="field-error">{noteError}</p>}
          <button type="button" class="button primary" disabled={busy} onClick={() => void close('resolve')}>
            {t('whistleResolve')}
          </button>
          <button type="button" class="button" disabled={busy} onClick={() => void close('cancel')}>
            {t('whistleCancel')}
          </button>
        </div>
      )}

      <h2>{t('whistleRespondersTitle', { n: w.responders.length })}</h2>
      <table class="whistle-responders">
        <tbody>
          {w.responders.map((r) => (
            <tr key={r.memberId} data-responder={r.status}>
              <td>{r.name}</td>
              <td>{t(LEVEL_KEYS[r.level])}</td>
              <td>
                {t(RESPONDER_KEYS[r.status])}
                {r.etaMinutes !== undefined && r.status === 'coming'
                  ? ` · ${t('whistleEta', { n: r.etaMinutes })}`
                  : ''}
              </td>
              <td>{when(r.respondedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>{t('whistleEventsTitle')}</h2>
      <ol class="whistle-events">
        {w.events.map((e, i) => {
          const key = EVENT_KEYS[e.type];
          const level = e.detail.level;
          return (
            <li key={`${e.at}-${i}`}>
              <span class="whistle-event-time">{when(e.at)}</span>{' '}
              {key ? t(key, { level: isLevel(level) ? t(LEVEL_KEYS[level]) : '' }) : e.type}
            </li>
          );
        })}
      </ol>
    </section>
  );
}

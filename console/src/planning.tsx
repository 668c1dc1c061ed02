import { useEffect, useState } from 'preact/hooks';
import { can } from '../../shared/domain/access';
import { INCIDENT_KINDS, type IncidentKind, LEVELS, type Level } from '../../shared/domain/incident';
import { Field, fieldsOf, Select } from './field';
import { type FormErrors, formErrorsOf, NO_ERRORS } from './form-errors';
import { PageForm } from './form-layout';
import { type MessageKey, useI18n } from './i18n';
import type { DrillSchedule, RankingPeriod, Rankings } from './planning-types';
import { rankClass, UnitRankingTable } from './ranking-units';
import { hrefOf } from './route';
import { useServices } from './services';
import type { CommunityDetail } from './types';
import { ErrorNote, messageOf } from './ui';

/** `2026-12-07T09:30` in the browser's zone, for a `datetime-local` input. */
function localInputValue(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(
    date.getMinutes(),
  )}`;
}

/** Today in China Standard Time, `YYYY-MM-DD`, the day rankings are cut on. */
function todayCst(): string {
  return new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

/** The schedule form's fields, named as the API names them. */
const SCHEDULE_FIELDS = ['at', 'kind', 'level', 'note'] as const;

const STATUS_KEYS: Record<DrillSchedule['status'], MessageKey> = {
  pending: 'schedulePending',
  firing: 'scheduleFiring',
  started: 'scheduleStarted',
  skipped: 'scheduleSkipped',
  cancelled: 'scheduleCancelledStatus',
};

/** A community's scheduled drills: the form to plan one, and the list with what became of each. */
export function SchedulesPage(props: { communityId: string }) {
  const { api, session, notify } = useServices();
  const { t, labels, levelShort, lang } = useI18n();
  const { communityId } = props;
  const [community, setCommunity] = useState<CommunityDetail>();
  const [items, setItems] = useState<DrillSchedule[]>();
  const [error, setError] = useState<string>();
  const [nonce, setNonce] = useState(0);
  const [at, setAt] = useState(() => localInputValue(new Date(Date.now() + 24 * 3600 * 1000)));
  const [kind, setKind] = useState<IncidentKind>('flood');
  const [level, setLevel] = useState<Level>('IV');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const field = fieldsOf('schedule', errors, { plain: true });
  const mayPlan = can(session, 'drill:switch', [communityId]);

  useEffect(() => {
    api
      .community(communityId)
      .then((c) => {
        setCommunity(c);
        document.title = `${t('schedulesTitle', { community: c.name })} · ${t('appShort')}`;
      })
      .catch((e: unknown) => setError(messageOf(e)));
  }, [api, communityId, t]);

  useEffect(() => {
    api
      .drillSchedules(communityId)
      .then((list) => {
        setItems(list);
        setError(undefined);
      })
      .catch((e: unknown) => setError(messageOf(e)));
  }, [api, communityId, nonce]);

  const submit = async () => {
    const when = new Date(at);
    if (Number.isNaN(when.getTime())) {
      setErrors({ fields: { at: t('scheduleAtInvalid') } });
      return;
    }
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      await api.scheduleDrill(communityId, {
        at: when.toISOString(),
        kind,
        level,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      notify(t('scheduleCreated', { time: when.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB') }));
      setNote('');
      setNonce((n) => n + 1);
    } catch (e) {
      setErrors(formErrorsOf(e, SCHEDULE_FIELDS));
    } finally {
      setBusy(false);
    }
  };

  const cancel = async (s: DrillSchedule) => {
    try {
      await api.cancelDrillSchedule(communityId, s.scheduleId);
      notify(t('scheduleCancelled'));
    } catch (e) {
      notify(messageOf(e));
    }
    setNonce((n) => n + 1);
  };

  const when = (iso: string) =>
    new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', {
      hour12: false,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });

  return (
    <section class="schedules" aria-labelledby="schedules-title">
      <div class="page-head">
        <h1 id="schedules-title">{t('schedulesTitle', { community: community?.name ?? communityId })}</h1>
        <a class="button" href={hrefOf({ page: 'overview' })}>
          {t('backToOverview')}
        </a>
      </div>
      <p class="hint">{t('schedulesIntro')}</p>

      {mayPlan && (
        <PageForm
          class="schedule-form"
          title={t('scheduleFormTitle')}
          busy={busy}
          submitLabel={t('scheduleSubmit')}
          busyLabel={t('scheduling')}
          error={errors.form}
          onSubmit={() => void submit()}
        >
          <Field {...field('at')} label={t('scheduleAt')}>
            {(control) => (
              <input
                {...control}
                type="datetime-local"
                value={at}
                onInput={(e) => setAt(e.currentTarget.value)}
              />
            )}
          </Field>
          <Field {...field('kind')} label={t('kindLabel')}>
            {(control) => (
              <Select
                control={control}
                value={kind}
                options={INCIDENT_KINDS}
                labelOf={(k) => labels.kind[k]}
                onPick={setKind}
              />
            )}
          </Field>
          <Field {...field('level')} label={t('levelLabel')}>
            {(control) => (
              <Select
                control={control}
                value={level}
                options={LEVELS}
                labelOf={(l) => labels.level[l]}
                onPick={setLevel}
              />
            )}
          </Field>
          <Field {...field('note')} label={t('noteLabel')} wide>
            {(control) => (
              <input
                {...control}
                type="text"
                maxLength={200}
                value={note}
                onInput={(e) => setNote(e.currentTarget.value)}
              />
            )}
          </Field>
        </PageForm>
      )}

      <h2>{t('schedulesListTitle')}</h2>
      {error && <ErrorNote message={error} onRetry={() => setNonce((n) => n + 1)} />}
      {!items && !error && <p class="loading">{t('loading')}</p>}
      {items && items.length === 0 && <p>{t('schedulesNone')}</p>}
      {items && items.length > 0 && (
        <ul class="schedule-list">
          {items.map((s) => (
            <li key={s.scheduleId} class={`schedule-item status-${s.status}`}>
              <div class="schedule-when">{when(s.at)}</div>
              <div class="schedule-what">
                {labels.kind[s.kind]} · {levelShort[s.level]}
                {s.note ? ` · ${s.note}` : ''}
              </div>
              <div class="schedule-status">
                <span class={`schedule-badge ${s.status}`}>{t(STATUS_KEYS[s.status])}</span>
                {s.activationId && (
                  <a href={hrefOf({ page: 'board', activationId: s.activationId })}>{t('openBoard')}</a>
                )}
                {s.status === 'skipped' && <span class="hint">{t('scheduleSkippedWhy')}</span>}
                {s.status === 'pending' && mayPlan && (
                  <button type="button" class="button" onClick={() => void cancel(s)}>
                    {t('scheduleCancel')}
                  </button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const PERIOD_KEYS: Record<RankingPeriod, 'periodWeek' | 'periodMonth' | 'periodYear'> = {
  week: 'periodWeek',
  month: 'periodMonth',
  year: 'periodYear',
};

const percent = (x: number | null) => (x === null ? '—' : `${Math.round(x * 100)}%`);

/** 周排名 / 月排行 / 年考评: a street's grids and communities ranked over a period. */
export function RankingsPage(props: { streetId?: string | undefined }) {
  const { api } = useServices();
  const { t } = useI18n();
  const [streetId, setStreetId] = useState(props.streetId);
  const [period, setPeriod] = useState<RankingPeriod>('week');
  const [at, setAt] = useState(todayCst);
  const [data, setData] = useState<Rankings>();
  const [error, setError] = useState<string>();
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    if (streetId) return;
    api
      .communities()
      .then((list) => {
        const first = list[0]?.streetId;
        if (first) setStreetId(first);
        else setError(t('noCommunities'));
      })
      .catch((e: unknown) => setError(messageOf(e)));
  }, [api, streetId, t]);

  useEffect(() => {
    document.title = `${t('rankingsTitle')} · ${t('appShort')}`;
    if (!streetId) return;
    let cancelled = false;
    setData(undefined);
    api
      .rankings(streetId, period, at)
      .then((r) => {
        if (cancelled) return;
        setData(r);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(messageOf(e));
      });
    return () => {
      cancelled = true;
    };
  }, [api, streetId, period, at, nonce, t]);

  const standing = (r: Rankings['grids'][number] | Rankings['communities'][number]) => (
    <>
      <td class="num score">{r.score}</td>
      <td class="num">{r.activations}</td>
      <td class="num">{r.alerted}</td>
      <td class="num">{percent(r.confirmedRate)}</td>
      <td class="num">{percent(r.arrivedRate)}</td>
      <td class="num">{r.medianMinutesToConfirm === null ? '—' : r.medianMinutesToConfirm}</td>
      <td class="num">
        {r.teamsMet}/{r.teams}
      </td>
      <td class="num">{r.whistlesRaised}</td>
    </>
  );
  const head = (first: string) => (
    <thead>
      <tr>
        <th scope="col">{t('colRank')}</th>
        <th scope="col">{first}</th>
        <th scope="col">{t('colScore')}</th>
        <th scope="col">{t('colActivations')}</th>
        <th scope="col">{t('colAlerted')}</th>
        <th scope="col">{t('colConfirmedRate')}</th>
        <th scope="col">{t('colArrivedRate')}</th>
        <th scope="col">{t('colMedian')}</th>
        <th scope="col">{t('colTeamsMet')}</th>
        <th scope="col">{t('colWhistlesRaised')}</th>
      </tr>
    </thead>
  );

  return (
    <section class="rankings" aria-labelledby="rankings-title">
      <div class="page-head">
        <h1 id="rankings-title">{t('rankingsTitle')}</h1>
        <a class="button" href={hrefOf({ page: 'overview' })}>
          {t('backToOverview')}
        </a>
      </div>
      <div class="ranking-controls">
        <div class="tabs" role="tablist" aria-label={t('rankingsTitle')}>
          {(['week', 'month', 'year'] as const).map((p) => (
            <button
              key={p}
              type="button"
              role="tab"
              aria-selected={period === p}
              class={`tab${period === p ? ' selected' : ''}`}
              onClick={() => setPeriod(p)}
            >
              {t(PERIOD_KEYS[p])}
            </button>
          ))}
        </div>
        <label class="ranking-date">
          {t('rankingDate')}
          <input
            type="date"
            value={at}
            onInput={(e) => e.currentTarget.value && setAt(e.currentTarget.value)}
          />
        </label>
      </div>
      <aside class="formula" aria-label={t('formulaTitle')}>
        <strong>{t('formulaTitle')}</strong>
        <p>{t('formulaText')}</p>
        <p class="hint">{t('formulaNotes')}</p>
      </aside>
      {error && <ErrorNote message={error} onRetry={() => setNonce((n) => n + 1)} />}
      {!data && !error && <p class="loading">{t('loading')}</p>}
      {data && (
        <>
          <p class="period-range">{t('periodRange', { from: data.from, to: data.to })}</p>
          {data.grids.length === 0 && <p class="empty-ranking">{t('rankingEmpty')}</p>}
          {data.communities.length > 0 && (
            <section
              class="table-wrap"
              // biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways must be reachable by keyboard
              tabIndex={0}
              aria-label={t('communityRanking')}
            >
              <h2>{t('communityRanking')}</h2>
              <table class="ranking-table">
                {head(t('colCommunity'))}
                <tbody>
                  {data.communities.map((c) => (
                    <tr key={c.communityId}>
                      <td class={rankClass(c.rank)}>{c.rank}</td>
                      <th scope="row">{c.communityName}</th>
                      {standing(c)}
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          {data.grids.length > 0 && (
            <section
              class="table-wrap"
              // biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways must be reachable by keyboard
              tabIndex={0}
              aria-label={t('gridRanking')}
            >
              <h2>{t('gridRanking')}</h2>
              <table class="ranking-table">
                {head(t('colGrid'))}
                <tbody>
                  {data.grids.map((g) => (
                    <tr key={`${g.communityId}/${g.gridId}`}>
                      <td class={rankClass(g.rank)}>{g.rank}</td>
                      <th scope="row">
                        {g.gridName}
                        <span class="sub">{g.communityId}</span>
                      </th>
                      {standing(g)}
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          )}
          {data.units.length > 0 && <UnitRankingTable units={data.units} />}
        </>
      )}
    </section>
  );
}

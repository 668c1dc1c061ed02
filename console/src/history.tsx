import { useEffect, useState } from 'preact/hooks';
import { useI18n } from './i18n';
import { dateTime, duration, percent } from './report-format';
import type { HistoryFilter, HistoryItem } from './report-types';
import { hrefOf } from './route';
import { useServices } from './services';
import { ErrorNote, Icon, messageOf } from './ui';

const PAGE_SIZE = 20;

type Scope = { communityId: string } | { streetId: string };
type KindFilter = 'all' | 'drill' | 'real';

/**
 * Every activation and drill of a community, or of a whole street (the first street the user
 * sees when none is named), newest first: filtered by drill or real and by days, paged on.
 */
export function HistoryPage(props: { communityId?: string | undefined; streetId?: string | undefined }) {
  const { api } = useServices();
  const { t, labels, levelShort, lang } = useI18n();
  const [scope, setScope] = useState<Scope | undefined>(() =>
    props.communityId
      ? { communityId: props.communityId }
      : props.streetId
        ? { streetId: props.streetId }
        : undefined,
  );
  const [name, setName] = useState<string>();
  const [kind, setKind] = useState<KindFilter>('all');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [items, setItems] = useState<HistoryItem[]>();
  const [cursor, setCursor] = useState<string>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string>();
  const [nonce, setNonce] = useState(0);
  const street = scope !== undefined && 'streetId' in scope;

  // The street, when none is named: the first one the user's communities belong to.
  useEffect(() => {
    if (scope) return;
    api
      .communities()
      .then((list) => {
        const first = list[0]?.streetId;
        if (first) setScope({ streetId: first });
        else setError(t('noCommunities'));
      })
      .catch((e: unknown) => setError(messageOf(e)));
  }, [api, scope, t]);

  useEffect(() => {
    if (!scope) return;
    const named =
      'communityId' in scope
        ? api.community(scope.communityId).then((c) => c.name)
        : api
            .streets()
            .then((list) => list.find((s) => s.streetId === scope.streetId)?.name ?? scope.streetId);
    named
      .then((n) => {
        setName(n);
        document.title = `${t(street ? 'streetHistoryTitle' : 'historyTitle', { name: n })} · ${t('appShort')}`;
      })
      .catch(() => setName(undefined));
  }, [api, scope, street, t]);

  const filter: HistoryFilter = {
    drill: kind === 'all' ? undefined : kind === 'drill',
    ...(from ? { from } : {}),
    ...(to ? { to } : {}),
    limit: PAGE_SIZE,
  };
  const filterKey = JSON.stringify(filter);

  useEffect(() => {
    if (!scope) return;
    let cancelled = false;
    setItems(undefined);
    setCursor(undefined);
    api
      .history(scope, filter)
      .then((page) => {
        if (cancelled) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(messageOf(e));
      });
    return () => {
      cancelled = true;
    };
  }, [api, scope, filterKey, nonce]);

  const more = async () => {
    if (!scope || !cursor) return;
    setLoadingMore(true);
    try {
      const page = await api.history(scope, filter, cursor);
      setItems((list) => [...(list ?? []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setLoadingMore(false);
    }
  };

  const title = t(street ? 'streetHistoryTitle' : 'historyTitle', {
    name: name ?? (scope && 'communityId' in scope ? scope.communityId : ''),
  });

  return (
    <section class="history" aria-labelledby="history-title">
      <div class="page-head">
        <h1 id="history-title">{title}</h1>
        <div class="page-actions">
          {scope && 'streetId' in scope && (
            <a class="button" href={hrefOf({ page: 'street', streetId: scope.streetId })}>
              {t('navStreet')}
            </a>
          )}
          <a class="button" href={hrefOf({ page: 'overview' })}>
            {t('backToOverview')}
          </a>
        </div>
      </div>
      <p class="hint">{t('historyIntro')}</p>

      <form class="history-filters" onSubmit={(e) => e.preventDefault()}>
        <fieldset class="kind-filter">
          <legend>{t('filterKind')}</legend>
          {(['all', 'drill', 'real'] as const).map((k) => (
            <label key={k} class={`choice${kind === k ? ' chosen' : ''}`}>
              <input
                type="radio"
                name="history-kind"
                value={k}
                checked={kind === k}
                onChange={() => setKind(k)}
              />
              <span>{t(k === 'all' ? 'filterAll' : k === 'drill' ? 'filterDrills' : 'filterReal')}</span>
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="history-from">{t('filterFrom')}</label>
          <input
            id="history-from"
            type="date"
            value={from}
            max={to || undefined}
            onInput={(e) => setFrom(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="history-to">{t('filterTo')}</label>
          <input
            id="history-to"
            type="date"
            value={to}
            min={from || undefined}
            onInput={(e) => setTo(e.currentTarget.value)}
          />
        </div>
        {(kind !== 'all' || from || to) && (
          <button
            type="button"
            class="button"
            onClick={() => {
              setKind('all');
              setFrom('');
              setTo('');
            }}
          >
            {t('filterClear')}
          </button>
        )}
      </form>

      {error && <ErrorNote message={error} onRetry={() => setNonce((n) => n + 1)} />}
      {!items && !error && <p class="loading">{t('loading')}</p>}
      {items && items.length === 0 && <p class="history-empty">{t('historyEmpty')}</p>}
      {items && items.length > 0 && (
        <table class="history-table">
          <thead>
            <tr>
              <th scope="col">{t('hColStarted')}</th>
              {street && <th scope="col">{t('hColCommunity')}</th>}
              <th scope="col">{t('hColWhat')}</th>
              <th scope="col">{t('hColPressedBy')}</th>
              <th scope="col" class="num">
                {t('hColDuration')}
              </th>
              <th scope="col" class="num">
                {t('hColDrafted')}
              </th>
              <th scope="col" class="num">
                {t('hColConfirmed')}
              </th>
              <th scope="col" class="num">
                {t('hColArrived')}
              </th>
              <th scope="col">{t('hColOpen')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr
                key={item.activationId}
                class={`history-row ${item.drill ? 'is-drill' : 'is-real'}`}
                data-activation={item.activationId}
              >
                <td data-label={t('hColStarted')}>
                  {dateTime(lang, item.startedAt)}
                  {item.status === 'active' && <span class="open-tag">{t('stillOpen')}</span>}
                </td>
                {street && <td data-label={t('hColCommunity')}>{item.communityName}</td>}
                <th scope="row" data-label={t('hColWhat')}>
                  <span class={`kind-tag ${item.drill ? 'drill' : 'real'}`}>
                    {item.drill ? <Icon name="flag" /> : <Icon name="warning" />}
                    {item.drill ? t('drillMark') : t('realMark')}
                  </span>{' '}
                  {labels.kind[item.kind]} · {levelShort[item.level]}
                  {item.note ? <span class="sub">{item.note}</span> : null}
                </th>
                <td data-label={t('hColPressedBy')}>{item.startedBy}</td>
                <td class="num" data-label={t('hColDuration')}>
                  {duration(t, item.durationSeconds)}
                </td>
                <td class="num" data-label={t('hColDrafted')}>
                  {item.counts.drafted}
                </td>
                <td class="num" data-label={t('hColConfirmed')}>
                  {percent(item.confirmedRate)}
                </td>
                <td class="num" data-label={t('hColArrived')}>
                  {percent(item.arrivedRate)}
                </td>
                <td class="links" data-label={t('hColOpen')}>
                  <a href={hrefOf({ page: 'report', activationId: item.activationId })}>{t('linkReport')}</a>
                  <a href={hrefOf({ page: 'board', activationId: item.activationId })}>{t('linkBoard')}</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {items && items.length > 0 && (
        <div class="history-paging">
          <span class="hint">{t(cursor ? 'historyShown' : 'historyAll', { n: items.length })}</span>
          {cursor && (
            <button type="button" class="button" disabled={loadingMore} onClick={() => void more()}>
              {loadingMore ? t('loading') : t('historyMore')}
            </button>
          )}
        </div>
      )}
    </section>
  );
}

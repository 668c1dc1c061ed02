import { useEffect, useState } from 'preact/hooks';
import { can } from '../../shared/domain/access';
import type { IncidentKind, Level } from '../../shared/domain/incident';
import { ApiError } from './api';
import { useI18n } from './i18n';
import { IncidentPicker } from './incident-picker';
import type { Street, StreetActivation } from './report-types';
import { hrefOf } from './route';
import { useServices } from './services';
import {
  activationRequest,
  ConfirmNameField,
  NoteField,
  namesCommunity,
  SwitchWarning,
  usePressKey,
} from './switch';
import type { Board, Community } from './types';
import { Dialog, ErrorNote, Icon, ModePill, messageOf, usePoll } from './ui';

const STREET_POLL_MS = 5000;

type Row = { community: Community; counts?: Board['counts'] | undefined };

/**
 * A street at a glance: every community the user sees, its mode and its open activation's
 * numbers side by side, and the street-wide key. The key is offered when the user may switch at
 * least one of the street's communities, as the API decides; the others are skipped by it.
 */
export function StreetPage(props: { streetId?: string | undefined }) {
  const { api, session } = useServices();
  const { t } = useI18n();
  const [streetId, setStreetId] = useState(props.streetId);
  const [street, setStreet] = useState<Street>();
  const [rows, setRows] = useState<Row[]>();
  const [error, setError] = useState<string>();
  const [nonce, setNonce] = useState(0);
  const [dialog, setDialog] = useState<{ drill: boolean }>();
  const [result, setResult] = useState<StreetActivation>();

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
    if (!streetId) return;
    api
      .streets()
      .then((list) => {
        const found = list.find((s) => s.streetId === streetId);
        setStreet(found);
        document.title = `${t('streetTitle', { name: found?.name ?? streetId })} · ${t('appShort')}`;
      })
      .catch((e: unknown) => setError(messageOf(e)));
  }, [api, streetId, t]);

  usePoll(
    async () => {
      if (!streetId) return;
      try {
        const communities = (await api.communities()).filter((c) => c.streetId === streetId);
        const next = await Promise.all(
          communities.map(async (community): Promise<Row> => {
            if (community.mode === 'normal' || !community.activationId) return { community };
            const board = await api.boardCounts(community.activationId).catch(() => undefined);
            return { community, counts: board?.counts };
          }),
        );
        setRows(next);
        setError(undefined);
      } catch (e) {
        setError(messageOf(e));
      }
    },
    STREET_POLL_MS,
    [api, streetId, nonce],
  );

  const ids = rows?.map((r) => r.community.communityId) ?? [];
  const mayEmergency = ids.some((id) => can(session, 'emergency:switch', [id]));
  const mayDrill = ids.some((id) => can(session, 'drill:switch', [id]));
  const name = street?.name ?? streetId ?? '';
  const nameOf = (id: string) => rows?.find((r) => r.community.communityId === id)?.community.name ?? id;

  return (
    <section class="street" aria-labelledby="street-title">
      <div class="page-head">
        <h1 id="street-title">{t('streetTitle', { name })}</h1>
        <div class="page-actions">
          {streetId && (
            <a class="button" href={hrefOf({ page: 'streetHistory', streetId })}>
              {t('openStreetHistory')}
            </a>
          )}
          <a class="button" href={hrefOf({ page: 'overview' })}>
            {t('backToOverview')}
          </a>
        </div>
      </div>
      <p class="hint">{t('streetIntro')}</p>

      {error && <ErrorNote message={error} onRetry={() => setNonce((n) => n + 1)} />}
      {!rows && !error && <p class="loading">{t('loading')}</p>}
      {rows && rows.length === 0 && <p>{t('streetNone')}</p>}

      {rows && rows.length > 0 && streetId && (
        <div class="street-key">
          <button
            type="button"
            class="switch-key"
            disabled={!mayEmergency}
            aria-describedby="street-key-reason"
            onClick={() => setDialog({ drill: false })}
          >
            <span class="switch-key-label">{t('streetKey')}</span>
            <span class="switch-key-hint">{t('streetKeyHint')}</span>
          </button>
          <button
            type="button"
            class="button drill-button"
            disabled={!mayDrill}
            onClick={() => setDialog({ drill: true })}
          >
            <Icon name="flag" /> {t('streetDrill')}
          </button>
          {(!mayEmergency || !mayDrill) && (
            <p class="switch-reason" id="street-key-reason">
              <Icon name="warning" /> {mayDrill ? t('streetNoEmergency') : t('streetNoSwitch')}
            </p>
          )}
        </div>
      )}

      {result && (
        <output class="street-result" data-testid="street-result">
          <p>
            <strong>{t('streetResult', { n: result.activations.length, m: result.skipped.length })}</strong>
          </p>
          {result.skipped.length > 0 && (
            <ul>
              {result.skipped.map((s) => (
                <li key={s.communityId}>
                  {t(s.code === 'FORBIDDEN' ? 'skippedForbidden' : 'skippedSwitched', {
                    community: nameOf(s.communityId),
                  })}
                </li>
              ))}
            </ul>
          )}
        </output>
      )}

      {rows && rows.length > 0 && (
        <table class="street-table">
          <thead>
            <tr>
              <th scope="col">{t('hColCommunity')}</th>
              <th scope="col">{t('colMode')}</th>
              <th scope="col" class="num">
                {t('hColDrafted')}
              </th>
              <th scope="col" class="num">
                {t('figConfirmed')}
              </th>
              <th scope="col" class="num">
                {t('figArrived')}
              </th>
              <th scope="col">{t('hColOpen')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ community, counts }) => (
              <tr
                key={community.communityId}
                data-community={community.communityId}
                data-mode={community.mode}
                class={`street-row mode-row-${community.mode}`}
              >
                <th scope="row">{community.name}</th>
                <td data-label={t('colMode')}>
                  <ModePill mode={community.mode} />
                </td>
                <td class="num" data-label={t('hColDrafted')} data-count="drafted">
                  {counts ? counts.drafted : t('noOpen')}
                </td>
                <td class="num" data-label={t('figConfirmed')} data-count="confirmed">
                  {counts ? counts.confirmed + counts.arrived : t('noOpen')}
                </td>
                <td class="num" data-label={t('figArrived')} data-count="arrived">
                  {counts ? counts.arrived : t('noOpen')}
                </td>
                <td class="links" data-label={t('hColOpen')}>
                  {community.activationId && community.mode !== 'normal' && (
                    <a href={hrefOf({ page: 'board', activationId: community.activationId })}>
                      {t('linkBoard')}
                    </a>
                  )}
                  <a href={hrefOf({ page: 'history', communityId: community.communityId })}>
                    {t('openHistory')}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      {dialog && streetId && rows && (
        <StreetSwitchDialog
          street={{ streetId, name }}
          communities={rows
            .map((r) => r.community)
            .filter((c) => can(session, dialog.drill ? 'drill:switch' : 'emergency:switch', [c.communityId]))}
          drill={dialog.drill}
          onClose={() => setDialog(undefined)}
          onSwitched={(done) => {
            setDialog(undefined);
            setResult(done);
            setNonce((n) => n + 1);
          }}
        />
      )}
    </section>
  );
}

/**
 * The street-wide key's confirmation, as strict as a community's: what happened, how grave, and
 * the street's name typed. One confirmed press keeps one Idempotency-Key across its retries.
 */
function StreetSwitchDialog(props: {
  street: { streetId: string; name: string };
  communities: Community[];
  drill: boolean;
  onClose: () => void;
  onSwitched: (result: StreetActivation) => void;
}) {
  const { api } = useServices();
  const { t } = useI18n();
  const { street, drill } = props;
  const [kind, setKind] = useState<IncidentKind>();
  const [level, setLevel] = useState<Level>();
  const [note, setNote] = useState('');
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ message: string; retryable: boolean }>();
  const keyOf = usePressKey();
  const confirmed = namesCommunity(typed, { name: street.name, communityId: street.streetId });
  const ready = kind !== undefined && level !== undefined && confirmed && !busy;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!ready || !kind || !level) return;
    const request = activationRequest({ kind, level, drill, note });
    const key = keyOf(JSON.stringify(request));
    setBusy(true);
    setFailure(undefined);
    try {
      props.onSwitched(await api.activateStreet(street.streetId, request, key));
    } catch (error) {
      setFailure({
        message: messageOf(error),
        retryable: error instanceof ApiError ? error.retryable : true,
      });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={t(drill ? 'streetDrillTitle' : 'streetSwitchTitle', { street: street.name })}
      onClose={props.onClose}
      tone={drill ? 'drill' : 'emergency'}
      testId="street-switch-dialog"
    >
      <form class="switch-form" onSubmit={(e) => void submit(e)}>
        {drill && (
          <p class="drill-stripe" role="note">
            <Icon name="flag" /> {t('drillBanner')}
          </p>
        )}
        <p class="street-covers">
          {t('streetCovers', {
            n: props.communities.length,
            names: props.communities.map((c) => c.name).join('、'),
          })}
        </p>
        <IncidentPicker kind={kind} level={level} onKind={setKind} onLevel={setLevel} namePrefix="street-" />
        <NoteField id="street-note" note={note} onNote={setNote} />
        <ConfirmNameField
          id="street-confirm"
          label={t('streetConfirmLabel', { name: street.name, id: street.streetId })}
          name={street.name}
          typed={typed}
          confirmed={confirmed}
          mismatch={t('streetConfirmMismatch')}
          onTyped={setTyped}
        />
        <SwitchWarning drill={drill} />
        {failure && <ErrorNote message={failure.message} />}
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
                  ? t('streetConfirmDrill')
                  : t('streetConfirm')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

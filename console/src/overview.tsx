import { useEffect, useState } from 'preact/hooks';
import { can } from '../../shared/domain/access';
import { useI18n } from './i18n';
import { hrefOf, navigate } from './route';
import { useServices } from './services';
import { SwitchDialog } from './switch';
import type { CommunityDetail, Proposal } from './types';
import { ErrorNote, GridTile, Icon, ModePill, messageOf, usePoll } from './ui';

const OVERVIEW_POLL_MS = 10_000;

/** Every community the user may see: its mode, its grids by grade, and its key. */
export function Overview() {
  const { api } = useServices();
  const { t } = useI18n();
  const [communities, setCommunities] = useState<CommunityDetail[]>();
  const [proposals, setProposals] = useState<Map<string, Proposal[]>>(new Map());
  const [error, setError] = useState<string>();
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    document.title = t('appTitle');
  }, [t]);

  usePoll(
    async () => {
      try {
        const list = await api.communities();
        const [details, open] = await Promise.all([
          Promise.all(list.map((c) => api.community(c.communityId))),
          Promise.all(list.map((c) => api.proposals(c.communityId))),
        ]);
        setCommunities(details);
        setProposals(new Map(list.map((c, i) => [c.communityId, open[i] ?? []])));
        setError(undefined);
      } catch (e) {
        setError(messageOf(e));
      }
    },
    OVERVIEW_POLL_MS,
    [api, nonce],
  );

  return (
    <section class="overview" aria-labelledby="overview-title">
      <h1 id="overview-title">{t('overviewTitle')}</h1>
      {error && <ErrorNote message={error} onRetry={() => setNonce((n) => n + 1)} />}
      {!communities && !error && <p class="loading">{t('loading')}</p>}
      {communities?.length === 0 && <p>{t('noCommunities')}</p>}
      <div class="community-list">
        {communities?.map((community) => (
          <CommunityCard
            key={community.communityId}
            community={community}
            proposals={proposals.get(community.communityId) ?? []}
            onSwitched={() => setNonce((n) => n + 1)}
          />
        ))}
      </div>
    </section>
  );
}

function CommunityCard(props: {
  community: CommunityDetail;
  proposals: readonly Proposal[];
  onSwitched: () => void;
}) {
  const { session } = useServices();
  const { t, labels } = useI18n();
  const { community } = props;
  const [dialog, setDialog] = useState<{ drill: boolean; proposal?: Proposal }>();
  const id = community.communityId;
  const headingId = `community-${id}`;
  const reasonId = `switch-reason-${id}`;
  const canEmergency = can(session, 'emergency:switch', [id]);
  const canDrill = can(session, 'drill:switch', [id]);
  const normal = community.mode === 'normal';

  let reason: string | undefined;
  if (!normal) reason = t('reasonAlreadySwitched', { mode: labels.mode[community.mode] });
  else if (!canEmergency) reason = canDrill ? t('reasonPlannerDrillOnly') : t('reasonNoSwitch');

  const grids = [...community.grids];

  return (
    <article
      class={`community community-${community.mode}`}
      aria-labelledby={headingId}
      data-community={id}
      data-mode={community.mode}
    >
      <header class="community-head">
        <h2 id={headingId}>{community.name}</h2>
        <ModePill mode={community.mode} large />
      </header>

      {!normal && community.activationId && (
        <a class="button board-link" href={hrefOf({ page: 'board', activationId: community.activationId })}>
          {t('openBoard')}
        </a>
      )}

      <div class="switch-area">
        <button
          type="button"
          class="switch-key"
          disabled={!normal || !canEmergency}
          aria-describedby={reason ? reasonId : `${reasonId}-hint`}
          onClick={() => setDialog({ drill: false })}
        >
          <span class="switch-key-label">{t('switchKey')}</span>
          <span class="switch-key-hint" id={`${reasonId}-hint`}>
            {t('switchKeyHint')}
          </span>
        </button>
        {reason && (
          <p class="switch-reason" id={reasonId}>
            <Icon name="warning" /> {reason}
          </p>
        )}
        <button
          type="button"
          class="button drill-button"
          disabled={!normal || !canDrill}
          onClick={() => setDialog({ drill: true })}
        >
          <Icon name="flag" /> {t('startDrill')}
        </button>
        {props.proposals.length > 0 && (
          <Proposals
            community={community}
            proposals={props.proposals}
            canEmergency={canEmergency}
            canDrill={canDrill}
            onAccept={(proposal) => setDialog({ drill: proposal.drill, proposal })}
            onDismissed={props.onSwitched}
          />
        )}
      </div>

      <section class="grids" aria-label={t('gridsHeading', { n: grids.length })}>
        <h3>{t('gridsHeading', { n: grids.length })}</h3>
        <ul class="grid-tiles">
          {grids.map((grid) => (
            <GridTile key={grid.gridId} name={grid.name} level={grid.level} title={grid.musterPoint} />
          ))}
        </ul>
        <p class="legend">{t('gridLegend')}</p>
      </section>

      <footer class="community-foot">
        <a href={hrefOf({ page: 'roster', communityId: id })}>{t('openRoster')}</a>
        <a href={hrefOf({ page: 'schedules', communityId: id })}>{t('openSchedules')}</a>
        <a href={hrefOf({ page: 'history', communityId: id })}>{t('openHistory')}</a>
        <a href={hrefOf({ page: 'whistles', communityId: id })}>{t('openWhistles')}</a>
      </footer>

      {dialog && (
        <SwitchDialog
          community={community}
          initialDrill={dialog.drill}
          drillOnly={!canEmergency}
          proposal={dialog.proposal}
          onClose={() => setDialog(undefined)}
          onSwitched={(activationId) => {
            setDialog(undefined);
            props.onSwitched();
            navigate({ page: 'board', activationId });
          }}
        />
      )}
    </article>
  );
}

/**
 * Official warnings that propose the switch, beside the key: who sent it, what it says, what it
 * suggests and until when. Accept opens the switch's own confirmation, pre-filled; dismiss closes it.
 */
function Proposals(props: {
  community: CommunityDetail;
  proposals: readonly Proposal[];
  canEmergency: boolean;
  canDrill: boolean;
  onAccept: (proposal: Proposal) => void;
  onDismissed: () => void;
}) {
  const { api } = useServices();
  const { t, labels, lang } = useI18n();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<string>();
  const normal = props.community.mode === 'normal';
  const id = props.community.communityId;
  const until = (iso: string) =>
    new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', {
      timeZone: 'Asia/Shanghai',
      hour12: false,
      month: 'numeric',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    });

  const dismiss = async (proposal: Proposal) => {
    setBusy(proposal.proposalId);
    setError(undefined);
    try {
      await api.dismissProposal(id, proposal.proposalId);
      props.onDismissed();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <section class="proposals" aria-labelledby={`proposals-${id}`}>
      <h3 id={`proposals-${id}`}>{t('proposalsHeading', { n: props.proposals.length })}</h3>
      {error && <ErrorNote message={error} />}
      <ul>
        {props.proposals.map((proposal) => {
          const allowed = proposal.drill ? props.canDrill : props.canEmergency;
          return (
            <li
              key={proposal.proposalId}
              class={`proposal level-${proposal.level}${proposal.drill ? ' proposal-drill' : ''}`}
              data-proposal={proposal.proposalId}
            >
              <p class="proposal-headline">{proposal.headline}</p>
              <p class="proposal-meta">
                <span>{t('proposalFrom', { source: proposal.source })}</span>
                <span class="proposal-suggests">
                  {t('proposalSuggests', {
                    kind: labels.kind[proposal.kind],
                    level: labels.level[proposal.level],
                  })}
                  {proposal.drill ? ` · ${t('proposalDrillOnly')}` : ''}
                </span>
                {proposal.expires && <span>{t('proposalExpires', { time: until(proposal.expires) })}</span>}
              </p>
              <div class="proposal-actions">
                <button
                  type="button"
                  class={`button ${proposal.drill ? 'drill-confirm' : 'danger'}`}
                  disabled={!normal || !allowed || busy !== undefined}
                  title={allowed ? undefined : t('proposalNoRight')}
                  onClick={() => props.onAccept(proposal)}
                >
                  {t('proposalAccept')}
                </button>
                <button
                  type="button"
                  class="button"
                  disabled={!allowed || busy !== undefined}
                  onClick={() => void dismiss(proposal)}
                >
                  {t('proposalDismiss')}
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { can } from '../../shared/domain/access';
import { useI18n } from './i18n';
import { hrefOf, navigate } from './route';
import { useServices } from './services';
import type { Board, BoardMember, BoardTeam, DrafteeStatus } from './types';
import { Dialog, ErrorNote, Icon, messageOf, StatusBadge, usePoll } from './ui';

/** How often the board asks for news: every few seconds at most. */
export const BOARD_POLL_MS = 3000;

/** The silent first, then the undecided, then the answered. */
const ORDER: Record<DrafteeStatus, number> = {
  noResponse: 0,
  alerted: 1,
  drafted: 2,
  declined: 3,
  confirmed: 4,
  arrived: 5,
  released: 6,
};

const SILENT: readonly DrafteeStatus[] = ['noResponse', 'alerted'];

const byUrgency = (a: BoardMember, b: BoardMember) =>
  ORDER[a.status] - ORDER[b.status] ||
  (a.alertedAt ?? '').localeCompare(b.alertedAt ?? '') ||
  a.name.localeCompare(b.name, 'zh-CN');

type Selected = { member: BoardMember; team: BoardTeam };

/** The board of one activation: teams, quotas, who is silent; check-ins and the stand-down. */
export function BoardPage(props: { activationId: string }) {
  const { api, session, notify } = useServices();
  const i18n = useI18n();
  const { t, labels, levelShort } = i18n;
  const [board, setBoard] = useState<Board>();
  const [error, setError] = useState<string>();
  const [updatedAt, setUpdatedAt] = useState<string>();
  const [nonce, setNonce] = useState(0);
  const [selected, setSelected] = useState<Selected>();
  const [confirmStandDown, setConfirmStandDown] = useState(false);
  const active = board?.status !== 'stoodDown';

  usePoll(
    async () => {
      if (board?.status === 'stoodDown') return;
      try {
        const next = await api.board(props.activationId);
        setBoard(next);
        setUpdatedAt(new Date().toISOString());
        setError(undefined);
      } catch (e) {
        setError(messageOf(e));
      }
    },
    BOARD_POLL_MS,
    [api, props.activationId, nonce],
  );

  const drill = board?.drill ?? false;
  const community = board?.communityName ?? '';
  const title = board
    ? t('boardTitle', { community, kind: labels.kind[board.kind], level: levelShort[board.level] })
    : t('loading');

  useEffect(() => {
    if (!board) return;
    const base = t('boardDocTitle', { community });
    document.title = drill ? `【${t('drillMark')}】${base} · ${t('appShort')}` : `${base} · ${t('appShort')}`;
    document.body.classList.toggle('drill-page', drill);
    document.body.classList.toggle('emergency-page', !drill && board.status === 'active');
    return () => {
      document.body.classList.remove('drill-page', 'emergency-page');
    };
  }, [board, drill, community, t]);

  if (!board) {
    return (
      <section class="board">
        {error ? (
          <ErrorNote message={error} onRetry={() => setNonce((n) => n + 1)} />
        ) : (
          <p class="loading">{t('loading')}</p>
        )}
      </section>
    );
  }

  const mayCheckIn = can(session, 'checkin:write', [board.communityId]);
  const mayStandDown = can(session, board.drill ? 'drill:switch' : 'emergency:switch', [board.communityId]);
  const silent = board.teams
    .flatMap((team) => (team.members ?? []).map((member) => ({ member, team })))
    .filter(({ member }) => SILENT.includes(member.status))
    .sort((a, b) => byUrgency(a.member, b.member));
  const c = board.counts;
  const queued = board.teams.reduce(
    (sum, team) => sum + (team.members ?? []).filter((m) => m.status === 'drafted').length,
    0,
  );

  return (
    <section
      class={`board ${drill ? 'board-drill' : 'board-emergency'}`}
      aria-labelledby="board-title"
      data-status={board.status}
    >
      {board.status === 'stoodDown' ? (
        <output class="banner banner-ended">
          <Icon name="check" /> {t('stoodDownBanner', { time: i18n.time(board.endedAt) })}
        </output>
      ) : drill ? (
        <p class="banner banner-drill" data-testid="drill-banner">
          <Icon name="flag" /> {t('drillBanner')}
        </p>
      ) : (
        <p class="banner banner-emergency">
          <Icon name="warning" /> {t('emergencyBanner')}
        </p>
      )}

      <header class="board-head">
        <div>
          <h1 id="board-title">
            {drill && <span class="drill-tag">{t('drillMark')}</span>}
            {title}
          </h1>
          <p class="meta">
            {t('startedAt', { time: i18n.time(board.startedAt) })}
            {board.note ? ` · ${board.note}` : ''}
            {active && updatedAt
              ? ` · ${t('updatedAt', { time: i18n.time(updatedAt) })} (${t('updatingEvery', { n: BOARD_POLL_MS / 1000 })})`
              : ''}
          </p>
        </div>
        <div class="board-actions">
          <a class="button" href={hrefOf({ page: 'overview' })}>
            {t('backToOverview')}
          </a>
          {!active && (
            <a class="button primary" href={hrefOf({ page: 'report', activationId: board.activationId })}>
              {t('openReport')}
            </a>
          )}
          {active && (
            <>
              <button
                type="button"
                class={`button ${drill ? 'drill-confirm' : 'danger'}`}
                disabled={!mayStandDown}
                aria-describedby={mayStandDown ? undefined : 'stand-down-reason'}
                onClick={() => setConfirmStandDown(true)}
              >
                {drill ? t('endDrill') : t('standDown')}
              </button>
              {!mayStandDown && (
                <span class="hint" id="stand-down-reason">
                  {t('reasonNoStandDown')}
                </span>
              )}
            </>
          )}
        </div>
      </header>

      {error && <output class="stale">{t('staleBoard', { message: error })}</output>}

      <dl class="totals" aria-label={t('totals')}>
        {(['drafted', 'alerted', 'confirmed', 'arrived', 'declined', 'noResponse'] as const).map((key) => (
          <div key={key} class={`total total-${key}`}>
            <dt>
              {key === 'drafted'
                ? t('totalDrafted')
                : key === 'alerted'
                  ? t('totalAlerted')
                  : labels.status[key]}
            </dt>
            <dd data-count={key}>{c[key]}</dd>
          </div>
        ))}
      </dl>

      <section class="silent" aria-labelledby="silent-title">
        <h2 id="silent-title">{t('silentHeading', { n: silent.length })}</h2>
        <p class="hint">{t('silentHint')}</p>
        {silent.length === 0 ? (
          <p>{queued > 0 ? t('silentQueued', { n: queued }) : t('silentNone')}</p>
        ) : (
          <ul class="silent-list">
            {silent.map(({ member, team }) => (
              <li key={member.memberId} class={`silent-item status-line-${member.status}`}>
                <button type="button" class="person-chip" onClick={() => setSelected({ member, team })}>
                  <StatusBadge status={member.status} />
                  <span class="chip-name">{member.name}</span>
                  <span class="chip-team">{team.gridName}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="teams-title">
        <h2 id="teams-title">{t('teamsHeading', { n: board.teams.length })}</h2>
        <div class="team-list">
          {board.teams.map((team) => (
            <TeamCard
              key={team.teamId}
              team={team}
              drill={drill}
              onSelect={(member) => setSelected({ member, team })}
              whistleHref={
                team.shortfall > 0 &&
                board.status === 'active' &&
                can(session, 'whistle:raise', [board.communityId])
                  ? hrefOf({
                      page: 'whistles',
                      communityId: board.communityId,
                      prefill: {
                        gridId: team.gridId,
                        people: team.shortfall,
                        activationId: board.activationId,
                      },
                    })
                  : undefined
              }
            />
          ))}
        </div>
      </section>

      {selected && (
        <MemberDialog
          selected={selected}
          board={board}
          mayCheckIn={mayCheckIn && active}
          onClose={() => setSelected(undefined)}
          onCheckedIn={(member, status) => {
            setSelected(undefined);
            notify(t('checkInDone', { name: member.name, status: labels.status[status] }));
            setNonce((n) => n + 1);
          }}
        />
      )}

      {confirmStandDown && (
        <StandDownDialog
          board={board}
          onClose={() => setConfirmStandDown(false)}
          onDone={() => {
            setConfirmStandDown(false);
            notify(t('standDownDone', { community }));
            navigate({ page: 'overview' });
          }}
        />
      )}
    </section>
  );
}

function TeamCard(props: {
  team: BoardTeam;
  drill: boolean;
  onSelect: (member: BoardMember) => void;
  /** Blow the whistle for this team's shortfall, pre-filled. */
  whistleHref?: string | undefined;
}) {
  const { config } = useServices();
  const { t, labels } = useI18n();
  const { team } = props;
  const { arrived, confirmed } = team.counts;
  const quota = Math.max(team.quota, 1);
  const arrivedPct = Math.min(100, (arrived / quota) * 100);
  const confirmedPct = Math.min(100 - arrivedPct, (confirmed / quota) * 100);
  const members = [...(team.members ?? [])].sort(byUrgency);
  const short = team.shortfall > 0;
  const headingId = `team-${team.teamId}`;

  return (
    <article
      class={`team-card${short ? ' team-short' : ''}${props.drill ? ' team-drill' : ''}`}
      aria-labelledby={headingId}
      data-team={team.teamId}
    >
      <header class="team-head">
        <h3 id={headingId}>{team.gridName}</h3>
        {props.drill && <span class="drill-tag small">{t('drillMark')}</span>}
        {short ? (
          <span class="flag flag-short" data-testid="shortfall">
            <Icon name="warning" /> {t('shortfall', { n: team.shortfall })}
            {props.whistleHref && (
              <a class="whistle-link" href={props.whistleHref} data-testid="whistle-shortfall">
                {t('whistleForShortfall', { n: team.shortfall })}
              </a>
            )}
          </span>
        ) : arrived + confirmed >= team.quota ? (
          <span class="flag flag-full">
            <Icon name="check" /> {t('fullTeam')}
          </span>
        ) : null}
      </header>
      <p class="team-meta">
        {t('leader')}: {team.leaderName ?? t('noLeader')} · {t('muster', { place: team.musterPoint })} ·{' '}
        {t('reserves', { n: team.reserves })}
      </p>
      {team.missingSkills.length > 0 && (
        <p class="flag flag-skills">
          <Icon name="warning" />{' '}
          {t('missingSkills', { skills: team.missingSkills.map((s) => labels.skill[s]).join('、') })}
        </p>
      )}
      <div
        class="quota-bar"
        role="img"
        aria-label={t('quotaBarLabel', { team: team.gridName, arrived, confirmed, quota: team.quota })}
      >
        <span class="quota-arrived" style={{ width: `${arrivedPct}%` }} />
        <span class="quota-confirmed" style={{ width: `${confirmedPct}%` }} />
      </div>
      <p class="quota-line" aria-hidden="true">
        {t('quotaLine', { arrived, confirmed, quota: team.quota })}
      </p>
      <ul class="member-list">
        {members.map((member) => (
          <li
            key={member.memberId}
            class={`member-row status-line-${member.status}`}
            data-member-id={member.memberId}
            data-status={member.status}
          >
            <StatusBadge status={member.status} />
            <button type="button" class="link-button member-name" onClick={() => props.onSelect(member)}>
              {member.name}
            </button>
            {member.leader && <span class="leader-tag">{t('leader')}</span>}
            {member.etaMinutes !== undefined && member.status === 'confirmed' && (
              <span class="eta">{t('eta', { n: member.etaMinutes })}</span>
            )}
            {member.reason && <span class="reason">{t('reason', { reason: member.reason })}</span>}
            <DeliveryNote member={member} />
            <VoiceNote member={member} />
            {config.mode === 'local' && member.phone && (
              <PhoneButton name={member.name} phone={member.phone} />
            )}
          </li>
        ))}
      </ul>
    </article>
  );
}

/** What the provider said about the member's alert, when it did not reach the phone. */
function DeliveryNote({ member }: { member: BoardMember }) {
  const { t } = useI18n();
  const others = (member.frequencyLimited ?? []).filter((kind) => kind !== 'alert').length;
  if (member.delivery !== 'failed' && member.delivery !== 'frequencyLimited' && others === 0) return null;
  const reason = member.deliveryReason ? t('deliveryReason', { reason: member.deliveryReason }) : '';
  return (
    <span class="delivery" data-delivery={member.delivery}>
      {member.delivery === 'failed' && t('deliveryFailed') + reason}
      {member.delivery === 'frequencyLimited' && t('deliveryFrequencyLimited') + reason}
      {others > 0 && member.delivery !== 'frequencyLimited' && t('frequencyLimitedKinds', { n: others })}
    </span>
  );
}

/** The voice call for the silent: where it stands, the key pressed, how long it was heard. */
function VoiceNote({ member }: { member: BoardMember }) {
  const { t } = useI18n();
  const voice = member.voice;
  if (!voice) return null;
  return (
    <span class="voice" data-voice={voice.status}>
      <Icon name="phone" />
      {t(`voice_${voice.status}`)}
      {voice.keypress && t('voiceKey', { key: voice.keypress })}
      {voice.durationSeconds !== undefined && t('voiceHeard', { n: voice.durationSeconds })}
    </span>
  );
}

function PhoneButton(props: { name: string; phone: string }) {
  const { openPhone } = useServices();
  const { t } = useI18n();
  return (
    <button
      type="button"
      class="icon-button phone-button"
      aria-label={t('openPhoneOf', { name: props.name })}
      title={t('openPhoneOf', { name: props.name })}
      onClick={() => openPhone({ name: props.name, phone: props.phone })}
    >
      <Icon name="phone" />
    </button>
  );
}

function MemberDialog(props: {
  selected: Selected;
  board: Board;
  mayCheckIn: boolean;
  onClose: () => void;
  onCheckedIn: (member: BoardMember, status: 'confirmed' | 'declined' | 'arrived') => void;
}) {
  const { api, config, openPhone } = useServices();
  const i18n = useI18n();
  const { t, labels } = i18n;
  const { member, team } = props.selected;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const checkIn = async (status: 'confirmed' | 'declined' | 'arrived') => {
    setBusy(true);
    setError(undefined);
    try {
      await api.checkIn(props.board.activationId, member.memberId, status);
      props.onCheckedIn(member, status);
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={t('memberDetails', { name: member.name })}
      onClose={props.onClose}
      tone={props.board.drill ? 'drill' : 'plain'}
    >
      <dl class="details">
        <dt>{t('statusLabel')}</dt>
        <dd>
          <StatusBadge status={member.status} />
        </dd>
        <dt>{t('colGrid')}</dt>
        <dd>{team.gridName}</dd>
        <dt>{t('sourceLabel')}</dt>
        <dd>{labels.source[member.source]}</dd>
        {member.phone && (
          <>
            <dt>{t('phoneLabel')}</dt>
            <dd>{member.phone}</dd>
          </>
        )}
        {member.etaMinutes !== undefined && (
          <>
            <dt>ETA</dt>
            <dd>{t('eta', { n: member.etaMinutes })}</dd>
          </>
        )}
        {member.reason && (
          <>
            <dt>{t('colReason')}</dt>
            <dd>{member.reason}</dd>
          </>
        )}
      </dl>
      {error && <ErrorNote message={error} />}
      <div class="dialog-actions wrap">
        {config.mode === 'local' && member.phone && (
          <button
            type="button"
            class="button"
            onClick={() => {
              const phone = member.phone ?? '';
              props.onClose();
              openPhone({ name: member.name, phone });
            }}
          >
            <Icon name="phone" /> {t('openPhone')}
          </button>
        )}
        {props.mayCheckIn ? (
          <>
            <button type="button" class="button ok" disabled={busy} onClick={() => void checkIn('confirmed')}>
              <Icon name="check" /> {t('markConfirmed')}
            </button>
            <button
              type="button"
              class="button ok-strong"
              disabled={busy}
              onClick={() => void checkIn('arrived')}
            >
              <Icon name="arrived" /> {t('markArrived')}
            </button>
            <button type="button" class="button" disabled={busy} onClick={() => void checkIn('declined')}>
              <Icon name="cross" /> {t('markDeclined')}
            </button>
          </>
        ) : (
          props.board.status === 'active' && <p class="hint">{t('reasonNoCheckIn')}</p>
        )}
      </div>
    </Dialog>
  );
}

function StandDownDialog(props: { board: Board; onClose: () => void; onDone: () => void }) {
  const { api } = useServices();
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const { board } = props;

  const confirm = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.standDown(board.activationId);
      props.onDone();
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={
        board.drill
          ? t('endDrillTitle', { community: board.communityName })
          : t('standDownTitle', { community: board.communityName })
      }
      onClose={props.onClose}
      tone={board.drill ? 'drill' : 'emergency'}
      initialFocus=".cancel-button"
      testId="stand-down-dialog"
    >
      <p>{t('standDownBody')}</p>
      {error && <ErrorNote message={error} />}
      <div class="dialog-actions">
        <button type="button" class="button cancel-button" onClick={props.onClose}>
          {t('cancel')}
        </button>
        <button
          type="button"
          class={`button ${board.drill ? 'drill-confirm' : 'danger'}`}
          disabled={busy}
          onClick={() => void confirm()}
        >
          {busy ? t('standingDown') : board.drill ? t('endDrillConfirm') : t('standDownConfirm')}
        </button>
      </div>
    </Dialog>
  );
}

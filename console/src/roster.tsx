import { useEffect, useRef, useState } from 'preact/hooks';
import { can } from '../../shared/domain/access';
import { useI18n } from './i18n';
import { displayPhone } from './phones';
import { AuditPanel } from './roster-audit';
import { MemberDialog, RemoveDialog, UnavailableDialog } from './roster-members';
import { StructurePanel } from './roster-structure';
import { hrefOf } from './route';
import { useServices } from './services';
import {
  type CommunityDetail,
  type ImportResult,
  type Member,
  type MemberPage,
  ROLE_LIST,
  SKILL_LIST,
  type Unit,
} from './types';
import { ErrorNote, Icon, messageOf } from './ui';

const PAGE_SIZE = 50;

type Filters = { gridId: string; role: string; skill: string };

type Tab = 'members' | 'structure' | 'audit';
const TABS: readonly Tab[] = ['members', 'structure', 'audit'];
const TAB_KEYS = {
  members: 'rosterTabMembers',
  structure: 'rosterTabStructure',
  audit: 'rosterTabAudit',
} as const;

/** What is open over the page: a member's form, the unavailable dialog, or the removal's confirmation. */
type Editing =
  | { kind: 'member'; member?: Member }
  | { kind: 'unavailable'; member: Member }
  | { kind: 'remove'; member: Member };

/**
 * The roster of one community: its members (filtered, a page at a time, added, edited, marked
 * unavailable and removed), its grids and partner units, its audit trail, and the CSV import.
 */
export function RosterPage(props: { communityId: string }) {
  const { api, session } = useServices();
  const { t, labels } = useI18n();
  const [community, setCommunity] = useState<CommunityDetail>();
  const [units, setUnits] = useState<Unit[]>([]);
  const [tab, setTab] = useState<Tab>('members');
  const [filters, setFilters] = useState<Filters>({ gridId: '', role: '', skill: '' });
  // The cursors of the pages seen so far: page n starts at cursors[n].
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [pageIndex, setPageIndex] = useState(0);
  const [page, setPage] = useState<MemberPage>();
  const [error, setError] = useState<string>();
  const [nonce, setNonce] = useState(0);
  const [structureNonce, setStructureNonce] = useState(0);
  const [editing, setEditing] = useState<Editing>();
  const { communityId } = props;
  const mayEditMembers = can(session, 'members:write', [communityId]);

  useEffect(() => {
    api
      .community(communityId)
      .then((c) => {
        setCommunity(c);
        document.title = `${t('rosterTitle', { community: c.name })} · ${t('appShort')}`;
      })
      .catch((e: unknown) => setError(messageOf(e)));
    api
      .units()
      .then(setUnits)
      .catch((e: unknown) => setError(messageOf(e)));
  }, [api, communityId, t, structureNonce]);

  useEffect(() => {
    let cancelled = false;
    setPage(undefined);
    const cursor = cursors[pageIndex];
    api
      .members(communityId, {
        limit: PAGE_SIZE,
        ...(filters.gridId ? { gridId: filters.gridId } : {}),
        ...(filters.role ? { role: filters.role } : {}),
        ...(filters.skill ? { skill: filters.skill } : {}),
        ...(cursor ? { cursor } : {}),
      })
      .then((p) => {
        if (cancelled) return;
        setPage(p);
        setError(undefined);
      })
      .catch((e: unknown) => {
        if (!cancelled) setError(messageOf(e));
      });
    return () => {
      cancelled = true;
    };
  }, [api, communityId, filters, cursors, pageIndex, nonce]);

  const setFilter = (key: keyof Filters, value: string) => {
    setFilters((f) => ({ ...f, [key]: value }));
    setCursors([undefined]);
    setPageIndex(0);
  };

  const next = () => {
    if (!page?.nextCursor) return;
    const nextCursor = page.nextCursor;
    setCursors((list) => [...list.slice(0, pageIndex + 1), nextCursor]);
    setPageIndex((i) => i + 1);
  };

  // A saved change shows at once: the row is replaced, added on top, or taken out of the page.
  const saved = (member: Member, created: boolean) => {
    setPage(
      (p) =>
        p && {
          ...p,
          items: created
            ? [member, ...p.items]
            : p.items.map((m) => (m.memberId === member.memberId ? member : m)),
        },
    );
    setEditing(undefined);
  };
  const removed = (member: Member) => {
    setPage((p) => p && { ...p, items: p.items.filter((m) => m.memberId !== member.memberId) });
    setEditing(undefined);
  };

  const gridName = (gridId: string | undefined) =>
    community?.grids.find((g) => g.gridId === gridId)?.name ?? gridId ?? '—';
  const nameOf = (type: string, id: string) => {
    if (type === 'member') return page?.items.find((m) => m.memberId === id)?.name;
    if (type === 'grid') return community?.grids.find((g) => g.gridId === id)?.name;
    if (type === 'unit') return units.find((u) => u.unitId === id)?.name;
    if (type === 'community' && id === communityId) return community?.name;
    return undefined;
  };
  const availability = (m: Member) =>
    !m.available
      ? t('notAvailable')
      : m.unavailableUntil
        ? t('awayUntil', { date: m.unavailableUntil })
        : t('yes');

  return (
    <section class="roster" aria-labelledby="roster-title">
      <div class="page-head">
        <h1 id="roster-title">{t('rosterTitle', { community: community?.name ?? communityId })}</h1>
        <a class="button" href={hrefOf({ page: 'overview' })}>
          {t('backToOverview')}
        </a>
      </div>

      <div
        class="tabs roster-tabs"
        role="tablist"
        aria-label={t('rosterTitle', { community: community?.name ?? '' })}
      >
        {TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            id={`roster-tab-${name}`}
            aria-selected={tab === name}
            aria-controls={`roster-panel-${name}`}
            class={`tab${tab === name ? ' selected' : ''}`}
            onClick={() => setTab(name)}
          >
            {t(TAB_KEYS[name])}
          </button>
        ))}
      </div>

      {error && <ErrorNote message={error} onRetry={() => setNonce((n) => n + 1)} />}

      {tab === 'members' && (
        <div role="tabpanel" id="roster-panel-members" aria-labelledby="roster-tab-members">
          <div class="section-head">
            <fieldset class="filters">
              <legend>{t('filters')}</legend>
              <div class="filter">
                <label for="filter-gridId">{t('filterGrid')}</label>
                <select
                  id="filter-gridId"
                  value={filters.gridId}
                  onChange={(e) => setFilter('gridId', e.currentTarget.value)}
                >
                  <option value="">{t('any')}</option>
                  {community?.grids.map((g) => (
                    <option key={g.gridId} value={g.gridId}>
                      {g.name}（{labels.gridLevel[g.level]}）
                    </option>
                  ))}
                </select>
              </div>
              <div class="filter">
                <label for="filter-role">{t('filterRole')}</label>
                <select
                  id="filter-role"
                  value={filters.role}
                  onChange={(e) => setFilter('role', e.currentTarget.value)}
                >
                  <option value="">{t('any')}</option>
                  {ROLE_LIST.map((r) => (
                    <option key={r} value={r}>
                      {labels.role[r]}
                    </option>
                  ))}
                </select>
              </div>
              <div class="filter">
                <label for="filter-skill">{t('filterSkill')}</label>
                <select
                  id="filter-skill"
                  value={filters.skill}
                  onChange={(e) => setFilter('skill', e.currentTarget.value)}
                >
                  <option value="">{t('any')}</option>
                  {SKILL_LIST.map((s) => (
                    <option key={s} value={s}>
                      {labels.skill[s]}
                    </option>
                  ))}
                </select>
              </div>
            </fieldset>
            {mayEditMembers ? (
              <button
                type="button"
                class="button primary add-member"
                disabled={!community}
                onClick={() => setEditing({ kind: 'member' })}
              >
                {t('addMember')}
              </button>
            ) : (
              <p class="hint">
                <Icon name="warning" /> {t('reasonNoMemberEdit')}
              </p>
            )}
          </div>

          {!page && !error && <p class="loading">{t('loading')}</p>}
          {page && (
            <>
              <section
                class="table-wrap"
                // biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways must be reachable by keyboard
                tabIndex={0}
                aria-label={t('rosterTitle', { community: community?.name ?? '' })}
              >
                <table class="members-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('colName')}</th>
                      <th scope="col">{t('colPhone')}</th>
                      <th scope="col">{t('colGrid')}</th>
                      <th scope="col">{t('colRoles')}</th>
                      <th scope="col">{t('colParty')}</th>
                      <th scope="col">{t('colSkills')}</th>
                      <th scope="col">{t('colAvailable')}</th>
                      {mayEditMembers && <th scope="col">{t('colActions')}</th>}
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((m) => (
                      <tr key={m.memberId} data-member={m.memberId}>
                        <th scope="row">{m.name}</th>
                        <td class="nowrap" data-label={t('colPhone')}>
                          {displayPhone(m.phone)}
                        </td>
                        <td class="nowrap" data-label={t('colGrid')}>
                          {gridName(m.gridId)}
                        </td>
                        <td data-label={t('colRoles')}>{m.roles.map((r) => labels.role[r]).join('、')}</td>
                        <td data-label={t('colParty')}>{m.partyMember ? t('yes') : t('no')}</td>
                        <td data-label={t('colSkills')}>{m.skills.map((s) => labels.skill[s]).join('、')}</td>
                        <td
                          data-label={t('colAvailable')}
                          class={`availability${m.available && !m.unavailableUntil ? '' : ' away'}`}
                        >
                          {availability(m)}
                        </td>
                        {mayEditMembers && (
                          <td class="row-actions">
                            <div class="row-buttons">
                              <button
                                type="button"
                                class="button small"
                                aria-label={`${t('edit')} ${m.name}`}
                                onClick={() => setEditing({ kind: 'member', member: m })}
                              >
                                {t('edit')}
                              </button>
                              <button
                                type="button"
                                class="button small"
                                aria-label={`${t('markUnavailable')} ${m.name}`}
                                onClick={() => setEditing({ kind: 'unavailable', member: m })}
                              >
                                {t('markUnavailable')}
                              </button>
                              <button
                                type="button"
                                class="button small danger-outline"
                                aria-label={`${t('removeMember')} ${m.name}`}
                                onClick={() => setEditing({ kind: 'remove', member: m })}
                              >
                                {t('removeMember')}
                              </button>
                            </div>
                          </td>
                        )}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              {page.items.length === 0 && <p>{t('noMembers')}</p>}
              <nav class="pager" aria-label={t('pageN', { n: pageIndex + 1 })}>
                <button
                  type="button"
                  class="button"
                  disabled={pageIndex === 0}
                  onClick={() => setPageIndex((i) => i - 1)}
                >
                  {t('prevPage')}
                </button>
                <span>{t('pageN', { n: pageIndex + 1 })}</span>
                <button type="button" class="button" disabled={!page.nextCursor} onClick={next}>
                  {t('nextPage')}
                </button>
              </nav>
            </>
          )}

          {mayEditMembers ? (
            <CsvImport communityId={communityId} onImported={() => setNonce((n) => n + 1)} />
          ) : (
            <p class="hint">
              <Icon name="warning" /> {t('reasonNoImport')}
            </p>
          )}
        </div>
      )}

      {tab === 'structure' && (
        <div role="tabpanel" id="roster-panel-structure" aria-labelledby="roster-tab-structure">
          {community ? (
            <StructurePanel
              community={community}
              units={units}
              onChanged={() => setStructureNonce((n) => n + 1)}
            />
          ) : (
            <p class="loading">{t('loading')}</p>
          )}
        </div>
      )}

      {tab === 'audit' && (
        <div role="tabpanel" id="roster-panel-audit" aria-labelledby="roster-tab-audit">
          <AuditPanel communityId={communityId} names={nameOf} />
        </div>
      )}

      {editing?.kind === 'member' && community && (
        <MemberDialog
          communityId={communityId}
          member={editing.member}
          grids={community.grids}
          units={units}
          defaultGridId={filters.gridId}
          onSaved={saved}
          onClose={() => setEditing(undefined)}
        />
      )}
      {editing?.kind === 'unavailable' && (
        <UnavailableDialog
          communityId={communityId}
          member={editing.member}
          onSaved={(m) => saved(m, false)}
          onClose={() => setEditing(undefined)}
        />
      )}
      {editing?.kind === 'remove' && (
        <RemoveDialog
          communityId={communityId}
          member={editing.member}
          onRemoved={removed}
          onClose={() => setEditing(undefined)}
        />
      )}
    </section>
  );
}

function CsvImport(props: { communityId: string; onImported: () => void }) {
  const { api } = useServices();
  const { t } = useI18n();
  const fileRef = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<number>();
  const [result, setResult] = useState<ImportResult>();
  const [error, setError] = useState<string>();
  const busy = progress !== undefined;

  const submit = async (event: Event) => {
    event.preventDefault();
    const file = fileRef.current?.files?.[0];
    if (!file || busy) return;
    setProgress(0);
    setResult(undefined);
    setError(undefined);
    try {
      const imported = await api.importMembers(props.communityId, file, setProgress);
      setResult(imported);
      props.onImported();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setProgress(undefined);
    }
  };

  const uploading = progress !== undefined && progress < 1;

  return (
    <section class="csv-import" aria-labelledby="import-title">
      <h2 id="import-title">{t('importTitle')}</h2>
      <p class="hint" id="import-hint">
        {t('importHint')}
      </p>
      <form onSubmit={(e) => void submit(e)} class="import-form">
        <label for="csv-file">{t('chooseFile')}</label>
        <input
          id="csv-file"
          ref={fileRef}
          type="file"
          accept=".csv,text/csv"
          aria-describedby="import-hint"
          disabled={busy}
        />
        <button type="submit" class="button primary" disabled={busy}>
          {t('importButton')}
        </button>
      </form>
      {busy && (
        <output class="import-progress">
          {uploading ? (
            <progress max={100} value={Math.round((progress ?? 0) * 100)} />
          ) : (
            <progress aria-label={t('processing')} />
          )}
          <span>
            {uploading ? t('uploading', { pct: Math.round((progress ?? 0) * 100) }) : t('processing')}
          </span>
        </output>
      )}
      {error && <ErrorNote message={error} />}
      {result && (
        <section class="import-result" aria-live="polite">
          <p>
            <Icon name={result.rejected.length ? 'warning' : 'check'} />{' '}
            {t('importDone', {
              created: result.created,
              updated: result.updated,
              unchanged: result.unchanged,
              rejected: result.rejected.length,
            })}
          </p>
          {result.rejected.length > 0 && (
            <>
              <h3>{t('rejectedHeading', { n: result.rejected.length })}</h3>
              <section
                class="table-wrap"
                // biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways must be reachable by keyboard
                tabIndex={0}
                aria-label={t('rejectedHeading', { n: result.rejected.length })}
              >
                <table class="rejected-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('colLine')}</th>
                      <th scope="col">{t('colField')}</th>
                      <th scope="col">{t('colReason')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {result.rejected.flatMap((row) =>
                      row.errors.map((issue, i) => (
                        <tr key={`${row.line}-${i}`}>
                          {i === 0 && (
                            <th scope="row" rowSpan={row.errors.length}>
                              {row.line}
                            </th>
                          )}
                          <td>
                            <code>{issue.path}</code>
                          </td>
                          <td>{issue.message}</td>
                        </tr>
                      )),
                    )}
                  </tbody>
                </table>
              </section>
            </>
          )}
        </section>
      )}
    </section>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { type MessageKey, useI18n } from './i18n';
import { useServices } from './services';
import type { AuditEntry } from './types';
import { ErrorNote, messageOf } from './ui';

const PAGE_SIZE = 20;

const ACTION_KEYS: Record<string, MessageKey> = {
  'member.create': 'audit_member_create',
  'member.update': 'audit_member_update',
  'member.delete': 'audit_member_delete',
  'member.import': 'audit_member_import',
  'grid.put': 'audit_grid_put',
  'unit.put': 'audit_unit_put',
  'community.put': 'audit_community_put',
  'activation.start': 'audit_activation_start',
  'activation.startStreet': 'audit_activation_startStreet',
  'activation.standDown': 'audit_activation_standDown',
  'checkin.manual': 'audit_checkin_manual',
  'drillSchedule.create': 'audit_drillSchedule_create',
  'drillSchedule.cancel': 'audit_drillSchedule_cancel',
};

const FIELD_KEYS: Record<string, MessageKey> = {
  name: 'af_name',
  phone: 'af_phone',
  roles: 'af_roles',
  partyMember: 'af_partyMember',
  gridId: 'af_gridId',
  unitId: 'af_unitId',
  skills: 'af_skills',
  available: 'af_available',
  unavailableUntil: 'af_unavailableUntil',
  level: 'af_level',
  musterPoint: 'af_musterPoint',
  neighbours: 'af_neighbours',
  pairedGrids: 'af_pairedGrids',
  serves: 'af_serves',
  kind: 'af_kind',
};

/** The field names a write changed, as the trail records them (never their values). */
function fieldsOf(entry: AuditEntry): string[] {
  const fields = entry.details?.fields;
  return Array.isArray(fields) ? fields.filter((f): f is string => typeof f === 'string') : [];
}

/**
 * The community's audit trail, newest first, a page at a time: when, who (and as what), what.
 * `names` turns record ids the page knows (members, grids, units) into names.
 */
export function AuditPanel(props: {
  communityId: string;
  names: (type: string, id: string) => string | undefined;
}) {
  const { api } = useServices();
  const { t, lang, labels } = useI18n();
  const groupName = (g: string) => Object.entries(labels.group).find(([k]) => k === g)?.[1] ?? g;
  const [items, setItems] = useState<AuditEntry[]>();
  const [cursor, setCursor] = useState<string>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    let cancelled = false;
    api
      .audit(props.communityId, undefined, PAGE_SIZE)
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
  }, [api, props.communityId, nonce]);

  const more = async () => {
    if (!cursor || busy) return;
    setBusy(true);
    try {
      const page = await api.audit(props.communityId, cursor, PAGE_SIZE);
      setItems((list) => [...(list ?? []), ...page.items]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const when = (iso: string) =>
    new Date(iso).toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', {
      hour12: false,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });

  return (
    <section class="editor-section audit" aria-labelledby="audit-title">
      <h2 id="audit-title">{t('auditTitle')}</h2>
      <p class="hint">{t('auditIntro')}</p>
      {error && <ErrorNote message={error} onRetry={() => setNonce((n) => n + 1)} />}
      {!items && !error && <p class="loading">{t('loading')}</p>}
      {items && items.length === 0 && <p>{t('auditEmpty')}</p>}
      {items && items.length > 0 && (
        <ol class="audit-list">
          {items.map((entry) => {
            const key = ACTION_KEYS[entry.action];
            const fields = fieldsOf(entry);
            const target = props.names(entry.target.type, entry.target.id) ?? entry.target.id;
            return (
              <li key={entry.auditId} class="audit-entry" data-action={entry.action}>
                <time dateTime={entry.at}>{when(entry.at)}</time>
                <span class="audit-who">
                  {entry.actor}
                  {entry.groups.length > 0 && (
                    <span class="sub">{entry.groups.map(groupName).join('/')}</span>
                  )}
                </span>
                <span class="audit-what">
                  <strong>{key ? t(key) : t('auditUnknown', { action: entry.action })}</strong>
                  {target && <span class="sub">{t('auditTarget', { target })}</span>}
                  {fields.length > 0 && (
                    <span class="sub">
                      {t('auditFields', {
                        fields: fields
                          .map((f) => {
                            const key = FIELD_KEYS[f];
                            return key ? t(key) : f;
                          })
                          .join(lang === 'zh' ? '、' : ', '),
                      })}
                    </span>
                  )}
                </span>
              </li>
            );
          })}
        </ol>
      )}
      {cursor && (
        <button type="button" class="button" disabled={busy} onClick={() => void more()}>
          {busy ? t('loading') : t('auditMore')}
        </button>
      )}
    </section>
  );
}

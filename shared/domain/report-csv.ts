import { stringify } from 'csv-stringify/sync';
import type { Activation, Draftee } from './activation';

/** Byte order mark: Excel reads a CSV as UTF-8 only when it starts with one. */
export const BOM = '\ufeff';

const STATUS_ZH: Record<Draftee['status'], string> = {
  drafted: '已抽调',
  alerted: '已通知',
  confirmed: '已确认',
  declined: '已拒绝',
  arrived: '已到场',
  noResponse: '未响应',
  released: '已释放',
};

const SOURCE_ZH: Record<Draftee['source'], string> = {
  grid: '网格',
  unit: '包联单位',
  community: '社区',
  reserve: '预备队(补位)',
};

const HEADERS = [
  '姓名',
  '队伍',
  '队长',
  '来源',
  '状态',
  '通知时间',
  '确认时间',
  '到场时间',
  '确认用时(分钟)',
  '到场用时(分钟)',
  '已提醒',
  '拒绝原因',
];

const minutes = (from: string | undefined, to: string | undefined): string =>
  from && to ? String(Math.round(((Date.parse(to) - Date.parse(from)) / 60_000) * 10) / 10) : '';

/**
 * The after-action report as a spreadsheet: one row per drafted person, Chinese headers, UTF-8
 * with a byte order mark. Phone numbers are left out: the file is passed around.
 */
export function reportCsv(activation: Activation, draftees: readonly Draftee[]): string {
  const gridName = new Map(activation.teams.map((t) => [t.teamId, t.gridName]));
  const rows = [...draftees]
    .sort(
      (a, b) =>
        (gridName.get(a.teamId) ?? '').localeCompare(gridName.get(b.teamId) ?? '', 'zh') ||
        a.name.localeCompare(b.name, 'zh'),
    )
    .map((d) => {
      const confirmed =
        d.confirmedAt ?? d.arrivedAt ?? (d.status === 'confirmed' ? d.respondedAt : undefined);
      const arrived = d.arrivedAt ?? (d.status === 'arrived' ? d.respondedAt : undefined);
      return [
        d.name,
        gridName.get(d.teamId) ?? d.teamId,
        d.leader ? '是' : '',
        SOURCE_ZH[d.source],
        STATUS_ZH[d.status],
        d.alertedAt ?? '',
        confirmed ?? '',
        arrived ?? '',
        minutes(d.alertedAt, confirmed),
        minutes(d.alertedAt, arrived),
        d.remindedAt ? '是' : '',
        d.status === 'declined' ? (d.reason ?? '') : '',
      ];
    });
  return BOM + stringify([HEADERS, ...rows], { record_delimiter: 'windows' });
}

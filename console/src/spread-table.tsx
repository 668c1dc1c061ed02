import { useI18n } from './i18n';
import { duration } from './report-format';
import type { Report } from './report-types';

type Spread = Report['timeToAlert'];

/** Times as a report shows them: median, 90th percentile, slowest and how many, one row each. */
export function SpreadTable(props: {
  rows: readonly (readonly [string, Spread])[];
  corner?: string;
  /** What the count counts: people by default. */
  counted?: string;
}) {
  const { t } = useI18n();
  return (
    <table class="report-table">
      <thead>
        <tr>
          {props.corner ? <th scope="col">{props.corner}</th> : <th scope="col" />}
          <th scope="col" class="num">
            {t('spreadMedian')}
          </th>
          <th scope="col" class="num">
            {t('spreadP90')}
          </th>
          <th scope="col" class="num">
            {t('spreadMax')}
          </th>
          <th scope="col" class="num">
            {props.counted ?? t('spreadCount')}
          </th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map(([label, s]) => (
          <tr key={label}>
            <th scope="row">{label}</th>
            <td class="num">{duration(t, s.p50)}</td>
            <td class="num">{duration(t, s.p90)}</td>
            <td class="num">{duration(t, s.max)}</td>
            <td class="num">{s.count}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

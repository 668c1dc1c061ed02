import { useI18n } from './i18n';
import type { Rankings } from './planning-types';
import { percent } from './report-format';
import { UNIT_KIND_KEYS } from './whistle-labels';

/** The first three places stand out, however many share a place. */
export const rankClass = (rank: number) => (rank <= 3 ? 'num rank podium' : 'num rank');

/** The rankings' units and departments: whistles answered, time to first answer, filled in time. */
export function UnitRankingTable(props: { units: Rankings['units'] }) {
  const { t } = useI18n();
  return (
    <section
      class="table-wrap"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a table that scrolls sideways must be reachable by keyboard
      tabIndex={0}
      aria-label={t('unitRanking')}
      data-testid="unit-ranking"
    >
      <h2>{t('unitRanking')}</h2>
      <p class="hint">{t('unitRankingNote')}</p>
      <table class="ranking-table">
        <thead>
          <tr>
            <th scope="col">{t('colRank')}</th>
            <th scope="col">{t('colUnit')}</th>
            <th scope="col">{t('colWhistlesCalled')}</th>
            <th scope="col">{t('colWhistlesAnswered')}</th>
            <th scope="col">{t('colAnsweredRate')}</th>
            <th scope="col">{t('colFirstAnswerMedian')}</th>
            <th scope="col">{t('colFilledInTimeRate')}</th>
          </tr>
        </thead>
        <tbody>
          {props.units.map((u) => (
            <tr key={u.unitId}>
              <td class={rankClass(u.rank)}>{u.rank}</td>
              <th scope="row">
                {u.name}
                {u.kind && <span class="sub">{t(UNIT_KIND_KEYS[u.kind])}</span>}
              </th>
              <td class="num">{u.whistlesCalled}</td>
              <td class="num">{u.whistlesAnswered}</td>
              <td class="num">{percent(u.answeredRate)}</td>
              <td class="num">{u.medianMinutesToFirstAnswer ?? '—'}</td>
              <td class="num">{percent(u.filledInTimeRate)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

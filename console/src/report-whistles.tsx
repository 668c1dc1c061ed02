import { useI18n } from './i18n';
import { dateTime, duration } from './report-format';
import type { Report } from './report-types';
import { hrefOf } from './route';
import { SpreadTable } from './spread-table';
import { Icon } from './ui';
import { CATEGORY_KEYS, STATUS_KEYS, UNIT_KIND_KEYS } from './whistle-labels';

/**
 * The report's 吹哨报到 section: the whistles raised in the community while the activation ran,
 * per grid, per unit and department, and each one with its times. Printed like the rest.
 */
export function WhistleReport(props: { section: Report['whistles'] }) {
  const { t, lang } = useI18n();
  const s = props.section;
  const times: [string, Report['whistles']['timeToFirstAnswer']][] = [
    [t('whistleTimeFirst'), s.timeToFirstAnswer],
    [t('whistleTimeFilled'), s.timeToFilled],
    [t('whistleTimeResolved'), s.timeToResolved],
  ];
  return (
    <section
      class="report-section whistle-report"
      aria-labelledby="whistle-report-title"
      data-testid="whistle-report"
    >
      <h2 id="whistle-report-title">{t('whistleReportTitle')}</h2>
      {s.raised === 0 ? (
        <p>{t('whistleReportNone')}</p>
      ) : (
        <>
          <p class="whistle-summary">
            {t('whistleReportSummary', {
              raised: s.raised,
              filled: s.filled,
              inTime: s.filledInTime,
              resolved: s.resolved,
              cancelled: s.cancelled,
              open: s.open,
            })}
          </p>
          <p class="hint">{t('whistleReportHint')}</p>
          <div class="table-scroll">
            <SpreadTable rows={times} corner={t('spreadTitle')} counted={t('spreadWhistles')} />
          </div>
          <div class="whistle-tables">
            <div>
              <h3>{t('whistleByGrid')}</h3>
              <div class="table-scroll">
                <table class="report-table whistle-grids">
                  <thead>
                    <tr>
                      <th scope="col">{t('colGrid')}</th>
                      <th scope="col" class="num">
                        {t('colWhistleRaised')}
                      </th>
                      <th scope="col" class="num">
                        {t('colWhistleFilled')}
                      </th>
                      <th scope="col" class="num">
                        {t('colWhistleInTime')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.grids.map((g) => (
                      <tr key={g.gridId}>
                        <th scope="row">{g.gridName}</th>
                        <td class="num">{g.raised}</td>
                        <td class="num">{g.filled}</td>
                        <td class="num">{g.filledInTime}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
            <div>
              <h3>{t('whistleByUnit')}</h3>
              <div class="table-scroll">
                <table class="report-table whistle-units">
                  <thead>
                    <tr>
                      <th scope="col">{t('colUnit')}</th>
                      <th scope="col" class="num">
                        {t('colWhistleCalledTimes')}
                      </th>
                      <th scope="col" class="num">
                        {t('colWhistleAnswered')}
                      </th>
                      <th scope="col" class="num">
                        {t('colWhistleInTime')}
                      </th>
                      <th scope="col" class="num">
                        {t('colWhistleFirstAnswer')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {s.units.map((u) => (
                      <tr key={u.unitId}>
                        <th scope="row">
                          {u.name}
                          {u.kind && <span class="sub">{t(UNIT_KIND_KEYS[u.kind])}</span>}
                        </th>
                        <td class="num">{u.called}</td>
                        <td class="num">{u.answered}</td>
                        <td class="num">{u.filledInTime}</td>
                        <td class="num">{duration(t, u.timeToFirstAnswer.p50)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          </div>
          <h3>{t('whistleListReport')}</h3>
          <div class="table-scroll">
            <table class="report-table whistle-list">
              <thead>
                <tr>
                  <th scope="col">{t('colWhistleCode')}</th>
                  <th scope="col">{t('colGrid')}</th>
                  <th scope="col">{t('colWhistleReason')}</th>
                  <th scope="col">{t('colWhistleStatus')}</th>
                  <th scope="col" class="num">
                    {t('colWhistleCame')}
                  </th>
                  <th scope="col" class="num">
                    {t('colWhistleToFirst')}
                  </th>
                  <th scope="col" class="num">
                    {t('colWhistleToFilled')}
                  </th>
                  <th scope="col" class="num">
                    {t('colWhistleToResolved')}
                  </th>
                  <th scope="col">{t('colWhistleInTime')}</th>
                </tr>
              </thead>
              <tbody>
                {s.whistles.map((w) => (
                  <tr key={w.whistleId}>
                    <th scope="row">
                      <a href={hrefOf({ page: 'whistle', whistleId: w.whistleId })}>{w.code}</a>
                      <span class="sub">{dateTime(lang, w.openedAt)}</span>
                    </th>
                    <td>{w.gridName}</td>
                    <td>
                      {t(CATEGORY_KEYS[w.category])} · {w.reason}
                    </td>
                    <td>{t(STATUS_KEYS[w.status])}</td>
                    <td class="num">
                      {w.came}/{w.called}
                    </td>
                    <td class="num">{duration(t, w.toFirstAnswerSeconds)}</td>
                    <td class="num">{duration(t, w.toFilledSeconds)}</td>
                    <td class="num">{duration(t, w.toResolvedSeconds)}</td>
                    <td>
                      {w.filledInTime ? <Icon name="check" /> : <Icon name="cross" />}{' '}
                      {w.filledInTime ? t('whistleInTimeYes') : t('whistleInTimeNo')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

import { useEffect, useMemo, useState } from 'preact/hooks';
import { Chart, type ChartOption } from './chart';
import { type Translator, useI18n } from './i18n';
import { dateTime, duration, minutesOf, percent } from './report-format';
import type { CurvePoint, HistoryItem, Report } from './report-types';
import { WhistleReport } from './report-whistles';
import { hrefOf } from './route';
import { useServices } from './services';
import { SpreadTable } from './spread-table';
import { ErrorNote, Icon, messageOf } from './ui';

/** How many earlier drills the comparison shows beside this one. */
const PREVIOUS_DRILLS = 4;

/** One drill in the comparison: its rates from the history, its median from its own report. */
type ComparedDrill = {
  activationId: string;
  startedAt: string;
  drafted: number;
  confirmedRate: number | null;
  arrivedRate: number | null;
  medianSecondsToConfirm: number | null;
  current: boolean;
};

/**
 * The drill and its predecessors, oldest first. The rates come from one history read; the
 * medians from each earlier drill's report, which the history does not carry.
 */
async function comparisonOf(
  api: ReturnType<typeof useServices>['api'],
  report: Report,
): Promise<ComparedDrill[]> {
  const page = await api.history(
    { communityId: report.communityId },
    { drill: true, to: report.startedAt, limit: PREVIOUS_DRILLS + 1 },
  );
  const previous = page.items.filter((i) => i.activationId !== report.activationId).slice(0, PREVIOUS_DRILLS);
  const medians = await Promise.all(
    previous.map((i) =>
      api.report(i.activationId).then(
        (r) => r.timeToConfirm.p50,
        () => null,
      ),
    ),
  );
  const row = (i: HistoryItem, median: number | null, current: boolean): ComparedDrill => ({
    activationId: i.activationId,
    startedAt: i.startedAt,
    drafted: i.counts.drafted,
    confirmedRate: i.confirmedRate,
    arrivedRate: i.arrivedRate,
    medianSecondsToConfirm: median,
    current,
  });
  const drafted = report.counts.drafted;
  const own: ComparedDrill = {
    activationId: report.activationId,
    startedAt: report.startedAt,
    drafted,
    confirmedRate: drafted ? (report.counts.confirmed + report.counts.arrived) / drafted : null,
    arrivedRate: drafted ? report.counts.arrived / drafted : null,
    medianSecondsToConfirm: report.timeToConfirm.p50,
    current: true,
  };
  return [...previous.map((i, n) => row(i, medians[n] ?? null, false)).reverse(), own];
}

/** Saves a blob under a file name, through a temporary link. */
function save(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// Tooltips are drawn inside the SVG (`richText`), not as HTML with inline styles, which the
// console's Content-Security-Policy (`style-src 'self'`) would refuse.
const axisStyle = { axisLabel: { color: '#374151' }, nameTextStyle: { color: '#374151' } };

function curveOption(t: Translator['t'], points: CurvePoint[]): ChartOption {
  const last = points[points.length - 1]?.minute ?? 0;
  return {
    grid: { left: 44, right: 16, top: 52, bottom: 44 },
    legend: { top: 0, data: [t('curveConfirmed'), t('curveArrived')] },
    tooltip: { renderMode: 'richText', trigger: 'axis' },
    xAxis: {
      type: 'value',
      min: 0,
      max: Math.max(1, last),
      minInterval: 1,
      name: t('curveAxis'),
      nameLocation: 'middle',
      nameGap: 28,
      ...axisStyle,
    },
    yAxis: { type: 'value', minInterval: 1, name: t('curvePeople'), ...axisStyle },
    series: [
      {
        name: t('curveConfirmed'),
        type: 'line',
        step: 'end',
        showSymbol: false,
        lineStyle: { width: 3 },
        data: points.map((p) => [p.minute, p.confirmed]),
      },
      {
        name: t('curveArrived'),
        type: 'line',
        step: 'end',
        showSymbol: false,
        lineStyle: { width: 3, type: 'dashed' },
        data: points.map((p) => [p.minute, p.arrived]),
      },
    ],
  };
}

function distributionOption(t: Translator['t'], report: Report): ChartOption {
  const buckets = report.confirmDistribution;
  // Up to the slowest bucket anyone fell in (ten minutes at least), and the open bucket if used.
  const lastUsed = buckets.reduce((n, b, i) => (b.count > 0 && b.toMinute !== null ? i : n), 0);
  const open = buckets.find((b) => b.toMinute === null);
  const shown = buckets.filter((b, i) => b.toMinute !== null && i <= Math.max(9, lastUsed));
  if (open && open.count > 0) shown.push(open);
  return {
    grid: { left: 44, right: 16, top: 16, bottom: 44 },
    tooltip: { renderMode: 'richText', trigger: 'axis' },
    xAxis: {
      type: 'category',
      data: shown.map((b) =>
        b.toMinute === null ? t('distLast', { from: b.fromMinute }) : String(b.fromMinute),
      ),
      name: t('distAxis'),
      nameLocation: 'middle',
      nameGap: 28,
      ...axisStyle,
    },
    yAxis: { type: 'value', minInterval: 1, name: t('curvePeople'), ...axisStyle },
    series: [
      { name: t('distTitle'), type: 'bar', data: shown.map((b) => b.count), itemStyle: { color: '#1d4ed8' } },
    ],
  };
}

function quotaOption(t: Translator['t'], report: Report): ChartOption {
  const teams = [...report.teams].reverse();
  return {
    grid: { left: 8, right: 16, top: 32, bottom: 24, containLabel: true },
    legend: { top: 0, data: [t('colQuota'), t('colTeamConfirmed'), t('colTeamArrived')] },
    tooltip: { renderMode: 'richText', trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', minInterval: 1, ...axisStyle },
    yAxis: { type: 'category', data: teams.map((team) => team.gridName), ...axisStyle },
    series: [
      { name: t('colQuota'), type: 'bar', data: teams.map((x) => x.quota), itemStyle: { color: '#9ca3af' } },
      {
        name: t('colTeamConfirmed'),
        type: 'bar',
        data: teams.map((x) => x.counts.confirmed + x.counts.arrived),
        itemStyle: { color: '#1d4ed8' },
      },
      {
        name: t('colTeamArrived'),
        type: 'bar',
        data: teams.map((x) => x.counts.arrived),
        itemStyle: { color: '#15803d' },
      },
    ],
  };
}

function comparisonOption(t: Translator['t'], lang: 'zh' | 'en', drills: ComparedDrill[]): ChartOption {
  const labelOf = (d: ComparedDrill) =>
    d.current ? t('compareCurrent') : dateTime(lang, d.startedAt).slice(0, 10);
  const pct = (x: number | null) => (x === null ? 0 : Math.round(x * 100));
  return {
    grid: { left: 44, right: 16, top: 32, bottom: 32 },
    legend: { top: 0, data: [t('hColConfirmed'), t('hColArrived')] },
    tooltip: { renderMode: 'richText', trigger: 'axis', valueFormatter: (v) => `${String(v)}%` },
    xAxis: { type: 'category', data: drills.map(labelOf), ...axisStyle },
    yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%', color: '#374151' } },
    series: [
      {
        name: t('hColConfirmed'),
        type: 'bar',
        data: drills.map((d) => pct(d.confirmedRate)),
        itemStyle: { color: '#1d4ed8' },
      },
      {
        name: t('hColArrived'),
        type: 'bar',
        data: drills.map((d) => pct(d.arrivedRate)),
        itemStyle: { color: '#15803d' },
      },
    ],
  };
}

/** The after-action report of one activation, to read on screen, print on A4, or take as CSV. */
export function ReportPage(props: { activationId: string }) {
  const { api, notify } = useServices();
  const i18n = useI18n();
  const { t, labels, levelShort, lang } = i18n;
  const [report, setReport] = useState<Report>();
  const [error, setError] = useState<string>();
  const [nonce, setNonce] = useState(0);
  const [team, setTeam] = useState('');
  const [drills, setDrills] = useState<ComparedDrill[]>();
  const [compareError, setCompareError] = useState<string>();
  const [downloading, setDownloading] = useState(false);

  useEffect(() => {
    let cancelled = false;
    api
      .report(props.activationId)
      .then((r) => {
        if (cancelled) return;
        setReport(r);
        setError(undefined);
        if (r.drill) {
          comparisonOf(api, r)
            .then((rows) => !cancelled && setDrills(rows))
            .catch((e: unknown) => !cancelled && setCompareError(messageOf(e)));
        }
      })
      .catch((e: unknown) => !cancelled && setError(messageOf(e)));
    return () => {
      cancelled = true;
    };
  }, [api, props.activationId, nonce]);

  const docName = report ? t(report.drill ? 'reportDrillDoc' : 'reportRealDoc') : '';
  useEffect(() => {
    if (report) document.title = `${docName} · ${report.communityName} · ${t('appShort')}`;
  }, [report, docName, t]);

  const teamName = useMemo(() => new Map(report?.teams.map((x) => [x.teamId, x.gridName]) ?? []), [report]);
  const points = useMemo(
    () => (team ? report?.curve.teams.find((x) => x.teamId === team)?.points : report?.curve.overall) ?? [],
    [report, team],
  );
  const curve = useMemo(() => curveOption(t, points), [t, points]);
  const distribution = useMemo(() => report && distributionOption(t, report), [t, report]);
  const quota = useMemo(() => report && quotaOption(t, report), [t, report]);
  const comparison = useMemo(() => drills && comparisonOption(t, lang, drills), [t, lang, drills]);

  if (!report || !distribution || !quota) {
    return (
      <section class="report">
        {error ? (
          <ErrorNote message={error} onRetry={() => setNonce((n) => n + 1)} />
        ) : (
          <p class="loading">{t('loading')}</p>
        )}
      </section>
    );
  }

  const c = report.counts;
  const title = t(report.drill ? 'reportDrillTitle' : 'reportRealTitle', {
    community: report.communityName,
    kind: labels.kind[report.kind],
    level: levelShort[report.level],
  });
  const lastPoint = points[points.length - 1];

  const downloadCsv = async () => {
    setDownloading(true);
    try {
      save(await api.reportCsv(report.activationId), `report-${report.activationId}.csv`);
    } catch (e) {
      notify(messageOf(e));
    } finally {
      setDownloading(false);
    }
  };

  const figures: [string, string | number, string][] = [
    [t('figDrafted'), c.drafted, 'drafted'],
    [t('figAlerted'), c.alerted, 'alerted'],
    [t('figConfirmed'), c.confirmed + c.arrived, 'confirmed'],
    [t('figArrived'), c.arrived, 'arrived'],
    [t('figDeclined'), c.declined, 'declined'],
    [t('figSilent'), report.silent.length, 'silent'],
    [t('figFailed'), c.failed, 'failed'],
    [t('figReminded'), report.reminded, 'reminded'],
    [t('figBackfilled'), report.backfilled, 'backfilled'],
    [t('figResponseRate'), percent(report.responseRate), 'responseRate'],
    [t('figFillRate'), percent(report.fillRate), 'fillRate'],
  ];
  const spreads = [
    [t('timeToAlert'), report.timeToAlert],
    [t('timeToConfirm'), report.timeToConfirm],
    [t('timeToArrive'), report.timeToArrive],
  ] as const;

  return (
    <article
      class={`report ${report.drill ? 'report-drill' : 'report-real'}`}
      aria-labelledby="report-title"
      data-status={report.status}
    >
      <header class="report-head">
        <p class="report-kind">
          {report.drill ? <Icon name="flag" /> : <Icon name="warning" />} {docName}
        </p>
        <h1 id="report-title">{title}</h1>
        <p class="meta">
          {report.endedAt
            ? t('reportTimes', {
                start: dateTime(lang, report.startedAt),
                end: dateTime(lang, report.endedAt),
                duration: duration(t, report.durationSeconds),
              })
            : t('reportOpenTimes', {
                start: dateTime(lang, report.startedAt),
                duration: duration(t, report.durationSeconds),
              })}
        </p>
        <div class="report-actions no-print">
          <button type="button" class="button primary" onClick={() => window.print()}>
            {t('reportPrint')}
          </button>
          <button type="button" class="button" disabled={downloading} onClick={() => void downloadCsv()}>
            {downloading ? t('reportCsvBusy') : t('reportCsv')}
          </button>
          <a class="button" href={hrefOf({ page: 'board', activationId: report.activationId })}>
            {t('linkBoard')}
          </a>
          <a class="button" href={hrefOf({ page: 'history', communityId: report.communityId })}>
            {t('openHistory')}
          </a>
        </div>
      </header>

      <section aria-labelledby="figures-title">
        <h2 id="figures-title" class="visually-hidden">
          {t('figures')}
        </h2>
        <dl class="report-figures">
          {figures.map(([label, value, key]) => (
            <div key={key} class={`figure figure-${key}`}>
              <dt>{label}</dt>
              <dd data-figure={key}>{value}</dd>
            </div>
          ))}
        </dl>
      </section>

      <section class="report-section" aria-labelledby="spread-title">
        <h2 id="spread-title">{t('spreadTitle')}</h2>
        <SpreadTable rows={spreads} />
      </section>

      <div class="report-charts">
        <section class="report-section chart-card" aria-labelledby="curve-title">
          <div class="chart-head">
            <h2 id="curve-title">
              {t('curveTitle')}
              {team ? ` · ${teamName.get(team) ?? team}` : ''}
            </h2>
            <label class="no-print team-pick">
              <span class="visually-hidden">{t('colTeam')}</span>
              <select value={team} onChange={(e) => setTeam(e.currentTarget.value)}>
                <option value="">{t('filterAll')}</option>
                {report.teams.map((x) => (
                  <option key={x.teamId} value={x.teamId}>
                    {x.gridName}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <p class="hint">{t('curveHint')}</p>
          <Chart
            option={curve}
            class="chart-curve"
            testId="curve-chart"
            label={t('curveLabel', {
              minutes: lastPoint?.minute ?? 0,
              confirmed: lastPoint?.confirmed ?? 0,
              arrived: lastPoint?.arrived ?? 0,
            })}
          />
        </section>
        <section class="report-section chart-card" aria-labelledby="dist-title">
          <h2 id="dist-title">{t('distTitle')}</h2>
          <p class="hint">{t('distHint')}</p>
          <Chart
            option={distribution}
            class="chart-dist"
            testId="distribution-chart"
            label={t('distLabel', {
              n: report.timeToConfirm.count,
              median: duration(t, report.timeToConfirm.p50),
            })}
          />
        </section>
      </div>

      <section class="report-section" aria-labelledby="teams-title">
        <h2 id="teams-title">{t('teamsReportTitle')}</h2>
        <Chart
          option={quota}
          class="chart-quota"
          testId="quota-chart"
          label={t('quotaChartLabel')}
          style={{ height: `${Math.max(160, report.teams.length * 30 + 64)}px` }}
        />
        <div class="table-scroll">
          <table class="report-table teams-table">
            <thead>
              <tr>
                <th scope="col">{t('colTeam')}</th>
                <th scope="col" class="num">
                  {t('colQuota')}
                </th>
                <th scope="col" class="num">
                  {t('colTeamConfirmed')}
                </th>
                <th scope="col" class="num">
                  {t('colTeamArrived')}
                </th>
                <th scope="col" class="num">
                  {t('colShortfall')}
                </th>
                <th scope="col">{t('colMet')}</th>
                <th scope="col" class="num">
                  {t('colBackfilled')}
                </th>
                <th scope="col" class="num">
                  {t('colFailed')}
                </th>
                <th scope="col" class="num">
                  {t('colMedianConfirm')}
                </th>
              </tr>
            </thead>
            <tbody>
              {report.teams.map((x) => (
                <tr key={x.teamId} class={x.met ? 'met' : 'short'}>
                  <th scope="row">{x.gridName}</th>
                  <td class="num">{x.quota}</td>
                  <td class="num">{x.counts.confirmed + x.counts.arrived}</td>
                  <td class="num">{x.counts.arrived}</td>
                  <td class="num">{x.shortfall}</td>
                  <td>
                    {x.met ? <Icon name="check" /> : <Icon name="cross" />} {x.met ? t('metYes') : t('metNo')}
                  </td>
                  <td class="num">{x.backfilled}</td>
                  <td class="num">{x.counts.failed}</td>
                  <td class="num">{duration(t, x.timeToConfirm.p50)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      <div class="report-lists">
        <section class="report-section" aria-labelledby="decline-title">
          <h2 id="decline-title">{t('declineTitle')}</h2>
          {report.declineReasons.length === 0 ? (
            <p>{t('declineNone')}</p>
          ) : (
            <table class="report-table">
              <thead>
                <tr>
                  <th scope="col">{t('colDeclineReason')}</th>
                  <th scope="col" class="num">
                    {t('colCount')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.declineReasons.map((r) => (
                  <tr key={r.reason}>
                    <td>{r.reason}</td>
                    <td class="num">{r.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <section class="report-section" aria-labelledby="silent-title">
          <h2 id="silent-title">{t('silentReportTitle', { n: report.silent.length })}</h2>
          {report.silent.length === 0 ? (
            <p>{t('silentReportNone')}</p>
          ) : (
            <ul class="silent-names">
              {report.silent.map((s) => (
                <li key={s.memberId}>
                  <span class="name">{s.name}</span>
                  <span class="sub">{teamName.get(s.teamId) ?? ''}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>

      <WhistleReport section={report.whistles} />

      {report.drill && (
        <section class="report-section comparison" aria-labelledby="compare-title">
          <h2 id="compare-title">{t('compareTitle')}</h2>
          {compareError && <ErrorNote message={compareError} />}
          {!drills && !compareError && <p class="loading">{t('loading')}</p>}
          {drills && drills.length === 1 && <p>{t('compareNone')}</p>}
          {drills && drills.length > 1 && comparison && (
            <div class="comparison-body">
              <div class="table-scroll">
                <table class="report-table comparison-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('colDrillTime')}</th>
                      <th scope="col" class="num">
                        {t('hColDrafted')}
                      </th>
                      <th scope="col" class="num">
                        {t('hColConfirmed')}
                      </th>
                      <th scope="col" class="num">
                        {t('hColArrived')}
                      </th>
                      <th scope="col" class="num">
                        {t('colMedianMinutes')}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {drills.map((d) => (
                      <tr key={d.activationId} class={d.current ? 'current' : undefined}>
                        <th scope="row">
                          {d.current ? (
                            <strong>{t('compareCurrent')}</strong>
                          ) : (
                            <a href={hrefOf({ page: 'report', activationId: d.activationId })}>
                              {dateTime(lang, d.startedAt)}
                            </a>
                          )}
                        </th>
                        <td class="num">{d.drafted}</td>
                        <td class="num">{percent(d.confirmedRate)}</td>
                        <td class="num">{percent(d.arrivedRate)}</td>
                        <td class="num">{minutesOf(d.medianSecondsToConfirm)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Chart
                option={comparison}
                class="chart-compare"
                testId="comparison-chart"
                label={t('compareLabel', { n: drills.length - 1 })}
              />
            </div>
          )}
        </section>
      )}

      <footer class="print-only report-foot">
        {t('reportPrinted', { time: dateTime(lang, new Date().toISOString()) })}
      </footer>
    </article>
  );
}

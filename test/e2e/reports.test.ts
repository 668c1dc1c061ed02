import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../infra/constructs/console';
import type { LocalStack } from '../../local/stack';
import type { TestBrowser } from './support/browser';
import { devToken, startStackAndBrowser } from './support/stack';

const SHOTS = resolve('test-results');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

type Watched = { page: Page; context: BrowserContext; errors: string[] };
type BoardBody = {
  status: string;
  counts: { drafted: number; alerted: number; failed: number; arrived: number; confirmed: number };
  teams: { members?: { memberId: string; phone?: string; status: string }[] }[];
};

describe('history, the after-action report and its print, and the street view in a real browser', () => {
  let stack: LocalStack;
  let browser: TestBrowser | undefined;
  let token = '';
  const opened: Watched[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await startStackAndBrowser(
      { inMemory: true, seed: 'demo', port: 0, sweepSeconds: 0, scheduleSeconds: 0 },
      (started) => {
        if (started.stack) stack = started.stack;
        browser = started.browser;
      },
    );
    token = await devToken(stack, { sub: 'e2e-admin' });
  });

  afterAll(async () => {
    for (const { context } of opened) await context.close().catch(() => undefined);
    await browser?.close();
    await stack?.stop();
  });

  async function open(viewport: { width: number; height: number }, hash = ''): Promise<Watched> {
    if (!browser) throw new Error('the browser did not start');
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    // The page under the deployed console's Content-Security-Policy: a chart that needs an inline
    // style or script would fail here, as a console error.
    await context.route(`${stack.url}/`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({
        response,
        headers: { ...response.headers(), 'content-security-policy': CONTENT_SECURITY_POLICY },
      });
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    const watched = { page, context, errors };
    opened.push(watched);
    await page.goto(`${stack.url}/${hash}`);
    await page.locator('button[data-sub="demo-planner"]').click();
    await page.locator('.who').waitFor({ state: 'attached' });
    return watched;
  }

  async function api<T>(method: string, path: string, body?: unknown, anonymous = false): Promise<T> {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: {
        ...(anonymous ? {} : { authorization: `Bearer ${token}` }),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  const eventually = <T>(probe: () => Promise<T> | T, timeout = 30_000) =>
    expect.poll(probe, { timeout, interval: 200 });
  const text = (locator: Locator) => locator.textContent().then((t) => t ?? '');
  const noHorizontalScroll = (page: Page) =>
    page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  /** Waits until every alert of the activation has gone, then answers for some of its people. */
  async function answer(activationId: string, replies: string[]) {
    const sent = (b: BoardBody) =>
      b.counts.drafted > 0 && b.counts.alerted + b.counts.failed === b.counts.drafted;
    await eventually(async () => sent(await api<BoardBody>('GET', `/activations/${activationId}`))).toBe(
      true,
    );
    const board = await api<BoardBody>('GET', `/activations/${activationId}`);
    const phones = board.teams.flatMap((t) => (t.members ?? []).flatMap((m) => (m.phone ? [m.phone] : [])));
    for (const [i, body] of replies.entries()) {
      const from = phones[i];
      if (from) await api('POST', '/dev/sms/inbound', { from, body }, true);
    }
    const answered = replies.filter((r) => r === '1' || r === '3').length;
    await eventually(async () => {
      const b = await api<BoardBody>('GET', `/activations/${activationId}`);
      return b.counts.confirmed + b.counts.arrived;
    }).toBeGreaterThanOrEqual(answered);
  }

  const modeOf = (communityId: string) =>
    api<{ mode: string; activationId?: string }>('GET', `/communities/${communityId}/mode`);

  it('presses the street-wide drill key, then reads the history, the report with its comparison, prints it and takes the CSV', async () => {
    // An earlier drill of 东关社区, for the report to compare with.
    const first = await api<{ activationId: string }>('POST', '/communities/dongguan/activations', {
      kind: 'flood',
      level: 'IV',
      drill: true,
      locale: 'zh',
    });
    await answer(first.activationId, ['3', '3', '1', '2 生病', '1']);
    await api('POST', `/activations/${first.activationId}/stand-down`);

    // The street view: both communities, the street-wide key, its confirmation by the street's name.
    const { page, errors } = await open(DESKTOP);
    await page.getByRole('link', { name: '街道', exact: true }).click();
    await page.getByRole('heading', { name: '城关街道：各社区' }).waitFor();
    await eventually(() => page.locator('.street-row').count()).toBe(2);
    await page.getByRole('button', { name: /全街道演练/ }).click();
    const dialog = page.getByTestId('street-switch-dialog');
    await dialog.waitFor();
    await expect(text(dialog.locator('.street-covers'))).resolves.toContain('东关社区');
    await dialog.getByText('防汛', { exact: true }).click();
    await dialog.getByText('Ⅳ级（一般）').click();
    const go = dialog.getByRole('button', { name: '确认全街道开始演练' });
    await dialog.getByLabel(/输入街道名称/).fill('城东街道');
    await expect(go.isDisabled()).resolves.toBe(true);
    await dialog.getByLabel(/输入街道名称/).fill('城关街道');
    await dialog.screenshot({ path: join(SHOTS, 'reports-street-dialog.png') });
    await go.click();
    await eventually(() => text(page.getByTestId('street-result'))).toContain('已启动 2 个社区，跳过 0 个');
    for (const id of ['dongguan', 'xijie']) {
      const row = page.locator(`.street-row[data-community="${id}"]`);
      await eventually(() => row.getAttribute('data-mode')).toBe('drill');
      await eventually(async () => Number(await text(row.locator('[data-count="drafted"]')))).toBeGreaterThan(
        0,
      );
    }
    await page.screenshot({ path: join(SHOTS, 'reports-street.png'), fullPage: true });

    const street = await modeOf('dongguan');
    const current = street.activationId ?? '';
    expect(street.mode).toBe('drill');
    await answer(current, ['3', '1', '1', '3', '2 出差']);
    // A whistle blown during the drill, answered by the first one called where anyone is free, resolved.
    const whistle = await api<{ whistleId: string; code: string; responders: { memberId: string }[] }>(
      'POST',
      '/communities/dongguan/whistles',
      {
        gridId: 'dg01',
        reason: '泵房进水',
        category: 'water',
        people: 1,
        respondWithinMinutes: 30,
        activationId: current,
      },
    );
    const called = whistle.responders[0];
    if (called) {
      const phoneOf = async () => {
        for (const community of ['dongguan', 'xijie']) {
          const found = await api<{ phone: string }>(
            'GET',
            `/communities/${community}/members/${called.memberId}`,
          ).catch(() => undefined);
          if (found) return found.phone;
        }
        throw new Error(`no phone for ${called.memberId}`);
      };
      await api('POST', '/dev/sms/inbound', { from: await phoneOf(), body: '1' }, true);
      await eventually(
        async () => (await api<{ status: string }>('GET', `/whistles/${whistle.whistleId}`)).status,
      ).toBe('filled');
    }
    await api('POST', `/whistles/${whistle.whistleId}/resolve`, { note: '已抽水' });
    await api('POST', `/activations/${current}/stand-down`);
    const other = await modeOf('xijie');
    if (other.activationId) await api('POST', `/activations/${other.activationId}/stand-down`);

    // History of 东关社区 from its card: newest first, the filters, links to the report.
    await page.getByRole('link', { name: '总览', exact: true }).click();
    await page.locator('[data-community="dongguan"]').getByRole('link', { name: '响应记录' }).click();
    await page.getByRole('heading', { name: '响应记录：东关社区' }).waitFor();
    const rows = page.locator('.history-row');
    await eventually(() => rows.count()).toBe(2);
    await expect(rows.first().getAttribute('data-activation')).resolves.toBe(current);
    await expect(text(rows.first())).resolves.toContain('demo-planner');
    await page.getByText('只看真实响应').click();
    await page.locator('.history-empty').waitFor();
    await page.getByText('只看演练').click();
    await eventually(() => rows.count()).toBe(2);
    await page.getByLabel('开始日期').fill('2020-01-01');
    await page.getByLabel('结束日期').fill('2020-01-31');
    await page.locator('.history-empty').waitFor();
    await page.getByRole('button', { name: '清除筛选' }).click();
    await eventually(() => rows.count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'reports-history.png'), fullPage: true });

    // The report: figures, charts drawn as SVG, the teams, and this drill against the one before.
    await rows.first().getByRole('link', { name: '总结' }).click();
    await page.getByRole('heading', { name: /东关社区 · 防汛Ⅳ级演练总结/ }).waitFor();
    await eventually(() => text(page.locator('[data-figure="arrived"]'))).toBe('2');
    await expect(text(page.locator('[data-figure="declined"]'))).resolves.toBe('1');
    for (const chart of ['curve-chart', 'distribution-chart', 'quota-chart']) {
      await eventually(() => page.getByTestId(chart).locator('svg path').count()).toBeGreaterThan(0);
    }
    await page.getByTestId('distribution-chart').hover();
    await eventually(() => page.locator('.comparison-table tbody tr').count()).toBe(2);
    await expect(text(page.locator('.comparison-table tr.current'))).resolves.toContain('本次');
    await page.getByTestId('comparison-chart').locator('svg').waitFor();
    await expect(text(page.locator('.teams-table'))).resolves.toContain('定额');
    await page.screenshot({ path: join(SHOTS, 'reports-report.png'), fullPage: true });
    const whistles = page.getByTestId('whistle-report');
    await expect(text(whistles)).resolves.toContain(whistle.code);
    await expect(text(whistles)).resolves.toContain('吹哨 1 次');
    await expect(text(whistles.locator('.whistle-grids'))).resolves.toContain('东关');
    await whistles.scrollIntoViewIfNeeded();
    await whistles.screenshot({ path: join(SHOTS, 'reports-report-whistles.png') });

    // The CSV, fetched with the token and saved: UTF-8 with its BOM, one row per person.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '下载 CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`report-${current}.csv`);
    const csv = readFileSync(await download.path());
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8').split('\n').length).toBeGreaterThan(2);

    // Print: no nav, no buttons; the title, the figures and the charts; A4 pages.
    // The page laid out as on A4 paper: 210 mm less the 12 mm margins, at 96 dpi.
    await page.setViewportSize({ width: 703, height: 1000 });
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('.topbar').isVisible()).resolves.toBe(false);
    await expect(page.getByRole('button', { name: '打印' }).isVisible()).resolves.toBe(false);
    await expect(page.locator('.report-foot').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('curve-chart').locator('svg').isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('whistle-report').isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(SHOTS, 'reports-report-print.png'), fullPage: true });
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    const boxes = [...pdf.toString('latin1').matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)];
    expect(boxes.length).toBeGreaterThan(0);
    for (const [, w, h] of boxes) {
      // A4 is 595.28 × 841.89 points.
      expect(Math.abs(Number(w) - 595.3)).toBeLessThan(2);
      expect(Math.abs(Number(h) - 841.9)).toBeLessThan(2);
    }
    await page.emulateMedia({ media: 'screen' });
    await page.setViewportSize(DESKTOP);

    await page.getByRole('button', { name: /English/ }).click();
    await page.getByRole('heading', { name: /drill summary/ }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'reports-report-en.png'), fullPage: true });
    await page
      .getByTestId('whistle-report')
      .screenshot({ path: join(SHOTS, 'reports-report-whistles-en.png') });

    // The rankings count the closed whistle: a whistle for the grid, and its unit's answer.
    await page.evaluate(() => {
      window.location.hash = '#/rankings';
    });
    await eventually(() => text(page.locator('.ranking-table').nth(1))).toContain('Whistles');
    if (called) {
      await eventually(() => page.getByTestId('unit-ranking').locator('tbody tr').count()).toBe(1);
      await expect(text(page.getByTestId('unit-ranking'))).resolves.toContain('100%');
    }
    await page.screenshot({ path: join(SHOTS, 'reports-rankings-whistles-en.png'), fullPage: true });
    await page.goBack();
    await page.locator('.report-figures').waitFor();

    // The board of a stood-down activation leads to its report.
    await page.getByRole('link', { name: 'Board' }).click();
    await page.getByRole('link', { name: 'Read the report' }).click();
    await page.locator('.report-figures').waitFor();
    await page.getByRole('link', { name: 'Street', exact: true }).click();
    await page.getByRole('heading', { name: '城关街道: communities' }).waitFor();
    await eventually(() => page.locator('.street-row[data-mode="normal"]').count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'reports-street-en.png'), fullPage: true });
    expect(errors).toEqual([]);

    // A phone: the report and the history without sideways scrolling.
    const { page: phone, errors: phoneErrors } = await open(PHONE, `#/report/${current}`);
    await eventually(() => phone.getByTestId('curve-chart').locator('svg path').count()).toBeGreaterThan(0);
    await eventually(() => phone.locator('.comparison-table tbody tr').count()).toBe(2);
    await phone.screenshot({ path: join(SHOTS, 'reports-report-phone.png'), fullPage: true });
    await phone.screenshot({ path: join(SHOTS, 'reports-report-phone-top.png') });
    await phone.locator('#curve-title').scrollIntoViewIfNeeded();
    await phone.screenshot({ path: join(SHOTS, 'reports-report-phone-charts.png') });
    await phone.locator('#teams-title').scrollIntoViewIfNeeded();
    await phone.screenshot({ path: join(SHOTS, 'reports-report-phone-teams.png') });
    expect(await noHorizontalScroll(phone)).toBe(true);
    await phone.goto(`${stack.url}/#/street/chengguan/history`);
    await eventually(() => phone.locator('.history-row').count()).toBe(3);
    expect(await noHorizontalScroll(phone)).toBe(true);
    await phone.screenshot({ path: join(SHOTS, 'reports-history-phone.png'), fullPage: true });
    await phone.goto(`${stack.url}/#/street/chengguan`);
    await eventually(() => phone.locator('.street-row').count()).toBe(2);
    expect(await noHorizontalScroll(phone)).toBe(true);
    await phone.screenshot({ path: join(SHOTS, 'reports-street-phone.png'), fullPage: true });
    expect(phoneErrors).toEqual([]);
  });
});

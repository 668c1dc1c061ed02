import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import type { TestBrowser } from './support/browser';
import { devToken, startStackAndBrowser } from './support/stack';

const SHOTS = resolve('test-results');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 375, height: 667 };

type Watched = { page: Page; context: BrowserContext; errors: string[] };

describe('the planning pages in a real browser: scheduled drills and rankings', () => {
  let stack: LocalStack;
  let browser: TestBrowser | undefined;
  const opened: Watched[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await startStackAndBrowser(
      { inMemory: true, seed: 'demo', port: 0, sweepSeconds: 0, scheduleSeconds: 1 },
      (started) => {
        if (started.stack) stack = started.stack;
        browser = started.browser;
      },
    );
  });

  afterAll(async () => {
    for (const { context } of opened) await context.close().catch(() => undefined);
    await browser?.close();
    await stack?.stop();
  });

  async function open(viewport: { width: number; height: number }, hash = ''): Promise<Watched> {
    if (!browser) throw new Error('the browser did not start');
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
    const watched = { page, context, errors };
    opened.push(watched);
    await page.goto(`${stack.url}/${hash}`);
    await page.locator('button[data-sub="demo-planner"]').click();
    await page.locator('.who').waitFor({ state: 'attached' });
    return watched;
  }

  async function api(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const token = await devToken(stack, { sub: 'e2e-admin' });
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  const eventually = <T>(probe: () => Promise<T> | T, timeout = 20_000) =>
    expect.poll(probe, { timeout, interval: 200 });
  const text = (locator: Locator) => locator.textContent().then((t) => t ?? '');
  const noHorizontalScroll = (page: Page) =>
    page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  it('lets a planner schedule a drill, see a past time refused at its field, cancel one, and watch one start by itself', async () => {
    const { page, errors } = await open(DESKTOP);
    await page.locator('[data-community="xijie"]').getByRole('link', { name: '演练计划' }).click();
    await page.getByRole('heading', { name: /演练计划：西街社区/ }).waitFor();
    await page.getByText('还没有计划的演练。').waitFor();

    // A time in the past: the API's 400 names `at`, shown beside the field.
    await page.getByLabel('开始时间').fill('2020-01-01T08:00');
    await page.getByRole('button', { name: '加入计划' }).click();
    const atError = page.locator('#schedule-at-error');
    await eventually(() => text(atError)).toContain('later than now');
    await expect(page.locator('.schedule-item').count()).resolves.toBe(0);
    await page.screenshot({ path: join(SHOTS, 'planning-schedule-past.png'), fullPage: true });

    // Tomorrow at nine: pending, then cancelled.
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
    const pad = (n: number) => String(n).padStart(2, '0');
    const day = `${tomorrow.getFullYear()}-${pad(tomorrow.getMonth() + 1)}-${pad(tomorrow.getDate())}`;
    await page.getByLabel('开始时间').fill(`${day}T09:00`);
    await page.getByLabel('事件类型').selectOption('fire');
    await page.getByLabel('备注（可选）').fill('消防疏散演练');
    await page.getByRole('button', { name: '加入计划' }).click();
    const item = page.locator('.schedule-item').first();
    await eventually(() => text(item)).toContain('消防疏散演练');
    await eventually(() => text(item.locator('.schedule-badge'))).toBe('待开始');
    await page.screenshot({ path: join(SHOTS, 'planning-schedules.png'), fullPage: true });
    await item.getByRole('button', { name: '取消计划' }).click();
    await eventually(() => text(item.locator('.schedule-badge'))).toBe('已取消');

    // One due in two seconds starts by itself through the local timer, and links to its board.
    const soon = await api('POST', '/communities/xijie/drill-schedules', {
      at: new Date(Date.now() + 2_000).toISOString(),
      kind: 'flood',
      level: 'IV',
      note: '汛前演练',
    });
    expect(soon.status).toBe(201);
    await eventually(async () => {
      await page.reload();
      return text(page.locator('.schedule-item.status-started'));
    }).toContain('汛前演练');
    await expect(
      page.locator('.schedule-item.status-started').getByRole('link', { name: '打开看板' }).count(),
    ).resolves.toBe(1);
    const mode = await api('GET', '/communities/xijie/mode');
    expect(mode.body).toMatchObject({ mode: 'drill' });
    await page.screenshot({ path: join(SHOTS, 'planning-schedule-started.png'), fullPage: true });
    expect(errors).toEqual([]);

    const { page: phone } = await open(PHONE, '#/schedules/xijie');
    await phone.getByRole('heading', { name: /演练计划/ }).waitFor();
    await phone.locator('.schedule-item').first().waitFor();
    expect(await noHorizontalScroll(phone)).toBe(true);
    await phone.screenshot({ path: join(SHOTS, 'planning-schedules-phone.png'), fullPage: true });

    // Stood down, the drill becomes part of the rankings.
    const activationId = (mode.body as { activationId?: string }).activationId;
    expect((await api('POST', `/activations/${activationId}/stand-down`)).status).toBe(200);
  });

  it('shows the week, month and year rankings with the formula, an empty period, in Chinese and English, on a phone', async () => {
    const { page, errors } = await open(DESKTOP);
    await page.getByRole('link', { name: '排名考评' }).click();
    await page.getByRole('heading', { name: '排名考评' }).waitFor();
    await expect(text(page.locator('.formula'))).resolves.toContain('得分 = 40 × 确认率');

    for (const tab of ['周排名', '月排行', '年考评']) {
      await page.getByRole('tab', { name: tab }).click();
      await eventually(() => page.getByRole('tab', { name: tab }).getAttribute('aria-selected')).toBe('true');
      await eventually(() => page.locator('.ranking-table').count()).toBe(2);
      await eventually(() => text(page.locator('.ranking-table').first())).toContain('西街社区');
    }
    await page.getByRole('tab', { name: '周排名' }).click();
    await eventually(() => page.locator('.ranking-table').last().locator('tbody tr').count()).toBe(4);
    // Places one to three stand out, tied places included, and no other place does.
    const standing = async () => ({
      places: await page.locator('.ranking-table td.rank').allTextContents(),
      podium: await page.locator('.ranking-table td.rank.podium').allTextContents(),
    });
    await page.waitForFunction(() => document.querySelectorAll('.ranking-table td.rank.podium').length > 0);
    const { places, podium } = await standing();
    expect(podium.length).toBeGreaterThan(0);
    expect(podium).toEqual(places.filter((p) => Number(p) <= 3));
    await page.screenshot({ path: join(SHOTS, 'planning-rankings.png'), fullPage: true });

    await page.locator('.ranking-date input').fill('2020-03-04');
    await page.locator('.empty-ranking').waitFor();
    await expect(text(page.locator('.period-range'))).resolves.toContain('2020-03-02');
    await page.screenshot({ path: join(SHOTS, 'planning-rankings-empty.png'), fullPage: true });

    await page.getByRole('button', { name: /English/ }).click();
    await page.getByRole('heading', { name: 'Rankings' }).waitFor();
    await expect(text(page.locator('.formula'))).resolves.toContain('score = 40 × confirmed rate');
    await page.screenshot({ path: join(SHOTS, 'planning-rankings-en.png'), fullPage: true });
    expect(errors).toEqual([]);

    const { page: phone } = await open(PHONE, '#/rankings');
    await eventually(() => phone.locator('.ranking-table').count()).toBe(2);
    expect(await noHorizontalScroll(phone)).toBe(true);
    await phone.screenshot({ path: join(SHOTS, 'planning-rankings-phone.png'), fullPage: true });
  });
});

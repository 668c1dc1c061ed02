import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { startAwsSite } from './support/aws-site';
import type { TestBrowser } from './support/browser';
import { devToken, startStackAndBrowser } from './support/stack';

const SHOTS = resolve('test-results');
const DESKTOP = { width: 1280, height: 900 };
const TABLET = { width: 1024, height: 768 };
const PHONE = { width: 375, height: 667 };

/** A page with its console errors and uncaught exceptions collected. */
type Watched = { page: Page; context: BrowserContext; errors: string[] };

describe('the command console in a real browser', () => {
  let stack: LocalStack;
  let browser: TestBrowser | undefined;
  const opened: Watched[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await startStackAndBrowser({ inMemory: true, seed: 'demo', port: 0, sweepSeconds: 2 }, (started) => {
      if (started.stack) stack = started.stack;
      browser = started.browser;
    });
  });

  afterAll(async () => {
    for (const { context } of opened) await context.close().catch(() => undefined);
    await browser?.close();
    await stack?.stop();
  });

  /** A fresh browser profile (own sessionStorage and localStorage) at the console's front page. */
  async function open(viewport: { width: number; height: number }, url = stack.url): Promise<Watched> {
    if (!browser) throw new Error('the browser did not start');
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
    page.on('requestfailed', (request) => {
      // A reload or navigation cancels the poll in flight; that is not a failure of the page.
      if (request.failure()?.errorText !== 'net::ERR_ABORTED')
        errors.push(`request failed: ${request.url()} ${request.failure()?.errorText ?? ''}`);
    });
    const watched = { page, context, errors };
    opened.push(watched);
    await page.goto(url);
    return watched;
  }

  async function signIn(page: Page, sub: string) {
    await page.locator(`button[data-sub="${sub}"]`).click();
    await page.locator('[data-community="dongguan"]').waitFor();
  }

  async function modeOf(communityId: string): Promise<string> {
    const token = await devToken(stack, { sub: 'e2e-check' });
    const response = await fetch(`${stack.url}/communities/${communityId}/mode`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return ((await response.json()) as { mode: string }).mode;
  }

  /** Waits, with a deadline, for what the page shows to satisfy the matcher chained on it. */
  const eventually = <T>(probe: () => Promise<T> | T, timeout = 15_000) =>
    expect.poll(probe, { timeout, interval: 100 });

  const text = (locator: Locator) => locator.textContent().then((t) => t ?? '');

  const noHorizontalScroll = (page: Page) =>
    page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  it('takes a duty officer from the key to the board, a phone reply, a check-in and the stand-down', async () => {
    const { page, errors } = await open(DESKTOP);

    // Chinese by default, and the demo users offered one per role.
    await eventually(() => page.evaluate(() => document.documentElement.lang)).toBe('zh-CN');
    await expect(page.locator('button[data-sub]').count()).resolves.toBe(4);
    await signIn(page, 'demo-duty-officer');

    const card = page.locator('[data-community="dongguan"]');
    await eventually(() => card.getAttribute('data-mode')).toBe('normal');
    await eventually(() => card.locator('.grid-tile').count()).toBe(12);
    await expect(card.locator('.grid-tile.grade-red').count()).resolves.toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, 'console-overview.png'), fullPage: true });

    // The key, by keyboard: it opens the confirmation, which keeps focus inside and closes on Escape.
    const key = card.getByRole('button', { name: /一键转急/ });
    await key.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('switch-dialog');
    await dialog.waitFor();
    for (let i = 0; i < 25; i++) await page.keyboard.press('Tab');
    await eventually(() => page.evaluate(() => document.activeElement?.closest('dialog') !== null)).toBe(
      true,
    );
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await eventually(() =>
      page.evaluate(() => document.activeElement?.classList.contains('switch-key')),
    ).toBe(true);
    expect(await modeOf('dongguan')).toBe('normal');

    // A deliberate press: kind, level, and the community's name typed.
    const presses: Array<string | undefined> = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/communities/dongguan/activations'))
        presses.push(request.headers()['idempotency-key']);
    });
    await key.click();
    await dialog.getByRole('radio', { name: '防汛' }).check();
    await dialog.getByRole('radio', { name: /Ⅲ级/ }).check();
    const confirm = dialog.getByRole('button', { name: '确认启动应急响应' });
    const typed = dialog.getByLabel(/输入社区名称/);
    await typed.fill('西街社区');
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await typed.fill('东关社区');
    await expect(confirm.isEnabled()).resolves.toBe(true);
    await page.screenshot({ path: join(SHOTS, 'console-switch-dialog.png') });
    await confirm.click();

    // The board: twelve teams with quotas; everyone alerted, nobody answered yet.
    await page.waitForURL(/#\/board\//);
    const activationId = decodeURIComponent(page.url().split('#/board/')[1] ?? '');
    expect(presses).toHaveLength(1);
    expect(presses[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    await eventually(() => page.locator('.team-card').count()).toBe(12);
    await page.locator('.banner-emergency').waitFor();
    await eventually(
      () => page.locator('.member-row[data-status="alerted"]').count(),
      30_000,
    ).toBeGreaterThan(10);
    await expect(page.locator('.quota-bar').count()).resolves.toBe(12);
    expect(await modeOf('dongguan')).toBe('emergency');
    await page.screenshot({ path: join(SHOTS, 'console-board.png'), fullPage: true });

    // A drafted person's simulated phone: the alert is there; they reply 1.
    const row = page.locator('.team-card').first().locator('.member-row[data-status="alerted"]').first();
    const memberId = await row.getAttribute('data-member-id');
    const name = (await row.locator('.member-name').textContent()) ?? '';
    expect(memberId).toBeTruthy();
    await row.getByRole('button', { name: `打开 ${name} 的模拟手机` }).click();
    const phones = page.locator('#phones-panel');
    await phones.getByRole('heading', { name: `${name} 的手机` }).waitFor();
    const alert = phones.locator('.sms-received').first();
    await eventually(() => text(alert), 15_000).toContain('【平急】');
    await eventually(() => text(alert)).toContain('回1来');
    await page.screenshot({ path: join(SHOTS, 'console-phones.png') });

    await phones.getByRole('button', { name: '1 能来' }).click();
    await eventually(() => text(phones.locator('.sms-sent').last())).toMatch(/^本机.*1$/s);
    const member = page.locator(`.member-row[data-member-id="${memberId}"]`);
    await eventually(() => member.getAttribute('data-status'), 20_000).toBe('confirmed');
    await eventually(() => text(member.locator('.status'))).toContain('能来');
    await eventually(() => text(phones.locator('.sms-received').last()), 15_000).toContain('已收到');
    await page.screenshot({ path: join(SHOTS, 'console-phones-replied.png') });
    await phones.getByRole('button', { name: '关闭' }).click();

    // A manual check-in from the board.
    const other = page.locator('.member-row[data-status="alerted"]').first();
    const otherId = await other.getAttribute('data-member-id');
    await other.locator('.member-name').click();
    await page.getByRole('dialog').getByRole('button', { name: '标记到达' }).click();
    await eventually(
      () => page.locator(`.member-row[data-member-id="${otherId}"]`).getAttribute('data-status'),
      20_000,
    ).toBe('arrived');

    // The stand-down, with its own confirmation: cancelling changes nothing.
    const standDown = page.getByRole('button', { name: '急转平', exact: true });
    await standDown.click();
    const standDownDialog = page.getByTestId('stand-down-dialog');
    await standDownDialog.getByRole('button', { name: '取消' }).click();
    await standDownDialog.waitFor({ state: 'detached' });
    expect(await modeOf('dongguan')).toBe('emergency');
    await standDown.click();
    await standDownDialog.getByRole('button', { name: '确认急转平' }).click();
    await page.waitForURL((url) => !url.hash.includes('board'));
    await eventually(() => card.getAttribute('data-mode'), 15_000).toBe('normal');
    await eventually(() => text(card.locator('.mode'))).toContain('平时');
    expect(await modeOf('dongguan')).toBe('normal');

    // The ended board still reads well on a tablet.
    await page.setViewportSize(TABLET);
    await page.goto(`${stack.url}/#/board/${activationId}`);
    await page.locator('.banner-ended').waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);

    // The voice call for the silent on a member's line: as the board reports it, in words.
    await page.route(`**/activations/${encodeURIComponent(activationId)}`, async (route) => {
      const board = (await (await route.fetch()).json()) as {
        teams: { members?: Record<string, unknown>[] }[];
      };
      const [first, second] = board.teams[0]?.members ?? [];
      const at = new Date().toISOString();
      if (first) first.voice = { status: 'answered', at, keypress: '1', durationSeconds: 24 };
      if (second) second.voice = { status: 'unanswered', at };
      await route.fulfill({ json: board });
    });
    await page.reload();
    const answered = page.locator('.team-card').first().locator('.voice[data-voice="answered"]');
    await eventually(() => text(answered)).toBe('语音已接听，按键 1，听了 24 秒');
    await eventually(() => text(page.locator('.voice[data-voice="unanswered"]').first())).toBe('语音未接');
    await page.screenshot({ path: join(SHOTS, 'console-board-voice.png'), fullPage: true });
    await page.unroute(`**/activations/${encodeURIComponent(activationId)}`);

    expect(errors).toEqual([]);
  });

  it('fits a phone-sized screen without horizontal scrolling', async () => {
    const { page, errors } = await open(PHONE);
    await signIn(page, 'demo-duty-officer');
    await page.locator('[data-community="dongguan"] .grid-tile').first().waitFor();
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'console-overview-phone.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('lets a planner run only drills, marks the drill everywhere, and remembers English', async () => {
    const { page, errors } = await open(TABLET);
    await signIn(page, 'demo-planner');
    const card = page.locator('[data-community="dongguan"]');
    await eventually(() => card.getAttribute('data-mode'), 15_000).toBe('normal');

    // The emergency key is disabled, and says why.
    await expect(card.getByRole('button', { name: /一键转急/ }).isDisabled()).resolves.toBe(true);
    await eventually(() => text(card.locator('.switch-reason'))).toContain('规划员不能启动真实应急响应');

    await card.getByRole('button', { name: '发起演练' }).click();
    const dialog = page.getByTestId('switch-dialog');
    const drill = dialog.getByRole('checkbox');
    await expect(drill.isChecked()).resolves.toBe(true);
    await expect(drill.isDisabled()).resolves.toBe(true);
    await dialog.getByRole('radio', { name: '地震' }).check();
    await dialog.getByRole('radio', { name: /Ⅳ级/ }).check();
    await dialog.getByLabel(/输入社区名称/).fill('dongguan');
    await dialog.getByRole('button', { name: '确认开始演练' }).click();

    await page.waitForURL(/#\/board\//);
    await eventually(() => text(page.getByTestId('drill-banner'))).toContain('演练');
    await eventually(() => page.title()).toMatch(/^【演练】/);
    await eventually(() => page.evaluate(() => document.body.classList.contains('drill-page'))).toBe(true);
    await expect(page.locator('.team-card .drill-tag').count()).resolves.toBe(12);
    await page.screenshot({ path: join(SHOTS, 'console-board-drill.png'), fullPage: true });

    // English, remembered across a reload.
    await page.getByRole('button', { name: /Switch language|切换语言/ }).click();
    await eventually(() => text(page.getByTestId('drill-banner'))).toContain('DRILL');
    await page.reload();
    await eventually(() => text(page.getByTestId('drill-banner'))).toContain('DRILL');
    await eventually(() => page.evaluate(() => document.documentElement.lang)).toBe('en');

    await page.getByRole('button', { name: 'End the drill', exact: true }).click();
    await page.getByTestId('stand-down-dialog').getByRole('button', { name: 'End the drill now' }).click();
    await page.waitForURL((url) => !url.hash.includes('board'));
    await eventually(() => card.getAttribute('data-mode'), 15_000).toBe('normal');
    await eventually(() => text(card.locator('.mode'))).toContain('Normal');

    // The roster: filters, pages, and a CSV import whose bad row comes back with its line and reasons.
    await card.getByRole('link', { name: 'Roster' }).click();
    await page.getByRole('heading', { name: /Roster: 东关社区/ }).waitFor();
    await eventually(() => page.locator('.members-table tbody tr').count()).toBe(50);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Page 2').waitFor();
    await page.getByLabel('Grid').selectOption('dg01');
    await page.getByText('Page 1').waitFor();
    await eventually(async () => {
      const grids = await page.locator('.members-table tbody tr td:nth-child(3)').allTextContents();
      return grids.length > 0 && grids.every((g) => g === '东关一网格');
    }).toBe(true);
    const csv = [
      'name,phone,roles,partyMember,gridId,unitId,skills,available',
      '新志愿者,13900001111,volunteer,false,dg01,,firstAid,true',
      '坏行,12345,notARole,maybe,dg01,,,true',
    ].join('\n');
    await page
      .getByLabel('CSV file')
      .setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Import' }).click();
    const result = page.locator('.import-result');
    await eventually(() => text(result)).toContain('1 added, 0 updated, 0 unchanged, 1 rejected');
    const rejected = await result.locator('.rejected-table tbody tr').allTextContents();
    expect(rejected.length).toBeGreaterThanOrEqual(2);
    expect(rejected[0]).toMatch(/^3/);
    expect(rejected.join(' ')).toMatch(/phone/);
    expect(rejected.join(' ')).toMatch(/roles/);
    await page.screenshot({ path: join(SHOTS, 'console-roster.png'), fullPage: true });

    expect(errors).toEqual([]);
  });

  it('signs in through Cognito with the authorization code and PKCE in AWS mode, without simulated phones', async () => {
    const site = await startAwsSite({
      apiUrl: stack.url,
      mintIdToken: () =>
        stack.auth.mint({ sub: 'cognito-duty', groups: ['dutyOfficer'], communities: ['dongguan'] }),
    });
    try {
      const { page, errors } = await open(DESKTOP, site.url);
      await page.getByRole('button', { name: '登录', exact: true }).click();
      await page.locator('[data-community="dongguan"]').waitFor();

      // One authorize request with an S256 challenge, one token exchange whose verifier matched it.
      expect(site.log.authorize).toHaveLength(1);
      const authorize = site.log.authorize[0];
      expect(authorize?.get('scope')).toBe('openid email profile');
      expect(authorize?.get('redirect_uri')).toBe(`${site.url}/`);
      expect(authorize?.get('state')?.length).toBeGreaterThanOrEqual(20);
      expect(site.log.token.map((t) => t.pkceVerified)).toEqual([true]);
      // The code and state leave the address bar; the session is the ID token's user and groups.
      expect(page.url()).not.toMatch(/[?&](code|state)=/);
      await eventually(() => text(page.locator('.who'))).toContain('cognito-duty（值班员，dongguan）');
      // The simulated phones exist only on the local stack.
      expect(await page.getByRole('button', { name: '模拟手机' }).count()).toBe(0);

      await page.getByRole('button', { name: '退出登录' }).click();
      await page.getByRole('button', { name: '登录', exact: true }).waitFor();
      expect(site.log.logout.map((p) => [p.get('client_id'), p.get('logout_uri')])).toEqual([
        ['console-client', `${site.url}/`],
      ]);
      expect(errors).toEqual([]);
    } finally {
      await site.stop();
    }
  });
});

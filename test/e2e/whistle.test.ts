import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import type { TestBrowser } from './support/browser';
import { devToken, startStackAndBrowser } from './support/stack';

const SHOTS = resolve('test-results');
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 375, height: 667 };

type Watched = { page: Page; context: BrowserContext; errors: string[] };
type Responder = { memberId: string; name: string; status: string };
type WhistleBody = { whistleId: string; code: string; status: string; responders: Responder[] };
type BoardBody = {
  status: string;
  teams: {
    teamId: string;
    gridId: string;
    members?: { memberId: string; phone: string; status: string }[];
  }[];
};

describe('the whistle in a real browser: raise from a grid, watch it fill, resolve it', () => {
  let stack: LocalStack;
  let browser: TestBrowser | undefined;
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
    await page.locator('button[data-sub="demo-duty-officer"]').click();
    await page.locator('.who').waitFor({ state: 'attached' });
    return watched;
  }

  async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const token = await devToken(stack, { sub: 'e2e-admin' });
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
  const sms = (from: string, body: string) =>
    fetch(`${stack.url}/dev/sms/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from, body }),
    });
  /** A responder's phone: they live in one of the demo street's two communities. */
  async function phoneOf(memberId: string): Promise<string> {
    for (const communityId of ['dongguan', 'xijie']) {
      const found = await api<{ phone: string }>('GET', `/communities/${communityId}/members/${memberId}`);
      if (found.status === 200) return found.body.phone;
    }
    throw new Error(`no phone for ${memberId}`);
  }
  const eventually = <T>(probe: () => Promise<T> | T, timeout = 20_000) =>
    expect.poll(probe, { timeout, interval: 200 });
  const noHorizontalScroll = (page: Page) =>
    page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  it('lets a duty officer blow the whistle for a grid, see it fill as an answer comes in, and resolve it', async () => {
    const { page, errors } = await open(DESKTOP);
    await page.locator('[data-community="dongguan"]').getByRole('link', { name: '吹哨报到' }).click();
    await page.getByRole('heading', { name: /吹哨报到：/ }).waitFor();

    await page.getByLabel('网格', { exact: true }).selectOption('dg03');
    await page.getByLabel('类别', { exact: true }).selectOption('electric');
    await page.getByLabel('事由').fill('配电房进水，需要电工');
    await page.getByLabel('需要人数').fill('1');
    await page.getByLabel('电工').check();
    await page.screenshot({ path: join(SHOTS, 'whistle-form.png'), fullPage: true });
    await page.getByRole('button', { name: '吹哨', exact: true }).click();

    await page.locator('.whistle-page').waitFor();
    const whistleId = decodeURIComponent(page.url().split('#/whistle/')[1] ?? '');
    const raised = await api<WhistleBody>('GET', `/whistles/${whistleId}`);
    expect(raised.body.status).toBe('open');
    expect(raised.body.responders.length).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('whistle-count').textContent()).toBe('已响应 0 / 需要 1');
    await expect
      .poll(() => page.locator('.whistle-responders tr').count())
      .toBe(raised.body.responders.length);

    const first = raised.body.responders[0];
    if (!first) throw new Error('nobody called');
    await sms(await phoneOf(first.memberId), '1 10');
    await eventually(() => page.locator('.whistle-page').getAttribute('data-status'), 15_000).toBe('filled');
    await expect.poll(() => page.getByTestId('whistle-count').textContent()).toBe('已响应 1 / 需要 1');
    await page.screenshot({ path: join(SHOTS, 'whistle-filled.png'), fullPage: true });

    await page.getByLabel('处理说明').fill('已抽水断电，恢复供电');
    await page.getByRole('button', { name: '标记已解决' }).click();
    await eventually(() => page.locator('.whistle-page').getAttribute('data-status')).toBe('resolved');
    await expect.poll(() => page.locator('.whistle-note').textContent()).toBe('已抽水断电，恢复供电');
    await page.screenshot({ path: join(SHOTS, 'whistle-resolved.png'), fullPage: true });

    await page.getByRole('link', { name: '返回吹哨列表' }).click();
    await page.locator(`[data-whistle="${whistleId}"]`).waitFor();
    expect(await page.locator(`[data-whistle="${whistleId}"] .whistle-badge`).first().textContent()).toBe(
      '已解决',
    );
    await page.getByRole('button', { name: /English/ }).click();
    await page.getByRole('heading', { name: /Whistles:/ }).waitFor();
    expect(await page.locator(`[data-whistle="${whistleId}"] .whistle-badge`).first().textContent()).toBe(
      'Resolved',
    );
    await page.screenshot({ path: join(SHOTS, 'whistle-list-en.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('offers, on the board, to blow the whistle for a team short of people, pre-filled', async () => {
    const pressed = await api<{ activationId: string }>('POST', '/communities/dongguan/activations', {
      kind: 'flood',
      level: 'IV',
      drill: true,
    });
    expect(pressed.status).toBe(201);
    const { activationId } = pressed.body;
    const alerted = async () => {
      const board = (await api<BoardBody>('GET', `/activations/${activationId}`)).body;
      return board.teams.find((t) => (t.members ?? []).some((m) => m.status === 'alerted'));
    };
    await eventually(async () => (await alerted()) !== undefined, 30_000).toBe(true);
    const team = await alerted();
    const person = team?.members?.find((m) => m.status === 'alerted');
    if (!team || !person) throw new Error('nobody alerted');
    await sms(person.phone, '2');

    const { page, errors } = await open(PHONE, `#/board/${activationId}`);
    const link = page.locator(`[data-team="${team.teamId}"]`).getByTestId('whistle-shortfall');
    await link.waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(SHOTS, 'whistle-board-offer.png'), fullPage: true });
    await link.click();
    await page.getByTestId('whistle-prefilled').waitFor();
    expect(await page.getByLabel('网格', { exact: true }).inputValue()).toBe(team.gridId);
    expect(await page.getByLabel('需要人数').inputValue()).toBe('1');
    expect(await noHorizontalScroll(page)).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'whistle-prefilled-phone.png'), fullPage: true });
    await page.getByLabel('事由').fill('先锋队缺人');
    await page.getByRole('button', { name: '吹哨', exact: true }).click();
    await page.locator('.whistle-page').waitFor();
    const whistleId = decodeURIComponent(page.url().split('#/whistle/')[1] ?? '');
    const made = await api<{ activationId?: string; people: number; category: string }>(
      'GET',
      `/whistles/${whistleId}`,
    );
    expect(made.body).toMatchObject({ activationId, people: 1, category: 'people' });
    expect(errors).toEqual([]);
    await api('POST', `/activations/${activationId}/stand-down`);
  });
});

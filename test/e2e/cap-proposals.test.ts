import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { capWarning, tomorrow } from '../integration/support/cap';
import type { TestBrowser } from './support/browser';
import { devToken, startStackAndBrowser } from './support/stack';

const SHOTS = resolve('test-results');
const DESKTOP = { width: 1280, height: 900 };
/** 东关社区's GB/T 2260 code in the demo data. */
const DONGGUAN_CODE = '620102001001';

describe('official warnings on the console: a proposal accepted into the switch, another dismissed', () => {
  let stack: LocalStack;
  let browser: TestBrowser | undefined;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await startStackAndBrowser({ inMemory: true, seed: 'demo', port: 0, sweepSeconds: 0 }, (started) => {
      if (started.stack) stack = started.stack;
      browser = started.browser;
    });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function asAdmin(
    method: string,
    path: string,
    body?: string,
  ): Promise<{ status: number; body: unknown }> {
    const token = await devToken(stack, { sub: 'e2e-admin' });
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { 'content-type': 'application/cap+xml' } : {}),
      },
      ...(body ? { body } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  const eventually = <T>(probe: () => Promise<T> | T, timeout = 20_000) =>
    expect.poll(probe, { timeout, interval: 200 });
  const text = (locator: Locator) => locator.textContent().then((t) => t ?? '');

  it('shows a warning on the card, accepts it into the pre-filled switch, and dismisses another', async () => {
    const rain = await asAdmin(
      'POST',
      '/cap/warnings',
      capWarning({
        identifier: 'e2e-rain-1',
        event: '暴雨',
        severity: 'Severe',
        headline: '城关区气象台发布暴雨橙色预警',
        expires: tomorrow(),
        geocodes: [DONGGUAN_CODE],
      }),
    );
    expect(rain.status).toBe(201);
    expect(rain.body).toMatchObject({
      outcome: 'proposed',
      proposals: [{ communityId: 'dongguan', kind: 'flood', level: 'II' }],
    });
    const snow = await asAdmin(
      'POST',
      '/cap/warnings',
      capWarning({
        identifier: 'e2e-snow-1',
        event: '暴雪',
        severity: 'Moderate',
        headline: '城关区气象台发布暴雪黄色预警',
        expires: tomorrow(),
        geocodes: [DONGGUAN_CODE],
      }),
    );
    expect(snow.status).toBe(201);

    if (!browser) throw new Error('the browser did not start');
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
    await page.goto(`${stack.url}/`);
    await page.locator('button[data-sub="demo-duty-officer"]').click();
    const card = page.locator('[data-community="dongguan"]');
    await card.waitFor();

    // Both proposals on the card, oldest first: headline, source, suggested kind and level.
    const proposals = card.locator('.proposal');
    await eventually(() => proposals.count()).toBe(2);
    const rainCard = proposals.filter({ hasText: '暴雨橙色预警' });
    const snowCard = proposals.filter({ hasText: '暴雪黄色预警' });
    await expect(text(rainCard.locator('.proposal-suggests'))).resolves.toContain('防汛');
    await expect(text(rainCard.locator('.proposal-suggests'))).resolves.toContain('Ⅱ级');
    await expect(text(rainCard)).resolves.toContain('城关区气象台');
    await expect(text(snowCard.locator('.proposal-suggests'))).resolves.toContain('Ⅲ级');
    await page.screenshot({ path: join(SHOTS, 'cap-proposals.png'), fullPage: true });

    await page.getByRole('button', { name: /English/ }).click();
    await eventually(() => text(rainCard.locator('.proposal-suggests'))).toContain('Flood');
    await page.screenshot({ path: join(SHOTS, 'cap-proposals-en.png'), fullPage: true });
    await page.getByRole('button', { name: /中文/ }).click();
    await eventually(() => text(rainCard.locator('.proposal-suggests'))).toContain('防汛');

    // 接受 opens the switch's confirmation pre-filled with the warning's kind and level.
    await rainCard.getByRole('button', { name: '接受' }).click();
    const dialog = page.getByTestId('switch-dialog');
    await dialog.waitFor();
    await expect(text(dialog.locator('.proposal-prefilled'))).resolves.toContain('暴雨橙色预警');
    await expect(dialog.getByRole('radio', { name: '防汛' }).isChecked()).resolves.toBe(true);
    await expect(dialog.getByRole('radio', { name: /Ⅱ级/ }).isChecked()).resolves.toBe(true);
    await dialog.getByLabel(/输入社区名称/).fill('东关社区');
    await page.screenshot({ path: join(SHOTS, 'cap-accept-dialog.png') });
    await dialog.getByRole('button', { name: '确认启动应急响应' }).click();

    // The board of the activation the proposal pressed.
    await page.waitForURL(/#\/board\//);
    await eventually(() => page.locator('.team-card').count()).toBe(12);
    await page.locator('.banner-emergency').waitFor();
    const mode = await asAdmin('GET', '/communities/dongguan/mode');
    expect(mode.body).toMatchObject({ mode: 'emergency' });
    await page.screenshot({ path: join(SHOTS, 'cap-board.png'), fullPage: true });

    // Back on the card only the snow warning is left; 忽略 takes it away.
    await page.getByRole('link', { name: '总览', exact: true }).click();
    await eventually(() => proposals.count()).toBe(1);
    await expect(text(proposals)).resolves.toContain('暴雪黄色预警');
    await snowCard.getByRole('button', { name: '忽略' }).click();
    await eventually(() => proposals.count()).toBe(0);
    const open = await asAdmin('GET', '/communities/dongguan/proposals');
    expect(open.body).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'cap-dismissed.png'), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });
});

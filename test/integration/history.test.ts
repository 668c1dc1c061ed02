import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyPageView, reportView } from '../../shared/http/schemas';
import { named, rosterCommunity, standDown, switchOn } from './support/check-in-world';
import { type Client, startTestApi, type TestApi } from './support/local-api';
import { bodyOf, buildCommunity, errorOf, PhoneBook } from './support/roster';

let api: TestApi;
let admin: Client;
/** Activation ids in the order they were pressed: drill, real, drill, drill. */
const pressed: string[] = [];

beforeAll(async () => {
  api = await startTestApi();
  admin = await api.as(['admin'], ['*']);
  await rosterCommunity(admin, new PhoneBook(61), {
    streetId: 'history-st',
    communityId: 'hist-a',
    grids: [{ gridId: 'ha1', people: [{ name: 'H0' }, ...named('h', 4)] }],
  });
  await buildCommunity(admin, {
    streetId: 'history-st',
    communityId: 'hist-b',
    grids: [{ gridId: 'hb1', level: 'green' }],
  });
  for (const drill of [true, false, true, true]) {
    const activation = await switchOn(admin, 'hist-a', { kind: 'flood', level: 'IV', drill });
    await standDown(admin, activation.activationId);
    pressed.push(activation.activationId);
  }
});
afterAll(async () => {
  await api?.stop();
});

const page = async (path: string) => {
  const reply = await admin.get(path);
  return bodyOf(historyPageView.strict(), reply);
};

describe('activation history', () => {
  it('lists every activation newest first, with counts, duration and rates', async () => {
    const all = await page('/communities/hist-a/activations');

    expect(all.items.map((a) => a.activationId)).toEqual([...pressed].reverse());
    expect(all.nextCursor).toBeUndefined();
    const first = all.items.at(-1);
    expect(first).toMatchObject({ drill: true, status: 'stoodDown', startedBy: expect.any(String) });
    expect(first?.counts.drafted).toBeGreaterThan(0);
    expect(first?.durationSeconds).toBeGreaterThanOrEqual(0);
  });

  it('keeps drills or real ones, and pages them with a cursor without losing or repeating any', async () => {
    const real = await page('/communities/hist-a/activations?drill=false');
    expect(real.items.map((a) => a.activationId)).toEqual([pressed[1]]);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const next = await page(
        `/communities/hist-a/activations?drill=true&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...next.items.map((a) => a.activationId));
      cursor = next.nextCursor;
      pages++;
    } while (cursor && pages < 5);
    expect(seen).toEqual([pressed[3], pressed[2], pressed[0]]);
  });

  it('filters by date, and an empty range is an empty list', async () => {
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const day = await page(`/communities/hist-a/activations?from=${today}&to=${today}`);
    expect(
      day.items.map((a) => a.startedAt.slice(0, 10)),
      today,
    ).toHaveLength(4);
    expect((await page('/communities/hist-a/activations?to=2020-01-01')).items).toEqual([]);
  });

  it('refuses a bad cursor, a bad date and a range that ends before it starts, naming the field', async () => {
    expect(errorOf(await admin.get('/communities/hist-a/activations?cursor=bm9wZQ')).paths).toContain(
      'cursor',
    );
    expect(errorOf(await admin.get('/communities/hist-a/activations?from=yesterday')).paths).toContain(
      'from',
    );
    expect(
      errorOf(await admin.get('/communities/hist-a/activations?from=2026-02-01&to=2026-01-01')).paths,
    ).toContain('from');
  });

  it('merges the street’s communities on one cursor', async () => {
    const street = await page('/streets/history-st/activations?limit=3');
    expect(street.items.map((a) => a.activationId)).toEqual([pressed[3], pressed[2], pressed[1]]);
    expect(street.nextCursor).toBeDefined();
    const rest = await page(`/streets/history-st/activations?limit=3&cursor=${street.nextCursor}`);
    expect(rest.items.map((a) => a.activationId)).toEqual([pressed[0]]);
    expect((await admin.get('/streets/no-such-street/activations')).status).toBe(404);
  });
});

describe('the report', () => {
  it('carries the response curve and the distribution of time to confirm', async () => {
    const report = bodyOf(reportView.strict(), await admin.get(`/activations/${pressed[0]}/report`));
    expect(report.curve.overall[0]).toMatchObject({ minute: 0 });
    expect(report.confirmDistribution).toHaveLength(31);
  });

  it('exports as CSV with a byte order mark, one row per drafted person', async () => {
    const reply = await admin.get(`/activations/${pressed[0]}/report?format=csv`);

    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/csv/);
    expect([...(reply.bytes ?? []).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = String(reply.body).trim().split('\r\n');
    expect(lines[0]?.startsWith('姓名,队伍')).toBe(true);
    const history = await page('/communities/hist-a/activations?drill=true');
    const drafted = history.items.find((a) => a.activationId === pressed[0])?.counts.drafted;
    expect(lines).toHaveLength((drafted ?? 0) + 1);
  });

  it('answers 404 for the CSV of an unknown activation', async () => {
    const reply = await admin.get('/activations/01arz3ndektsv4rrffq69g5fav/report?format=csv');
    expect(reply.status).toBe(404);
  });
});

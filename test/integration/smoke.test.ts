import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './support/local-api';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.stop();
});

describe('the local API on DynamoDB Local', () => {
  it('answers the health check without a token', async () => {
    const reply = await api.anonymous.get('/health');
    expect(reply).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('creates a street and reads it back', async () => {
    const admin = await api.as(['admin'], ['*']);
    expect((await admin.put('/streets/s1', { name: '城关街道' })).status).toBe(201);
    expect((await admin.put('/streets/s1', { name: '城关街道' })).status).toBe(200);
    const list = await admin.get<{ items: { streetId: string }[] }>('/streets');
    expect(list.body.items.map((s) => s.streetId)).toEqual(['s1']);
  });
});

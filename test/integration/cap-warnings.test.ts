import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import * as z from 'zod';
import { parseCap } from '../../shared/domain/cap';
import { warningResult } from '../../shared/domain/proposal';
import { proposalView } from '../../shared/http/routes-cap';
import { activationView, auditPageView } from '../../shared/http/schemas';
import { capWarning, referenceTo, tomorrow } from './support/cap';
import type { Api } from './support/http-client';
import { startTestApi, type TestApi } from './support/local-api';
import { errorOf } from './support/roster';
import { modeOf, pressOk, standDown, standDownOpen } from './support/switch-api';

const DONGGUAN = 'dongguan';
const XIJIE = 'xijie';
/** The demo street 城关街道's GB/T 2260 code: it covers both demo communities. */
const STREET_CODE = '620102001000';

let api: TestApi;
let admin: Api;
let feed: Api;
let duty: Api;
let planner: Api;
let counter = 0;
const fresh = () => `62010241600000_${Date.now()}_${++counter}`;

beforeAll(async () => {
  api = await startTestApi({ seed: 'demo', smsRate: 1_000 });
  admin = await api.as(['admin'], ['*'], 'cap-admin');
  feed = await api.as(['warningFeed'], ['*'], 'cap-feed');
  duty = await api.as(['dutyOfficer'], [DONGGUAN, XIJIE], 'cap-duty');
  planner = await api.as(['planner'], [DONGGUAN, XIJIE], 'cap-planner');
});
afterEach(async () => {
  await standDownOpen(admin, [DONGGUAN, XIJIE]);
});
afterAll(async () => {
  await api?.stop();
});

const post = (xml: string, client: Api = feed) =>
  client.post('/cap/warnings', xml, { 'content-type': 'application/cap+xml' });
async function receive(xml: string, status = 201) {
  const reply = await post(xml);
  expect(reply.status, JSON.stringify(reply.body)).toBe(status);
  return warningResult.parse(reply.body);
}
async function openProposals(communityId: string) {
  const reply = await admin.get(`/communities/${communityId}/proposals`);
  expect(reply.status).toBe(200);
  return z.array(proposalView).parse(reply.body);
}
async function auditActions(communityId: string) {
  const reply = await admin.get(`/communities/${communityId}/audit?limit=50`);
  return auditPageView.parse(reply.body).items.map((e) => e.action);
}

describe('POST /cap/warnings', () => {
  it('proposes to both communities a street code covers, once however often it comes', async () => {
    const identifier = fresh();
    const xml = capWarning({ identifier, geocodes: [STREET_CODE], expires: tomorrow() });

    const first = await receive(xml, 201);
    const again = await receive(xml, 200);

    expect(first.outcome).toBe('proposed');
    expect(first.proposals.map((p) => [p.communityId, p.change, p.kind, p.level, p.drill])).toEqual([
      [DONGGUAN, 'created', 'flood', 'I', false],
      [XIJIE, 'created', 'flood', 'I', false],
    ]);
    expect(again).toEqual(first);
    for (const communityId of [DONGGUAN, XIJIE]) {
      const open = (await openProposals(communityId)).filter((p) => p.identifier === identifier);
      expect(open).toHaveLength(1);
      expect(open[0]).toMatchObject({ source: '城关区气象台', headline: '城关区气象台发布暴雨红色预警' });
    }
  });

  it('accepting one presses the switch as suggested; dismissing the other closes it', async () => {
    const identifier = fresh();
    const { proposals } = await receive(
      capWarning({ identifier, geocodes: [STREET_CODE], severity: 'Severe' }),
    );
    const proposalId = proposals[0]?.proposalId ?? '';

    const accepted = await duty.post(`/communities/${DONGGUAN}/proposals/${proposalId}/accept`, {});
    const dismissed = await duty.post(`/communities/${XIJIE}/proposals/${proposalId}/dismiss`, {
      note: '本社区地势高，不启动',
    });

    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
    const activation = activationView.parse(accepted.body);
    expect(activation).toMatchObject({
      communityId: DONGGUAN,
      mode: 'emergency',
      kind: 'flood',
      level: 'II',
    });
    expect(await modeOf(admin, DONGGUAN)).toEqual({
      mode: 'emergency',
      activationId: activation.activationId,
    });
    expect(dismissed.status).toBe(200);
    expect(proposalView.parse(dismissed.body)).toMatchObject({
      status: 'dismissed',
      note: '本社区地势高，不启动',
    });
    expect(await modeOf(admin, XIJIE)).toEqual({ mode: 'normal' });
    expect((await openProposals(DONGGUAN)).map((p) => p.proposalId)).not.toContain(proposalId);
    expect((await openProposals(XIJIE)).map((p) => p.proposalId)).not.toContain(proposalId);
    const again = await duty.post(`/communities/${DONGGUAN}/proposals/${proposalId}/accept`, {});
    expect(errorOf(again)).toMatchObject({ status: 409, code: 'PROPOSAL_CLOSED' });
    expect(await auditActions(DONGGUAN)).toEqual(
      expect.arrayContaining(['capWarning.receive', 'proposal.accept']),
    );
    expect(await auditActions(XIJIE)).toEqual(
      expect.arrayContaining(['capWarning.receive', 'proposal.dismiss']),
    );
  });

  it('a proposal is decided by its id alone: the community is the caller’s, or the one named', async () => {
    const identifier = fresh();
    const { proposals } = await receive(
      capWarning({ identifier, geocodes: [STREET_CODE], severity: 'Severe' }),
    );
    const proposalId = proposals[0]?.proposalId ?? '';
    const onlyXijie = await api.as(['dutyOfficer'], [XIJIE], 'cap-duty-xijie');
    const elsewhere = await api.as(['dutyOfficer'], ['qitaju'], 'cap-duty-elsewhere');

    // Both demo communities are the duty officer's: which one is asked for, by name.
    const ambiguous = await duty.post(`/proposals/${proposalId}/accept`, {});
    const notCovered = await duty.post(`/proposals/${proposalId}/accept`, { communityId: 'qitaju' });
    const outsider = await elsewhere.post(`/proposals/${proposalId}/dismiss`, {});
    const unknown = await duty.post(`/proposals/${'0'.repeat(32)}/accept`, {});
    const dismissed = await onlyXijie.post(`/proposals/${proposalId}/dismiss`, { note: '地势高' });
    // With xijie's proposal dismissed, dongguan's is the only one open: no name needed.
    const accepted = await duty.post(`/proposals/${proposalId}/accept`, {});

    expect(errorOf(ambiguous)).toMatchObject({ status: 400 });
    expect(JSON.stringify(ambiguous.body)).toContain('communityId');
    expect(errorOf(notCovered)).toMatchObject({ status: 400 });
    expect(JSON.stringify(notCovered.body)).toContain('communityId');
    expect(errorOf(outsider)).toMatchObject({ status: 403 });
    expect(errorOf(unknown)).toMatchObject({ status: 404 });
    expect(dismissed.status, JSON.stringify(dismissed.body)).toBe(200);
    expect(proposalView.parse(dismissed.body)).toMatchObject({ communityId: XIJIE, status: 'dismissed' });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
    expect(activationView.parse(accepted.body)).toMatchObject({ communityId: DONGGUAN, mode: 'emergency' });
    expect(await auditActions(DONGGUAN)).toEqual(expect.arrayContaining(['proposal.accept']));
    expect(await auditActions(XIJIE)).toEqual(expect.arrayContaining(['proposal.dismiss']));
  });

  it('an Update revises the open proposals and a Cancel withdraws them', async () => {
    const identifier = fresh();
    await receive(capWarning({ identifier, geocodes: [STREET_CODE], severity: 'Moderate' }));

    const updated = await receive(
      capWarning({
        identifier: fresh(),
        msgType: 'Update',
        references: referenceTo(identifier),
        severity: 'Extreme',
        headline: '暴雨红色预警升级',
        geocodes: ['620102001001'],
      }),
    );
    const ours = async (communityId: string) =>
      (await openProposals(communityId)).filter((p) => p.proposalId === updated.proposals[0]?.proposalId);

    expect(updated.proposals.map((p) => [p.communityId, p.change, p.level])).toEqual([
      [DONGGUAN, 'updated', 'I'],
      [XIJIE, 'withdrawn', 'III'],
    ]);
    expect((await ours(DONGGUAN)).map((p) => p.headline)).toEqual(['暴雨红色预警升级']);
    expect(await ours(XIJIE)).toEqual([]);

    const cancelled = await receive(
      capWarning({ identifier: fresh(), msgType: 'Cancel', references: referenceTo(identifier) }),
    );

    expect(cancelled.outcome).toBe('withdrawn');
    expect(cancelled.proposals.filter((p) => p.change === 'withdrawn').map((p) => p.communityId)).toEqual([
      DONGGUAN,
    ]);
    expect(await ours(DONGGUAN)).toEqual([]);
  });

  it('an Exercise proposes only a drill, which a planner may accept', async () => {
    const { proposals } = await receive(
      capWarning({ identifier: fresh(), status: 'Exercise', geocodes: ['620102001001'] }),
    );
    const proposalId = proposals[0]?.proposalId ?? '';

    const asReal = await planner.post(`/communities/${DONGGUAN}/proposals/${proposalId}/accept`, {
      drill: false,
    });
    const asDrill = await planner.post(`/communities/${DONGGUAN}/proposals/${proposalId}/accept`, {});

    expect(proposals.map((p) => p.drill)).toEqual([true]);
    expect(errorOf(asReal)).toMatchObject({ status: 400, paths: ['drill'] });
    expect(asDrill.status, JSON.stringify(asDrill.body)).toBe(201);
    expect(activationView.parse(asDrill.body).mode).toBe('drill');
  });

  it('a planner may not accept a real warning: the switch’s own rule', async () => {
    const { proposals } = await receive(capWarning({ identifier: fresh(), geocodes: ['620102001002'] }));
    const proposalId = proposals[0]?.proposalId ?? '';

    const reply = await planner.post(`/communities/${XIJIE}/proposals/${proposalId}/accept`, {});

    expect(errorOf(reply)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(await modeOf(admin, XIJIE)).toEqual({ mode: 'normal' });
    expect((await openProposals(XIJIE)).map((p) => p.proposalId)).toContain(proposalId);
  });

  it('a warning past its expires proposes nothing', async () => {
    const result = await receive(
      capWarning({ identifier: fresh(), geocodes: [STREET_CODE], expires: '2020-01-01T00:00:00+08:00' }),
    );

    expect(result).toMatchObject({ outcome: 'ignored', proposals: [] });
  });

  it('refuses a hostile document with the element path and records nothing', async () => {
    const identifier = fresh();
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>${capWarning(
      { identifier },
    ).replace(/^<\?xml[^>]*\?>/, '')}`;
    const missing = capWarning({ identifier }).replace(/<severity>[^<]*<\/severity>/, '');

    const refused = [await post(laughs), await post(missing)];
    const then = await receive(capWarning({ identifier, geocodes: ['620102001001'] }), 201);

    expect(refused.map((r) => errorOf(r))).toEqual([
      expect.objectContaining({ status: 400, code: 'INVALID_CAP', paths: ['body'] }),
      expect.objectContaining({ status: 400, code: 'INVALID_CAP', paths: ['alert.info[0].severity'] }),
    ]);
    expect(then.proposals.map((p) => p.change)).toEqual(['created']);
  });

  it('takes warnings only from admins and warning feeds', async () => {
    const reply = await post(capWarning({ identifier: fresh() }), duty);

    expect(errorOf(reply)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });
});

describe('GET /streets/{streetId}/cap', () => {
  it('carries the street’s latest alerts as Atom entries of CAP alerts', async () => {
    const { proposals } = await receive(capWarning({ identifier: fresh(), geocodes: ['620102001001'] }));
    const accepted = await duty.post(
      `/communities/${DONGGUAN}/proposals/${proposals[0]?.proposalId ?? ''}/accept`,
      {},
    );
    const { activationId } = activationView.parse(accepted.body);

    const reply = await duty.get('/streets/chengguan/cap');

    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toContain('application/atom+xml');
    const text = z.string().parse(reply.body);
    expect(text).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    expect(text).toContain(`<identifier>pingji-${activationId}</identifier>`);
    expect(text).toContain(`href="/activations/${activationId}/cap"`);
  });
});

/** The official OASIS CAP 1.2 schema (CAP-v1.2.xsd), as the standard publishes it. */
const CAP_SCHEMA = {
  fileName: 'CAP-v1.2.xsd',
  contents: readFileSync(new URL('../fixtures/cap/CAP-v1.2.xsd', import.meta.url), 'utf8'),
};
async function schemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({ xml: { fileName: 'alert.xml', contents: xml }, schema: CAP_SCHEMA });
  return result.valid ? [] : result.errors.map((e) => e.message);
}
async function capOf(activationId: string): Promise<string> {
  const reply = await duty.get(`/activations/${activationId}/cap`);
  expect(reply.status).toBe(200);
  expect(reply.headers.get('content-type')).toContain('application/cap+xml');
  return z.string().parse(reply.body);
}

describe('GET /activations/{activationId}/cap against the CAP 1.2 schema', () => {
  it('serves a valid Actual Alert, then a valid Cancel once stood down, each parsing back in', async () => {
    const { activationId } = await pressOk(duty, DONGGUAN, { kind: 'flood', level: 'II' });

    const alert = await capOf(activationId);
    await standDown(duty, activationId);
    const cancel = await capOf(activationId);

    expect(await schemaErrors(alert)).toEqual([]);
    expect(await schemaErrors(cancel)).toEqual([]);
    expect(parseCap(alert)).toMatchObject({ status: 'Actual', msgType: 'Alert' });
    const back = parseCap(cancel);
    expect(back).toMatchObject({ status: 'Actual', msgType: 'Cancel' });
    expect(back.references).toEqual([
      expect.objectContaining({ identifier: `pingji-${activationId}`, sender: back.sender }),
    ]);
    expect(back.infos[0]?.areas[0]?.geocodes).toEqual([{ valueName: 'GB/T 2260', value: '620102001001' }]);
  });

  it('serves a drill as a valid Exercise', async () => {
    const { activationId } = await pressOk(duty, XIJIE, { kind: 'fire', level: 'IV', drill: true });

    const exercise = await capOf(activationId);

    expect(await schemaErrors(exercise)).toEqual([]);
    expect(parseCap(exercise)).toMatchObject({ status: 'Exercise', msgType: 'Alert' });
  });

  it('the schema check can fail: an alert without its status is refused', async () => {
    const { activationId } = await pressOk(duty, XIJIE, { kind: 'fire', level: 'IV', drill: true });
    const broken = (await capOf(activationId)).replace(/<status>[^<]*<\/status>/, '');

    expect((await schemaErrors(broken)).join('\n')).toContain('status');
  });
});

import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../infra/settings';
import { voiceConfigSchema } from '../../shared/adapters/voice/settings';
import { type CfnTemplate, refTarget, roleStatements, statementsFor } from './support/cfn';
import { functionFor, roleOf } from './support/queries';
import { CHINA_TEST_REGION, synthStack } from './support/synth';

/**
 * The voice call in the stack: `-c voice='{…}'` is checked as the functions check `PINGJI_VOICE`,
 * reaches the sweep (which rings) and the callback route (which takes the reports), and lets the
 * sweep read the provider's secret, which it may not otherwise.
 */

const CHINA = {
  region: 'cn-north-1',
  smsProvider: 'tencent',
  oidcIssuer: 'https://idp.example.gov.cn/realms/pingji',
  oidcAudience: 'pingji-console',
};
const VOICE = {
  provider: 'tencent',
  appId: '1400000000',
  templateId: '1234567',
  params: ['community', 'incident', 'team', 'muster'],
  afterSeconds: 420,
};
const contextOf = (values: Record<string, unknown>) => (key: string) => values[key];

const envOf = (cfn: CfnTemplate, entry: string) => functionFor(cfn, entry).props.Environment?.Variables ?? {};
const readsSecret = (cfn: CfnTemplate, entry: string) =>
  statementsFor(roleStatements(cfn, roleOf(functionFor(cfn, entry))), 'secretsmanager').some((s) =>
    s.actions.some((a) => a.toLowerCase() === 'secretsmanager:getsecretvalue'),
  );

const synth = (voice?: typeof VOICE) =>
  synthStack(
    'prod',
    {
      identity: { kind: 'oidc', issuer: CHINA.oidcIssuer, audiences: [CHINA.oidcAudience] },
      smsProvider: { provider: 'tencent', ...(voice ? { voice: voiceConfigSchema.parse(voice) } : {}) },
    },
    CHINA_TEST_REGION,
  ).cfn;

describe('the voice call in the stack', () => {
  it('reads -c voice as JSON text or a cdk.json object, with the defaults the functions apply', () => {
    const fromCli = resolveSettings(contextOf({ ...CHINA, voice: JSON.stringify(VOICE) }), {});
    const fromCdkJson = resolveSettings(contextOf({ ...CHINA, voice: VOICE }), {});

    expect(fromCli.smsProvider.voice).toEqual({ ...VOICE, playTimes: 2 });
    expect(fromCdkJson.smsProvider.voice).toEqual(fromCli.smsProvider.voice);
    expect(resolveSettings(contextOf(CHINA), {}).smsProvider.voice).toBeUndefined();
  });

  it.each([
    [{ ...VOICE, appId: undefined }, /appId/],
    [{ ...VOICE, params: ['weather'] }, /params/],
    [{ ...VOICE, provider: 'aliyun' }, /voice\.provider aliyun must be the smsProvider \(tencent\)/],
  ])('refuses a voice call it cannot place, naming the field: %j', (voice, message) => {
    expect(() => resolveSettings(contextOf({ ...CHINA, voice: JSON.stringify(voice) }), {})).toThrow(message);
  });

  it('tells the sweep and the callback route, and lets the sweep read the provider secret', () => {
    const cfn = synth(VOICE);
    const sweep = envOf(cfn, 'timers/sweep');
    const callback = envOf(cfn, 'messaging/sms-callback');

    expect(JSON.parse(String(sweep.PINGJI_VOICE))).toEqual({ ...VOICE, playTimes: 2 });
    expect(callback.PINGJI_VOICE).toBe(sweep.PINGJI_VOICE);
    expect(refTarget(sweep.PINGJI_SMS_SECRET_ARN)).toBeDefined();
    expect(readsSecret(cfn, 'timers/sweep')).toBe(true);
  });

  it('leaves the sweep without the voice setting or the secret when the call is off', () => {
    const cfn = synth();

    expect(envOf(cfn, 'timers/sweep').PINGJI_VOICE).toBeUndefined();
    expect(envOf(cfn, 'messaging/sms-callback').PINGJI_VOICE).toBeUndefined();
    expect(readsSecret(cfn, 'timers/sweep')).toBe(false);
  });
});

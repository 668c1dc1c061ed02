import * as OpenApi from '@alicloud/openapi-core';
import { CommonClient } from 'tencentcloud-sdk-nodejs-common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProviderCallError } from '../../../../shared/adapters/sms-providers/port';
import { AliyunVoiceProvider, classifyAliyunVoice } from '../../../../shared/adapters/voice/aliyun';
import { voiceConfig, voiceParams } from '../../../../shared/adapters/voice/settings';
import { classifyTencentVoice, TencentVoiceProvider } from '../../../../shared/adapters/voice/tencent';

const credentials = async () => ({ id: 'key-id', secret: 'key-secret' });
const call = {
  phone: '+8613800138000',
  templateId: '1234567',
  params: ['幸福社区', '防汛Ⅱ级', '社区广场'],
  names: ['community', 'incident', 'muster'],
  context: 'act1|m1',
};
const failing = (code: string | undefined, message: string) =>
  Object.assign(new Error(message), code === undefined ? {} : { code });

afterEach(() => vi.restoreAllMocks());

describe('Tencent VMS', () => {
  const provider = () =>
    new TencentVoiceProvider({ credentials, region: 'ap-guangzhou', appId: '1400000001', playTimes: 2 });

  it('places SendTtsVoice through the generic client with the template, its values and the context', async () => {
    const request = vi
      .spyOn(CommonClient.prototype, 'request')
      .mockResolvedValue({ SendStatus: { CallId: 'call-1', SessionContext: 'act1|m1' } });
    await expect(provider().placeCall(call)).resolves.toBe('call-1');
    expect(request).toHaveBeenCalledWith('SendTtsVoice', {
      TemplateId: '1234567',
      TemplateParamSet: ['幸福社区', '防汛Ⅱ级', '社区广场'],
      CalledNumber: '+8613800138000',
      VoiceSdkAppid: '1400000001',
      PlayTimes: 2,
      SessionContext: 'act1|m1',
    });
  });

  it.each([
    ['RequestLimitExceeded', 'throttled'],
    [undefined, 'throttled'],
    ['LimitExceeded.DeliveryFrequencyLimit', 'frequencyLimited'],
    ['InvalidParameterValue.IncorrectPhoneNumber', 'refused'],
    ['AuthFailure.SignatureFailure', 'misconfigured'],
    ['FailedOperation.TemplateIncorrectOrUnapproved', 'misconfigured'],
  ])('a failed call with code %s is %s', async (code, kind) => {
    vi.spyOn(CommonClient.prototype, 'request').mockRejectedValue(failing(code, 'no'));
    const error = await provider()
      .placeCall(call)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderCallError);
    expect((error as ProviderCallError).failure.kind).toBe(kind);
  });

  it('classifies the account-wide daily cap as misconfigured, not as one number limited', () => {
    expect(classifyTencentVoice('LimitExceeded.AppDailyLimit').kind).toBe('misconfigured');
  });

  it('reads status, keypress and failure callbacks', () => {
    const p = provider();
    expect(
      p.parseReports({
        voiceprompt_callback: {
          result: '0',
          callid: 'call-1',
          mobile: '13800138000',
          nationcode: '86',
          accept_time: '1700000010',
          end_calltime: '1700000040',
          start_calltime: '1700000000',
        },
      }),
    ).toEqual([
      {
        callId: 'call-1',
        phone: '+8613800138000',
        outcome: 'answered',
        durationSeconds: 30,
        at: new Date(1_700_000_040_000).toISOString(),
      },
    ]);
    expect(
      p.parseReports({ voicekey_callback: { callid: 'call-1', mobile: '13800138000', keypress: '1' } }),
    ).toEqual([{ callId: 'call-1', phone: '+8613800138000', keypress: '1' }]);
    const [failed] = p.parseReports({
      voice_failure_callback: {
        callid: 'call-2',
        mobile: '13800138001',
        failure_code: 8,
        failure_reason: '空号',
      },
    });
    expect(failed).toMatchObject({ callId: 'call-2', outcome: 'failed', reason: '8 空号' });
    expect(
      p.parseReports({ voiceprompt_callback: { result: '1', callid: 'c', mobile: '1' } })[0]?.outcome,
    ).toBe('unanswered');
  });

  it('rejects a body that is no voice callback', () => {
    expect(() => provider().parseReports({ something: 1 })).toThrow();
  });
});

describe('Alibaba VMS', () => {
  const provider = () =>
    new AliyunVoiceProvider({ credentials, calledShowNumber: '057100000000', playTimes: 2 });

  it('calls SingleCallByTts as an RPC action with the template values by name', async () => {
    const callApi = vi
      .spyOn(OpenApi.default.prototype, 'callApi')
      .mockResolvedValue({ body: { Code: 'OK', CallId: '116012854210^102814' } });
    await expect(provider().placeCall(call)).resolves.toBe('116012854210^102814');
    const [params, request] = callApi.mock.calls[0] ?? [];
    expect(params).toMatchObject({
      action: 'SingleCallByTts',
      version: '2017-05-25',
      style: 'RPC',
      authType: 'AK',
    });
    expect(request?.query).toEqual({
      CalledNumber: '13800138000',
      CalledShowNumber: '057100000000',
      TtsCode: '1234567',
      TtsParam: JSON.stringify({ community: '幸福社区', incident: '防汛Ⅱ级', muster: '社区广场' }),
      PlayTimes: '2',
      OutId: 'act1|m1',
    });
  });

  it('a refusal in the answer body is classified', async () => {
    vi.spyOn(OpenApi.default.prototype, 'callApi').mockResolvedValue({
      body: { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发流控' },
    });
    const error = await provider()
      .placeCall(call)
      .catch((e: unknown) => e);
    expect((error as ProviderCallError).failure).toMatchObject({ kind: 'frequencyLimited' });
  });

  it('a thrown error is classified by its code', async () => {
    vi.spyOn(OpenApi.default.prototype, 'callApi').mockRejectedValue(failing('Throttling.User', 'slow down'));
    const error = await provider()
      .placeCall(call)
      .catch((e: unknown) => e);
    expect((error as ProviderCallError).failure.kind).toBe('throttled');
    expect(classifyAliyunVoice('InvalidAccessKeyId.NotFound').kind).toBe('misconfigured');
    expect(classifyAliyunVoice('isv.MOBILE_NUMBER_ILLEGAL').kind).toBe('refused');
  });

  it('reads VoiceReport with the key pressed, the duration and the context', () => {
    const [report] = provider().parseReports([
      {
        call_id: '116012854210^102814',
        callee: '13800138000',
        status_code: '200000',
        status_msg: '用户听完',
        duration: '32',
        dtmf: '2',
        out_id: 'act1|m1',
        end_time: '2026-12-07 18:00:00',
      },
    ]);
    expect(report).toEqual({
      callId: '116012854210^102814',
      phone: '+8613800138000',
      outcome: 'answered',
      keypress: '2',
      durationSeconds: 32,
      reason: undefined,
      at: '2026-12-07T10:00:00.000Z',
      context: 'act1|m1',
    });
    const [busy] = provider().parseReports([{ call_id: 'c', status_code: '200002', status_msg: '用户忙' }]);
    expect(busy).toMatchObject({ outcome: 'busy', reason: '200002 用户忙' });
  });
});

describe('voice configuration', () => {
  const timing = { realertAfterSeconds: 600, noResponseAfterSeconds: 1200 };
  const env = (voice: unknown) => ({ PINGJI_VOICE: JSON.stringify(voice) });
  const base = {
    provider: 'tencent',
    appId: '1400000001',
    templateId: '1234567',
    params: ['community', 'incident', 'muster'],
    afterSeconds: 900,
  };

  it('is off unless configured', () => {
    expect(voiceConfig(timing, {})).toBeUndefined();
  });

  it('takes a complete configuration, playing twice by default', () => {
    expect(voiceConfig(timing, env(base))).toMatchObject({
      provider: 'tencent',
      afterSeconds: 900,
      playTimes: 2,
    });
  });

  it.each([600, 1200, 100, 5000])(
    'refuses afterSeconds %i outside the reminder and noResponse, naming it',
    (s) => {
      expect(() => voiceConfig(timing, env({ ...base, afterSeconds: s }))).toThrow(
        /PINGJI_VOICE\.afterSeconds/,
      );
    },
  );

  it('names a missing Tencent app id and an unknown variable', () => {
    expect(() => voiceConfig(timing, env({ ...base, appId: undefined }))).toThrow(/PINGJI_VOICE\.appId/);
    expect(() => voiceConfig(timing, env({ ...base, params: ['url'] }))).toThrow(/PINGJI_VOICE\.params/);
    expect(() => voiceConfig(timing, { PINGJI_VOICE: '{' })).toThrow(/not JSON/);
  });

  it('cuts each value to the provider limit, as SMS variables are cut', () => {
    const values = {
      community: '一二三四五六七八九十一二三四五六七八九十一二',
      incident: '防汛Ⅱ级',
      team: '',
      leader: '',
      muster: '广场',
    };
    const [community, incident] = voiceParams({ params: ['community', 'incident'] }, values, 20);
    expect(community).toHaveLength(20);
    expect(community?.endsWith('…')).toBe(true);
    expect(incident).toBe('防汛Ⅱ级');
  });
});

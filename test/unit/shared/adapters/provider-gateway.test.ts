import { describe, expect, it, vi } from 'vitest';
import { SmsRejectedError, SmsThrottledError } from '../../../../shared/adapters/sms-gateway';
import {
  type ProviderBatch,
  ProviderCallError,
  type RecipientResult,
  type SmsProvider,
} from '../../../../shared/adapters/sms-providers/port';
import {
  contentContext,
  ProviderSmsGateway,
  SmsConfigurationError,
} from '../../../../shared/adapters/sms-providers/provider-gateway';
import { TEMPLATE_KEYS, type TemplateConfig } from '../../../../shared/adapters/sms-providers/templates';
import { TencentSmsProvider } from '../../../../shared/adapters/sms-providers/tencent';
import type { SmsMessage } from '../../../../shared/domain/sms';

const templates: TemplateConfig = {
  signName: '平急',
  templates: { zh: Object.fromEntries(TEMPLATE_KEYS.map((k, i) => [k, String(100000 + i)])) },
};
const alert = (teamName: string): SmsMessage => ({
  type: 'alert',
  drill: false,
  communityName: '幸福里',
  kind: 'flood',
  level: 'I',
  teamName,
  leaderName: '王建国',
  musterPoint: '东门',
  isLeader: false,
});
const sms = (to: string, i: number, team = '三网格') => ({
  to,
  body: '',
  dedupeKey: `d${i}`,
  template: { message: alert(team), locale: 'zh' as const },
});

/** A provider that records each call and takes every number, unless told how to fail. */
class RecordingProvider implements SmsProvider {
  readonly name = 'tencent' as const;
  readonly variableLimit = 6;
  readonly ack = {};
  readonly calls: ProviderBatch[] = [];
  constructor(
    readonly maxBatch = 200,
    private readonly fail?: (batch: ProviderBatch) => RecipientResult[] | undefined,
  ) {}
  async sendBatch(batch: ProviderBatch): Promise<RecipientResult[]> {
    this.calls.push(batch);
    const failed = this.fail?.(batch);
    if (failed) return failed;
    return batch.recipients.map((r, i) => ({ ...r, ok: true, messageId: `${this.calls.length}-${i}` }));
  }
  parseReceipts() {
    return [];
  }
  parseReplies() {
    return [];
  }
}

describe('ProviderSmsGateway.sendMany', () => {
  it('makes one call per content and number family, up to the provider batch size', async () => {
    const provider = new RecordingProvider(2);
    const gateway = new ProviderSmsGateway(provider, templates);
    const list = [
      sms('+8613800000001', 0),
      sms('+8613800000002', 1),
      sms('+8613800000003', 2),
      sms('+14155550100', 3),
      sms('+8613800000004', 4, '四网格'),
    ];

    const results = await gateway.sendMany(list);

    expect(results.every((r) => !(r instanceof Error))).toBe(true);
    // Different contents go in parallel: the order of the calls is not the list's.
    expect(provider.calls.map((c) => c.recipients.map((r) => r.phone)).sort()).toEqual([
      ['+14155550100'],
      ['+8613800000001', '+8613800000002'],
      ['+8613800000003'],
      ['+8613800000004'],
    ]);
    const contextOf = (phone: string) =>
      provider.calls.find((c) => c.recipients[0]?.phone === phone)?.context;
    expect(contextOf('+8613800000001')).toBe(contextOf('+8613800000003'));
    expect(contextOf('+8613800000001')).toBe(contextOf('+14155550100'));
    expect(provider.calls[0]?.context).toBe(
      contentContext(provider.calls[0]?.templateId ?? '', provider.calls[0]?.params ?? []),
    );
    expect(contextOf('+8613800000004')).not.toBe(contextOf('+8613800000001'));
    expect(gateway.batchLimit).toBe(2);
  });

  it('puts a number listed twice in a later call, and answers each message for itself', async () => {
    const provider = new RecordingProvider();
    const gateway = new ProviderSmsGateway(provider, templates);

    const results = await gateway.sendMany([
      sms('+8613800000001', 0),
      sms('+8613800000001', 1),
      sms('+8613800000002', 2),
    ]);

    expect(provider.calls.map((c) => c.recipients.map((r) => r.dedupeKey))).toEqual([['d0', 'd2'], ['d1']]);
    expect(results).toEqual([{ messageId: '1-0' }, { messageId: '2-0' }, { messageId: '1-1' }]);
  });

  it('fails every message of a call that failed, and only those; a message without a template on its own', async () => {
    const provider = new RecordingProvider(200, (batch) => {
      if (batch.params.includes('四网格'))
        throw new ProviderCallError({ kind: 'throttled', code: 'RequestLimitExceeded', reason: 'busy' });
      return undefined;
    });
    const gateway = new ProviderSmsGateway(provider, templates);
    const bare = { to: '+8613800000009', body: 'x', dedupeKey: 'd9', template: { nonsense: true } };
    const noIds = new ProviderSmsGateway(provider, { signName: '平急', templates: { zh: {} } });

    const results = await gateway.sendMany([
      sms('+8613800000001', 0),
      sms('+8613800000002', 1, '四网格'),
      bare,
    ]);
    const [unregistered] = await noIds.sendMany([sms('+8613800000001', 0)]);

    expect(results[0]).toEqual({ messageId: '1-0' });
    expect(results[1]).toBeInstanceOf(SmsThrottledError);
    expect(results[2]).toBeInstanceOf(SmsRejectedError);
    expect(unregistered).toBeInstanceOf(SmsConfigurationError);
  });
});

describe('ProviderSmsGateway.wasSent', () => {
  const check = { ...sms('+8613800000001', 0), since: '2025-11-22T08:00:00.000Z' };

  it("asks the provider for this content's context since the claim", async () => {
    const provider = Object.assign(new RecordingProvider(), { sentSince: vi.fn(async () => true) });
    const gateway = new ProviderSmsGateway(provider, templates);

    expect(await gateway.wasSent('d0', check)).toBe('yes');
    await gateway.sendMany([sms('+8613800000002', 1)]);
    expect(provider.sentSince).toHaveBeenCalledWith(
      '+8613800000001',
      provider.calls[0]?.context,
      new Date('2025-11-22T08:00:00.000Z'),
    );
  });

  it('answers unknown without a record, on an error, or when the provider cannot be asked', async () => {
    const none = Object.assign(new RecordingProvider(), { sentSince: async () => false });
    const broken = Object.assign(new RecordingProvider(), {
      sentSince: async (): Promise<boolean> => {
        throw new Error('timeout');
      },
    });
    expect(await new ProviderSmsGateway(none, templates).wasSent('d0', check)).toBe('unknown');
    expect(await new ProviderSmsGateway(broken, templates).wasSent('d0', check)).toBe('unknown');
    expect(await new ProviderSmsGateway(new RecordingProvider(), templates).wasSent('d0', check)).toBe(
      'unknown',
    );
    expect(await new ProviderSmsGateway(none, templates).wasSent('d0')).toBe('unknown');
  });

  it('reads Tencent status records by their SessionContext, from the claim time', async () => {
    const tencent = new TencentSmsProvider({
      credentials: async () => ({ id: 'x', secret: 'y' }),
      region: 'ap-guangzhou',
      smsSdkAppId: '1400000001',
      signName: '平急',
    });
    const client = await (
      tencent as unknown as { connect(): Promise<{ PullSmsSendStatusByPhoneNumber: () => Promise<unknown> }> }
    ).connect();
    const pull = vi
      .spyOn(client, 'PullSmsSendStatusByPhoneNumber')
      .mockResolvedValueOnce({
        PullSmsSendStatusSet: [{ PhoneNumber: '+8613800000001', SessionContext: 'pingji:other' }],
      })
      .mockResolvedValueOnce({
        PullSmsSendStatusSet: [{ PhoneNumber: '+8613800000001', SessionContext: 'pingji:this' }],
      })
      .mockRejectedValueOnce(Object.assign(new Error('timeout'), { code: 'InternalError.Timeout' }));
    const since = new Date('2025-11-22T08:00:00.000Z');

    expect(await tencent.sentSince('+8613800000001', 'pingji:this', since)).toBe(false);
    expect(await tencent.sentSince('+8613800000001', 'pingji:this', since)).toBe(true);
    await expect(tencent.sentSince('+8613800000001', 'pingji:this', since)).rejects.toThrow('timeout');
    expect(pull).toHaveBeenCalledWith(
      expect.objectContaining({
        PhoneNumber: '+8613800000001',
        SmsSdkAppId: '1400000001',
        BeginTime: since.getTime() / 1000,
        Offset: 0,
        Limit: 100,
      }),
    );
  });
});

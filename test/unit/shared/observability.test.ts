import { afterEach, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import { logger, maskPhonesIn, metrics } from '../../../shared/observability';

describe('maskPhonesIn', () => {
  it.each([
    ['+8613800138000', '+****8000'],
    ['13800138000', '****8000'],
    ['8613800138000', '****8000'],
    ['+85291234567', '+****4567'],
    ['call 13800138000 or +8613900139000.', 'call ****8000 or +****9000.'],
    ['phone=19912345678;', 'phone=****5678;'],
    ['"13800138000"', '"****8000"'],
  ])('masks %j as %j', (text, masked) => {
    expect(maskPhonesIn(text)).toBe(masked);
  });

  it.each([
    ['an ISO timestamp', '2025-11-22T08:26:40.123Z'],
    ['an ISO timestamp with an offset', '2025-11-22T16:26:40+08:00'],
    ['epoch milliseconds', '1763800000000'],
    ['epoch milliseconds of 2013', '1380013800000'],
    ['epoch seconds', '1763800000'],
    ['a short number', 'team 12 of 345'],
    ['a ten-digit number', '1380013800'],
    ['a twelve-digit number', '138001380001'],
    ['an 11-digit number that is not a mobile', '12345678901'],
    ['a request id', 'Ab1CdEfGhIjKlMn='],
  ])('leaves %s alone', (_label, text) => {
    expect(maskPhonesIn(text)).toBe(text);
  });
});

describe('logger', () => {
  afterEach(() => {
    logger.setLogLevel('SILENT');
    vi.restoreAllMocks();
  });

  /** Runs `log` with the logger at INFO and returns each line it printed, parsed. */
  function printed(log: () => void): { lines: Record<string, unknown>[]; raw: string } {
    const chunks: string[] = [];
    const capture = (chunk: unknown) => {
      chunks.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    logger.setLogLevel('INFO');
    log();
    logger.setLogLevel('SILENT');
    const raw = chunks.join('');
    const lines = raw
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => z.record(z.string(), z.unknown()).parse(JSON.parse(l)));
    return { lines, raw };
  }

  const PHONES = ['13800138000', '13900139000', '13700137000', '18612345678', '15011112222', '13312345678'];

  it('prints no full phone number, wherever in the entry it is', () => {
    const { lines, raw } = printed(() => {
      logger.info('alert sent to +8613800138000', {
        member: {
          name: '王伟',
          phone: '+8613900139000',
          contacts: ['13700137000', { tel: '8618612345678' }],
        },
        error: new Error('SMS to 15011112222 failed'),
      });
      logger.warn('reply from 13312345678');
    });

    expect(lines).toHaveLength(2);
    for (const phone of PHONES) expect(raw).not.toContain(phone);
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      message: 'alert sent to +****8000',
      member: { name: '王伟', phone: '+****9000', contacts: ['****7000', { tel: '****5678' }] },
      error: { message: 'SMS to ****2222 failed' },
    });
    expect(lines[1]).toMatchObject({ level: 'WARN', message: 'reply from ****5678' });
  });

  it('masks a phone passed as a number', () => {
    const { lines, raw } = printed(() => logger.info('imported', { phone: 13800138000 }));

    expect(raw).not.toContain('13800138000');
    expect(lines[0]).toMatchObject({ phone: '****8000' });
  });

  it('keeps timestamps and counts as they are', () => {
    const { lines } = printed(() =>
      logger.info('board', { startedAt: '2025-11-22T08:26:40.123Z', epochMs: 1763800000000, drafted: 42 }),
    );

    expect(lines[0]).toMatchObject({
      startedAt: '2025-11-22T08:26:40.123Z',
      epochMs: 1763800000000,
      drafted: 42,
    });
  });
});

describe('the metrics library speaks through the service logger', () => {
  afterEach(() => vi.restoreAllMocks());

  it('says nothing when an invocation recorded no metric', () => {
    const warn = vi.spyOn(logger, 'warn');
    const stdout = vi.spyOn(process.stdout, 'write');
    metrics.publishStoredMetrics();
    expect(warn).not.toHaveBeenCalled();
    expect(stdout).not.toHaveBeenCalled();
  });

  it('still warns, through the logger, about a dimension it refuses', () => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    metrics.addDimension('', 'empty name');
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining("doesn't meet the requirements"),
      expect.anything(),
    );
    metrics.clearDimensions();
  });
});

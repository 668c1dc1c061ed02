import { describe, expect, it } from 'vitest';
import { TEMPLATE_TEXTS, templateOf } from '../../../../shared/adapters/sms-providers/templates';
import { LOCALES, render, type WhistleSms } from '../../../../shared/domain/sms';
import { MAX_SEGMENTS, segments } from '../../../../shared/domain/sms-segments';
import { MAX_WHISTLE_REASON } from '../../../../shared/domain/whistle';

const longest = (n: number) => '长'.repeat(n);

const MESSAGES: WhistleSms[] = [
  {
    type: 'whistleCall',
    communityName: longest(20),
    gridName: longest(16),
    reason: longest(MAX_WHISTLE_REASON),
    code: 'AQKZJ7',
  },
  { type: 'whistleRaised', code: 'AQKZJ7', notified: 500 },
  { type: 'whistleAck', code: 'AQKZJ7', answer: 'coming' },
  { type: 'whistleAck', code: 'AQKZJ7', answer: 'coming', etaMinutes: 15 },
  { type: 'whistleAck', code: 'AQKZJ7', answer: 'declined' },
  { type: 'whistleAck', code: 'AQKZJ7', answer: 'arrived' },
  { type: 'whistleNotNeeded', code: 'AQKZJ7', gridName: longest(16) },
  { type: 'whistleClosed', code: 'AQKZJ7', gridName: longest(16), cancelled: false },
  { type: 'whistleClosed', code: 'AQKZJ7', gridName: longest(16), cancelled: true },
  { type: 'whistleReleased', code: 'AQKZJ7' },
  { type: 'whistleRefused', why: 'notLeader' },
  { type: 'whistleRefused', why: 'people' },
];

describe('whistle SMS', () => {
  it.each(MESSAGES.flatMap((m) => LOCALES.map((locale) => ({ m, locale, name: `${m.type} ${locale}` }))))(
    '$name fits in two segments with every value at its longest',
    ({ m, locale }) => {
      const text = render(m, locale);
      expect(segments(text).segments).toBeLessThanOrEqual(MAX_SEGMENTS);
      if ('code' in m) expect(text).toContain(m.code);
    },
  );

  it('cuts a long reason rather than the code or the replies', () => {
    const [call] = MESSAGES;
    if (!call) throw new Error('no call');
    const text = render(call, 'zh');
    expect(text).toContain('…');
    expect(text.endsWith('回1来，2不能，3已到')).toBe(true);
  });

  it.each(MESSAGES)('$type has a registered template with every variable it names', (m) => {
    const { key, values } = templateOf(m, 'zh');
    const text = TEMPLATE_TEXTS[key];
    expect(text).toBeDefined();
    for (const [, name] of (text?.zh ?? '').matchAll(/\{(\w+)\}/g))
      expect(values, `${key}: ${name}`).toHaveProperty(name ?? '');
  });
});

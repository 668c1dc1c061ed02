import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_ETA_MINUTES,
  MAX_REASON_LENGTH,
  normaliseReply,
  type ParsedReply,
  parseReply,
  REPLY_KINDS,
} from '../../../../shared/domain/reply';

type Case = [body: string, expected: ParsedReply];

/** Keeps each row typed as a [body, expected] pair for `it.each`. */
const table = (rows: Case[]): Case[] => rows;

describe('parseReply: the contract', () => {
  it.each(
    table([
      ['1', { kind: 'confirm' }],
      ['１', { kind: 'confirm' }],
      ['收到', { kind: 'confirm' }],
      ['确认', { kind: 'confirm' }],
      ['到', { kind: 'confirm' }],
      ['1 30', { kind: 'confirm', etaMinutes: 30 }],
      ['2', { kind: 'decline' }],
      ['２', { kind: 'decline' }],
      ['不', { kind: 'decline' }],
      ['不能', { kind: 'decline' }],
      ['请假', { kind: 'decline' }],
      ['3', { kind: 'arrived' }],
      ['３', { kind: 'arrived' }],
      ['到达', { kind: 'arrived' }],
      ['已到', { kind: 'arrived' }],
      ['TD', { kind: 'optOut' }],
      ['STOP', { kind: 'optOut' }],
      ['退订', { kind: 'optOut' }],
      ['START', { kind: 'optIn' }],
      ['恢复', { kind: 'optIn' }],
    ]),
  )('reads %j', (body, expected) => {
    expect(parseReply(body)).toEqual(expected);
  });
});

describe('parseReply: confirmations with an ETA', () => {
  it.each(
    table([
      ['1 30', { kind: 'confirm', etaMinutes: 30 }],
      ['1,30', { kind: 'confirm', etaMinutes: 30 }],
      ['1，30', { kind: 'confirm', etaMinutes: 30 }],
      ['1、30', { kind: 'confirm', etaMinutes: 30 }],
      ['1 30分', { kind: 'confirm', etaMinutes: 30 }],
      ['1 30分钟', { kind: 'confirm', etaMinutes: 30 }],
      ['1 30 分钟', { kind: 'confirm', etaMinutes: 30 }],
      ['1 30min', { kind: 'confirm', etaMinutes: 30 }],
      ['1 30 MINS', { kind: 'confirm', etaMinutes: 30 }],
      ['１ ３０', { kind: 'confirm', etaMinutes: 30 }],
      ['1　30', { kind: 'confirm', etaMinutes: 30 }],
      ['1  30。', { kind: 'confirm', etaMinutes: 30 }],
      ['1 5', { kind: 'confirm', etaMinutes: 5 }],
      ['1 030', { kind: 'confirm', etaMinutes: 30 }],
    ]),
  )('reads %j as arriving in 30 minutes or so', (body, expected) => {
    expect(parseReply(body)).toEqual(expected);
  });

  it('accepts the bounds of the ETA', () => {
    expect(parseReply('1 0')).toEqual({ kind: 'confirm', etaMinutes: 0 });
    expect(parseReply(`1 ${MAX_ETA_MINUTES}`)).toEqual({ kind: 'confirm', etaMinutes: 1440 });
  });

  it.each(['1 1441', '1 99999', `1 ${'9'.repeat(400)}`])(
    'keeps the confirmation of %j but drops an ETA beyond a day',
    (body) => {
      const result = parseReply(body);

      expect(result).toEqual({ kind: 'confirm' });
      expect(result).not.toHaveProperty('etaMinutes');
    },
  );

  it.each(['1 -5', '1 30.5', '1 半小时', '1 30小时', '收到 30', '1 30 分钟 左右'])(
    'does not guess at %j',
    (body) => {
      expect(parseReply(body)).toEqual({ kind: 'unknown' });
    },
  );
});

describe('parseReply: declines and their reasons', () => {
  it.each(
    table([
      ['2 在外地', { kind: 'decline', reason: '在外地' }],
      ['2在外地', { kind: 'decline', reason: '在外地' }],
      ['2，在外地。', { kind: 'decline', reason: '在外地' }],
      ['２ 在外地', { kind: 'decline', reason: '在外地' }],
      ['请假 腰伤', { kind: 'decline', reason: '腰伤' }],
      ['请假：腰伤', { kind: 'decline', reason: '腰伤' }],
      ['不能，孩子发烧', { kind: 'decline', reason: '孩子发烧' }],
      ['不能  孩子   发烧', { kind: 'decline', reason: '孩子 发烧' }],
      ['不，出差了', { kind: 'decline', reason: '出差了' }],
      ['不能去', { kind: 'decline', reason: '不能去' }],
      ['请假半天', { kind: 'decline', reason: '请假半天' }],
      ['不到', { kind: 'decline' }],
      ['不来', { kind: 'decline' }],
      ['不去了', { kind: 'decline' }],
      ['不行', { kind: 'decline' }],
      ['不来了，在外地', { kind: 'decline', reason: '在外地' }],
      ['不能。', { kind: 'decline' }],
      ['2 ', { kind: 'decline' }],
    ]),
  )('reads %j', (body, expected) => {
    expect(parseReply(body)).toEqual(expected);
  });

  it('keeps at most 200 characters of a reason, never half an emoji', () => {
    const reason = `${'😷'.repeat(150)}${'咳'.repeat(150)}`;

    const result = parseReply(`2 ${reason}`);

    expect(result.kind).toBe('decline');
    const kept = result.kind === 'decline' ? (result.reason ?? '') : '';
    expect(Array.from(kept)).toHaveLength(MAX_REASON_LENGTH);
    expect(kept).toBe('😷'.repeat(150) + '咳'.repeat(50));
  });

  it.each(['不到十分钟就到', '不好意思我马上到', '不知道', '不确定'])(
    'does not read %j as a decline: "不" inside a sentence may mean anything',
    (body) => {
      expect(parseReply(body)).toEqual({ kind: 'unknown' });
    },
  );
});

describe('parseReply: arrivals, opt-out and opt-in', () => {
  it.each(
    table([
      ['到达', { kind: 'arrived' }],
      ['已到', { kind: 'arrived' }],
      ['已到达', { kind: 'arrived' }],
      ['已到！', { kind: 'arrived' }],
      ['到', { kind: 'confirm' }],
      ['到！', { kind: 'confirm' }],
      ['td', { kind: 'optOut' }],
      ['Td', { kind: 'optOut' }],
      ['ＴＤ', { kind: 'optOut' }],
      ['ｔｄ', { kind: 'optOut' }],
      ['Stop', { kind: 'optOut' }],
      ['stop.', { kind: 'optOut' }],
      ['TD退订', { kind: 'optOut' }],
      ['退订。', { kind: 'optOut' }],
      ['start', { kind: 'optIn' }],
      ['Start', { kind: 'optIn' }],
      ['ＳＴＡＲＴ', { kind: 'optIn' }],
      ['恢复', { kind: 'optIn' }],
    ]),
  )('reads %j', (body, expected) => {
    expect(parseReply(body)).toEqual(expected);
  });
});

describe('parseReply: normalisation', () => {
  it.each(
    table([
      ['  1  ', { kind: 'confirm' }],
      ['\n1\r\n', { kind: 'confirm' }],
      ['\t３\t', { kind: 'arrived' }],
      ['1。', { kind: 'confirm' }],
      ['1!!!', { kind: 'confirm' }],
      ['1！', { kind: 'confirm' }],
      ['1…', { kind: 'confirm' }],
      ['收到，', { kind: 'confirm' }],
      ['确认；', { kind: 'confirm' }],
      ['“1”', { kind: 'confirm' }],
      ['\u200b1\ufeff', { kind: 'confirm' }],
      ['　ＴＤ　', { kind: 'optOut' }],
    ]),
  )('reads %j', (body, expected) => {
    expect(parseReply(body)).toEqual(expected);
  });

  it('turns full-width forms into ASCII and collapses whitespace', () => {
    expect(normaliseReply('　１，　３０分钟！ ')).toBe('1, 30分钟');
    expect(normaliseReply('ＳＴＯＰ')).toBe('STOP');
  });
});

describe('parseReply: anything else', () => {
  it.each([
    '',
    ' ',
    '\n\t　',
    '。',
    '👍',
    '1👍',
    '🙏🏻',
    '12',
    '13',
    '21',
    '4',
    '0',
    '11',
    '1 2 3',
    'yes',
    'ok',
    '好的',
    '1到',
    '到了吗',
    '我到',
    'T D',
    'stopp',
    '退订吧',
    'STARTS',
    '我现在在外地出差，大概要明天晚上才能回来，到时候再联系社区。'.repeat(10),
  ])('reads %j as unknown', (body) => {
    expect(parseReply(body)).toEqual({ kind: 'unknown' });
  });

  // Any code point (lone surrogates included), and noise built from the grammar's own pieces, which
  // reaches the branches that random text hardly ever does.
  const anyText = fc.oneof(
    fc.string(),
    fc
      .array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength: 40 })
      .map((cps) => String.fromCodePoint(...cps)),
    fc
      .array(
        fc.constantFrom(
          '1',
          '2',
          '3',
          '30',
          ' ',
          '，',
          '。',
          '！',
          '不',
          '到',
          '已',
          '能',
          'T',
          'd',
          'ｓｔｏｐ',
          '分钟',
          '😀',
          '\u200b',
        ),
        { maxLength: 12 },
      )
      .map((parts) => parts.join('')),
  );

  it('never throws and always answers with one of the kinds, for any text', () => {
    fc.assert(
      fc.property(anyText, (body) => {
        const result = parseReply(body);

        expect(REPLY_KINDS).toContain(result.kind);
        if (result.kind === 'confirm' && result.etaMinutes !== undefined) {
          expect(Number.isInteger(result.etaMinutes)).toBe(true);
          expect(result.etaMinutes).toBeGreaterThanOrEqual(0);
          expect(result.etaMinutes).toBeLessThanOrEqual(MAX_ETA_MINUTES);
        }
        if (result.kind === 'decline' && result.reason !== undefined) {
          expect(result.reason).toBe(result.reason.trim());
          expect(result.reason.length).toBeGreaterThan(0);
          expect(Array.from(result.reason).length).toBeLessThanOrEqual(MAX_REASON_LENGTH);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a reply the same whatever spaces and trailing punctuation surround it', () => {
    const reply = fc.constantFrom('1', '2', '3', '1 30', '收到', '请假 腰伤', 'TD', 'start', '不到', '12');
    const padding = fc.constantFrom('', ' ', '　', '\n', '\t ');
    const ending = fc.constantFrom('', '。', '!', '！', '，', '.', '~');

    fc.assert(
      fc.property(reply, padding, padding, ending, (body, before, after, end) => {
        expect(parseReply(`${before}${body}${end}${after}`)).toEqual(parseReply(body));
      }),
    );
  });
});

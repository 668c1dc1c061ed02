import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  INCIDENT_KINDS,
  type IncidentKind,
  KIND_LABELS,
  LEVEL_LABELS,
  LEVELS,
  type Level,
} from '../../../../shared/domain/incident';
import { LIMITS } from '../../../../shared/domain/roster';
import {
  type CalloutVars,
  DRILL_MARK,
  LOCALES,
  type Locale,
  render,
  SIGNATURE,
  SMS_VARIABLE_LIMITS,
  type SmsMessage,
} from '../../../../shared/domain/sms';
import { MAX_SEGMENTS, segments } from '../../../../shared/domain/sms-segments';

type Names = { communityName: string; teamName: string; leaderName: string; musterPoint: string };

const sample: Names = {
  communityName: '幸福里社区',
  teamName: '三网格',
  leaderName: '王建国',
  musterPoint: '社区广场东门',
};

/** Names at the schema's limits, built from one repeated character (an emoji counts 2 units). */
function namesOf(ch: string): Names {
  const fill = (limit: number) => ch.repeat(Math.floor(limit / ch.length));
  return {
    communityName: fill(LIMITS.communityName),
    teamName: fill(LIMITS.gridName),
    leaderName: fill(LIMITS.memberName),
    musterPoint: fill(LIMITS.musterPoint),
  };
}

/** Every registered template variant, filled with the given names and the longest fixed values. */
function everyMessage(names: Names): SmsMessage[] {
  const messages: SmsMessage[] = [];
  for (const drill of [false, true]) {
    for (const kind of INCIDENT_KINDS) {
      for (const level of LEVELS) {
        for (const isLeader of [false, true]) {
          for (const backfill of [false, true]) {
            const vars: CalloutVars = { drill, kind, level, isLeader, backfill, ...names };
            messages.push({ type: 'alert', ...vars }, { type: 'reminder', ...vars });
          }
        }
      }
      messages.push({ type: 'standDown', drill, kind, communityName: names.communityName });
    }
    messages.push(
      { type: 'notNeeded', drill, communityName: names.communityName },
      { type: 'ackConfirmed', drill, musterPoint: names.musterPoint },
      { type: 'ackConfirmed', drill, musterPoint: names.musterPoint, etaMinutes: 0 },
      { type: 'ackConfirmed', drill, musterPoint: names.musterPoint, etaMinutes: 1440 },
      { type: 'ackArrived', drill, musterPoint: names.musterPoint },
      { type: 'ackDeclined', drill },
      { type: 'help', drill },
      {
        type: 'shortfall',
        drill,
        teamName: names.teamName,
        missing: 999,
        backfilled: 999,
        reservesLeft: 999,
      },
    );
  }
  messages.push({ type: 'noActiveCallout' }, { type: 'optedOut' }, { type: 'optedIn' });
  return messages;
}

const isDrill = (m: SmsMessage): boolean => 'drill' in m && m.drill;

/** The text values a message shows in full when nothing had to be cut. */
function textsOf(m: SmsMessage): string[] {
  switch (m.type) {
    case 'alert':
      return [m.communityName, m.teamName, ...(m.isLeader ? [] : [m.leaderName]), m.musterPoint];
    case 'reminder':
      return [m.communityName, m.musterPoint];
    case 'standDown':
    case 'notNeeded':
      return [m.communityName];
    case 'ackConfirmed':
    case 'ackArrived':
      return [m.musterPoint];
    case 'shortfall':
      return [m.teamName];
    default:
      return [];
  }
}

const callout = (over: Partial<CalloutVars> = {}): CalloutVars => ({
  drill: false,
  kind: 'flood',
  level: 'II',
  isLeader: false,
  ...sample,
  ...over,
});
const alert = (over: Partial<CalloutVars> = {}): SmsMessage => ({ type: 'alert', ...callout(over) });
const reminder = (over: Partial<CalloutVars> = {}): SmsMessage => ({ type: 'reminder', ...callout(over) });

describe('segments', () => {
  it('counts the empty text as no segment at all', () => {
    expect(segments('')).toEqual({ encoding: 'GSM-7', units: 0, segments: 0 });
  });

  it.each([
    [160, 1],
    [161, 2],
    [306, 2],
    [307, 3],
  ])('puts %i GSM-7 septets in %i segment(s)', (length, expected) => {
    const result = segments('a'.repeat(length));

    expect(result).toEqual({ encoding: 'GSM-7', units: length, segments: expected });
  });

  it.each([
    [70, 1],
    [71, 2],
    [134, 2],
    [135, 3],
  ])('puts %i UCS-2 units in %i segment(s)', (length, expected) => {
    const result = segments('平'.repeat(length));

    expect(result).toEqual({ encoding: 'UCS-2', units: length, segments: expected });
  });

  it.each(['^', '{', '}', '\\', '[', '~', ']', '|', '€', '\f'])(
    'counts extension character %j as 2 septets',
    (ch) => {
      expect(segments(`a${ch}`)).toEqual({ encoding: 'GSM-7', units: 3, segments: 1 });
    },
  );

  it('fills one segment with 80 euro signs and needs a second for one more septet', () => {
    expect(segments('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(segments(`${'€'.repeat(80)}a`)).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
  });

  it('keeps the GSM 03.38 letters and symbols outside ASCII in GSM-7', () => {
    const text = '@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r';

    expect(segments(text)).toEqual({ encoding: 'GSM-7', units: [...text].length, segments: 1 });
  });

  it.each(['中', '…', '`', 'ç', '😀', '【'])('switches the whole text to UCS-2 for %j', (ch) => {
    const result = segments(`${'a'.repeat(100)}${ch}`);

    expect(result.encoding).toBe('UCS-2');
    expect(result.units).toBe(100 + ch.length);
    expect(result.segments).toBe(2);
  });

  it('counts an emoji as two UTF-16 units', () => {
    expect(segments('😀'.repeat(35))).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(segments(`${'😀'.repeat(35)}平`)).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
  });

  it('never splits a surrogate pair between two parts', () => {
    const split = `${'平'.repeat(66)}😀${'平'.repeat(66)}`;
    const aligned = `${'平'.repeat(67)}😀${'平'.repeat(65)}`;

    expect(segments(split)).toEqual({ encoding: 'UCS-2', units: 134, segments: 3 });
    expect(segments(aligned)).toEqual({ encoding: 'UCS-2', units: 134, segments: 2 });
  });

  it('never splits an escape sequence between two parts', () => {
    const split = `${'a'.repeat(152)}€${'a'.repeat(152)}`;
    const aligned = `${'a'.repeat(151)}€${'a'.repeat(153)}`;

    expect(segments(split)).toEqual({ encoding: 'GSM-7', units: 306, segments: 3 });
    expect(segments(aligned)).toEqual({ encoding: 'GSM-7', units: 306, segments: 2 });
  });
});

describe('render: the segment budget', () => {
  const cases: [string, Names][] = [
    ['wide CJK names', namesOf('龘')],
    ['Latin names', namesOf('W')],
    ['emoji names', namesOf('😀')],
    ['extension-character names', namesOf('€')],
  ];

  it.each(
    cases.flatMap(([label, names]) =>
      LOCALES.map((locale): [string, Locale, Names] => [label, locale, names]),
    ),
  )('keeps every template within two segments with %s at the limits (%s)', (_label, locale, names) => {
    const counts = everyMessage(names).map((m) => segments(render(m, locale)).segments);

    expect(Math.max(...counts)).toBeLessThanOrEqual(MAX_SEGMENTS);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
  });

  it('fits Chinese messages with CJK names at the limits without cutting anything', () => {
    for (const m of everyMessage(namesOf('龘'))) {
      const text = render(m, 'zh');

      expect(text).not.toContain('…');
      for (const value of textsOf(m)) expect(text).toContain(value);
    }
  });

  it('fits English messages with Latin names at the limits in GSM-7 without cutting anything', () => {
    for (const m of everyMessage(namesOf('W'))) {
      const text = render(m, 'en');

      expect(segments(text).encoding).toBe('GSM-7');
      expect(text).not.toContain('…');
      for (const value of textsOf(m)) expect(text).toContain(value);
    }
  });

  it('fits English real alerts and every reminder with typical Chinese names without cutting them', () => {
    const uncut = everyMessage(sample).filter(
      (m) => (m.type === 'alert' && !m.drill && !m.backfill) || m.type === 'reminder',
    );

    for (const m of uncut) {
      const text = render(m, 'en');

      expect(text).not.toContain('…');
      for (const value of textsOf(m)) expect(text).toContain(value);
    }
  });

  it('gives the muster point the room left over when English needs Chinese names cut', () => {
    const m = alert({ drill: true, kind: 'publicHealth', level: 'III', ...namesOf('龘') });

    const text = render(m, 'en');
    const shownLength = (label: RegExp) => (label.exec(text)?.[1] ?? '').length;

    expect(segments(text)).toMatchObject({ encoding: 'UCS-2', units: 134, segments: 2 });
    expect(shownLength(/Go to (龘*)…/)).toBeGreaterThanOrEqual(shownLength(/\] (龘*)… public/));
    expect(shownLength(/Go to (龘*)…/)).toBeGreaterThan(0);
  });

  it('cuts overlong values with an ellipsis until the message fits', () => {
    const long = namesOf('龘');
    const names: Names = {
      communityName: long.communityName.repeat(10),
      teamName: long.teamName.repeat(10),
      leaderName: long.leaderName.repeat(10),
      musterPoint: long.musterPoint.repeat(10),
    };

    // The longest labels leave the least room; the other kinds and levels only have more.
    const longest = everyMessage(names).filter(
      (m) => !('kind' in m) || (m.kind === 'publicHealth' && (!('level' in m) || m.level === 'III')),
    );

    for (const locale of LOCALES) {
      for (const m of longest) {
        const text = render(m, locale);

        expect(segments(text).segments).toBeLessThanOrEqual(MAX_SEGMENTS);
        if (textsOf(m).length > 0) expect(text).toContain('…');
      }
    }
  });

  it('cuts the longest value first and leaves the short ones whole', () => {
    const m = alert({ musterPoint: '东门'.repeat(200) });

    const text = render(m, 'zh');

    expect(segments(text).segments).toBeLessThanOrEqual(MAX_SEGMENTS);
    expect(text).toContain(`${sample.communityName}防汛`);
    expect(text).toContain(`队长${sample.leaderName}，速到东门东门`);
    expect(text).toMatch(/速到(东门)+东?…集合。/);
  });

  it('cuts equally long values to one length and gives what room is left to the muster point', () => {
    const m = alert({
      communityName: '社'.repeat(40),
      teamName: '网'.repeat(40),
      leaderName: '王'.repeat(40),
      musterPoint: '门'.repeat(40),
    });

    const text = render(m, 'zh');
    const shownCount = (ch: string) => Array.from(text).filter((c) => c === ch).length;

    expect(segments(text)).toMatchObject({ units: 134, segments: 2 });
    expect(shownCount('网')).toBe(shownCount('社'));
    expect(shownCount('王')).toBe(shownCount('社'));
    expect(shownCount('门')).toBe(shownCount('社') + 1);
  });

  it('cuts whole graphemes, never half an emoji', () => {
    const m = alert({ musterPoint: '👨‍👩‍👧'.repeat(100) });

    const text = render(m, 'zh');
    const shown = /速到(.*)…集合/u.exec(text)?.[1] ?? 'missing';

    expect(shown.length).toBeGreaterThan(0);
    expect(shown.replaceAll('👨‍👩‍👧', '')).toBe('');
  });

  it('survives a value far too long to fit, in both locales', () => {
    const huge = '龘'.repeat(100_000);

    for (const locale of LOCALES) {
      const text = render(
        alert({ communityName: huge, teamName: huge, leaderName: huge, musterPoint: huge }),
        locale,
      );

      expect(segments(text).segments).toBeLessThanOrEqual(MAX_SEGMENTS);
    }
  });

  it('gives each text variable the roster limit it is checked against', () => {
    expect(SMS_VARIABLE_LIMITS).toEqual({ communityName: 20, teamName: 16, leaderName: 20, musterPoint: 30 });
  });
});

describe('render: signature and drill mark', () => {
  it.each(LOCALES)('opens every message with the signature, then the drill mark on drills (%s)', (locale) => {
    for (const m of everyMessage(sample)) {
      const text = render(m, locale);
      const prefix = SIGNATURE[locale] + (isDrill(m) ? DRILL_MARK[locale] : '');

      expect(text.startsWith(prefix)).toBe(true);
    }
  });

  it.each(LOCALES)('never shows the drill mark on a real message (%s)', (locale) => {
    for (const m of everyMessage(sample).filter((x) => !isDrill(x))) {
      const text = render(m, locale);

      expect(text).not.toContain('【演练】');
      expect(text.toUpperCase()).not.toContain('[DRILL]');
      expect(text).not.toContain('演练');
    }
  });

  it.each(LOCALES)('does not let a name forge a drill mark or a second signature (%s)', (locale) => {
    const forged: Names = {
      communityName: '【演练】幸福里',
      teamName: '[DRILL]',
      leaderName: '［drill］王',
      musterPoint: '【平急】东门',
    };

    for (const m of everyMessage(forged).filter((x) => !isDrill(x))) {
      const text = render(m, locale);

      expect(text).not.toContain('【演练】');
      expect(text.toUpperCase()).not.toContain('[DRILL]');
      expect(text.indexOf('【', 1)).toBe(-1);
    }
  });

  it('uses Chinese when no locale is given', () => {
    const m = alert();

    expect(render(m)).toBe(render(m, 'zh'));
    expect(render(m).startsWith('【平急】')).toBe(true);
  });
});

describe('render: what each message says', () => {
  it('renders the Chinese alert from the registered template', () => {
    expect(render(alert(), 'zh')).toBe(
      '【平急】幸福里社区防汛Ⅱ级响应：您在三网格先锋队，队长王建国，速到社区广场东门集合。回1来，2不能，3已到；TD退订',
    );
  });

  it('renders the English alert from the registered template', () => {
    expect(render(alert({ drill: true }), 'en')).toBe(
      "[Pingji] [DRILL] 幸福里社区 flood alert level II. Vanguard team 三网格, leader 王建国. Go to 社区广场东门. Reply 1=coming 2=can't 3=arrived TD=stop",
    );
  });

  it.each(INCIDENT_KINDS.flatMap((kind) => LEVELS.map((level): [IncidentKind, Level] => [kind, level])))(
    'names the community, the incident (%s, %s), the team, its leader, the muster point and the replies',
    (kind, level) => {
      for (const locale of LOCALES) {
        const text = render(alert({ kind, level }), locale);

        for (const value of Object.values(sample)) expect(text).toContain(value);
        expect(text).toContain(KIND_LABELS[kind][locale]);
        expect(text).toContain(LEVEL_LABELS[level][locale]);
        expect(text).toContain(locale === 'zh' ? '先锋队' : 'anguard team');
        expect(text).toMatch(
          locale === 'zh' ? /回1来，2不能，3已到/ : /Reply 1=coming 2=can't 3=arrived TD=stop/,
        );
        expect(text).toContain('TD');
      }
    },
  );

  it('tells a leader that they lead the team instead of naming someone else', () => {
    const zh = render(alert({ isLeader: true, leaderName: '李四' }), 'zh');
    const en = render(alert({ isLeader: true, leaderName: 'Li Si' }), 'en');

    expect(zh).toContain('您任三网格先锋队队长');
    expect(zh).not.toContain('李四');
    expect(en).toContain('You lead vanguard team 三网格');
    expect(en).not.toContain('Li Si');
  });

  it('tells a reserve that they are filling a place', () => {
    expect(render(alert({ backfill: true }), 'zh')).toContain('您补入三网格先锋队');
    expect(render(alert({ backfill: true, isLeader: true }), 'zh')).toContain('您补任三网格先锋队队长');
    expect(render(alert({ backfill: true }), 'en')).toContain('Join vanguard team');
  });

  it.each(LOCALES)(
    'makes the reminder shorter than the alert, says it is one and repeats the replies (%s)',
    (locale) => {
      const m = reminder();

      const text = render(m, locale);

      expect(text.length).toBeLessThan(render(alert(), locale).length);
      expect(text).toContain(locale === 'zh' ? '再次提醒' : 'Reminder');
      expect(text).toContain(sample.musterPoint);
      expect(text).toMatch(
        locale === 'zh' ? /回1来，2不能，3已到；TD退订$/ : /Reply 1=coming 2=can't 3=arrived TD=stop$/,
      );
    },
  );

  it('lists every reply in the help message', () => {
    const zh = render({ type: 'help', drill: false }, 'zh');
    const en = render({ type: 'help', drill: false }, 'en');

    for (const token of ['1 能来', '1 30', '2 不能来', '3 已到达', 'TD退订']) expect(zh).toContain(token);
    for (const token of ['1=coming', '1 30', "2=can't", '3=arrived', 'TD=stop']) expect(en).toContain(token);
  });

  it('thanks everyone when the response is stood down', () => {
    const m: SmsMessage = { type: 'standDown', drill: false, communityName: '幸福里社区', kind: 'flood' };

    expect(render(m, 'zh')).toBe('【平急】幸福里社区防汛应急响应已结束，恢复平时。感谢您的付出！');
    expect(render(m, 'en')).toContain('response is over');
  });

  it('tells a reserve who was never needed that they are not needed this time', () => {
    const m: SmsMessage = { type: 'notNeeded', drill: true, communityName: '幸福里社区' };

    expect(render(m, 'zh')).toBe('【平急】【演练】幸福里社区本次响应人员已足，您无需到场。感谢您的响应！');
    expect(render(m, 'en')).toContain('not needed this time');
  });

  it.each([
    [undefined, '您能来', "you're coming"],
    [0, '您马上到', 'right away'],
    [30, '您约30分钟后到', 'in about 30 min'],
  ])('acknowledges a confirmation with ETA %s', (etaMinutes, zh, en) => {
    const m: SmsMessage = { type: 'ackConfirmed', drill: false, musterPoint: '东门', etaMinutes };

    expect(render(m, 'zh')).toBe(`【平急】已收到，${zh}。请到东门集合，到达后回3。`);
    expect(render(m, 'en')).toContain(en);
  });

  it('acknowledges an arrival, a decline, and an opt-out and opt-in', () => {
    expect(render({ type: 'ackArrived', drill: false, musterPoint: '东门' }, 'zh')).toContain('您到达东门');
    expect(render({ type: 'ackDeclined', drill: false }, 'zh')).toContain('不能参加');
    expect(render({ type: 'optedOut' }, 'zh')).toContain('“恢复”');
    expect(render({ type: 'optedOut' }, 'en')).toContain('START');
    expect(render({ type: 'optedIn' }, 'zh')).toContain('TD');
    expect(render({ type: 'noActiveCallout' }, 'zh')).toBe('【平急】目前没有需要您回复的召集，谢谢！');
  });

  it('tells a leader how short the team is and what the reserves can still give', () => {
    const m: SmsMessage = {
      type: 'shortfall',
      drill: false,
      teamName: '三网格',
      missing: 2,
      backfilled: 3,
      reservesLeft: 1,
    };

    expect(render(m, 'zh')).toBe('【平急】三网格先锋队尚缺2人，已从后备补入3人，后备还剩1人。');
    expect(render(m, 'en')).toBe('[Pingji] Vanguard team 三网格 is 2 short: 3 reserves called in, 1 left.');
  });

  it('shows counts as whole non-negative numbers', () => {
    const m: SmsMessage = {
      type: 'shortfall',
      drill: false,
      teamName: 'A',
      missing: -1,
      backfilled: 2.7,
      reservesLeft: Number.NaN,
    };

    expect(render(m, 'en')).toBe('[Pingji] Vanguard team A is 0 short: 2 reserves called in, 0 left.');
  });

  it('puts a name with line breaks on one line', () => {
    const text = render(alert({ musterPoint: '东门\n 北侧\t停车场' }), 'zh');

    expect(text).toContain('速到东门 北侧 停车场集合');
    expect(text).not.toMatch(/[\n\t]/);
  });
});

describe('render: properties', () => {
  const cjk = fc.integer({ min: 0x4e00, max: 0x9fff }).map((c) => String.fromCodePoint(c));
  const latin = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz .-'.split(''));
  const emoji = fc.integer({ min: 0x1f300, max: 0x1faff }).map((c) => String.fromCodePoint(c));
  const anyCodePoint = fc.integer({ min: 0x20, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
  const pools = [cjk, latin, emoji, fc.oneof(cjk, latin, emoji, anyCodePoint)];

  /** A value of at most `limit` UTF-16 units (what the schema counts), often at the limit. */
  const within = (limit: number) =>
    fc
      .oneof(
        ...pools.map((pool) => fc.array(pool, { minLength: 1, maxLength: limit })),
        ...pools.map((pool) => fc.array(pool, { minLength: limit, maxLength: limit })),
      )
      .map((chars) => {
        let value = '';
        for (const ch of chars) if (value.length + ch.length <= limit) value += ch;
        return value;
      });

  const names = (scale: number): fc.Arbitrary<Names> =>
    fc.record({
      communityName: within(LIMITS.communityName * scale),
      teamName: within(LIMITS.gridName * scale),
      leaderName: within(LIMITS.memberName * scale),
      musterPoint: within(LIMITS.musterPoint * scale),
    });

  const message = (scale: number): fc.Arbitrary<SmsMessage> => {
    const base = fc.record({
      n: names(scale),
      drill: fc.boolean(),
      kind: fc.constantFrom(...INCIDENT_KINDS),
      level: fc.constantFrom(...LEVELS),
      isLeader: fc.boolean(),
      backfill: fc.boolean(),
      etaMinutes: fc.option(fc.integer({ min: 0, max: 1440 }), { nil: undefined }),
      count: fc.nat({ max: 99_999 }),
    });
    return fc.oneof(
      base.map(({ n, drill, kind, level, isLeader, backfill }): SmsMessage => {
        return { type: 'alert', drill, kind, level, isLeader, backfill, ...n };
      }),
      base.map(({ n, drill, kind, level, isLeader, backfill }): SmsMessage => {
        return { type: 'reminder', drill, kind, level, isLeader, backfill, ...n };
      }),
      base.map(
        ({ n, drill, kind }): SmsMessage => ({
          type: 'standDown',
          drill,
          kind,
          communityName: n.communityName,
        }),
      ),
      base.map(({ n, drill }): SmsMessage => ({ type: 'notNeeded', drill, communityName: n.communityName })),
      base.map(({ n, drill, etaMinutes }): SmsMessage => {
        return { type: 'ackConfirmed', drill, musterPoint: n.musterPoint, etaMinutes };
      }),
      base.map(({ n, drill }): SmsMessage => ({ type: 'ackArrived', drill, musterPoint: n.musterPoint })),
      base.map(({ n, drill, count }): SmsMessage => {
        return {
          type: 'shortfall',
          drill,
          teamName: n.teamName,
          missing: count,
          backfilled: count,
          reservesLeft: count,
        };
      }),
    );
  };

  it('keeps any message with names up to the limits within two segments, signed, in both locales', () => {
    fc.assert(
      fc.property(message(1), fc.constantFrom(...LOCALES), (m, locale) => {
        const text = render(m, locale);

        expect(segments(text).segments).toBeLessThanOrEqual(MAX_SEGMENTS);
        expect(text.startsWith(SIGNATURE[locale] + (isDrill(m) ? DRILL_MARK[locale] : ''))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps any message within two segments however long its names are', () => {
    fc.assert(
      fc.property(message(8), fc.constantFrom(...LOCALES), (m, locale) => {
        expect(segments(render(m, locale)).segments).toBeLessThanOrEqual(MAX_SEGMENTS);
      }),
      { numRuns: 200 },
    );
  });

  it('never cuts a Chinese alert whose names are within the limits and outside the astral planes', () => {
    const letter = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'.split(''));
    const word = (limit: number) =>
      fc.array(fc.oneof(cjk, letter), { minLength: 1, maxLength: limit }).map((chars) => chars.join(''));
    const bmp = fc.record({
      communityName: word(LIMITS.communityName),
      teamName: word(LIMITS.gridName),
      leaderName: word(LIMITS.memberName),
      musterPoint: word(LIMITS.musterPoint),
    });

    fc.assert(
      fc.property(bmp, fc.boolean(), fc.boolean(), fc.boolean(), (n, drill, isLeader, backfill) => {
        const m = alert({ ...n, drill, isLeader, backfill, kind: 'publicHealth', level: 'III' });

        const text = render(m, 'zh');

        expect(text).not.toContain('…');
        for (const value of textsOf(m)) expect(text).toContain(value);
      }),
      { numRuns: 300 },
    );
  });
});

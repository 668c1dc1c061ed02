import { describe, expect, it } from 'vitest';
import type { Activation } from '../../../../shared/domain/activation';
import {
  activationToCap,
  capDateTime,
  coveredPrefixes,
  coverPrefix,
  parseCap,
  suggestionOf,
} from '../../../../shared/domain/cap';
import {
  CAP_NAMESPACE,
  KIND_TO_CAP,
  kindOfEvent,
  LEVEL_TO_CAP,
  SEVERITY_TO_LEVEL,
} from '../../../../shared/domain/cap-mapping';
import { PayloadTooLargeError, ValidationError } from '../../../../shared/domain/errors';

const activation = (over: Partial<Activation> = {}): Activation => ({
  activationId: '01jabc',
  communityId: 'xinghua',
  communityName: '杏花社区 & <东>',
  kind: 'flood',
  level: 'II',
  drill: false,
  locale: 'zh',
  status: 'active',
  startedAt: '2026-07-01T02:03:04.567Z',
  startedBy: 'duty-1',
  teams: [],
  unitIds: [],
  drafted: 12,
  reserves: 2,
  ...over,
});
const context = { sender: 'pingji.example.cn', areaCode: '440106001001' };

/** A warning as a meteorological bureau would send it, with the parts a test changes. */
const warning = (
  over: {
    status?: string;
    msgType?: string;
    references?: string;
    expires?: string;
    ns?: string;
    info?: string;
  } = {},
) => `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="${over.ns ?? CAP_NAMESPACE}">
  <identifier>44000041600000_20260701100000</identifier>
  <sender>440100000000@12379.cn</sender>
  <sent>2026-07-01T10:00:00+08:00</sent>
  <status>${over.status ?? 'Actual'}</status>
  <msgType>${over.msgType ?? 'Alert'}</msgType>
  <scope>Public</scope>
  ${over.references ? `<references>${over.references}</references>` : ''}
  ${
    over.info ??
    `<info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>暴雨</event>
    <urgency>Immediate</urgency>
    <severity>Extreme</severity>
    <certainty>Observed</certainty>
    ${over.expires ? `<expires>${over.expires}</expires>` : ''}
    <senderName>天河区气象台</senderName>
    <headline>天河区气象台发布暴雨红色预警</headline>
    <area>
      <areaDesc>天河区沙河街道</areaDesc>
      <geocode><valueName>GB/T 2260</valueName><value>440106001000</value></geocode>
    </area>
  </info>`
  }
</alert>`;

const issueOf = (fn: () => unknown): { path: string; message: string } | undefined => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.details[0] as { path: string; message: string };
    throw error;
  }
  return undefined;
};

describe('mapping tables', () => {
  it('maps every level to an urgency, a severity and a certainty, and severity back to the level', () => {
    expect(LEVEL_TO_CAP.I.severity).toBe('Extreme');
    expect(LEVEL_TO_CAP.IV.severity).toBe('Minor');
    for (const [level, cap] of Object.entries(LEVEL_TO_CAP))
      expect(SEVERITY_TO_LEVEL[cap.severity]).toBe(level);
  });

  it('maps each kind to a category and an event that names the kind again', () => {
    expect(KIND_TO_CAP.earthquake.category).toBe('Geo');
    for (const [kind, cap] of Object.entries(KIND_TO_CAP)) {
      expect(kindOfEvent(cap.zh, [cap.category])).toBe(kind);
      expect(kindOfEvent(cap.en, [cap.category])).toBe(kind);
    }
  });

  it('reads official event names, and falls back on the category, then on other', () => {
    expect(kindOfEvent('暴雨红色预警')).toBe('flood');
    expect(kindOfEvent('台风')).toBe('flood');
    expect(kindOfEvent('森林火险')).toBe('fire');
    expect(kindOfEvent('道路结冰')).toBe('snowstorm');
    expect(kindOfEvent('余震', ['Geo'])).toBe('earthquake');
    expect(kindOfEvent('大雾', ['Met'])).toBe('other');
  });

  it('writes CAP times in China Standard Time without fractions', () => {
    expect(capDateTime('2026-07-01T20:03:04.567Z')).toBe('2026-07-02T04:03:04+08:00');
  });

  it('reduces administrative codes to the prefix they cover', () => {
    expect(coverPrefix('440106001000')).toBe('440106001');
    expect(coverPrefix('440106000000')).toBe('440106');
    expect(coverPrefix('440100')).toBe('4401');
    expect(coverPrefix('440106001001')).toBe('440106001001');
  });
});

describe('activationToCap', () => {
  it('writes a real activation as an Actual Alert that parses back with its mapped values', () => {
    const xml = activationToCap(activation(), context);
    const alert = parseCap(xml);
    expect(alert).toMatchObject({
      identifier: 'pingji-01jabc',
      sender: 'pingji.example.cn',
      sent: '2026-07-01T10:03:04+08:00',
      status: 'Actual',
      msgType: 'Alert',
      references: [],
    });
    expect(alert.infos.map((i) => i.language)).toEqual(['zh-CN', 'en-US']);
    expect(alert.infos[0]).toMatchObject({ categories: ['Met'], event: '暴雨洪涝', severity: 'Severe' });
    expect(alert.infos[0]?.areas).toEqual([
      { areaDesc: '杏花社区 & <东>', geocodes: [{ valueName: 'GB/T 2260', value: '440106001001' }] },
    ]);
    expect(suggestionOf(alert, '2026-07-01T03:00:00Z')).toMatchObject({
      kind: 'flood',
      level: 'II',
      drill: false,
    });
  });

  it('writes a drill as Exercise, and a stood-down activation as a Cancel referencing its alert', () => {
    const drill = parseCap(activationToCap(activation({ drill: true }), context));
    expect(drill.status).toBe('Exercise');
    const over = parseCap(
      activationToCap(activation({ status: 'stoodDown', endedAt: '2026-07-01T05:00:00.000Z' }), context),
    );
    expect(over).toMatchObject({
      msgType: 'Cancel',
      identifier: 'pingji-01jabc-cancel',
      sent: '2026-07-01T13:00:00+08:00',
    });
    expect(over.references).toEqual([
      { sender: 'pingji.example.cn', identifier: 'pingji-01jabc', sent: '2026-07-01T10:03:04+08:00' },
    ]);
  });

  it('leaves the geocode out when the community has no code', () => {
    const alert = parseCap(activationToCap(activation(), { sender: 'pingji.example.cn' }));
    expect(alert.infos[0]?.areas[0]?.geocodes).toEqual([]);
  });
});

describe('parseCap', () => {
  it('reads an official warning and what it suggests', () => {
    const alert = parseCap(warning());
    expect(coveredPrefixes(alert)).toEqual(['440106001']);
    expect(suggestionOf(alert, '2026-07-01T03:00:00Z')).toEqual({
      kind: 'flood',
      level: 'I',
      drill: false,
      headline: '天河区气象台发布暴雨红色预警',
      source: '天河区气象台',
      expires: undefined,
    });
  });

  it('accepts the namespace under a prefix', () => {
    const prefixed = warning()
      .replace(`xmlns="${CAP_NAMESPACE}"`, `xmlns:cap="${CAP_NAMESPACE}"`)
      .replace(/<(\/?)([a-zA-Z]+)>/g, '<$1cap:$2>')
      .replace('<alert ', '<cap:alert ');
    expect(parseCap(prefixed).infos[0]?.severity).toBe('Extreme');
  });

  it('proposes only a drill for an Exercise, and nothing once expired or for a Test', () => {
    expect(suggestionOf(parseCap(warning({ status: 'Exercise' })), '2026-07-01T03:00:00Z')?.drill).toBe(true);
    const expired = parseCap(warning({ expires: '2026-07-01T12:00:00+08:00' }));
    expect(suggestionOf(expired, '2026-07-01T03:59:59Z')).toBeDefined();
    expect(suggestionOf(expired, '2026-07-01T04:00:00Z')).toBeUndefined();
    expect(suggestionOf(parseCap(warning({ status: 'Test' })), '2026-07-01T03:00:00Z')).toBeUndefined();
  });

  it('reads the references of a Cancel, and requires them', () => {
    const cancel = parseCap(
      warning({
        msgType: 'Cancel',
        references: '440100000000@12379.cn,44000041600000_20260701100000,2026-07-01T10:00:00+08:00',
      }),
    );
    expect(cancel.references[0]?.identifier).toBe('44000041600000_20260701100000');
    expect(issueOf(() => parseCap(warning({ msgType: 'Cancel' })))?.path).toBe('alert.references');
  });

  it('refuses a billion-laughs document before expanding anything', () => {
    const laughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<alert xmlns="${CAP_NAMESPACE}"><identifier>&lol3;</identifier></alert>`;
    expect(issueOf(() => parseCap(laughs))).toEqual({
      path: 'body',
      message: 'DTDs and entity declarations are not accepted',
    });
  });

  it('refuses an external entity', () => {
    const xxe = `<?xml version="1.0"?><!doctype alert [<!entity xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="${CAP_NAMESPACE}"><identifier>&xxe;</identifier></alert>`;
    expect(issueOf(() => parseCap(xxe))?.path).toBe('body');
  });

  it('refuses a body over 1 MB before parsing it', () => {
    const huge = `<alert xmlns="${CAP_NAMESPACE}">${'<note>x</note>'.repeat(800_000)}</alert>`;
    expect(() => parseCap(huge)).toThrow(PayloadTooLargeError);
  });

  it('refuses malformed XML, a wrong namespace and a missing required element, naming the path', () => {
    expect(issueOf(() => parseCap('<alert><identifier>x</alert>'))?.path).toBe('body');
    expect(issueOf(() => parseCap(warning({ ns: 'urn:oasis:names:tc:emergency:cap:1.1' })))?.path).toBe(
      'alert.@xmlns',
    );
    expect(issueOf(() => parseCap(warning().replace(/<severity>.*<\/severity>/, '')))).toEqual({
      path: 'alert.info[0].severity',
      message: 'required',
    });
    expect(issueOf(() => parseCap(warning().replace('Extreme', 'Apocalyptic')))?.path).toBe(
      'alert.info[0].severity',
    );
    expect(issueOf(() => parseCap(warning({ info: '' })))?.path).toBe('alert.info[0]');
    expect(issueOf(() => parseCap(warning().replace(/<areaDesc>.*<\/areaDesc>/, '')))?.path).toBe(
      'alert.info[0].area[0].areaDesc',
    );
  });
});

import * as z from 'zod';
import { INCIDENT_KINDS, KIND_LABELS, LEVEL_LABELS, LEVELS } from '../../domain/incident';
import { LOCALES, type Locale, type SmsMessage } from '../../domain/sms';
import { WHISTLE } from './whistle-templates';

/** The template variables a registered template can hold. */
export const TEMPLATE_VARS = [
  'community',
  'incident',
  'kind',
  'team',
  'leader',
  'muster',
  'eta',
  'missing',
  'backfilled',
  'left',
  'grid',
  'reason',
  'code',
  'notified',
] as const;
export type TemplateVar = (typeof TEMPLATE_VARS)[number];

/** A registered template's text in each language. */
export type Definition = { zh: string; en: string };

const REPLIES_ZH = '回1来，2不能，3已到；TD退订';
const REPLIES_EN = "Reply 1=coming 2=can't 3=arrived TD=stop";

/**
 * Every template the providers must have registered, by key. `{name}` marks a variable; the
 * signature comes from the provider's SignName and is not part of the text. Both providers refuse
 * a template with two variables side by side, so fixed words stand between any two variables;
 * `{incident}` carries kind and level as one phrase (防汛Ⅱ级, "flood level II"). Drill variants
 * (key + `Drill`) open with 演练 / "DRILL:" in the fixed text, since a variable may not carry it.
 */
const BASE: Record<string, Definition> = {
  alert: {
    zh: `{community}启动{incident}响应：您在{team}先锋队，队长{leader}，速到{muster}集合。${REPLIES_ZH}`,
    en: `{community} calls a {incident} alert. Vanguard team {team}, leader {leader}. Go to {muster}. ${REPLIES_EN}`,
  },
  alertLeader: {
    zh: `{community}启动{incident}响应：您任{team}先锋队队长，速到{muster}集合。${REPLIES_ZH}`,
    en: `{community} calls a {incident} alert. You lead vanguard team {team}. Go to {muster}. ${REPLIES_EN}`,
  },
  alertBackfill: {
    zh: `{community}启动{incident}响应：您补入{team}先锋队，队长{leader}，速到{muster}集合。${REPLIES_ZH}`,
    en: `{community} calls a {incident} alert. Join vanguard team {team}, leader {leader}. Go to {muster}. ${REPLIES_EN}`,
  },
  alertBackfillLeader: {
    zh: `{community}启动{incident}响应：您补任{team}先锋队队长，速到{muster}集合。${REPLIES_ZH}`,
    en: `{community} calls a {incident} alert. You now lead vanguard team {team}. Go to {muster}. ${REPLIES_EN}`,
  },
  reminder: {
    zh: `再次提醒：{community}启动{incident}响应，请速到{muster}集合。${REPLIES_ZH}`,
    en: `Reminder: {community} calls a {incident} alert. Go to {muster}. ${REPLIES_EN}`,
  },
  standDown: {
    zh: '{community}的{kind}应急响应已结束，恢复平时。感谢您的付出！',
    en: 'The {kind} response in {community} is over, back to normal. Thank you for your help!',
  },
  notNeeded: {
    zh: '{community}本次响应人员已足，您无需到场。感谢您的响应！',
    en: '{community}: enough people have come, you are not needed this time. Thank you!',
  },
  ackConfirmed: {
    zh: '已收到，您能来。请到{muster}集合，到达后回3。',
    en: "Got it, you're coming. Go to {muster}; reply 3 when you arrive.",
  },
  ackConfirmedNow: {
    zh: '已收到，您马上到。请到{muster}集合，到达后回3。',
    en: "Got it, you'll be there right away. Go to {muster}; reply 3 when you arrive.",
  },
  ackConfirmedEta: {
    zh: '已收到，您约{eta}分钟后到。请到{muster}集合，到达后回3。',
    en: "Got it, you'll arrive in about {eta} min. Go to {muster}; reply 3 when you arrive.",
  },
  ackArrived: {
    zh: '已记录您到达{muster}。请向队长报到，听从统一指挥。',
    en: 'Arrival at {muster} recorded. Report to your team leader and follow command.',
  },
  ackDeclined: {
    zh: '已收到，您本次不能参加。注意安全！如能来，可随时回1。',
    en: "Got it, you can't come this time. Stay safe! If that changes, reply 1.",
  },
  help: {
    zh: '请回复数字：1 能来（30分钟后到回1 30），2 不能来（可加原因），3 已到达。回TD退订。',
    en: "Reply 1=coming (1 30 = there in 30 min), 2=can't come (a reason is welcome), 3=arrived, TD=stop SMS.",
  },
  shortfall: {
    zh: '{team}先锋队尚缺{missing}人，已从后备补入{backfilled}人，后备还剩{left}人。',
    en: 'Vanguard team {team} is {missing} short: {backfilled} reserves called in, {left} left.',
  },
};

/** Messages about no activation: they never have a drill variant. */
const NO_DRILL: Record<string, Definition> = {
  noActiveCallout: {
    zh: '目前没有需要您回复的召集，谢谢！',
    en: 'There is no call-out waiting for your reply. Thank you.',
  },
  optedOut: {
    zh: '已退订，您将不再收到应急召集短信。如需恢复，请回复“恢复”。',
    en: 'You have opted out and will get no more call-out SMS. Reply START to opt back in.',
  },
  optedIn: {
    zh: '已恢复，您将继续收到应急召集短信。回TD可退订。',
    en: 'You have opted back in to call-out SMS. Reply TD to opt out.',
  },
};

const DRILL_OPENING: Definition = { zh: '演练：', en: 'DRILL: ' };

/** Every registered template's text, by key and locale. */
export const TEMPLATE_TEXTS: Readonly<Record<string, Definition>> = {
  ...BASE,
  ...Object.fromEntries(
    Object.entries(BASE).map(([key, d]) => [
      `${key}Drill`,
      { zh: DRILL_OPENING.zh + d.zh, en: DRILL_OPENING.en + d.en },
    ]),
  ),
  ...NO_DRILL,
  ...WHISTLE,
};

/** Every template key: each must have an id for every locale a deployment sends in, but the optional. */
export const TEMPLATE_KEYS: readonly string[] = Object.keys(TEMPLATE_TEXTS);

/**
 * A leader's own alert is optional: without it the leader gets the team's alert, which names them
 * as leader, so the whole team shares one provider call. Registering it costs a call per team.
 */
export const OPTIONAL_TEMPLATE_KEYS: ReadonlySet<string> = new Set(
  ['alertLeader', 'alertBackfillLeader'].flatMap((k) => [k, `${k}Drill`]),
);

/** The variables of a template, in the order they appear in its text (the provider's order). */
export function templateVars(key: string, locale: Locale): TemplateVar[] {
  const text = TEMPLATE_TEXTS[key]?.[locale] ?? '';
  const names: TemplateVar[] = [];
  for (const match of text.matchAll(/\{(\w+)\}/g)) {
    const name = TEMPLATE_VARS.find((v) => v === match[1]);
    if (name && !names.includes(name)) names.push(name);
  }
  return names;
}

/** The schema of a message as it is queued, for reading it back from the table. */
const callout = z.object({
  drill: z.boolean(),
  communityName: z.string(),
  kind: z.enum(INCIDENT_KINDS),
  level: z.enum(LEVELS),
  teamName: z.string(),
  leaderName: z.string(),
  musterPoint: z.string(),
  isLeader: z.boolean(),
  backfill: z.boolean().optional(),
});
export const smsMessageSchema = z.discriminatedUnion('type', [
  callout.extend({ type: z.literal('alert') }),
  callout.extend({ type: z.literal('reminder') }),
  z.object({
    type: z.literal('standDown'),
    drill: z.boolean(),
    communityName: z.string(),
    kind: z.enum(INCIDENT_KINDS),
  }),
  z.object({ type: z.literal('notNeeded'), drill: z.boolean(), communityName: z.string() }),
  z.object({
    type: z.literal('ackConfirmed'),
    drill: z.boolean(),
    musterPoint: z.string(),
    etaMinutes: z.number().optional(),
  }),
  z.object({ type: z.literal('ackArrived'), drill: z.boolean(), musterPoint: z.string() }),
  z.object({ type: z.literal('ackDeclined'), drill: z.boolean() }),
  z.object({ type: z.literal('help'), drill: z.boolean() }),
  z.object({ type: z.literal('noActiveCallout') }),
  z.object({ type: z.literal('optedOut') }),
  z.object({ type: z.literal('optedIn') }),
  z.object({
    type: z.literal('shortfall'),
    drill: z.boolean(),
    teamName: z.string(),
    missing: z.number(),
    backfilled: z.number(),
    reservesLeft: z.number(),
  }),
  z.object({
    type: z.literal('whistleCall'),
    communityName: z.string(),
    gridName: z.string(),
    reason: z.string(),
    code: z.string(),
  }),
  z.object({ type: z.literal('whistleRaised'), code: z.string(), notified: z.number() }),
  z.object({
    type: z.literal('whistleAck'),
    code: z.string(),
    answer: z.enum(['coming', 'declined', 'arrived']),
    etaMinutes: z.number().optional(),
  }),
  z.object({ type: z.literal('whistleNotNeeded'), code: z.string(), gridName: z.string() }),
  z.object({
    type: z.literal('whistleClosed'),
    code: z.string(),
    gridName: z.string(),
    cancelled: z.boolean(),
  }),
  z.object({ type: z.literal('whistleReleased'), code: z.string() }),
  z.object({ type: z.literal('whistleRefused'), why: z.enum(['notLeader', 'people']) }),
]);
export const templatedSchema = z.object({ message: smsMessageSchema, locale: z.enum(LOCALES) });

const count = (n: number) => (Number.isFinite(n) && n > 0 ? String(Math.floor(n)) : '0');

/** The template key and the values of every variable a message needs, in the message's language. */
export function templateOf(
  m: SmsMessage,
  locale: Locale,
): { key: string; values: Partial<Record<TemplateVar, string>> } {
  const drill = 'drill' in m && m.drill ? 'Drill' : '';
  switch (m.type) {
    case 'alert':
    case 'reminder': {
      const base =
        m.type === 'reminder'
          ? 'reminder'
          : `alert${m.backfill ? 'Backfill' : ''}${m.isLeader ? 'Leader' : ''}`;
      const kind = KIND_LABELS[m.kind][locale];
      const level = LEVEL_LABELS[m.level][locale];
      return {
        key: base + drill,
        values: {
          community: m.communityName,
          team: m.teamName,
          leader: m.leaderName,
          muster: m.musterPoint,
          incident: locale === 'zh' ? kind + level : `${kind} ${level}`,
        },
      };
    }
    case 'standDown':
      return {
        key: `standDown${drill}`,
        values: { community: m.communityName, kind: KIND_LABELS[m.kind][locale] },
      };
    case 'notNeeded':
      return { key: `notNeeded${drill}`, values: { community: m.communityName } };
    case 'ackConfirmed': {
      const eta = m.etaMinutes;
      const key = eta === undefined ? 'ackConfirmed' : eta <= 0 ? 'ackConfirmedNow' : 'ackConfirmedEta';
      return {
        key: key + drill,
        values: { muster: m.musterPoint, eta: eta === undefined ? '' : count(eta) },
      };
    }
    case 'ackArrived':
      return { key: `ackArrived${drill}`, values: { muster: m.musterPoint } };
    case 'ackDeclined':
    case 'help':
      return { key: m.type + drill, values: {} };
    case 'noActiveCallout':
    case 'optedOut':
    case 'optedIn':
      return { key: m.type, values: {} };
    case 'whistleCall':
      return {
        key: m.type,
        values: { community: m.communityName, grid: m.gridName, reason: m.reason, code: m.code },
      };
    case 'whistleRaised':
      return { key: m.type, values: { code: m.code, notified: count(m.notified) } };
    case 'whistleAck': {
      const eta = m.etaMinutes;
      if (m.answer === 'coming' && eta !== undefined && eta > 0)
        return { key: 'whistleAckEta', values: { code: m.code, eta: count(eta) } };
      const key =
        m.answer === 'coming'
          ? 'whistleAckComing'
          : m.answer === 'arrived'
            ? 'whistleAckArrived'
            : 'whistleAckDeclined';
      return { key, values: { code: m.code } };
    }
    case 'whistleNotNeeded':
      return { key: m.type, values: { code: m.code, grid: m.gridName } };
    case 'whistleClosed':
      return {
        key: m.cancelled ? 'whistleCancelled' : 'whistleResolved',
        values: { code: m.code, grid: m.gridName },
      };
    case 'whistleReleased':
      return { key: m.type, values: { code: m.code } };
    case 'whistleRefused':
      return { key: m.why === 'notLeader' ? 'whistleRefusedNotLeader' : 'whistleRefusedPeople', values: {} };
    case 'shortfall':
      return {
        key: `shortfall${drill}`,
        values: {
          team: m.teamName,
          missing: count(m.missing),
          backfilled: count(m.backfilled),
          left: count(m.reservesLeft),
        },
      };
  }
}

const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Makes a value fit the providers' rules for variables: no line breaks or control characters,
 * no 【】 (or the brackets that could pass for them), no link, and at most `limit` characters
 * (a longer one is cut, whole graphemes at a time, ending in "…", as `render` cuts).
 */
export function variableValue(value: string, limit: number): string {
  const cleaned = value
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
    .replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/[【[［〖]/g, '(')
    .replace(/[】\]］〗]/g, ')')
    .replace(/\b(?:https?:\/\/|www\.)\S*/gi, '')
    .replace(/\b[\w-]+(?:\.[\w-]+)*\.(?:cn|com|net|org|gov|edu|top|xyz|io|cc)\b\S*/gi, '')
    .replace(/\s+/g, ' ')
    .trim();
  const graphemes = Array.from(GRAPHEMES.segment(cleaned), (s) => s.segment);
  // The providers count each character (a Chinese character, letter or digit) as one.
  if (graphemes.length <= limit) return cleaned;
  return `${graphemes.slice(0, Math.max(0, limit - 1)).join('')}…`;
}

/** A deployment's registered templates: the signature, and a template id per key and locale. */
export const templateConfigSchema = z.object({
  signName: z
    .string()
    .min(2)
    .max(12)
    .refine((s) => !/[【】[\]]/.test(s), 'the signature is registered without brackets'),
  templates: z.partialRecord(z.enum(LOCALES), z.record(z.string(), z.string().min(1))),
});
export type TemplateConfig = z.infer<typeof templateConfigSchema>;

/**
 * Reads `PINGJI_SMS_TEMPLATES` (JSON) and checks that every message kind but the optional ones has
 * a template id in every configured locale, and Chinese at least. A gap fails the start, naming it.
 */
export function parseTemplateConfig(raw: string | undefined): TemplateConfig {
  if (!raw) throw new Error('invalid configuration: PINGJI_SMS_TEMPLATES is required for this provider');
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Error('invalid configuration: PINGJI_SMS_TEMPLATES is not JSON');
  }
  const parsed = templateConfigSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: PINGJI_SMS_TEMPLATES ${problems}`);
  }
  const config = parsed.data;
  if (!config.templates.zh)
    throw new Error('invalid configuration: PINGJI_SMS_TEMPLATES has no zh templates');
  for (const locale of LOCALES) {
    const ids = config.templates[locale];
    if (!ids) continue;
    const missing = TEMPLATE_KEYS.filter((k) => !ids[k] && !OPTIONAL_TEMPLATE_KEYS.has(k));
    if (missing.length)
      throw new Error(
        `invalid configuration: PINGJI_SMS_TEMPLATES has no ${locale} template id for ${missing.join(', ')}`,
      );
  }
  return config;
}

/**
 * The deployment's template ids as the CDK context gives them (`{"alert.zh-CN": "2345678",
 * "reminder.zh": {"id": "2345679"}}`: key, a dot, a locale), in the shape `parseTemplateConfig`
 * reads. `zh-CN`, `zh-Hans` and other `zh-…` tags are `zh`; `en-…` are `en`. An entry naming no
 * known key or locale is returned by name, so the caller can refuse it.
 */
export function templatesFromContext(
  signName: string,
  entries: Readonly<Record<string, unknown>>,
): {
  config: { signName: string; templates: Partial<Record<Locale, Record<string, string>>> };
  unknown: string[];
} {
  const templates: Partial<Record<Locale, Record<string, string>>> = {};
  const unknown: string[] = [];
  for (const [name, entry] of Object.entries(entries)) {
    const dot = name.lastIndexOf('.');
    const key = name.slice(0, dot);
    const locale = LOCALES.find(
      (l) =>
        name
          .slice(dot + 1)
          .split('-')[0]
          ?.toLowerCase() === l,
    );
    const id =
      typeof entry === 'string'
        ? entry
        : typeof entry === 'object' && entry !== null && 'id' in entry && typeof entry.id === 'string'
          ? entry.id
          : undefined;
    if (dot < 1 || !locale || !TEMPLATE_KEYS.includes(key) || !id) {
      unknown.push(name);
      continue;
    }
    templates[locale] = { ...templates[locale], [key]: id };
  }
  return { config: { signName, templates }, unknown };
}

/** What one message becomes for a provider: template id, ordered names and values. */
export type ResolvedTemplate = { templateId: string; names: TemplateVar[]; params: string[] };

/**
 * The registered template and parameters for a message. A locale without templates falls back
 * to Chinese; a leader without a leader template gets the team's. Every value is cleaned and cut
 * to the provider's per-variable limit.
 */
export function resolveTemplate(
  config: TemplateConfig,
  { message, locale }: { message: SmsMessage; locale: Locale },
  variableLimit: number,
): ResolvedTemplate {
  const use: Locale = config.templates[locale] ? locale : 'zh';
  const { key: wanted, values } = templateOf(message, use);
  const ids = config.templates[use];
  const key = OPTIONAL_TEMPLATE_KEYS.has(wanted) && !ids?.[wanted] ? wanted.replace('Leader', '') : wanted;
  const templateId = ids?.[key];
  if (!templateId) throw new Error(`no registered template for ${key} (${use})`);
  const names = templateVars(key, use);
  const params = names.map((n) => variableValue(values[n] ?? '', variableLimit));
  return { templateId, names, params };
}

/** A template's text with its values filled in, as the phone shows it after the signature. */
export function fillTemplate(text: string, names: readonly string[], params: readonly string[]): string {
  return text.replace(/\{(\w+)\}/g, (_, name: string) => params[names.indexOf(name)] ?? '');
}

import { type IncidentKind, KIND_LABELS, LEVEL_LABELS, type Level } from './incident';
import { LIMITS } from './roster';
import {
  ELLIPSIS,
  graphemeCount,
  keptWithin,
  MAX_SEGMENTS,
  segments,
  shown,
  splitValue,
} from './sms-segments';

/** The languages an SMS can be rendered in. Chinese is the default everywhere. */
export const LOCALES = ['zh', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/**
 * The signature that opens every message. Mainland carriers reject an SMS without a registered
 * signature, so it is not optional and not configurable per message.
 */
export const SIGNATURE: Record<Locale, string> = { zh: '【平急】', en: '[Pingji] ' };

/** Put right after the signature on every message about a drill, so a drill is never taken for real. */
export const DRILL_MARK: Record<Locale, string> = { zh: '【演练】', en: '[DRILL] ' };

/**
 * The longest value each text variable may have, in UTF-16 code units (that is what the roster
 * schema counts). The team name is the grid's name: the templates add "先锋队" / "vanguard team".
 */
export const SMS_VARIABLE_LIMITS = {
  communityName: LIMITS.communityName,
  teamName: LIMITS.gridName,
  leaderName: LIMITS.memberName,
  musterPoint: LIMITS.musterPoint,
} as const;

/** The fields every call-out SMS (alert and reminder) is built from. */
export type CalloutVars = {
  drill: boolean;
  communityName: string;
  kind: IncidentKind;
  level: Level;
  /** The grid's name; the template appends "先锋队" / puts "vanguard team" before it. */
  teamName: string;
  leaderName: string;
  musterPoint: string;
  /** The recipient leads the team: the SMS says so instead of naming a leader. */
  isLeader: boolean;
  /** The recipient is a reserve called in to fill a place someone else declined. */
  backfill?: boolean;
};

/** Every SMS the service sends, one variant per registered template. */
export type SmsMessage =
  | ({ type: 'alert' } & CalloutVars)
  | ({ type: 'reminder' } & CalloutVars)
  | { type: 'standDown'; drill: boolean; communityName: string; kind: IncidentKind }
  | { type: 'notNeeded'; drill: boolean; communityName: string }
  | { type: 'ackConfirmed'; drill: boolean; musterPoint: string; etaMinutes?: number }
  | { type: 'ackArrived'; drill: boolean; musterPoint: string }
  | { type: 'ackDeclined'; drill: boolean }
  | { type: 'help'; drill: boolean }
  | { type: 'noActiveCallout' }
  | { type: 'optedOut' }
  | { type: 'optedIn' }
  | {
      type: 'shortfall';
      drill: boolean;
      teamName: string;
      /** Places still empty after the backfill. */
      missing: number;
      /** Reserves just called in to fill places. */
      backfilled: number;
      /** Reserves not yet called. */
      reservesLeft: number;
    }
  | WhistleSms;

/** What a whistle (吹哨) says: to those called, to the grid leader who blew it, and to who answers. */
export type WhistleSms =
  | { type: 'whistleCall'; communityName: string; gridName: string; reason: string; code: string }
  | { type: 'whistleRaised'; code: string; notified: number }
  | { type: 'whistleAck'; code: string; answer: 'coming' | 'declined' | 'arrived'; etaMinutes?: number }
  | { type: 'whistleNotNeeded'; code: string; gridName: string }
  | { type: 'whistleClosed'; code: string; gridName: string; cancelled: boolean }
  | { type: 'whistleReleased'; code: string }
  | { type: 'whistleRefused'; why: 'notLeader' | 'people' };

/** The name of each registered template. */
export type SmsMessageType = SmsMessage['type'];

/** The text variables, in the order they are given up when a message must be shortened. */
const TEXT_VARS = ['reason', 'communityName', 'teamName', 'leaderName', 'musterPoint'] as const;
type TextVar = (typeof TEXT_VARS)[number];
type Texts = Record<TextVar, string>;

/**
 * Makes a roster value safe to put inside a template. Line breaks would break the layout, and
 * 【】 or [ ] could forge a second signature or a drill mark (carriers also reject 【】 in content).
 */
function clean(value: string): string {
  return (
    value
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
      .replace(/[\s\u0000-\u001f\u007f-\u009f]+/g, ' ')
      .replace(/[【[［〖]/g, '(')
      .replace(/[】\]］〗]/g, ')')
      .trim()
  );
}

/** A count as the SMS shows it: a whole, non-negative number. */
function count(n: number): string {
  return Number.isFinite(n) && n > 0 ? String(Math.floor(n)) : '0';
}

type Body = { drill: boolean; texts: Texts; compose: (t: Texts) => string };

const NO_TEXTS: Texts = { reason: '', communityName: '', teamName: '', leaderName: '', musterPoint: '' };

function callout(m: CalloutVars, locale: Locale, reminder: boolean): Body {
  const kind = KIND_LABELS[m.kind][locale];
  const level = LEVEL_LABELS[m.level][locale];
  const texts: Texts = {
    reason: '',
    communityName: m.communityName,
    teamName: m.teamName,
    leaderName: m.isLeader ? '' : m.leaderName,
    musterPoint: m.musterPoint,
  };
  if (locale === 'zh') {
    if (reminder) {
      return {
        drill: m.drill,
        texts,
        compose: (t) =>
          `再次提醒：${t.communityName}${kind}${level}响应，请速到${t.musterPoint}集合。回1来，2不能，3已到；TD退订`,
      };
    }
    const role = (t: Texts) => {
      if (m.isLeader) return `您${m.backfill ? '补任' : '任'}${t.teamName}先锋队队长`;
      return `您${m.backfill ? '补入' : '在'}${t.teamName}先锋队，队长${t.leaderName}`;
    };
    return {
      drill: m.drill,
      texts,
      compose: (t) =>
        `${t.communityName}${kind}${level}响应：${role(t)}，速到${t.musterPoint}集合。回1来，2不能，3已到；TD退订`,
    };
  }
  if (reminder) {
    return {
      drill: m.drill,
      texts,
      compose: (t) =>
        `Reminder: ${t.communityName} ${kind} alert ${level}. Go to ${t.musterPoint}. ` +
        "Reply 1=coming 2=can't 3=arrived TD=stop",
    };
  }
  const role = (t: Texts) => {
    if (m.isLeader) return `You ${m.backfill ? 'now lead' : 'lead'} vanguard team ${t.teamName}`;
    return `${m.backfill ? 'Join v' : 'V'}anguard team ${t.teamName}, leader ${t.leaderName}`;
  };
  return {
    drill: m.drill,
    texts,
    compose: (t) =>
      `${t.communityName} ${kind} alert ${level}. ${role(t)}. Go to ${t.musterPoint}. ` +
      "Reply 1=coming 2=can't 3=arrived TD=stop",
  };
}

function body(m: SmsMessage, locale: Locale): Body {
  const zh = locale === 'zh';
  switch (m.type) {
    case 'alert':
      return callout(m, locale, false);
    case 'reminder':
      return callout(m, locale, true);
    case 'standDown': {
      const kind = KIND_LABELS[m.kind][locale];
      return {
        drill: m.drill,
        texts: { ...NO_TEXTS, communityName: m.communityName },
        compose: (t) =>
          zh
            ? `${t.communityName}${kind}应急响应已结束，恢复平时。感谢您的付出！`
            : `${t.communityName} ${kind} response is over, back to normal. Thank you for your help!`,
      };
    }
    case 'notNeeded':
      return {
        drill: m.drill,
        texts: { ...NO_TEXTS, communityName: m.communityName },
        compose: (t) =>
          zh
            ? `${t.communityName}本次响应人员已足，您无需到场。感谢您的响应！`
            : `${t.communityName}: enough people have come, you are not needed this time. Thank you!`,
      };
    case 'ackConfirmed': {
      const eta = m.etaMinutes;
      const coming = (() => {
        if (eta === undefined) return zh ? '您能来' : "you're coming";
        if (eta <= 0) return zh ? '您马上到' : "you'll be there right away";
        return zh ? `您约${count(eta)}分钟后到` : `you'll arrive in about ${count(eta)} min`;
      })();
      return {
        drill: m.drill,
        texts: { ...NO_TEXTS, musterPoint: m.musterPoint },
        compose: (t) =>
          zh
            ? `已收到，${coming}。请到${t.musterPoint}集合，到达后回3。`
            : `Got it, ${coming}. Go to ${t.musterPoint}; reply 3 when you arrive.`,
      };
    }
    case 'ackArrived':
      return {
        drill: m.drill,
        texts: { ...NO_TEXTS, musterPoint: m.musterPoint },
        compose: (t) =>
          zh
            ? `已记录您到达${t.musterPoint}。请向队长报到，听从统一指挥。`
            : `Arrival at ${t.musterPoint} recorded. Report to your team leader and follow command.`,
      };
    case 'ackDeclined':
      return fixed(
        m.drill,
        zh
          ? '已收到，您本次不能参加。注意安全！如能来，可随时回1。'
          : "Got it, you can't come this time. Stay safe! If that changes, reply 1.",
      );
    case 'help':
      return fixed(
        m.drill,
        zh
          ? '请回复数字：1 能来（30分钟后到回1 30），2 不能来（可加原因），3 已到达。回TD退订。'
          : "Reply 1=coming (1 30 = there in 30 min), 2=can't come (a reason is welcome), 3=arrived, TD=stop SMS.",
      );
    case 'noActiveCallout':
      return fixed(
        false,
        zh ? '目前没有需要您回复的召集，谢谢！' : 'There is no call-out waiting for your reply. Thank you.',
      );
    case 'optedOut':
      return fixed(
        false,
        zh
          ? '已退订，您将不再收到应急召集短信。如需恢复，请回复“恢复”。'
          : 'You have opted out and will get no more call-out SMS. Reply START to opt back in.',
      );
    case 'optedIn':
      return fixed(
        false,
        zh
          ? '已恢复，您将继续收到应急召集短信。回TD可退订。'
          : 'You have opted back in to call-out SMS. Reply TD to opt out.',
      );
    case 'whistleCall':
    case 'whistleRaised':
    case 'whistleAck':
    case 'whistleNotNeeded':
    case 'whistleClosed':
    case 'whistleReleased':
    case 'whistleRefused':
      return whistleBody(m, zh);
    case 'shortfall': {
      const missing = count(m.missing);
      const backfilled = count(m.backfilled);
      const left = count(m.reservesLeft);
      return {
        drill: m.drill,
        texts: { ...NO_TEXTS, teamName: m.teamName },
        compose: (t) =>
          zh
            ? `${t.teamName}先锋队尚缺${missing}人，已从后备补入${backfilled}人，后备还剩${left}人。`
            : `Vanguard team ${t.teamName} is ${missing} short: ${backfilled} reserves called in, ${left} left.`,
      };
    }
  }
}

function whistleBody(m: WhistleSms, zh: boolean): Body {
  switch (m.type) {
    case 'whistleCall':
      return {
        drill: false,
        texts: { ...NO_TEXTS, communityName: m.communityName, teamName: m.gridName, reason: m.reason },
        compose: (t) =>
          zh
            ? `${t.communityName}${t.teamName}吹哨（${m.code}）：${t.reason}。请支援，回1来，2不能，3已到`
            : `${t.communityName} ${t.teamName} needs help (${m.code}): ${t.reason}. Reply 1=coming 2=can't 3=arrived`,
      };
    case 'whistleRaised':
      return fixed(
        false,
        zh
          ? `已吹哨，编号${m.code}，已通知${count(m.notified)}人。`
          : `Whistle ${m.code} blown: ${count(m.notified)} people told.`,
      );
    case 'whistleAck': {
      const eta = m.etaMinutes;
      const text =
        m.answer === 'declined'
          ? zh
            ? '已收到，您不能来。'
            : "Got it, you can't come."
          : m.answer === 'arrived'
            ? zh
              ? '已记录您到场，谢谢！'
              : 'Arrival recorded, thank you!'
            : eta !== undefined && eta > 0
              ? zh
                ? `已收到，您约${count(eta)}分钟后到，到场后回3。`
                : `Got it, there in about ${count(eta)} min; reply 3 on arrival.`
              : zh
                ? '已收到，您能来，到场后回3。'
                : "Got it, you're coming; reply 3 on arrival.";
      return fixed(false, zh ? `吹哨${m.code}：${text}` : `Whistle ${m.code}: ${text}`);
    }
    case 'whistleNotNeeded':
      return {
        drill: false,
        texts: { ...NO_TEXTS, teamName: m.gridName },
        compose: (t) =>
          zh
            ? `${t.teamName}吹哨${m.code}人员已足，您无需到场，谢谢！`
            : `${t.teamName} whistle ${m.code} has enough people; you are not needed. Thank you!`,
      };
    case 'whistleClosed':
      return {
        drill: false,
        texts: { ...NO_TEXTS, teamName: m.gridName },
        compose: (t) =>
          zh
            ? `${t.teamName}吹哨${m.code}已${m.cancelled ? '取消' : '解决'}，无需再到场，谢谢！`
            : `${t.teamName} whistle ${m.code} is ${m.cancelled ? 'cancelled' : 'resolved'}; no need to come. Thank you!`,
      };
    case 'whistleReleased':
      return fixed(
        false,
        zh
          ? `您已被应急召集，吹哨${m.code}不再需要您，请按召集短信行动。`
          : `You have been called out; whistle ${m.code} no longer needs you. Follow the call-out SMS.`,
      );
    case 'whistleRefused':
      return fixed(
        false,
        m.why === 'notLeader'
          ? zh
            ? '只有网格长可以短信吹哨，请联系您的网格长或社区。'
            : 'Only a grid leader can blow the whistle by SMS; ask your grid leader or community.'
          : zh
            ? '人数须在1到500之间，例如：吹哨 5 救援'
            : 'The number of people must be 1 to 500, e.g. 吹哨 5 rescue',
      );
  }
}

function fixed(drill: boolean, text: string): Body {
  return { drill, texts: NO_TEXTS, compose: () => text };
}

/**
 * Renders a message in the given locale: the signature, the drill mark when it is a drill, then
 * the registered template with its variables filled in. Roster values are tidied (line breaks
 * collapsed, brackets that could forge a signature or a drill mark replaced by parentheses).
 *
 * With the values the roster schema allows, every Chinese message, and every English one with
 * Latin-script names, fits in {@link MAX_SEGMENTS} as it is. Otherwise the longest text variables
 * are cut, whole graphemes at a time and marked with "…", until the message fits: all of them down
 * to the longest common length that fits, then the spare room is given back in the order muster
 * point, leader, team, community, because the muster point is what the volunteer needs most.
 */
export function render(message: SmsMessage, locale: Locale = 'zh'): string {
  const { drill, texts, compose } = body(message, locale);
  const prefix = SIGNATURE[locale] + (drill ? DRILL_MARK[locale] : '');
  const values = TEXT_VARS.map((name) => splitValue(clean(texts[name])));
  const text = () => {
    const t = { ...NO_TEXTS };
    TEXT_VARS.forEach((name, i) => {
      const v = values[i];
      if (v) t[name] = shown(v);
    });
    return prefix + compose(t);
  };
  const fits = () => segments(text()).segments <= MAX_SEGMENTS;
  if (fits()) return text();

  // Cutting to a shorter common length never makes the message longer, so the longest common
  // length that fits can be found by bisection.
  const setCap = (cap: number) => {
    for (const v of values) v.kept = keptWithin(v, cap);
  };
  let low = ELLIPSIS.length;
  let high = Math.max(...values.map((v) => v.text.length));
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    setCap(mid);
    if (fits()) low = mid;
    else high = mid - 1;
  }
  setCap(low);
  // Every template fits with all its variables reduced to "…" (tested), so this is the whole answer.
  if (!fits()) return text();

  for (const v of [...values].reverse()) {
    while (v.kept < graphemeCount(v)) {
      v.kept += 1;
      if (!fits()) {
        v.kept -= 1;
        break;
      }
    }
  }
  return text();
}

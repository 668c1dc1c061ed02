/** What a volunteer's SMS reply means. */
export type ParsedReply =
  | { kind: 'confirm'; etaMinutes?: number }
  | { kind: 'decline'; reason?: string }
  | { kind: 'arrived' }
  | { kind: 'optOut' }
  | { kind: 'optIn' }
  | { kind: 'unknown' };

export type ReplyKind = ParsedReply['kind'];

/** Every kind `parseReply` can return. */
export const REPLY_KINDS = [
  'confirm',
  'decline',
  'arrived',
  'optOut',
  'optIn',
  'unknown',
] as const satisfies readonly ReplyKind[];

/** An ETA beyond a day is a typo, not a plan: the confirmation stands and the number is dropped. */
export const MAX_ETA_MINUTES = 1440;

/** A decline reason is shown on the board; longer text is cut, in characters (code points). */
export const MAX_REASON_LENGTH = 200;

// Phones and input methods add these invisibly; they must not turn "1" into something else.
const INVISIBLE = /[\u200b-\u200d\u2060\ufeff]/g;
// After NFKC the full-width forms (！，；？：～) are already ASCII, and "…" is "...".
const TRAILING = /[\s.。!,，、;?:~"'“”‘’「」『』]+$/u;
const LEADING = /^[\s"'“”‘’「」『』]+/u;
// What may stand between a decline keyword and its reason.
const SEPARATOR = /^[\s,、:;.。!?~\-—–/]+/u;

/**
 * Puts a reply in the form the grammar is written for: NFKC (full-width digits and letters become
 * ASCII), invisible characters removed, whitespace collapsed to one space, and the trailing
 * punctuation and surrounding quotes people add by habit stripped. Case is kept; matching is
 * case-insensitive.
 */
export function normaliseReply(body: string): string {
  return body
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(/\s+/g, ' ')
    .replace(TRAILING, '')
    .replace(LEADING, '');
}

const OPT_OUT = new Set(['td', 'stop', '退订', 'td退订', 'td 退订']);
const OPT_IN = new Set(['start', '恢复']);
const ARRIVED = new Set(['3', '到达', '已到', '已到达']);
const CONFIRM = new Set(['1', '收到', '确认', '到']);
// "1 30", "1,30", "1 30分", "1 30分钟", "1 30min": confirmed, arriving in 30 minutes.
const CONFIRM_WITH_ETA = /^1(?: ?[,、] ?| )(\d+) ?(?:分钟|分|minutes?|mins?|m)?$/;
// "2" then anything but another digit ("21" is not a decline).
const DECLINE_DIGIT = /^2(?!\d)/;
// Unambiguous words: whatever follows them is the reason, even without a separator.
const DECLINE_WORDS = ['不能', '请假'];
// "不" alone is too short to read inside a sentence ("不到十分钟就到" means coming), so it and its
// common short forms count only when they stand alone or are followed by a separator.
const DECLINE_BU = /^不(?:[到来去行]了?|了)?/;

function reasonFrom(rest: string): string | undefined {
  const text = rest.replace(SEPARATOR, '').trim();
  if (text === '') return undefined;
  return Array.from(text).slice(0, MAX_REASON_LENGTH).join('').trim();
}

function decline(reason: string | undefined): ParsedReply {
  return reason === undefined ? { kind: 'decline' } : { kind: 'decline', reason };
}

function parseDecline(text: string): ParsedReply | undefined {
  if (DECLINE_DIGIT.test(text)) return decline(reasonFrom(text.slice(1)));
  for (const word of DECLINE_WORDS) {
    if (!text.startsWith(word)) continue;
    const rest = text.slice(word.length);
    // "不能去" reads better on the board whole than as "去".
    return decline(SEPARATOR.test(rest) || rest === '' ? reasonFrom(rest) : reasonFrom(text));
  }
  const bu = DECLINE_BU.exec(text);
  if (bu) {
    const rest = text.slice(bu[0].length);
    if (rest === '') return decline(undefined);
    if (SEPARATOR.test(rest)) return decline(reasonFrom(rest));
  }
  return undefined;
}

/**
 * Reads a volunteer's SMS reply by the contract's grammar (see `docs/sms.md`): 1 confirm (with an
 * optional ETA in minutes, "1 30"), 2 decline (with an optional reason), 3 arrived, TD/STOP/退订
 * opt out, START/恢复 opt in, and their Chinese word forms. Anything else is `unknown`, which earns
 * a help reply; a guess would put a wrong status on the board. Never throws.
 */
export function parseReply(body: string): ParsedReply {
  const text = normaliseReply(body);
  if (text === '') return { kind: 'unknown' };
  const lower = text.toLowerCase();
  if (OPT_OUT.has(lower)) return { kind: 'optOut' };
  if (OPT_IN.has(lower)) return { kind: 'optIn' };
  if (ARRIVED.has(text)) return { kind: 'arrived' };
  if (CONFIRM.has(text)) return { kind: 'confirm' };
  const eta = CONFIRM_WITH_ETA.exec(lower);
  if (eta) {
    const minutes = Number(eta[1]);
    return minutes <= MAX_ETA_MINUTES ? { kind: 'confirm', etaMinutes: minutes } : { kind: 'confirm' };
  }
  return parseDecline(text) ?? { kind: 'unknown' };
}

/** Counting an SMS's segments, and cutting a value whole graphemes at a time. */

/**
 * No rendered SMS may take more segments than this. Each part is billed and delivered on its own,
 * so a call-out to hundreds of phones stays cheap and arrives whole (see `docs/sms.md`).
 */
export const MAX_SEGMENTS = 2;

/** Put where a value is cut. */
export const ELLIPSIS = '…';

/** What the segment counter found: the encoding the text needs, its length in that encoding, and the segments. */
export type SegmentCount = {
  encoding: 'GSM-7' | 'UCS-2';
  /** Septets for GSM-7 (an extension character is 2), UTF-16 code units for UCS-2 (an emoji is 2). */
  units: number;
  /** 0 for the empty text: a zero-length SMS is never sent. */
  segments: number;
};

// GSM 03.38 default alphabet, without ESC (0x1B), which is never a character of its own.
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
// The extension table: each is sent as ESC + character, so it costs two septets.
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

const GSM_SINGLE = 160;
const GSM_MULTI = 153;
const UCS2_SINGLE = 70;
const UCS2_MULTI = 67;

/** The septet cost of each character, or undefined when one of them is outside GSM-7. */
function gsmCosts(text: string): number[] | undefined {
  const costs: number[] = [];
  for (const ch of text) {
    if (GSM_BASIC.has(ch)) costs.push(1);
    else if (GSM_EXTENSION.has(ch)) costs.push(2);
    else return undefined;
  }
  return costs;
}

function pack(costs: number[], single: number, multi: number, encoding: SegmentCount['encoding']) {
  const units = costs.reduce((sum, c) => sum + c, 0);
  if (units <= single) return { encoding, units, segments: 1 };
  // Gateways keep an escape sequence or a surrogate pair within one part, so a part may carry one
  // unit less than its capacity; packing part by part never counts fewer parts than are sent.
  let parts = 1;
  let used = 0;
  for (const cost of costs) {
    if (used + cost > multi) {
      parts += 1;
      used = 0;
    }
    used += cost;
  }
  return { encoding, units, segments: parts };
}

/**
 * Counts the SMS segments a text needs. GSM-7 when every character is in the GSM 03.38 default
 * alphabet or its extension table (160 septets in one segment, 153 per part when concatenated);
 * otherwise UCS-2 (70 UTF-16 code units in one segment, 67 per part). A multipart message never
 * splits an extension character or a surrogate pair between parts. The empty text is 0 segments.
 */
export function segments(text: string): SegmentCount {
  if (text.length === 0) return { encoding: 'GSM-7', units: 0, segments: 0 };
  const gsm = gsmCosts(text);
  if (gsm) return pack(gsm, GSM_SINGLE, GSM_MULTI, 'GSM-7');
  return pack(
    Array.from(text, (ch) => ch.length),
    UCS2_SINGLE,
    UCS2_MULTI,
    'UCS-2',
  );
}

// No part of a value beyond this many UTF-16 units can ever be shown within two segments, so
// only its start is looked at; that bounds the work however long a bad value is.
const LONGEST_USEFUL = GSM_MULTI * MAX_SEGMENTS;

// Cutting whole graphemes keeps an emoji sequence or a base letter with its accents together.
const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** A text variable, split into graphemes, and how many of them are shown. */
export type Value = {
  text: string;
  /** `ends[k]` is the length in UTF-16 units of the first k graphemes. */
  ends: number[];
  /** False when the value was too long to ever show whole: it is always cut. */
  whole: boolean;
  kept: number;
};

export function splitValue(value: string): Value {
  const whole = value.length <= LONGEST_USEFUL;
  let text = whole ? value : value.slice(0, LONGEST_USEFUL);
  if (!whole && /[\ud800-\udbff]$/.test(text)) text = text.slice(0, -1);
  const ends = [0];
  for (const { index, segment } of GRAPHEMES.segment(text)) ends.push(index + segment.length);
  return { text, ends, whole, kept: ends.length - 1 };
}

export function graphemeCount(v: Value): number {
  return v.ends.length - 1;
}

export function shown(v: Value): string {
  const head = v.text.slice(0, v.ends[v.kept]);
  return v.whole && v.kept === graphemeCount(v) ? head : head + ELLIPSIS;
}

/** How many graphemes of `v` are shown when no variable may be longer than `cap` UTF-16 units. */
export function keptWithin(v: Value, cap: number): number {
  if (v.whole && v.text.length <= cap) return graphemeCount(v);
  let kept = 0;
  while (kept < graphemeCount(v) && (v.ends[kept + 1] ?? Number.POSITIVE_INFINITY) + ELLIPSIS.length <= cap) {
    kept += 1;
  }
  return kept;
}

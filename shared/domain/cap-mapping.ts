import type { IncidentKind, Level } from './incident';

/** CAP 1.2's vocabulary, and how Pingji's kinds and levels map onto it (the tables of docs/cap.md). */
/** The CAP 1.2 namespace every alert must be in. */
export const CAP_NAMESPACE = 'urn:oasis:names:tc:emergency:cap:1.2';
/** The largest CAP document accepted: official warnings are a few kilobytes. */
export const CAP_BODY_LIMIT = 1024 * 1024;
/** The geocode `valueName` under which a GB/T 2260 administrative code is given. */
export const AREA_CODE_NAME = 'GB/T 2260';

export const CAP_STATUSES = ['Actual', 'Exercise', 'System', 'Test', 'Draft'] as const;
export const CAP_MSG_TYPES = ['Alert', 'Update', 'Cancel', 'Ack', 'Error'] as const;
export const CAP_SCOPES = ['Public', 'Restricted', 'Private'] as const;
export const CAP_CATEGORIES = [
  'Geo',
  'Met',
  'Safety',
  'Security',
  'Rescue',
  'Fire',
  'Health',
  'Env',
  'Transport',
  'Infra',
  'CBRNE',
  'Other',
] as const;
export const CAP_URGENCIES = ['Immediate', 'Expected', 'Future', 'Past', 'Unknown'] as const;
export const CAP_SEVERITIES = ['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown'] as const;
export const CAP_CERTAINTIES = ['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown'] as const;
export type CapStatus = (typeof CAP_STATUSES)[number];
export type CapMsgType = (typeof CAP_MSG_TYPES)[number];
export type CapCategory = (typeof CAP_CATEGORIES)[number];
export type CapUrgency = (typeof CAP_URGENCIES)[number];
export type CapSeverity = (typeof CAP_SEVERITIES)[number];
export type CapCertainty = (typeof CAP_CERTAINTIES)[number];

/** What kind of incident becomes in CAP: its category and its event, in both languages. */
export const KIND_TO_CAP: Record<IncidentKind, { category: CapCategory; zh: string; en: string }> = {
  flood: { category: 'Met', zh: '暴雨洪涝', en: 'Flood' },
  earthquake: { category: 'Geo', zh: '地震', en: 'Earthquake' },
  fire: { category: 'Fire', zh: '火灾', en: 'Fire' },
  publicHealth: { category: 'Health', zh: '突发公共卫生事件', en: 'Public health emergency' },
  snowstorm: { category: 'Met', zh: '暴雪', en: 'Snowstorm' },
  other: { category: 'Other', zh: '突发事件', en: 'Emergency' },
};

/** What a response level becomes in CAP. */
export const LEVEL_TO_CAP: Record<
  Level,
  { urgency: CapUrgency; severity: CapSeverity; certainty: CapCertainty }
> = {
  I: { urgency: 'Immediate', severity: 'Extreme', certainty: 'Observed' },
  II: { urgency: 'Immediate', severity: 'Severe', certainty: 'Observed' },
  III: { urgency: 'Expected', severity: 'Moderate', certainty: 'Likely' },
  IV: { urgency: 'Expected', severity: 'Minor', certainty: 'Likely' },
};

/** The level an incoming warning suggests; `Unknown` suggests the lowest. */
export const SEVERITY_TO_LEVEL: Record<CapSeverity, Level> = {
  Extreme: 'I',
  Severe: 'II',
  Moderate: 'III',
  Minor: 'IV',
  Unknown: 'IV',
};

/** Words in a warning's event that name its kind, tried in order; the first match wins. */
export const EVENT_TO_KIND: readonly { pattern: RegExp; kind: IncidentKind }[] = [
  { pattern: /暴雨|洪|汛|台风|内涝|山洪|flood|rain|typhoon|storm surge/i, kind: 'flood' },
  { pattern: /地震|earthquake|seismic/i, kind: 'earthquake' },
  { pattern: /火|fire/i, kind: 'fire' },
  { pattern: /疫|卫生|传染|health|epidemic|disease/i, kind: 'publicHealth' },
  { pattern: /雪|冰冻|结冰|寒潮|snow|blizzard|ice|freez/i, kind: 'snowstorm' },
];

/** When the event names nothing known, the category may. */
const CATEGORY_TO_KIND: Partial<Record<CapCategory, IncidentKind>> = {
  Geo: 'earthquake',
  Fire: 'fire',
  Health: 'publicHealth',
};

/** The incident kind a warning's event (or failing that its category) suggests. */
export function kindOfEvent(event: string, categories: readonly string[] = []): IncidentKind {
  const byEvent = EVENT_TO_KIND.find((entry) => entry.pattern.test(event));
  if (byEvent) return byEvent.kind;
  for (const category of categories) {
    const kind = CATEGORY_TO_KIND[category as CapCategory];
    if (kind) return kind;
  }
  return 'other';
}

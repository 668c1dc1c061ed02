/** What kind of emergency a switch answers, and how grave it is (China's four response levels). */
export const INCIDENT_KINDS = ['flood', 'earthquake', 'fire', 'publicHealth', 'snowstorm', 'other'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/** I 特别重大 (red), II 重大 (orange), III 较大 (yellow), IV 一般 (blue). */
export const LEVELS = ['I', 'II', 'III', 'IV'] as const;
export type Level = (typeof LEVELS)[number];

export const KIND_LABELS: Record<IncidentKind, { zh: string; en: string }> = {
  flood: { zh: '防汛', en: 'flood' },
  earthquake: { zh: '地震', en: 'earthquake' },
  fire: { zh: '火灾', en: 'fire' },
  publicHealth: { zh: '公共卫生', en: 'public health' },
  snowstorm: { zh: '雪灾', en: 'snowstorm' },
  other: { zh: '突发事件', en: 'emergency' },
};

export const LEVEL_LABELS: Record<Level, { zh: string; en: string }> = {
  I: { zh: 'Ⅰ级', en: 'level I' },
  II: { zh: 'Ⅱ级', en: 'level II' },
  III: { zh: 'Ⅲ级', en: 'level III' },
  IV: { zh: 'Ⅳ级', en: 'level IV' },
};

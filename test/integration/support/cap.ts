import { CAP_NAMESPACE } from '../../../shared/domain/cap-mapping';

/** The parts of a CAP warning a test chooses; everything else is a bureau's usual. */
export type WarningSpec = {
  identifier: string;
  sender?: string;
  status?: 'Actual' | 'Exercise' | 'Test';
  msgType?: 'Alert' | 'Update' | 'Cancel';
  references?: string;
  event?: string;
  severity?: 'Extreme' | 'Severe' | 'Moderate' | 'Minor' | 'Unknown';
  headline?: string;
  expires?: string;
  /** GB/T 2260 codes of the area. */
  geocodes?: readonly string[];
};

export const BUREAU = '620102000000@12379.cn';
export const SENT = '2026-07-01T10:00:00+08:00';

/** A CAP 1.2 warning as a district meteorological bureau would publish it. */
export function capWarning(spec: WarningSpec): string {
  const geocodes = (spec.geocodes ?? ['620102001000'])
    .map((code) => `<geocode><valueName>GB/T 2260</valueName><value>${code}</value></geocode>`)
    .join('');
  const info =
    spec.msgType === 'Cancel'
      ? ''
      : `<info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>${spec.event ?? '暴雨'}</event>
    <urgency>Immediate</urgency>
    <severity>${spec.severity ?? 'Extreme'}</severity>
    <certainty>Observed</certainty>
    ${spec.expires ? `<expires>${spec.expires}</expires>` : ''}
    <senderName>城关区气象台</senderName>
    <headline>${spec.headline ?? '城关区气象台发布暴雨红色预警'}</headline>
    <area><areaDesc>城关街道</areaDesc>${geocodes}</area>
  </info>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="${CAP_NAMESPACE}">
  <identifier>${spec.identifier}</identifier>
  <sender>${spec.sender ?? BUREAU}</sender>
  <sent>${SENT}</sent>
  <status>${spec.status ?? 'Actual'}</status>
  <msgType>${spec.msgType ?? 'Alert'}</msgType>
  <scope>Public</scope>
  ${spec.references ? `<references>${spec.references}</references>` : ''}
  ${info}
</alert>`;
}

/** The `references` value naming an earlier warning of the bureau. */
export const referenceTo = (identifier: string, sender = BUREAU) => `${sender},${identifier},${SENT}`;

/** A day ahead: an `expires` that has not passed. */
export const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, '+00:00');

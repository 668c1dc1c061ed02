import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Activation } from './activation';
import {
  AREA_CODE_NAME,
  CAP_BODY_LIMIT,
  CAP_CATEGORIES,
  CAP_CERTAINTIES,
  CAP_MSG_TYPES,
  CAP_NAMESPACE,
  CAP_SCOPES,
  CAP_SEVERITIES,
  CAP_STATUSES,
  CAP_URGENCIES,
  type CapCategory,
  type CapCertainty,
  type CapMsgType,
  type CapSeverity,
  type CapStatus,
  type CapUrgency,
  KIND_TO_CAP,
  kindOfEvent,
  LEVEL_TO_CAP,
  SEVERITY_TO_LEVEL,
} from './cap-mapping';
import { PayloadTooLargeError, ValidationError } from './errors';
import { INCIDENT_KINDS, type IncidentKind, KIND_LABELS, LEVEL_LABELS, LEVELS, type Level } from './incident';

/** A CAP dateTime: seconds, and an explicit offset (CAP forbids `Z`); China Standard Time. */
export function capDateTime(iso: string): string {
  const shifted = new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString();
  return `${shifted.slice(0, 19)}+08:00`;
}

export type CapOutContext = {
  /** Who sends: a host name or an address without spaces, commas or `<>&`. */
  sender: string;
  /** The community's GB/T 2260 code, when one is set. */
  areaCode?: string | undefined;
};

const identifierOf = (activation: Pick<Activation, 'activationId'>, cancel: boolean) =>
  `pingji-${activation.activationId}${cancel ? '-cancel' : ''}`;

/** The activation as a CAP 1.2 alert; a stood-down activation as the `Cancel` of its alert. */
export function activationToCap(activation: Activation, context: CapOutContext): string {
  return new XMLBuilder(BUILDER_OPTIONS).build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    alert: capAlertOf(activation, context),
  });
}

const BUILDER_OPTIONS = { ignoreAttributes: false, attributeNamePrefix: '@_', format: true } as const;

/** The `alert` element of an activation, as the builder's object tree. */
function capAlertOf(activation: Activation, context: CapOutContext): Record<string, unknown> {
  const cancelled = activation.status === 'stoodDown';
  const kind = KIND_TO_CAP[activation.kind];
  const level = LEVEL_TO_CAP[activation.level];
  const sentAt = capDateTime(cancelled ? (activation.endedAt ?? activation.startedAt) : activation.startedAt);
  const originalSent = capDateTime(activation.startedAt);
  const area = {
    areaDesc: activation.communityName,
    ...(context.areaCode ? { geocode: { valueName: AREA_CODE_NAME, value: context.areaCode } } : {}),
  };
  const drillZh = activation.drill ? '演练：' : '';
  const drillEn = activation.drill ? 'Drill: ' : '';
  const kindLabel = KIND_LABELS[activation.kind];
  const levelLabel = LEVEL_LABELS[activation.level];
  const info = (language: 'zh-CN' | 'en-US') => {
    const zh = language === 'zh-CN';
    const headline = zh
      ? `${drillZh}${activation.communityName}${kindLabel.zh}${levelLabel.zh}应急响应${cancelled ? '解除' : '启动'}`
      : `${drillEn}${activation.communityName}: ${kindLabel.en} response ${levelLabel.en} ${cancelled ? 'stood down' : 'started'}`;
    const description = zh
      ? `${activation.communityName}已${cancelled ? '解除' : '启动'}${kindLabel.zh}${levelLabel.zh}应急响应，动员网格力量${activation.drafted}人。${activation.note ?? ''}`
      : `${activation.communityName} has ${cancelled ? 'stood down' : 'started'} its ${kindLabel.en} response at ${levelLabel.en}, mobilising ${activation.drafted} grid members.${activation.note ? ` ${activation.note}` : ''}`;
    return {
      language,
      category: kind.category,
      event: zh ? kind.zh : kind.en,
      responseType: cancelled ? 'AllClear' : 'Prepare',
      urgency: level.urgency,
      severity: level.severity,
      certainty: level.certainty,
      senderName: activation.communityName,
      headline,
      description,
      area,
    };
  };
  return {
    '@_xmlns': CAP_NAMESPACE,
    identifier: identifierOf(activation, cancelled),
    sender: context.sender,
    sent: sentAt,
    status: activation.drill ? 'Exercise' : 'Actual',
    msgType: cancelled ? 'Cancel' : 'Alert',
    scope: 'Public',
    ...(cancelled
      ? { references: `${context.sender},${identifierOf(activation, false)},${originalSent}` }
      : {}),
    info: [info('zh-CN'), info('en-US')],
  };
}

export const ATOM_NAMESPACE = 'http://www.w3.org/2005/Atom';

export type CapFeedContext = {
  sender: string;
  streetId: string;
  streetName: string;
  /** Where the feed and each alert are served, without a trailing slash (may be empty). */
  baseUrl: string;
  /** When the feed was read: its `updated` when it has no entries. */
  now: string;
  /** The GB/T 2260 code of each community, by id. */
  areaCodes: ReadonlyMap<string, string | undefined>;
};

/**
 * A street's recent alerts as an Atom feed (RFC 4287), newest first: one entry per activation,
 * its CAP alert (or the `Cancel` of it once stood down) inline as the entry's content.
 */
export function capFeedOf(activations: readonly Activation[], context: CapFeedContext): string {
  const entries = activations.map((activation) => {
    const alert = capAlertOf(activation, {
      sender: context.sender,
      areaCode: context.areaCodes.get(activation.communityId),
    });
    const cancelled = activation.status === 'stoodDown';
    const at = new Date(cancelled ? (activation.endedAt ?? activation.startedAt) : activation.startedAt);
    const info = Array.isArray(alert.info) ? alert.info[0] : undefined;
    const headline =
      typeof info === 'object' && info !== null && 'headline' in info && typeof info.headline === 'string'
        ? info.headline
        : activation.communityName;
    return {
      id: `urn:pingji:cap:${context.sender}:${String(alert.identifier)}`,
      title: headline,
      updated: at.toISOString(),
      link: {
        '@_rel': 'alternate',
        '@_type': 'application/cap+xml',
        '@_href': `${context.baseUrl}/activations/${activation.activationId}/cap`,
      },
      content: { '@_type': 'application/cap+xml', alert },
    };
  });
  const updated = entries[0]?.updated ?? context.now;
  return new XMLBuilder(BUILDER_OPTIONS).build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    feed: {
      '@_xmlns': ATOM_NAMESPACE,
      id: `urn:pingji:street:${context.streetId}:cap`,
      title: `${context.streetName} 预警信息 / CAP alerts`,
      updated,
      author: { name: context.sender },
      link: { '@_rel': 'self', '@_href': `${context.baseUrl}/streets/${context.streetId}/cap` },
      entry: entries,
    },
  });
}

/** One reference of an `Update` or `Cancel`: the earlier alert it concerns. */
export type CapReference = { sender: string; identifier: string; sent: string };
export type CapArea = { areaDesc: string; geocodes: { valueName: string; value: string }[] };
export type CapInfo = {
  language: string;
  categories: CapCategory[];
  event: string;
  urgency: CapUrgency;
  severity: CapSeverity;
  certainty: CapCertainty;
  expires?: string | undefined;
  senderName?: string | undefined;
  headline?: string | undefined;
  description?: string | undefined;
  areas: CapArea[];
};
/** An incoming alert, checked and reduced to what proposals need. */
export type CapAlert = {
  identifier: string;
  sender: string;
  sent: string;
  status: CapStatus;
  msgType: CapMsgType;
  scope: string;
  references: CapReference[];
  infos: CapInfo[];
};

const ARRAYS = new Set([
  'info',
  'area',
  'geocode',
  'category',
  'parameter',
  'resource',
  'responseType',
  'eventCode',
]);
const localName = (name: string) => name.slice(name.indexOf(':') + 1);

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A child by its local name, whatever prefix the sender bound the namespace to. */
function child(node: Node, name: string): unknown {
  for (const [key, value] of Object.entries(node))
    if (!key.startsWith('@_') && localName(key) === name) return value;
  return undefined;
}

const invalid = (path: string, message: string) =>
  new ValidationError(`the CAP alert is not valid: ${path} ${message}`, [{ path, message }], 'INVALID_CAP');
const tooLarge = (bytes: number) =>
  new PayloadTooLargeError(`the body is ${bytes} bytes; at most ${CAP_BODY_LIMIT} are accepted`, [
    { path: 'body', message: `at most ${CAP_BODY_LIMIT} bytes` },
  ]);

function text(node: Node, name: string, path: string): string | undefined {
  const value = child(node, name);
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (
    isNode(value) &&
    typeof value['#text'] === 'string' &&
    Object.keys(value).every((k) => k === '#text' || k.startsWith('@_'))
  )
    return value['#text'];
  throw invalid(`${path}.${name}`, 'must be text');
}

function required(node: Node, name: string, path: string): string {
  const value = text(node, name, path);
  if (value === undefined || value === '') throw invalid(`${path}.${name}`, 'required');
  return value;
}

function oneOf<T extends string>(value: string, allowed: readonly T[], path: string): T {
  const found = allowed.find((item) => item === value);
  if (found === undefined) throw invalid(path, `must be one of ${allowed.join(', ')}`);
  return found;
}

const nodes = (value: unknown, path: string): Node[] => {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, index) => {
    if (isNode(item)) return item;
    if (item === '') return {};
    throw invalid(`${path}[${index}]`, 'must be an element');
  });
};

const CAP_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)$/;
function dateTime(value: string, path: string): string {
  if (!CAP_TIME.test(value) || Number.isNaN(Date.parse(value))) throw invalid(path, 'must be a CAP dateTime');
  return value;
}

/**
 * Parses an incoming CAP 1.2 alert. Refuses, before any parsing, a body over 1 MB (413) and
 * any DTD or entity declaration (400): nothing is ever expanded, and nothing is read from a
 * file or URL. Then checks the namespace and every element proposals rely on, naming its path.
 */
export function parseCap(xml: string): CapAlert {
  const bytes = Buffer.byteLength(xml, 'utf8');
  if (bytes > CAP_BODY_LIMIT) throw tooLarge(bytes);
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw invalid('body', 'DTDs and entity declarations are not accepted');
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    throw invalid('body', `not well-formed XML at line ${valid.err.line}: ${valid.err.code}`);
  const parsed: unknown = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: true,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (name) => ARRAYS.has(localName(name)),
  }).parse(xml);
  if (!isNode(parsed)) throw invalid('alert', 'required');
  const rootKey = Object.keys(parsed).find((key) => localName(key) === 'alert');
  const root = rootKey === undefined ? undefined : parsed[rootKey];
  if (rootKey === undefined || !isNode(root)) throw invalid('alert', 'the root element must be a CAP alert');
  const prefix = rootKey.includes(':') ? rootKey.slice(0, rootKey.indexOf(':')) : '';
  const namespace = root[prefix ? `@_xmlns:${prefix}` : '@_xmlns'];
  if (namespace !== CAP_NAMESPACE) throw invalid('alert.@xmlns', `must be ${CAP_NAMESPACE}`);

  const references = (text(root, 'references', 'alert') ?? '')
    .split(/\s+/)
    .filter((entry) => entry !== '')
    .map((entry, index) => {
      const [sender, identifier, sent, ...rest] = entry.split(',');
      if (!sender || !identifier || !sent || rest.length > 0)
        throw invalid('alert.references', `reference ${index + 1} must be sender,identifier,sent`);
      return { sender, identifier, sent };
    });
  const msgType = oneOf(required(root, 'msgType', 'alert'), CAP_MSG_TYPES, 'alert.msgType');
  if ((msgType === 'Update' || msgType === 'Cancel') && references.length === 0)
    throw invalid('alert.references', `required for ${msgType}`);

  const alert: CapAlert = {
    identifier: required(root, 'identifier', 'alert'),
    sender: required(root, 'sender', 'alert'),
    sent: dateTime(required(root, 'sent', 'alert'), 'alert.sent'),
    status: oneOf(required(root, 'status', 'alert'), CAP_STATUSES, 'alert.status'),
    msgType,
    scope: oneOf(required(root, 'scope', 'alert'), CAP_SCOPES, 'alert.scope'),
    references,
    infos: [],
  };
  const infos = nodes(child(root, 'info'), 'alert.info');
  if (infos.length === 0 && msgType !== 'Cancel') throw invalid('alert.info[0]', 'required');
  alert.infos = infos.map((info, i) => {
    const path = `alert.info[${i}]`;
    const categoryValues = (() => {
      const raw = child(info, 'category');
      const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
      if (list.length === 0) throw invalid(`${path}.category`, 'required');
      return list.map((value, c) =>
        oneOf(typeof value === 'string' ? value : '', CAP_CATEGORIES, `${path}.category[${c}]`),
      );
    })();
    const expires = text(info, 'expires', path);
    return {
      language: text(info, 'language', path) ?? 'en-US',
      categories: categoryValues,
      event: required(info, 'event', path),
      urgency: oneOf(required(info, 'urgency', path), CAP_URGENCIES, `${path}.urgency`),
      severity: oneOf(required(info, 'severity', path), CAP_SEVERITIES, `${path}.severity`),
      certainty: oneOf(required(info, 'certainty', path), CAP_CERTAINTIES, `${path}.certainty`),
      expires: expires === undefined ? undefined : dateTime(expires, `${path}.expires`),
      senderName: text(info, 'senderName', path),
      headline: text(info, 'headline', path),
      description: text(info, 'description', path),
      areas: nodes(child(info, 'area'), `${path}.area`).map((area, a) => {
        const areaPath = `${path}.area[${a}]`;
        return {
          areaDesc: required(area, 'areaDesc', areaPath),
          geocodes: nodes(child(area, 'geocode'), `${areaPath}.geocode`).map((geocode, g) => ({
            valueName: required(geocode, 'valueName', `${areaPath}.geocode[${g}]`),
            value: required(geocode, 'value', `${areaPath}.geocode[${g}]`),
          })),
        };
      }),
    };
  });
  return alert;
}

/** The code prefix an administrative code covers: `440106000000` and `440106` both cover `440106…`. */
export function coverPrefix(code: string): string {
  let prefix = code;
  // Province 44, city 4401, district 440106, street 440106001, community 440106001001.
  for (const length of [9, 6, 4, 2]) {
    if (prefix.length > length && /^0+$/.test(prefix.slice(length))) prefix = prefix.slice(0, length);
  }
  return prefix;
}

/** The area prefixes a warning covers: its geocodes that are administrative codes. */
export function coveredPrefixes(alert: CapAlert): string[] {
  const prefixes = new Set<string>();
  for (const info of alert.infos)
    for (const area of info.areas)
      for (const geocode of area.geocodes)
        if (/^\d{2,12}$/.test(geocode.value)) prefixes.add(coverPrefix(geocode.value));
  return [...prefixes];
}

/** What a warning suggests to a duty officer. */
export type Suggestion = {
  kind: IncidentKind;
  level: Level;
  drill: boolean;
  headline: string;
  source: string;
  expires?: string | undefined;
};

/**
 * What an incoming warning suggests, or nothing: a test, draft or system message, an `Ack` or
 * `Error`, and a warning past its `expires` propose nothing; an `Exercise` proposes a drill.
 */
export function suggestionOf(alert: CapAlert, now: string): Suggestion | undefined {
  if (alert.status !== 'Actual' && alert.status !== 'Exercise') return undefined;
  if (alert.msgType !== 'Alert' && alert.msgType !== 'Update') return undefined;
  const info = alert.infos.find((i) => i.language.toLowerCase().startsWith('zh')) ?? alert.infos[0];
  if (!info) return undefined;
  const expires = alert.infos.map((i) => i.expires).find((e) => e !== undefined);
  if (expires !== undefined && Date.parse(expires) <= Date.parse(now)) return undefined;
  return {
    kind: kindOfEvent(info.event, info.categories),
    level: SEVERITY_TO_LEVEL[info.severity],
    drill: alert.status === 'Exercise',
    headline: (info.headline ?? info.event).slice(0, 200),
    source: (info.senderName ?? alert.sender).slice(0, 120),
    expires,
  };
}

/** Whether a kind and level are ones the switch knows (a guard for stored proposals). */
export const isKind = (value: string): value is IncidentKind => INCIDENT_KINDS.some((kind) => kind === value);
export const isLevel = (value: string): value is Level => LEVELS.some((level) => level === value);

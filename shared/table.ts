/**
 * The one DynamoDB table: its key schema, indexes, stream and TTL attribute, and the key builders
 * every adapter uses. The CDK stack and the local runtime both build the table from this module,
 * so nothing about the table is written twice. `docs/data-model.md` lists the access patterns.
 */

export const TABLE = {
  /** Default table name for the local stack; in AWS the stack passes its generated name in `TABLE_NAME`. */
  localName: 'pingji',
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expiresAt',
  streamView: 'NEW_AND_OLD_IMAGES',
  indexes: [
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
} as const;

export type IndexName = (typeof TABLE.indexes)[number]['name'];

/** Key builders: the only place key strings are spelled. */
export const keys = {
  street: (streetId: string) => ({ pk: `STREET#${streetId}`, sk: 'STREET' }),
  streetsIndex: 'STREETS',
  community: (communityId: string) => ({ pk: `COMMUNITY#${communityId}`, sk: 'COMMUNITY' }),
  communitiesIndex: 'COMMUNITIES',
  communitiesOfStreet: (streetId: string) => `STREET#${streetId}`,
  /**
   * A community's place in the area index: partitioned by province (the first two digits of its
   * GB/T 2260 code), sorted by the full code, so any code prefix reads the communities it covers.
   */
  areaEntry: (areaCode: string, communityId: string) => ({
    pk: `AREA#${areaCode.slice(0, 2)}`,
    sk: `${areaCode}#${communityId}`,
  }),
  areaPartition: (prefix: string) => `AREA#${prefix.slice(0, 2)}`,
  grid: (communityId: string, gridId: string) => ({
    pk: `COMMUNITY#${communityId}`,
    sk: `GRID#${gridId}`,
  }),
  /** A unit paired with a grid; kept in the community's partition so one query reads a whole community. */
  pairing: (communityId: string, gridId: string, unitId: string) => ({
    pk: `COMMUNITY#${communityId}`,
    sk: `GRIDPAIR#${gridId}#${unitId}`,
  }),
  /** Sort-key range that holds a community, its grids and its pairings, and nothing else. */
  communityStructureRange: { from: 'COMMUNITY', to: 'GRIDPAIR#\uffff' },
  unit: (unitId: string) => ({ pk: `UNIT#${unitId}`, sk: 'UNIT' }),
  unitsIndex: 'UNITS',
  member: (communityId: string, memberId: string) => ({
    pk: `COMMUNITY#${communityId}`,
    sk: `MEMBER#${memberId}`,
  }),
  memberPrefix: 'MEMBER#',
  membersOfGrid: (communityId: string, gridId: string) => `GRID#${communityId}#${gridId}`,
  membersOfUnit: (unitId: string) => `UNIT#${unitId}`,
  /** Uniqueness guard and reverse lookup for a phone number (E.164). */
  phone: (e164: string) => ({ pk: `PHONE#${e164}`, sk: 'PHONE' }),
  idempotency: (scope: string, key: string) => ({ pk: `IDEMPOTENCY#${scope}`, sk: key }),
  activation: (activationId: string) => ({ pk: `ACT#${activationId}`, sk: 'ACTIVATION' }),
  team: (activationId: string, teamId: string) => ({ pk: `ACT#${activationId}`, sk: `TEAM#${teamId}` }),
  teamPrefix: 'TEAM#',
  planChunk: (activationId: string, chunk: number) => ({
    pk: `ACT#${activationId}`,
    sk: `PLAN#${String(chunk).padStart(4, '0')}`,
  }),
  planPrefix: 'PLAN#',
  draftee: (activationId: string, memberId: string) => ({
    pk: `ACT#${activationId}`,
    sk: `MEMBER#${memberId}`,
  }),
  drafteePrefix: 'MEMBER#',
  /** Sparse index of activations still open, for the timers. */
  openActivationsIndex: 'ACTIVE',
  /** A community's activations, newest last. */
  activationsOfCommunity: (communityId: string) => `ACTIVATIONS#${communityId}`,
  /** Sparse index from a phone to its draftee records while their activation is open. */
  openDrafteeByPhone: (phone: string) => `OPEN#${phone}`,
  inbound: (inboundMessageId: string) => ({ pk: `INBOUND#${inboundMessageId}`, sk: 'INBOUND' }),
  /** An SMS that belongs to no activation (answers to phones with no open call-out). */
  looseSms: (id: string) => ({ pk: `SMS#${id}`, sk: 'SMS' }),
  /** A drill scheduled for a later time, in its community's partition. */
  drillSchedule: (communityId: string, scheduleId: string) => ({
    pk: `COMMUNITY#${communityId}`,
    sk: `SCHEDULE#${scheduleId}`,
  }),
  drillSchedulePrefix: 'SCHEDULE#',
  /** Sparse gsi1 partition of the schedules still waiting, sorted by due time (the local timer's query). */
  dueSchedulesIndex: 'SCHEDULES#DUE',
  /** One street's rankings for one period (`week#2026-W49`, `month#2026-12`, `year#2026`): one item per grid. */
  rankingBucket: (streetId: string, period: string, communityId: string, gridId: string) => ({
    pk: `RANK#${streetId}#${period}`,
    sk: `GRID#${communityId}#${gridId}`,
  }),
  rankingPartition: (streetId: string, period: string) => `RANK#${streetId}#${period}`,
  rankingGridPrefix: 'GRID#',
  /** A unit's or department's whistle tally in the same street and period partition as the grids. */
  rankingUnitBucket: (streetId: string, period: string, unitId: string) => ({
    pk: `RANK#${streetId}#${period}`,
    sk: `UNIT#${unitId}`,
  }),
  rankingUnitPrefix: 'UNIT#',
  /** Marks one slice of a closed whistle as folded into the rankings, so a replay adds nothing. */
  rankedWhistleMarker: (whistleId: string, part: number) => ({
    pk: `RANKEDWHISTLE#${whistleId}`,
    sk: `PART#${String(part).padStart(4, '0')}`,
  }),
  /** Marks one slice of an activation as folded into the rankings, so a repeat adds nothing. */
  rankedMarker: (activationId: string, part: number) => ({
    pk: `RANKED#${activationId}`,
    sk: `PART#${String(part).padStart(4, '0')}`,
  }),
  /** One person's participation across every activation: called, answered, came. */
  participation: (communityId: string, memberId: string) => ({
    pk: `COMMUNITY#${communityId}`,
    sk: `PARTICIPATION#${memberId}`,
  }),
  /** A whistle (吹哨): its item, responders, events and timer share one partition. */
  whistle: (whistleId: string) => ({ pk: `WHISTLE#${whistleId}`, sk: 'WHISTLE' }),
  whistlePartition: (whistleId: string) => `WHISTLE#${whistleId}`,
  whistleResponder: (whistleId: string, memberId: string) => ({
    pk: `WHISTLE#${whistleId}`,
    sk: `RESPONDER#${memberId}`,
  }),
  whistleResponderPrefix: 'RESPONDER#',
  /** An event on a whistle; the id is a ULID, so events sort by time. */
  whistleEvent: (whistleId: string, eventId: string) => ({
    pk: `WHISTLE#${whistleId}`,
    sk: `EVENT#${eventId}`,
  }),
  whistleEventPrefix: 'EVENT#',
  /** A whistle's deadline while it is open: in the sparse `WHISTLES#DUE` gsi1 partition. */
  whistleDue: (whistleId: string) => ({ pk: `WHISTLE#${whistleId}`, sk: 'DUE' }),
  dueWhistlesIndex: 'WHISTLES#DUE',
  /** gsi1 partition of a street's whistles not yet closed (open or filled). */
  openWhistlesOfStreet: (streetId: string) => `WHISTLES#STREET#${streetId}`,
  /** gsi2 partition of a community's whistles: `active#…` sort after `closed#…`, so open come first descending. */
  whistlesOfCommunity: (communityId: string) => `WHISTLES#${communityId}`,
  /** Marks a person as on a whistle, so nobody is on two whistles, and replies find the whistle. */
  onWhistle: (communityId: string, memberId: string) => ({
    pk: `ONWHISTLE#${communityId}#${memberId}`,
    sk: 'ONWHISTLE',
  }),
  /** A warning's proposal to one community, in the community's partition; `proposalId` is the warning thread's key. */
  proposal: (communityId: string, proposalId: string) => ({
    pk: `COMMUNITY#${communityId}`,
    sk: `PROPOSAL#${proposalId}`,
  }),
  /** Sparse gsi1 partition of a community's open proposals, sorted by `receivedAt#proposalId`. */
  openProposalsOfCommunity: (communityId: string) => `PROPOSALS#OPEN#${communityId}`,
  /** One CAP message received, by `messageKey(sender, identifier)`: makes a repeat a replay. */
  capMessage: (messageKey: string) => ({ pk: `CAPMSG#${messageKey}`, sk: 'CAPMSG' }),
  /** A warning thread (an Alert and its Updates and Cancel): the communities it proposed to. */
  capThread: (threadId: string) => ({ pk: `CAPTHREAD#${threadId}`, sk: 'CAPTHREAD' }),
} as const;

/** Shape of a DynamoDB primary key. */
export type ItemKey = { pk: string; sk: string };

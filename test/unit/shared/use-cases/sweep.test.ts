import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { ActivationRepository, UnitLock } from '../../../../shared/adapters/activation-repository';
import type { DrafteeRepository } from '../../../../shared/adapters/draftee-repository';
import { DynamoMemberRepository } from '../../../../shared/adapters/member-repository';
import { DynamoStructureRepository } from '../../../../shared/adapters/structure-repository';
import type { Activation, Draftee } from '../../../../shared/domain/activation';
import type { CommunityStructure, Member } from '../../../../shared/domain/roster';
import { makeSweeper } from '../../../../shared/use-cases/sweep';
import { FakeOutbox } from '../../support/fake-outbox';
import { aMember } from '../../support/members';

// The repositories are never asked to reach DynamoDB: the overrides below answer instead.
const unused = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'cn-north-1' }));

// 10:00 in Beijing on 7 December 2026.
const NOW = new Date('2026-12-07T02:00:00.000Z');

const structureOf: CommunityStructure = {
  community: {
    communityId: 'dongguan',
    name: '东关社区',
    streetId: 'chengguan',
    mode: 'emergency',
    activationId: 'a1',
    updatedAt: NOW.toISOString(),
  },
  grids: [
    {
      communityId: 'dongguan',
      gridId: 'dg01',
      name: '一网格',
      level: 'green',
      musterPoint: '社区广场',
      neighbours: [],
      updatedAt: NOW.toISOString(),
    },
  ],
  pairings: [],
};

const activation: Activation = {
  activationId: 'a1',
  communityId: 'dongguan',
  communityName: '东关社区',
  kind: 'flood',
  level: 'IV',
  drill: true,
  locale: 'zh',
  status: 'active',
  startedAt: NOW.toISOString(),
  startedBy: 'officer',
  teams: [
    {
      teamId: 'dg01',
      gridId: 'dg01',
      gridName: '一网格',
      musterPoint: '社区广场',
      quota: 3,
      missingSkills: [],
      reserves: 2,
    },
  ],
  unitIds: [],
  drafted: 2,
  reserves: 2,
};

const drafted = (memberId: string, over: Partial<Draftee>): Draftee => ({
  activationId: 'a1',
  memberId,
  communityId: 'dongguan',
  teamId: 'dg01',
  name: memberId,
  phone: `+86138000000${memberId.slice(-2)}`,
  leader: false,
  source: 'grid',
  status: 'confirmed',
  open: true,
  drill: true,
  locale: 'zh',
  musterPoint: '社区广场',
  draftedAt: NOW.toISOString(),
  alertedAt: NOW.toISOString(),
  outbox: {},
  ...over,
});

const notHere = (what: string) => () => Promise.reject(new Error(`the sweep does not call ${what}`));

/** One open activation whose people are the given draftees; backfills are recorded. */
class OneActivation implements ActivationRepository {
  readonly backfilled: string[] = [];
  constructor(private readonly draftees: Draftee[]) {}
  findIdempotent = notHere('findIdempotent');
  commit = notHere('commit');
  get = notHere('get');
  getWithTeams = notHere('getWithTeams');
  getPlan = notHere('getPlan');
  listForCommunity = notHere('listForCommunity');
  standDown = notHere('standDown');
  async listOpen(): Promise<Activation[]> {
    return [activation];
  }
  async listDraftees(): Promise<Draftee[]> {
    return this.draftees.map((d) => ({ ...d }));
  }
  async getUnitLocks(): Promise<Map<string, UnitLock>> {
    return new Map();
  }
  async backfill(args: { draftees: readonly Draftee[] }): Promise<'applied'> {
    this.backfilled.push(...args.draftees.map((d) => d.memberId));
    return 'applied';
  }
}

/** Draftee writes the sweep makes around a backfill: notices are accepted, nothing else is due. */
class NoDrafteeWrites implements DrafteeRepository {
  insertDraftees = notHere('insertDraftees');
  closeDraftees = notHere('closeDraftees');
  async queueReminders(): Promise<number> {
    return 0;
  }
  async markNoResponse(): Promise<number> {
    return 0;
  }
  async queueOnce(): Promise<boolean> {
    return true;
  }
}

class OneRoster extends DynamoMemberRepository {
  constructor(private readonly roster: Member[]) {
    super(unused, 'fake');
  }
  override async listCommunity(): Promise<Member[]> {
    return this.roster;
  }
  override async listUnit(): Promise<Member[]> {
    return [];
  }
}

class OneStructure extends DynamoStructureRepository {
  constructor() {
    super(unused, 'fake');
  }
  override async getStructure(): Promise<CommunityStructure> {
    return structureOf;
  }
}

describe('backfill and the until-date of an absence', () => {
  it('calls in a reserve whose absence ended yesterday, and not one away through today', async () => {
    // Arrange: a team of three with one decliner is short by two; two reserves have until-dates.
    const roster = [
      aMember({ memberId: 'm01', phone: '+8613800000001', roles: ['gridLeader'], partyMember: true }),
      aMember({ memberId: 'm02', phone: '+8613800000002' }),
      // Away up to and including today (China time): still away.
      aMember({ memberId: 'm03', phone: '+8613800000003', unavailableUntil: '2026-12-07' }),
      // Was away until yesterday: back today.
      aMember({ memberId: 'm04', phone: '+8613800000004', unavailableUntil: '2026-12-06' }),
      // Away from a standing "not available", whatever the date.
      aMember({ memberId: 'm05', phone: '+8613800000005', available: false, unavailableUntil: '2026-01-01' }),
    ];
    const activations = new OneActivation([
      drafted('m01', { leader: true }),
      drafted('m02', { status: 'declined' }),
    ]);
    const sweeper = makeSweeper({
      activations,
      draftees: new NoDrafteeWrites(),
      outbox: new FakeOutbox(),
      members: new OneRoster(roster),
      structure: new OneStructure(),
      clock: { now: () => NOW },
      realertAfterSeconds: 600,
      noResponseAfterSeconds: 1200,
    });

    // Act
    const stats = await sweeper.sweep();

    // Assert
    expect(activations.backfilled).toEqual(['m04']);
    expect(stats.backfilled).toBe(1);
  });
});

/** Draftee writes the sweep makes, recorded: who was reminded, marked silent, and which notices went. */
class RecordedDrafteeWrites implements DrafteeRepository {
  readonly reminded: string[] = [];
  readonly silenced: string[] = [];
  readonly notices: { memberId: string; key: string; body: string }[] = [];
  insertDraftees = notHere('insertDraftees');
  closeDraftees = notHere('closeDraftees');
  async queueReminders(_a: string, reminders: readonly { memberId: string }[]): Promise<number> {
    this.reminded.push(...reminders.map((r) => r.memberId));
    return reminders.length;
  }
  async markNoResponse(_a: string, silent: readonly { memberId: string }[]): Promise<number> {
    this.silenced.push(...silent.map((d) => d.memberId));
    return silent.length;
  }
  async queueOnce(_a: string, memberId: string, key: string, message: { body: string }): Promise<boolean> {
    if (this.notices.some((n) => n.memberId === memberId && n.key === key)) return false;
    this.notices.push({ memberId, key, body: message.body });
    return true;
  }
}

describe('backfill after a failed delivery', () => {
  const roster = [
    aMember({ memberId: 'm01', phone: '+8613800000001', roles: ['gridLeader'], partyMember: true }),
    aMember({ memberId: 'm02', phone: '+8613800000002' }),
    aMember({ memberId: 'm03', phone: '+8613800000003' }),
    aMember({ memberId: 'm04', phone: '+8613800000004' }),
    aMember({ memberId: 'm05', phone: '+8613800000005' }),
  ];
  const alert = (over: Partial<Draftee['outbox'][string]>): Draftee['outbox'] => ({
    alert: {
      kind: 'alert',
      body: '【平急】…',
      state: 'sent',
      queuedAt: NOW.toISOString(),
      attempts: 1,
      ...over,
    },
  });
  // A team of three: the leader, one who confirmed, and one whose alert did not reach the phone.
  const undelivered = () =>
    drafted('m03', {
      status: 'drafted',
      outbox: alert({ state: 'failed', receipt: 'failed', messageId: 'p-3', error: 'undelivered: MK:0012' }),
    });
  const refusedAtSend = () =>
    drafted('m03', {
      status: 'drafted',
      alertedAt: undefined,
      outbox: alert({ state: 'failed', error: 'refused: InvalidNumber' }),
    });

  function sweeperOver(draftees: Draftee[], at: Date) {
    const activations = new OneActivation(draftees);
    const writes = new RecordedDrafteeWrites();
    const sweeper = makeSweeper({
      activations,
      draftees: writes,
      outbox: new FakeOutbox(),
      members: new OneRoster(roster),
      structure: new OneStructure(),
      clock: { now: () => at },
      realertAfterSeconds: 600,
      noResponseAfterSeconds: 1200,
    });
    return { sweeper, activations, writes };
  }
  const team = (third: Draftee) => [drafted('m01', { leader: true }), drafted('m02', {}), third];

  it('replaces a person whose receipt said undelivered at the next sweep, long before the no-response timeout', async () => {
    const { sweeper, activations, writes } = sweeperOver(
      team(undelivered()),
      new Date(NOW.getTime() + 30_000),
    );

    const stats = await sweeper.sweep();

    expect(activations.backfilled).toEqual(['m04']);
    expect(stats).toMatchObject({ backfilled: 1, reminded: 0, silenced: 0 });
    // The leader hears of the gap as for any other shortfall.
    expect(writes.notices).toEqual([
      { memberId: 'm01', key: expect.stringMatching(/^shortfall-0-1-/), body: expect.any(String) },
    ]);
  });

  it('replaces a person whose number the provider refused at the send', async () => {
    const { sweeper, activations } = sweeperOver(team(refusedAtSend()), NOW);

    await sweeper.sweep();

    expect(activations.backfilled).toEqual(['m04']);
  });

  it('once replaced, the unreached person is neither reminded nor marked silent, and nobody more is called', async () => {
    // Past both timeouts, with the reserve already on the team.
    const later = new Date(NOW.getTime() + 3600_000);
    const reserve = drafted('m04', { status: 'drafted', source: 'reserve', alertedAt: later.toISOString() });
    const { sweeper, activations, writes } = sweeperOver([...team(undelivered()), reserve], later);

    const stats = await sweeper.sweep();

    expect(writes.reminded).toEqual([]);
    expect(writes.silenced).toEqual([]);
    expect(activations.backfilled).toEqual([]);
    expect(stats.backfilled).toBe(0);
  });

  it('someone unreached and also marked silent (a receipt after the timeout) is replaced once, not twice', async () => {
    const reserve = drafted('m04', { status: 'drafted', source: 'reserve' });
    const both = { ...undelivered(), status: 'noResponse' as const };
    const { sweeper, activations } = sweeperOver([...team(both), reserve], NOW);

    await sweeper.sweep();

    expect(activations.backfilled).toEqual([]);
  });
});

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

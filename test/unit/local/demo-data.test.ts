import { describe, expect, it } from 'vitest';
import { Dice, demoStreet, rosterCsv } from '../../../local/demo-data';
import { parseMemberCsv } from '../../../shared/domain/member-csv';
import { normalisePhone } from '../../../shared/domain/phone';
import { GRID_LEVELS } from '../../../shared/domain/roster';

const street = demoStreet();
const gridKey = (g: { communityId: string; gridId: string }) => `${g.communityId}/${g.gridId}`;

describe('Dice', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const roll = (seed: number) => {
      const dice = new Dice(seed);
      return Array.from({ length: 20 }, () => dice.int(0, 1_000_000));
    };

    expect(roll(1)).toEqual(roll(1));
    expect(roll(1)).not.toEqual(roll(2));
  });

  it('stays within bounds and refuses to pick from nothing', () => {
    const dice = new Dice(3);
    const rolls = Array.from({ length: 500 }, () => dice.int(2, 4));

    expect(new Set(rolls)).toEqual(new Set([2, 3, 4]));
    expect(() => dice.pick([])).toThrow('empty');
  });
});

describe('demoStreet', () => {
  it('is deterministic: the same seed gives the same street', () => {
    expect(demoStreet(42)).toEqual(demoStreet(42));
    expect(demoStreet()).toEqual(street);
  });

  it('changes with the seed', () => {
    expect(demoStreet(42).members.map((m) => m.phone)).not.toEqual(
      demoStreet(43).members.map((m) => m.phone),
    );
  });

  it('has one street with two communities', () => {
    expect(street.street).toEqual({ streetId: 'chengguan', name: expect.any(String) });
    expect(street.communities).toHaveLength(2);
    expect(new Set(street.communities.map((c) => c.communityId)).size).toBe(2);
  });

  it('has a community of 12 grids graded red, yellow and green', () => {
    const big = street.communities.find((c) => c.grids.length === 12);

    expect(big).toBeDefined();
    expect(new Set(big?.grids.map((g) => g.level))).toEqual(new Set(GRID_LEVELS));
  });

  it('gives every grid a unique id and neighbours that exist in its community, never itself', () => {
    for (const community of street.communities) {
      const ids = community.grids.map((g) => g.gridId);
      expect(new Set(ids).size, community.communityId).toBe(ids.length);
      for (const grid of community.grids) {
        expect(grid.neighbours.length, grid.gridId).toBeGreaterThan(0);
        expect(ids, grid.gridId).toEqual(expect.arrayContaining(grid.neighbours));
        expect(grid.neighbours, grid.gridId).not.toContain(grid.gridId);
      }
    }
  });

  it('makes neighbourhood mutual', () => {
    for (const community of street.communities) {
      const byId = new Map(community.grids.map((g) => [g.gridId, g]));
      for (const grid of community.grids)
        for (const n of grid.neighbours)
          expect(byId.get(n)?.neighbours, `${n} ↔ ${grid.gridId}`).toContain(grid.gridId);
    }
  });

  it('has 8 units paired with grids that exist', () => {
    const grids = new Set(
      street.communities.flatMap((c) => c.grids.map((g) => gridKey({ ...g, communityId: c.communityId }))),
    );

    expect(street.units).toHaveLength(8);
    expect(new Set(street.units.map((u) => u.unitId)).size).toBe(8);
    for (const unit of street.units)
      for (const p of unit.pairedGrids) expect(grids, unit.unitId).toContain(gridKey(p));
  });

  it('has a "1+1" grid, an "N+1" grid and a unit paired in both communities', () => {
    const unitsPerGrid = new Map<string, number>();
    for (const unit of street.units)
      for (const p of unit.pairedGrids) unitsPerGrid.set(gridKey(p), (unitsPerGrid.get(gridKey(p)) ?? 0) + 1);
    const counts = [...unitsPerGrid.values()];
    const spanning = street.units.filter((u) => new Set(u.pairedGrids.map((p) => p.communityId)).size === 2);

    expect(counts).toContain(1);
    expect(counts.some((n) => n >= 2)).toBe(true);
    expect(spanning.length).toBeGreaterThan(0);
  });

  it('has 250 to 350 members', () => {
    expect(street.members.length).toBeGreaterThanOrEqual(250);
    expect(street.members.length).toBeLessThanOrEqual(350);
  });

  it('gives every member a unique, valid +86 mobile number in E.164', () => {
    const phones = street.members.map((m) => m.phone);

    expect(new Set(phones).size).toBe(phones.length);
    for (const phone of phones) {
      expect(phone).toMatch(/^\+861\d{10}$/);
      expect(normalisePhone(phone), phone).toEqual({ ok: true, e164: phone });
    }
  });

  it('puts every member in a grid of their community and a unit that exists', () => {
    const grids = new Set(
      street.communities.flatMap((c) => c.grids.map((g) => gridKey({ ...g, communityId: c.communityId }))),
    );
    const units = new Set(street.units.map((u) => u.unitId));

    for (const m of street.members) {
      if (m.gridId)
        expect(grids, m.name).toContain(gridKey({ communityId: m.communityId, gridId: m.gridId }));
      if (m.unitId) expect(units, m.name).toContain(m.unitId);
    }
  });

  it('gives every grid a leader', () => {
    const led = new Set(
      street.members
        .filter((m) => m.roles.includes('gridLeader') && m.gridId)
        .map((m) => `${m.communityId}/${m.gridId}`),
    );

    for (const c of street.communities)
      for (const g of c.grids) expect(led).toContain(`${c.communityId}/${g.gridId}`);
  });

  it('makes every serving party member a party member', () => {
    const serving = street.members.filter((m) => m.roles.includes('servingPartyMember'));

    expect(serving.length).toBeGreaterThan(0);
    expect(serving.every((m) => m.partyMember)).toBe(true);
  });
});

describe('rosterCsv', () => {
  it.each(street.communities.map((c) => [c.communityId]))(
    'writes %s’s roster as a CSV the import reads back whole',
    (communityId) => {
      const members = street.members.filter((m) => m.communityId === communityId);

      const { rows, ignoredColumns } = parseMemberCsv(rosterCsv(members));

      expect(ignoredColumns).toEqual([]);
      expect(rows.filter((r) => r.errors)).toEqual([]);
      expect(rows.map((r) => r.line)).toEqual(members.map((_, i) => i + 2));
      expect(rows.map((r) => r.input)).toEqual(
        members.map((m) => ({
          name: m.name,
          phone: m.phone,
          roles: m.roles,
          partyMember: m.partyMember,
          gridId: m.gridId,
          unitId: m.unitId,
          skills: m.skills,
          available: m.available,
        })),
      );
    },
  );
});

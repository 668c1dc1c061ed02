import type { Principal } from '../shared/domain/access';
import type { MemberUseCases } from '../shared/use-cases/members';
import type { StructureUseCases } from '../shared/use-cases/structure';
import { type DemoStreet, rosterCsv } from './demo-data';

/** The principal the seeder acts as: an admin, so every write goes through the normal rules. */
export const SEEDER: Principal = { sub: 'seeder', groups: ['admin'], communities: '*' };

export type SeedReport = {
  communities: number;
  grids: number;
  units: number;
  members: number;
  rejected: number;
};

/**
 * Loads a street through the same use cases the API uses: structure first, then each
 * community's roster as one CSV import. Running it twice changes nothing.
 */
export async function seedStreet(
  data: DemoStreet,
  useCases: { structure: StructureUseCases; members: MemberUseCases },
): Promise<SeedReport> {
  const { structure, members } = useCases;
  await structure.putStreet(SEEDER, data.street.streetId, { name: data.street.name });
  for (const community of data.communities) {
    await structure.putCommunity(SEEDER, community.communityId, {
      name: community.name,
      streetId: data.street.streetId,
      areaCode: community.areaCode,
    });
    // Grids first without neighbours, so every neighbour exists when the second pass names it.
    for (const grid of community.grids) {
      await structure.putGrid(SEEDER, community.communityId, grid.gridId, { ...grid, neighbours: [] });
    }
    for (const grid of community.grids) {
      await structure.putGrid(SEEDER, community.communityId, grid.gridId, grid);
    }
  }
  for (const unit of data.units) {
    await structure.putUnit(SEEDER, unit.unitId, { name: unit.name, pairedGrids: unit.pairedGrids });
  }
  let imported = 0;
  let rejected = 0;
  for (const community of data.communities) {
    const roster = data.members.filter((m) => m.communityId === community.communityId);
    const result = await members.importCsv(SEEDER, community.communityId, rosterCsv(roster));
    imported += result.created + result.updated + result.unchanged;
    rejected += result.rejected.length;
  }
  return {
    communities: data.communities.length,
    grids: data.communities.reduce((n, c) => n + c.grids.length, 0),
    units: data.units.length,
    members: imported,
    rejected,
  };
}

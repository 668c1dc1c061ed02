import type { Clock } from '../adapters/clock';
import type { StructureRepository } from '../adapters/structure-repository';
import { authorize, type Principal, seesAll } from '../domain/access';
import { type FieldIssue, NotFoundError, ValidationError } from '../domain/errors';
import type {
  Community,
  CommunityInput,
  Grid,
  GridInput,
  Street,
  StreetInput,
  Unit,
  UnitInput,
} from '../domain/roster';

export type StructurePorts = { structure: StructureRepository; clock: Clock };

/**
 * A write's result: the record as stored, whether this call created it (201) or changed it
 * (200), and, where it reaches beyond one community, every community it touched.
 */
export type Upserted<T> = { value: T; created: boolean; communities?: string[] };

/** A community as clients read it: with its grids and, for each grid, the units paired with it. */
export type CommunityView = Community & {
  grids: (Grid & { units: string[]; pairing: '1+1' | 'N+1' | 'none' })[];
};

/** Use cases for the shape of a place: streets, communities, grids and partner units. */
export function makeStructureUseCases({ structure, clock }: StructurePorts) {
  const now = () => clock.now().toISOString();

  return {
    async putStreet(principal: Principal, streetId: string, input: StreetInput): Promise<Upserted<Street>> {
      authorize(principal, 'structure:write', []);
      const street: Street = { streetId, name: input.name, updatedAt: now() };
      const { created } = await structure.putStreet(street);
      return { value: street, created };
    },

    async listStreets(principal: Principal): Promise<Street[]> {
      authorize(principal, 'roster:read', seesAll(principal) ? [] : principalCommunities(principal));
      return structure.listStreets();
    },

    async putCommunity(
      principal: Principal,
      communityId: string,
      input: CommunityInput,
    ): Promise<Upserted<Community>> {
      authorize(principal, 'structure:write', [communityId]);
      const { community, created } = await structure.putCommunity({
        communityId,
        name: input.name,
        streetId: input.streetId,
        areaCode: input.areaCode,
        updatedAt: now(),
      });
      return { value: community, created };
    },

    async getCommunity(principal: Principal, communityId: string): Promise<CommunityView> {
      authorize(principal, 'roster:read', [communityId]);
      const found = await structure.getStructure(communityId);
      if (!found) throw new NotFoundError('community', communityId);
      const unitsByGrid = new Map<string, string[]>();
      for (const p of found.pairings)
        unitsByGrid.set(p.gridId, [...(unitsByGrid.get(p.gridId) ?? []), p.unitId]);
      return {
        ...found.community,
        grids: found.grids.map((g) => {
          const units = (unitsByGrid.get(g.gridId) ?? []).sort();
          return { ...g, units, pairing: units.length === 0 ? 'none' : units.length === 1 ? '1+1' : 'N+1' };
        }),
      };
    },

    async listCommunities(principal: Principal): Promise<Community[]> {
      if (seesAll(principal)) {
        authorize(principal, 'roster:read', []);
        return structure.listCommunities();
      }
      const own = principalCommunities(principal);
      authorize(principal, 'roster:read', own);
      return structure.getCommunities(own);
    },

    async putGrid(
      principal: Principal,
      communityId: string,
      gridId: string,
      input: GridInput,
    ): Promise<Upserted<Grid>> {
      authorize(principal, 'structure:write', [communityId]);
      const found = await structure.getStructure(communityId);
      if (!found) throw new NotFoundError('community', communityId);
      const known = new Set(found.grids.map((g) => g.gridId));
      const issues: FieldIssue[] = [];
      input.neighbours.forEach((n, i) => {
        if (n === gridId)
          issues.push({ path: `neighbours[${i}]`, message: 'a grid is not its own neighbour' });
        else if (!known.has(n))
          issues.push({ path: `neighbours[${i}]`, message: `unknown grid '${n}' in this community` });
      });
      if (issues.length)
        throw new ValidationError('the grid names neighbours that are not grids here', issues);
      const grid: Grid = { communityId, gridId, ...input, updatedAt: now() };
      const { created } = await structure.putGrid(grid);
      return { value: grid, created };
    },

    async putUnit(principal: Principal, unitId: string, input: UnitInput): Promise<Upserted<Unit>> {
      const previous = await structure.getUnit(unitId);
      const touched = new Set([
        ...input.pairedGrids.map((g) => g.communityId),
        ...(previous?.pairedGrids ?? []).map((g) => g.communityId),
      ]);
      authorize(principal, 'structure:write', [...touched].sort());
      await checkGridsExist(structure, input.pairedGrids);
      const unit: Unit = {
        unitId,
        name: input.name,
        pairedGrids: input.pairedGrids,
        serves: input.serves ?? previous?.serves ?? [],
        kind: input.kind ?? previous?.kind ?? 'unit',
        updatedAt: now(),
      };
      const { created } = await structure.putUnit(unit, previous);
      return { value: unit, created, communities: [...touched].sort() };
    },

    async listUnits(principal: Principal): Promise<Unit[]> {
      const units = await structure.listUnits();
      if (seesAll(principal)) {
        authorize(principal, 'roster:read', []);
        return units;
      }
      const own = principalCommunities(principal);
      authorize(principal, 'roster:read', own);
      return units.filter((u) => u.pairedGrids.some((g) => own.includes(g.communityId)));
    },
  };
}

export type StructureUseCases = ReturnType<typeof makeStructureUseCases>;

function principalCommunities(principal: Principal): string[] {
  return principal.communities === '*' ? [] : principal.communities;
}

async function checkGridsExist(
  structure: StructureRepository,
  refs: readonly { communityId: string; gridId: string }[],
): Promise<void> {
  const communities = [...new Set(refs.map((r) => r.communityId))];
  const found = new Map(
    await Promise.all(communities.map(async (c) => [c, await structure.getStructure(c)] as const)),
  );
  const issues: FieldIssue[] = [];
  refs.forEach((ref, i) => {
    const s = found.get(ref.communityId);
    if (!s)
      issues.push({
        path: `pairedGrids[${i}].communityId`,
        message: `unknown community '${ref.communityId}'`,
      });
    else if (!s.grids.some((g) => g.gridId === ref.gridId)) {
      issues.push({
        path: `pairedGrids[${i}].gridId`,
        message: `unknown grid '${ref.gridId}' in '${ref.communityId}'`,
      });
    }
  });
  if (issues.length) throw new ValidationError('the unit is paired with grids that do not exist', issues);
}

import type { Clock, IdGenerator } from '../adapters/clock';
import type { MemberFilter, MemberPage, MemberRepository } from '../adapters/member-repository';
import type { StructureRepository } from '../adapters/structure-repository';
import { authorize, type Principal } from '../domain/access';
import { type FieldIssue, NotFoundError, unknownReference, ValidationError } from '../domain/errors';
import { type CsvRow, parseMemberCsv } from '../domain/member-csv';
import {
  applyMemberPatch,
  type CommunityStructure,
  type Member,
  type MemberInput,
  type MemberPatch,
  memberRuleIssues,
} from '../domain/roster';

export type MemberPorts = {
  members: MemberRepository;
  structure: StructureRepository;
  clock: Clock;
  ids: IdGenerator;
};

export type ImportResult = {
  created: number;
  updated: number;
  unchanged: number;
  rejected: { line: number; errors: FieldIssue[] }[];
  ignoredColumns: string[];
};

/** Use cases for the people on a community's roster. */
export function makeMemberUseCases({ members, structure, clock, ids }: MemberPorts) {
  const now = () => clock.now().toISOString();

  async function loadStructure(communityId: string): Promise<CommunityStructure> {
    const found = await structure.getStructure(communityId);
    if (!found) throw new NotFoundError('community', communityId);
    return found;
  }

  async function checkReferences(
    found: CommunityStructure,
    ref: { gridId?: string | undefined; unitId?: string | undefined },
  ): Promise<void> {
    if (ref.gridId && !found.grids.some((g) => g.gridId === ref.gridId)) {
      throw unknownReference('gridId', `grid in community '${found.community.communityId}'`, ref.gridId);
    }
    if (ref.unitId && !(await structure.getUnit(ref.unitId)))
      throw unknownReference('unitId', 'unit', ref.unitId);
  }

  async function getOrThrow(communityId: string, memberId: string): Promise<Member> {
    const member = await members.get(communityId, memberId);
    if (!member) throw new NotFoundError('member', memberId);
    return member;
  }

  return {
    async create(principal: Principal, communityId: string, input: MemberInput): Promise<Member> {
      authorize(principal, 'members:write', [communityId]);
      await checkReferences(await loadStructure(communityId), input);
      const at = now();
      const member: Member = {
        memberId: ids.next(),
        communityId,
        ...input,
        smsOptOut: false,
        createdAt: at,
        updatedAt: at,
      };
      await members.create(member);
      return member;
    },

    async get(principal: Principal, communityId: string, memberId: string): Promise<Member> {
      authorize(principal, 'roster:read', [communityId]);
      return getOrThrow(communityId, memberId);
    },

    async list(
      principal: Principal,
      communityId: string,
      filter: MemberFilter,
      limit: number,
      cursor?: string,
    ): Promise<MemberPage> {
      authorize(principal, 'roster:read', [communityId]);
      if (!(await structure.getCommunity(communityId))) throw new NotFoundError('community', communityId);
      return members.list(communityId, filter, limit, cursor);
    },

    async update(
      principal: Principal,
      communityId: string,
      memberId: string,
      patch: MemberPatch,
    ): Promise<Member> {
      authorize(principal, 'members:write', [communityId]);
      const previous = await getOrThrow(communityId, memberId);
      const next = applyMemberPatch(previous, patch, now());
      const issues = memberRuleIssues(next);
      if (issues.length) throw new ValidationError('the member breaks a roster rule', issues);
      if (next.gridId !== previous.gridId || next.unitId !== previous.unitId) {
        await checkReferences(await loadStructure(communityId), {
          gridId: next.gridId !== previous.gridId ? next.gridId : undefined,
          unitId: next.unitId !== previous.unitId ? next.unitId : undefined,
        });
      }
      await members.update(previous, next);
      return next;
    },

    async remove(principal: Principal, communityId: string, memberId: string): Promise<void> {
      authorize(principal, 'members:write', [communityId]);
      await members.remove(await getOrThrow(communityId, memberId));
    },

    /**
     * Upserts a roster CSV by phone. Each row is checked on its own; a bad row is reported with
     * its line and never half-written, and the good rows are imported.
     */
    async importCsv(principal: Principal, communityId: string, csv: string): Promise<ImportResult> {
      authorize(principal, 'members:write', [communityId]);
      const found = await loadStructure(communityId);
      const { rows, ignoredColumns, optionalColumns } = parseMemberCsv(csv);
      // Without the column the until-date stays as it was; with it, a blank cell clears it.
      const untilGiven = optionalColumns.includes('unavailableUntil');
      const rejected = new Map<number, FieldIssue[]>();
      const reject = (line: number, issue: FieldIssue) =>
        rejected.set(line, [...(rejected.get(line) ?? []), issue]);
      for (const row of rows) if (row.errors) rejected.set(row.line, row.errors);

      const valid = rows.filter((r): r is Extract<CsvRow, { input: MemberInput }> => r.input !== undefined);
      // A phone on two lines is ambiguous: which one is right? Both are refused.
      const linesByPhone = new Map<string, number[]>();
      for (const r of valid)
        linesByPhone.set(r.input.phone, [...(linesByPhone.get(r.input.phone) ?? []), r.line]);
      for (const [, lines] of linesByPhone) {
        if (lines.length > 1) {
          for (const line of lines)
            reject(line, { path: 'phone', message: `the same phone is on lines ${lines.join(', ')}` });
        }
      }

      const grids = new Set(found.grids.map((g) => g.gridId));
      const unitIds = [...new Set(valid.flatMap((r) => (r.input.unitId ? [r.input.unitId] : [])))];
      const units = new Set((await structure.getUnits(unitIds)).map((u) => u.unitId));
      for (const r of valid) {
        if (r.input.gridId && !grids.has(r.input.gridId))
          reject(r.line, { path: 'gridId', message: `unknown grid '${r.input.gridId}'` });
        if (r.input.unitId && !units.has(r.input.unitId))
          reject(r.line, { path: 'unitId', message: `unknown unit '${r.input.unitId}'` });
      }

      const candidates = valid.filter((r) => !rejected.has(r.line));
      const phones = new Map(
        (await members.getPhones(candidates.map((r) => r.input.phone))).map((p) => [p.phone, p]),
      );
      const existing = new Map(
        (
          await members.getMany(
            [...phones.values()]
              .filter((p) => p.communityId === communityId)
              .map((p) => ({ communityId, memberId: p.memberId })),
          )
        ).map((m) => [m.phone, m]),
      );

      const at = now();
      const creates: Member[] = [];
      const updates: { previous: Member; next: Member }[] = [];
      const lineOf = new Map<string, number>();
      let unchanged = 0;
      for (const r of candidates) {
        const entry = phones.get(r.input.phone);
        if (entry && entry.communityId !== communityId) {
          reject(r.line, { path: 'phone', message: "already on another community's roster" });
          continue;
        }
        const previous = existing.get(r.input.phone);
        if (!previous) {
          const member: Member = {
            memberId: ids.next(),
            communityId,
            ...r.input,
            smsOptOut: false,
            createdAt: at,
            updatedAt: at,
          };
          creates.push(member);
          lineOf.set(member.memberId, r.line);
          continue;
        }
        const next: Member = {
          ...previous,
          ...r.input,
          gridId: r.input.gridId,
          unitId: r.input.unitId,
          unavailableUntil: untilGiven ? r.input.unavailableUntil : previous.unavailableUntil,
          updatedAt: at,
        };
        if (sameRosterEntry(previous, next)) {
          unchanged++;
          continue;
        }
        updates.push({ previous, next });
        lineOf.set(next.memberId, r.line);
      }

      const outcome = await members.writeBatch(creates, updates);
      let created = 0;
      let updated = 0;
      const createdIds = new Set(creates.map((m) => m.memberId));
      for (const [memberId, result] of outcome) {
        const line = lineOf.get(memberId) ?? 0;
        if (result.ok) {
          if (createdIds.has(memberId)) created++;
          else updated++;
        } else if (result.reason === 'phoneTaken') {
          reject(line, { path: 'phone', message: 'already on a roster' });
        } else {
          reject(line, {
            path: 'phone',
            message: 'the member changed during the import; import the row again',
          });
        }
      }
      return {
        created,
        updated,
        unchanged,
        rejected: [...rejected.entries()]
          .sort(([a], [b]) => a - b)
          .map(([line, errors]) => ({ line, errors })),
        ignoredColumns,
      };
    },
  };
}

export type MemberUseCases = ReturnType<typeof makeMemberUseCases>;

function sameRosterEntry(a: Member, b: Member): boolean {
  const fields = [
    'name',
    'phone',
    'roles',
    'partyMember',
    'gridId',
    'unitId',
    'skills',
    'available',
    'unavailableUntil',
  ] as const;
  return fields.every((f) => JSON.stringify(a[f]) === JSON.stringify(b[f]));
}

import type { z } from 'zod';
import type { PhoneMessage } from '../../shared/adapters/simulated-phone-network';
import type { Group } from '../../shared/domain/access';
import {
  GRID_LEVELS,
  type GridLevel,
  type Mode,
  ROLES,
  type Role,
  SKILLS,
  type Skill,
  UNIT_KINDS,
  type UnitKind,
  WHISTLE_CATEGORIES,
  type WhistleCategory,
} from '../../shared/domain/vocabulary';
import type { proposalView } from '../../shared/http/routes-cap';
import type {
  activationView,
  auditPageView,
  boardMemberView,
  boardView,
  communityDetailView,
  communityView,
  importResultView,
  memberPageView,
  memberView,
  modeView,
  unitView,
} from '../../shared/http/schemas';

// The console speaks the API's own shapes: these are the zod schemas' types, erased at build time.
export type Community = z.infer<typeof communityView>;
export type CommunityDetail = z.infer<typeof communityDetailView>;
export type Grid = CommunityDetail['grids'][number];
export type Member = z.infer<typeof memberView>;
export type MemberPage = z.infer<typeof memberPageView>;
export type ImportResult = z.infer<typeof importResultView>;
export type ActivationCreated = z.infer<typeof activationView>;
export type Board = z.infer<typeof boardView>;
/** An official warning's proposal to a community, shown beside its key. */
export type Proposal = z.infer<typeof proposalView>;
export type BoardTeam = Board['teams'][number];
export type BoardMember = z.infer<typeof boardMemberView>;
export type DrafteeStatus = BoardMember['status'];
export type ModeView = z.infer<typeof modeView>;
export type SmsMessage = Omit<PhoneMessage, 'dedupeKey'>;
// --- Roster editor ---
export type Unit = z.infer<typeof unitView>;
export type AuditPage = z.infer<typeof auditPageView>;
export type AuditEntry = AuditPage['items'][number];

export type { GridLevel, Group, Mode, Role, Skill, UnitKind, WhistleCategory };

export const ROLE_LIST: readonly Role[] = ROLES;
export const SKILL_LIST: readonly Skill[] = SKILLS;
export const GRID_LEVEL_LIST: readonly GridLevel[] = GRID_LEVELS;
export const UNIT_KIND_LIST: readonly UnitKind[] = UNIT_KINDS;
export const CATEGORY_LIST: readonly WhistleCategory[] = WHISTLE_CATEGORIES;

import type { z } from 'zod';
import type { PhoneMessage } from '../../shared/adapters/simulated-phone-network';
import type { Group } from '../../shared/domain/access';
import {
  type GridLevel,
  type Mode,
  ROLES,
  type Role,
  SKILLS,
  type Skill,
} from '../../shared/domain/vocabulary';
import type { proposalView } from '../../shared/http/routes';
import type {
  activationView,
  boardMemberView,
  boardView,
  communityDetailView,
  communityView,
  importResultView,
  memberPageView,
  memberView,
  modeView,
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

export type { GridLevel, Group, Mode, Role, Skill };

export const ROLE_LIST: readonly Role[] = ROLES;
export const SKILL_LIST: readonly Skill[] = SKILLS;

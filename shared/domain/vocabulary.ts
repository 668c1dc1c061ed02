/**
 * The words of the roster, as plain constants with no dependencies, so the console can share
 * them without pulling in the validation that uses them.
 */

export const ROLES = [
  'gridLeader',
  'fullTimeGridWorker',
  'partTimeGridWorker',
  'auxiliary',
  'servingPartyMember',
  'volunteer',
] as const;
export type Role = (typeof ROLES)[number];

export const SKILLS = [
  'firstAid',
  'medical',
  'rescue',
  'driving',
  'electrician',
  'counselling',
  'logistics',
  'interpreting',
] as const;
export type Skill = (typeof SKILLS)[number];

export const GRID_LEVELS = ['red', 'yellow', 'green'] as const;
export type GridLevel = (typeof GRID_LEVELS)[number];

export const MODES = ['normal', 'emergency', 'drill'] as const;
export type Mode = (typeof MODES)[number];

/** What a whistle (吹哨) asks for; a unit or street department lists the ones it serves. */
export const WHISTLE_CATEGORIES = [
  'people',
  'rescue',
  'medical',
  'electric',
  'gas',
  'water',
  'cityManagement',
  'police',
  'other',
] as const;
export type WhistleCategory = (typeof WHISTLE_CATEGORIES)[number];

/** A partner unit (共建单位) pairs with grids; a street department serves every grid of its street. */
export const UNIT_KINDS = ['unit', 'department'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

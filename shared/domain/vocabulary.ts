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

/** What a whistle asks for; a unit lists the categories it serves. */
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

export const UNIT_KINDS = ['unit', 'department'] as const;
export type UnitKind = (typeof UNIT_KINDS)[number];

import type { UnitKind, WhistleCategory, WhistleLevel, WhistleStatus } from '../../shared/domain/whistle';
import type { MessageKey } from './i18n';

/** The words for a whistle's category, level and status, and a unit's kind, on every page that shows them. */
export const CATEGORY_KEYS: Record<WhistleCategory, MessageKey> = {
  people: 'whistleCatPeople',
  rescue: 'whistleCatRescue',
  medical: 'whistleCatMedical',
  electric: 'whistleCatElectric',
  gas: 'whistleCatGas',
  water: 'whistleCatWater',
  cityManagement: 'whistleCatCityManagement',
  police: 'whistleCatPolice',
  other: 'whistleCatOther',
};
export const LEVEL_KEYS: Record<WhistleLevel, MessageKey> = {
  grid: 'whistleLevelGrid',
  community: 'whistleLevelCommunity',
  street: 'whistleLevelStreet',
};
export const STATUS_KEYS: Record<WhistleStatus, MessageKey> = {
  open: 'whistleStatusOpen',
  filled: 'whistleStatusFilled',
  resolved: 'whistleStatusResolved',
  cancelled: 'whistleStatusCancelled',
};
export const UNIT_KIND_KEYS: Record<UnitKind, MessageKey> = {
  unit: 'kind_unit',
  department: 'kind_department',
};

import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneResult = { ok: true; e164: string } | { ok: false; reason: string };

const SMS_CAPABLE = new Set(['MOBILE', 'FIXED_LINE_OR_MOBILE']);

/**
 * Normalises a phone number to E.164, reading numbers without a country code as mainland China
 * (`13800138000` → `+8613800138000`). Only numbers that can receive SMS are accepted.
 */
export function normalisePhone(input: string, defaultCountry: 'CN' = 'CN'): PhoneResult {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry);
  if (!parsed?.isValid()) return { ok: false, reason: 'not a valid phone number' };
  const type = parsed.getType();
  if (type !== undefined && !SMS_CAPABLE.has(type)) {
    return { ok: false, reason: 'not a mobile number: it cannot receive SMS' };
  }
  return { ok: true, e164: parsed.number };
}

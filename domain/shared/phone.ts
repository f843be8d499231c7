import {
  getCountryCallingCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
  type CountryCode,
} from "libphonenumber-js/max";
import { invalid, type DomainError } from "./errors.js";

/**
 * Phone numbers: one parser (libphonenumber, full metadata), one stored form (E.164, "+919876543210").
 * Every number that enters the system goes through here: typed at registration, in a profile, in the
 * chat, or given by a channel provider as its sender. Accounts are then found by exact E.164 equality.
 *
 * - `normalizePhone(text, region)`: what a person typed. A number without "+" or "00" is read as a
 *   national number of `region` (DEFAULT_PHONE_REGION): "98765 43210" in IN → "+919876543210". Without a
 *   region only international input is read. Undefined unless the number is valid: never a guess, never
 *   another country ("9876543210" is not "+98 76543210", Iran).
 * - `requirePhone(text, region)`: the same, or DomainError invalid/INVALID_PHONE.
 * - `phoneFromProvider(id)`: a provider's sender (Twilio's From, WhatsApp's wa_id, a Telegram contact),
 *   always international, "+" or not.
 */

/** An ISO 3166-1 alpha-2 region libphonenumber knows ("IN", "US", "GB"). */
export type PhoneRegion = CountryCode;

export function isPhoneRegion(value: string): value is PhoneRegion {
  return isSupportedCountry(value);
}

/** "+91" for IN. */
export function callingCodeOf(region: PhoneRegion): string {
  return `+${getCountryCallingCode(region)}`;
}

/** Digits and the separators people type (spaces, dashes, dots, slashes, parentheses), "+" only first. */
const TYPED = /^\+?[0-9\s().\-/\u2010-\u2015]+$/u;
const SEPARATORS = /[\s().\-/\u2010-\u2015]/gu;

/** A phone number as a person typed it → E.164, or undefined when it is not a valid number. */
export function normalizePhone(input: string, region?: PhoneRegion): string | undefined {
  if (typeof input !== "string") return undefined;
  const typed = input.trim();
  if (typed.length === 0 || typed.length > 40 || !TYPED.test(typed)) return undefined;
  const digits = typed.replace(SEPARATORS, "").replace(/^\+/, "");
  if (digits.length < 4 || digits.length > 17) return undefined;
  // "00" is the international prefix nearly everywhere (ITU-T's recommendation): read it as "+".
  const international = typed.startsWith("+")
    ? `+${digits}`
    : digits.startsWith("00")
      ? `+${digits.slice(2)}`
      : undefined;
  if (international === undefined && region === undefined) return undefined;
  const parsed = parsePhoneNumberFromString(international ?? digits, {
    ...(region !== undefined ? { defaultCountry: region } : {}),
    extract: false,
  });
  if (!parsed?.isValid() || parsed.ext !== undefined) return undefined;
  return parsed.number;
}

/** normalizePhone, or a coded 400 naming the field. */
export function requirePhone(input: string, region?: PhoneRegion, field = "phone"): string {
  const phone = normalizePhone(input, region);
  if (phone === undefined) throw invalidPhone(field, region);
  return phone;
}

export function invalidPhone(field = "phone", region?: PhoneRegion): DomainError {
  const local = region === undefined ? "" : `, or a number of ${region} (${callingCodeOf(region)})`;
  return invalid(
    "INVALID_PHONE",
    `${field} is not a valid phone number: give it with its country code, e.g. +91 98765 43210${local}.`,
    { field },
  );
}

/**
 * A sender id a provider gives in international form, with or without "+" → E.164. A number the metadata
 * knows comes out in libphonenumber's canonical form; one it does not know yet (a newly opened range,
 * WhatsApp's "521…" ids for Mexican mobiles) keeps the provider's digits, since the provider delivered a
 * message from it. Only what is not an international number at all is refused.
 */
export function phoneFromProvider(id: string): string | undefined {
  if (typeof id !== "string" || id.length > 40) return undefined;
  const m = /^\+?([1-9]\d{6,14})$/.exec(id.trim().replace(SEPARATORS, ""));
  if (!m) return undefined;
  const e164 = `+${m[1]!}`;
  // Every inbound message of a phone channel comes through here, mostly from the same senders: a parse
  // with the full metadata costs more than the rest of a webhook's intake, so recent answers are kept.
  const known = canonical.get(e164);
  if (known !== undefined) return known;
  const parsed = parsePhoneNumberFromString(e164, { extract: false });
  const result = parsed?.isValid() ? parsed.number : e164;
  if (canonical.size >= CANONICAL_CACHE) canonical.clear();
  canonical.set(e164, result);
  return result;
}

/** Provider ids → their canonical E.164 (bounded: cleared when full; the metadata never changes at run time). */
const canonical = new Map<string, string>();
const CANONICAL_CACHE = 50_000;

/** The region of a stored (or international) number: "IN" for "+919876543210"; undefined when unknown. */
export function phoneRegionOf(phone: string | null | undefined): PhoneRegion | undefined {
  if (!phone) return undefined;
  const e164 = normalizePhone(phone);
  return e164 === undefined ? undefined : parsePhoneNumberFromString(e164)?.country;
}

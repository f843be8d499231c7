/**
 * Money: integer minor units with a currency, everywhere inside the system. This module is the only place
 * that knows how many decimals a currency has, that turns minor units into text for people, and that reads
 * a decimal amount typed by a person (or sent by an API client) back into minor units.
 *
 * - `minorDigits("JPY")` 0, `("INR")` 2, `("KWD")` 3: from Intl (CLDR), corrected to the ISO 4217 minor
 *   unit where CLDR's display digits differ (PKR, IDR, HUF… are 2 in ISO 4217 and at Stripe).
 * - `formatMoney(150050, "INR")` "₹1,500.50" (for chat and notifications);
 *   `formatMoney(150050, "INR", "code")` "INR 1,500.50" (SMS and PDFs: GSM-7 and WinAnsi have no ₹);
 *   `formatDecimal(150050, "INR")` "1500.50" (machine text, no grouping).
 * - `parseMoney("1,500.50", "INR")` 150050; undefined when malformed or more precise than the currency.
 * - `toMajor` / `toMinor`: the API's numbers in the major unit (`500.5`), exact for every amount the
 *   database can hold.
 */
export interface Money {
  readonly amountMinor: number;
  readonly currency: string;
}

export type MoneyDisplay = "symbol" | "code";

/**
 * ISO 4217 minor units where CLDR (what Intl knows) shows another number of digits. CLDR's digits are a
 * display preference ("Rs 1,500"); amounts are stored and sent to payment providers in ISO minor units.
 */
const ISO_MINOR_UNITS: Readonly<Record<string, number>> = {
  AFN: 2,
  ALL: 2,
  COP: 2,
  HUF: 2,
  IDR: 2,
  IQD: 3,
  IRR: 2,
  KPW: 2,
  LAK: 2,
  LBP: 2,
  MGA: 2,
  MMK: 2,
  PKR: 2,
  RSD: 2,
  SLL: 2,
  SOS: 2,
  SYP: 2,
  YER: 2,
};

/** The locale of the symbol style (the platform's home market: "₹1,50,000.00"). */
const DISPLAY_LOCALE = "en-IN";

const digitsCache = new Map<string, number>();
const symbolFormats = new Map<string, Intl.NumberFormat>();
const codeFormats = new Map<string, Intl.NumberFormat>();

/** "inr" → "INR"; throws a RangeError for what is not a three-letter currency code. */
function code(currency: string): string {
  const c = currency.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(c)) throw new RangeError(`not a currency code: ${JSON.stringify(currency)}`);
  return c;
}

/** How many decimals the currency's minor unit has: JPY 0, INR 2, KWD 3. */
export function minorDigits(currency: string): number {
  const c = code(currency);
  let digits = digitsCache.get(c);
  if (digits === undefined) {
    digits =
      ISO_MINOR_UNITS[c] ??
      new Intl.NumberFormat("en", { style: "currency", currency: c }).resolvedOptions()
        .maximumFractionDigits ??
      2;
    digitsCache.set(c, digits);
  }
  return digits;
}

function assertMinor(amountMinor: number): void {
  if (!Number.isSafeInteger(amountMinor))
    throw new RangeError(`not an amount in minor units: ${amountMinor}`);
}

/** "1500.50" for 150050 INR, "5000" for 5000 JPY, "1.500" for 1500 KWD: exact, no grouping, "-" when negative. */
export function formatDecimal(amountMinor: number, currency: string): string {
  assertMinor(amountMinor);
  const digits = minorDigits(currency);
  const sign = amountMinor < 0 ? "-" : "";
  const abs = String(Math.abs(amountMinor)).padStart(digits + 1, "0");
  if (digits === 0) return `${sign}${abs}`;
  return `${sign}${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
}

function formatter(
  cache: Map<string, Intl.NumberFormat>,
  c: string,
  display: MoneyDisplay,
): Intl.NumberFormat {
  let f = cache.get(c);
  if (!f) {
    const digits = minorDigits(c);
    f =
      display === "symbol"
        ? new Intl.NumberFormat(DISPLAY_LOCALE, {
            style: "currency",
            currency: c,
            minimumFractionDigits: digits,
            maximumFractionDigits: digits,
          })
        : new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
    cache.set(c, f);
  }
  return f;
}

/**
 * An amount in minor units as people read it, with every decimal of the currency:
 * "symbol" (default) "₹1,50,000.50", "JP¥5,000", "KWD 1.500"; "code" "INR 150,000.50", "JPY 5,000", "KWD 1.500".
 * Formatting goes through a decimal string, so no amount is rounded on the way.
 */
export function formatMoney(amountMinor: number, currency: string, display: MoneyDisplay = "symbol"): string {
  const c = code(currency);
  const decimal = formatDecimal(amountMinor, c) as Intl.StringNumericLiteral;
  if (display === "code") return `${c} ${formatter(codeFormats, c, "code").format(decimal)}`;
  return formatter(symbolFormats, c, "symbol").format(decimal);
}

const WESTERN_GROUPS = /^\d{1,3}(?:,\d{3})+$/;
const INDIAN_GROUPS = /^\d{1,2}(?:,\d{2})*,\d{3}$/;

/** The currency sign the symbol style writes ("₹", "JP¥", "KWD"), for reading it back. */
function symbolOf(c: string): string {
  return (
    formatter(symbolFormats, c, "symbol")
      .formatToParts(0)
      .find((p) => p.type === "currency")?.value ?? c
  );
}

/**
 * A decimal amount as typed ("1500", "1500.5", "1,500.50", "1,50,000", "INR 1,500.50", "₹1,500.50") →
 * minor units. Undefined when it is not an amount, has more decimals than the currency (trailing zeros
 * aside), or does not fit a safe integer. A leading "-" is read; callers decide whether negatives are allowed.
 */
export function parseMoney(input: string, currency: string): number | undefined {
  const c = code(currency);
  const digits = minorDigits(c);
  let t = input.trim();
  if (t.length === 0 || t.length > 40) return undefined;
  let negative = false;
  // The sign goes before the symbol ("-₹5.00") or after the code ("INR -5.00"): once, either way.
  for (const mark of ["", c, symbolOf(c)]) {
    const upper = t.toUpperCase();
    if (mark !== "" && upper.startsWith(mark.toUpperCase())) t = t.slice(mark.length).trim();
    else if (mark !== "" && upper.endsWith(mark.toUpperCase())) t = t.slice(0, -mark.length).trim();
    if (!negative && /^[-\u2212]/.test(t)) {
      negative = true;
      t = t.slice(1).trimStart();
    }
  }
  const m = /^([\d,]+)(?:\.(\d*))?$/.exec(t);
  if (!m) return undefined;
  const whole = m[1]!;
  const fraction = m[2] ?? "";
  if (whole.includes(",") && !WESTERN_GROUPS.test(whole) && !INDIAN_GROUPS.test(whole)) return undefined;
  if (/[^0]/.test(fraction.slice(digits))) return undefined;
  const minorText = `${whole.replace(/,/g, "")}${fraction.slice(0, digits).padEnd(digits, "0")}`;
  const amount = Number(minorText);
  if (!Number.isSafeInteger(amount)) return undefined;
  return negative && amount !== 0 ? -amount : amount;
}

/** 150050 INR → 1500.5 (the API's number in the major unit). */
export function toMajor(amountMinor: number, currency: string): number {
  return Number(formatDecimal(amountMinor, currency));
}

/**
 * 1500.5 INR → 150050. A RangeError when it has more decimals than the currency, or is not a finite amount
 * that fits. Read through the number's shortest decimal text (what a JSON client sent), so no float error
 * is rounded away or let through.
 */
export function toMinor(amountMajor: number, currency: string): number {
  const minor = Number.isFinite(amountMajor) ? parseMoney(String(amountMajor), currency) : undefined;
  if (minor === undefined) throw new RangeError(`${amountMajor} is not an amount in ${currency}`);
  return minor;
}

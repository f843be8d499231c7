/** Money is integer minor units with a currency. Decimal strings only at the edges. */
export interface Money {
  readonly amountMinor: number;
  readonly currency: string;
}

const ZERO_DECIMAL = new Set(["JPY", "KRW", "VND", "CLP", "ISK", "UGX"]);

export function minorDigits(currency: string): number {
  return ZERO_DECIMAL.has(currency.toUpperCase()) ? 0 : 2;
}

/** 150000 INR → 1500 (a number in the currency's major unit, for API output). */
export function toMajor(amountMinor: number, currency: string): number {
  const digits = minorDigits(currency);
  return Number((amountMinor / 10 ** digits).toFixed(digits));
}

/** 1500.5 INR → 150050. Rejects more precision than the currency has. */
export function toMinor(amountMajor: number, currency: string): number {
  const digits = minorDigits(currency);
  const scaled = amountMajor * 10 ** digits;
  const rounded = Math.round(scaled);
  if (Math.abs(scaled - rounded) > 1e-6) throw new RangeError(`too many decimals for ${currency}`);
  return rounded;
}

export function formatMoney(amountMinor: number, currency: string): string {
  return `${toMajor(amountMinor, currency).toFixed(minorDigits(currency))} ${currency}`;
}

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDecimal, formatMoney, minorDigits, parseMoney, toMajor, toMinor } from "./money.js";

const CURRENCIES = ["INR", "USD", "EUR", "GBP", "JPY", "KRW", "CLP", "KWD", "BHD", "OMR", "PKR", "AED"];

describe("a currency's decimals", () => {
  it("come from the currency: none for JPY, two for INR, three for KWD and BHD", () => {
    expect(minorDigits("JPY")).toBe(0);
    expect(minorDigits("INR")).toBe(2);
    expect(minorDigits("kwd")).toBe(3);
    expect(minorDigits("BHD")).toBe(3);
  });

  it("are ISO 4217's where CLDR shows fewer (PKR and IDR amounts have paisa and sen)", () => {
    expect(minorDigits("PKR")).toBe(2);
    expect(minorDigits("IDR")).toBe(2);
    expect(minorDigits("IQD")).toBe(3);
  });

  it("refuse what is not a currency code", () => {
    expect(() => minorDigits("RUPEE")).toThrow(RangeError);
    expect(() => formatMoney(100, "")).toThrow(RangeError);
  });
});

describe("formatting minor units", () => {
  it("shows every decimal the currency has, and no more", () => {
    expect(formatMoney(150050, "INR")).toBe("₹1,500.50");
    expect(formatMoney(5000, "JPY")).toMatch(/^JP¥5,000$/);
    expect(formatMoney(1500, "KWD")).toMatch(/^KWD\s1\.500$/);
    expect(formatMoney(1234567, "BHD", "code")).toBe("BHD 1,234.567");
    expect(formatMoney(450000, "INR", "code")).toBe("INR 4,500.00");
    expect(formatMoney(5000, "JPY", "code")).toBe("JPY 5,000");
    expect(formatMoney(150000, "PKR", "code")).toBe("PKR 1,500.00");
  });

  it("writes decimals exactly, without grouping, for machines", () => {
    expect(formatDecimal(150050, "INR")).toBe("1500.50");
    expect(formatDecimal(5, "USD")).toBe("0.05");
    expect(formatDecimal(5, "KWD")).toBe("0.005");
    expect(formatDecimal(-5000, "JPY")).toBe("-5000");
    expect(formatDecimal(Number.MAX_SAFE_INTEGER, "KWD")).toBe("9007199254740.991");
  });

  it("refuses an amount that is not whole minor units", () => {
    expect(() => formatMoney(1.5, "INR")).toThrow(RangeError);
  });
});

describe("reading decimal input", () => {
  it("reads plain, grouped (Western and Indian) and labelled amounts into minor units", () => {
    expect(parseMoney("1500.50", "INR")).toBe(150050);
    expect(parseMoney("1500.5", "INR")).toBe(150050);
    expect(parseMoney("1,500.50", "INR")).toBe(150050);
    expect(parseMoney("1,50,000", "INR")).toBe(15_000_000);
    expect(parseMoney("INR 12", "INR")).toBe(1200);
    expect(parseMoney("₹12.00", "INR")).toBe(1200);
    expect(parseMoney("1500.500", "KWD")).toBe(1_500_500);
    expect(parseMoney("5000", "JPY")).toBe(5000);
    expect(parseMoney("5000.00", "JPY")).toBe(5000);
  });

  it("refuses more precision than the currency, malformed groups and anything else", () => {
    for (const [text, currency] of [
      ["10.555", "INR"],
      ["5000.5", "JPY"],
      ["1.0005", "KWD"],
      ["1,5", "INR"],
      ["15,00,0", "INR"],
      ["", "INR"],
      ["abc", "INR"],
      ["1.2.3", "INR"],
      ["1e3", "INR"],
      ["USD 5", "INR"],
      ["99999999999999999", "INR"],
    ] as const)
      expect(parseMoney(text, currency), `${text} ${currency}`).toBeUndefined();
  });

  it("turns the API's major-unit numbers into minor units exactly, and refuses float noise", () => {
    expect(toMinor(1500.5, "INR")).toBe(150050);
    expect(toMinor(0.3, "INR")).toBe(30);
    expect(toMinor(1.5, "KWD")).toBe(1500);
    expect(toMinor(5000, "JPY")).toBe(5000);
    expect(() => toMinor(10.555, "INR")).toThrow(RangeError);
    expect(() => toMinor(1.5, "JPY")).toThrow(RangeError);
    expect(() => toMinor(0.1 + 0.2, "INR")).toThrow(RangeError);
    expect(() => toMinor(Number.NaN, "INR")).toThrow(RangeError);
  });
});

describe("round trips", () => {
  const amount = fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER });
  const currency = fc.constantFrom(...CURRENCIES);

  it("parse(format(x)) is x in every display, for every amount and currency", () => {
    fc.assert(
      fc.property(amount, currency, (minor, c) => {
        expect(parseMoney(formatDecimal(minor, c), c)).toBe(minor);
        expect(parseMoney(formatMoney(minor, c), c)).toBe(minor);
        expect(parseMoney(formatMoney(minor, c, "code"), c)).toBe(minor);
      }),
      { numRuns: 2000 },
    );
  });

  it("toMinor(toMajor(x)) is x for every amount the database holds", () => {
    fc.assert(
      fc.property(fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }), currency, (minor, c) => {
        expect(toMinor(toMajor(minor, c), c)).toBe(minor);
      }),
      { numRuns: 2000 },
    );
  });
});

import fc from "fast-check";
import { isValidPhoneNumber } from "libphonenumber-js/max";
import { describe, expect, it } from "vitest";
import { DomainError } from "./errors.js";
import {
  callingCodeOf,
  normalizePhone,
  phoneFromProvider,
  phoneRegionOf,
  requirePhone,
  type PhoneRegion,
} from "./phone.js";

describe("normalizePhone", () => {
  it("reads a number typed without a country code in the default region, never as another country", () => {
    expect(normalizePhone("98765 43210", "IN")).toBe("+919876543210");
    // Not "+9876543210" (Iran): digits alone are a national number of the region.
    expect(normalizePhone("9876543210", "IN")).toBe("+919876543210");
    expect(normalizePhone("09876543210", "IN")).toBe("+919876543210");
    expect(normalizePhone("919876543210", "IN")).toBe("+919876543210");
    expect(normalizePhone("(020) 7946 0958", "GB")).toBe("+442079460958");
    expect(normalizePhone("1 (212) 555-0123", "US")).toBe("+12125550123");
    // Not a US number: refused, not moved to another country.
    expect(normalizePhone("9876543210", "US")).toBeUndefined();
  });

  it("reads international input (+ or 00) whatever the region, and needs it without one", () => {
    expect(normalizePhone("+91 98765-43210")).toBe("+919876543210");
    expect(normalizePhone("0091 98765 43210")).toBe("+919876543210");
    expect(normalizePhone("+91 98765-43210", "US")).toBe("+919876543210");
    expect(normalizePhone("00 44 20 7946 0958", "US")).toBe("+442079460958");
    expect(normalizePhone("011 44 20 7946 0958", "US")).toBe("+442079460958");
    expect(normalizePhone("98765 43210")).toBeUndefined();
  });

  it("refuses what is not a valid number: too short, too long, letters, extensions, + in the middle", () => {
    for (const bad of [
      "",
      "   ",
      "98765",
      "+0123456789",
      "+91987650000512345",
      "call me",
      "98765 43210 ext 5",
      "98765+43210",
      "1-800-FLOWERS",
      "+98 76543210",
      "9".repeat(41),
    ])
      expect(normalizePhone(bad, "IN"), bad).toBeUndefined();
  });

  it("throws INVALID_PHONE (400) through requirePhone", () => {
    expect(requirePhone("98765 43210", "IN")).toBe("+919876543210");
    let caught: unknown;
    try {
      requirePhone("12345", "IN", "emergency_contact.phone");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(DomainError);
    expect(caught).toMatchObject({
      kind: "invalid",
      code: "INVALID_PHONE",
      details: { field: "emergency_contact.phone" },
    });
  });
});

describe("phoneFromProvider", () => {
  it("turns a provider's international sender (with or without +) into E.164", () => {
    expect(phoneFromProvider("919876500001")).toBe("+919876500001");
    expect(phoneFromProvider("+919876500001")).toBe("+919876500001");
    expect(phoneFromProvider("+91 98765 00001")).toBe("+919876500001");
    // A national "0" written after the country code is not part of the number.
    expect(phoneFromProvider("4402079460958")).toBe("+442079460958");
    // A sender the metadata does not know (WhatsApp's ids for Mexican mobiles) keeps the provider's digits.
    expect(phoneFromProvider("5215512345678")).toBe("+5215512345678");
  });

  it("refuses what is not an international number", () => {
    for (const bad of ["12", "0919876500001", "HealthLink", "+91-abc", "1".repeat(16)])
      expect(phoneFromProvider(bad), bad).toBeUndefined();
  });
});

describe("phoneRegionOf", () => {
  it("is the number's own region", () => {
    expect(phoneRegionOf("+919876543210")).toBe("IN");
    expect(phoneRegionOf("+1 416 555 0123")).toBe("CA");
    expect(phoneRegionOf("+12125550123")).toBe("US");
    expect(phoneRegionOf(null)).toBeUndefined();
  });
});

// --- properties ---------------------------------------------------------------------------------------

const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n });
const join = (ds: number[]) => ds.join("");

/** National significant numbers that libphonenumber holds valid, by region, and the region's trunk prefix. */
const NATIONAL: Record<"IN" | "US" | "GB", { trunk: string; nsn: fc.Arbitrary<string> }> = {
  // Mobiles 6–9 followed by nine digits.
  IN: {
    trunk: "0",
    nsn: fc.tuple(fc.integer({ min: 6, max: 9 }), digits(9)).map(([a, b]) => `${a}${join(b)}`),
  },
  // NANP: area code and exchange start with 2–9.
  US: {
    trunk: "1",
    nsn: fc
      .tuple(fc.integer({ min: 2, max: 9 }), digits(2), fc.integer({ min: 2, max: 9 }), digits(6))
      .map(([a, b, c, d]) => `${a}${join(b)}${c}${join(d)}`),
  },
  // Mobiles 07xxx and London 020 numbers.
  GB: {
    trunk: "0",
    nsn: fc.oneof(
      fc.tuple(fc.integer({ min: 4, max: 9 }), digits(8)).map(([a, b]) => `7${a}${join(b)}`),
      fc.tuple(fc.constantFrom(3, 7, 8), digits(7)).map(([a, b]) => `20${a}${join(b)}`),
    ),
  },
};

/** A valid number of one of the three regions: its region, calling code and national number. */
const validNumber = fc
  .constantFrom("IN", "US", "GB")
  .chain((region) =>
    NATIONAL[region].nsn.map((nsn) => ({
      region: region satisfies PhoneRegion,
      nsn,
      trunk: NATIONAL[region].trunk,
    })),
  )
  .map((n) => ({ ...n, cc: callingCodeOf(n.region).slice(1) }))
  .filter((n) => isValidPhoneNumber(`+${n.cc}${n.nsn}`));

/** The digits written as people write them: groups split by spaces, dashes or dots, one maybe in (). */
function formatted(text: string): fc.Arbitrary<string> {
  return fc
    .record({
      cuts: fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, text.length - 1) }), { maxLength: 4 }),
      seps: fc.array(fc.constantFrom(" ", "-", ".", "", " - ", "  ", "/"), { minLength: 4, maxLength: 4 }),
      paren: fc.option(fc.nat({ max: 4 }), { nil: undefined }),
      pad: fc.constantFrom("", " ", "\t"),
    })
    .map(({ cuts, seps, paren, pad }) => {
      const at = [0, ...[...cuts].sort((a, b) => a - b), text.length];
      const groups = at
        .slice(1)
        .map((end, i) => text.slice(at[i], end))
        .filter((g) => g !== "");
      const written = groups.map((g, i) => (paren === i ? `(${g})` : g));
      return pad + written.reduce((acc, g, i) => acc + (seps[i - 1] ?? " ") + g) + pad;
    });
}

describe("properties", () => {
  it("every common way of writing a valid IN, US or GB number normalises to the same E.164", () => {
    fc.assert(
      fc.property(
        validNumber.chain((n) =>
          fc
            .constantFrom("national", "trunk", "plus", "00")
            .chain((form) => {
              if (form === "national") return formatted(n.nsn);
              if (form === "trunk") return formatted(`${n.trunk}${n.nsn}`);
              if (form === "00") return formatted(`00${n.cc}${n.nsn}`);
              return formatted(`${n.cc}${n.nsn}`).map((s) => `+${s.trimStart()}`);
            })
            .map((typed) => ({ ...n, typed })),
        ),
        ({ region, cc, nsn, typed }) => {
          expect(normalizePhone(typed, region)).toBe(`+${cc}${nsn}`);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("international input means the same number whatever the default region", () => {
    fc.assert(
      fc.property(validNumber, fc.constantFrom<PhoneRegion>("IN", "US", "GB", "PK", "AE"), (n, region) => {
        expect(normalizePhone(`+${n.cc} ${n.nsn}`, region)).toBe(`+${n.cc}${n.nsn}`);
        expect(normalizePhone(`00${n.cc}${n.nsn}`, region)).toBe(`+${n.cc}${n.nsn}`);
      }),
      { numRuns: 500 },
    );
  });

  it("national input is the region's number or nothing: never a number of another country", () => {
    // Random digits, and other countries' valid numbers written without "+" (national, or with their code).
    const raw = fc.oneof(
      fc.integer({ min: 4, max: 15 }).chain((n) => digits(n).map(join)),
      validNumber.map((n) => n.nsn),
      validNumber.map((n) => `${n.cc}${n.nsn}`),
    );
    fc.assert(
      fc.property(
        fc
          .tuple(fc.constantFrom<PhoneRegion>("IN", "US", "GB"), raw)
          // "00…" (and "011…" in the US) dial abroad on purpose.
          .filter(([region, r]) => !r.startsWith("00") && !(region === "US" && r.startsWith("011")))
          .chain(([region, r]) => formatted(r).map((typed) => ({ region, typed }))),
        ({ region, typed }) => {
          const e164 = normalizePhone(typed, region);
          if (e164 !== undefined)
            expect(e164.startsWith(callingCodeOf(region)), `${typed} → ${e164}`).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("whatever the text, the result is undefined or valid E.164, and normalising it again changes nothing", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 30 }),
        fc.constantFrom<PhoneRegion>("IN", "US", "GB"),
        (text, region) => {
          const e164 = normalizePhone(text, region);
          if (e164 === undefined) return;
          expect(e164).toMatch(/^\+[1-9]\d{6,14}$/);
          expect(normalizePhone(e164)).toBe(e164);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

import { describe, expect, it } from "vitest";
import { isOneTimeCodeShape, newOneTimeCode, ONE_TIME_CODE_LENGTH } from "./one-time-code.js";

describe("one-time codes", () => {
  it("are always six digits, zero-padded, and spread over every digit in every position", () => {
    expect(ONE_TIME_CODE_LENGTH).toBe(6);
    const codes = Array.from({ length: 3000 }, () => newOneTimeCode());
    for (const code of codes) expect(code).toMatch(/^\d{6}$/);
    // Zero-padding kept (a tenth of codes start with 0) and no position stuck on a few digits.
    expect(codes.some((c) => c.startsWith("0"))).toBe(true);
    for (let i = 0; i < ONE_TIME_CODE_LENGTH; i++) expect(new Set(codes.map((c) => c[i])).size).toBe(10);
    expect(new Set(codes).size).toBeGreaterThan(2900);
  });

  it("recognise a typed answer of the right shape only", () => {
    expect(isOneTimeCodeShape("004217")).toBe(true);
    for (const bad of ["", "12345", "1234567", "12a456", " 12345", "１２３４５６"])
      expect(isOneTimeCodeShape(bad), bad).toBe(false);
  });
});

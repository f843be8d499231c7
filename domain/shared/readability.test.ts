import { describe, expect, it } from "vitest";
import { countSyllables, fleschKincaidGrade } from "./readability.js";

describe("Flesch–Kincaid grade", () => {
  it("counts syllables by vowel groups", () => {
    expect(countSyllables("cat")).toBe(1);
    expect(countSyllables("water")).toBe(2);
    expect(countSyllables("medicine")).toBe(3);
    expect(countSyllables("hypertension")).toBe(4);
  });

  it("rates short plain sentences low and dense clinical prose high", () => {
    const plain = "You have a cold. Drink water. Rest at home. Come back if you feel worse.";
    const dense =
      "Symptomatology is consistent with an uncomplicated viral upper respiratory tract infection, " +
      "necessitating symptomatic management with antipyretic medication and appropriate hydration.";
    expect(fleschKincaidGrade(plain)).toBeLessThan(4);
    expect(fleschKincaidGrade(dense)).toBeGreaterThan(14);
  });

  it("is zero for no words", () => {
    expect(fleschKincaidGrade("")).toBe(0);
  });
});

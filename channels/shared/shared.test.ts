import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sameSecret } from "./compare.js";
import { numberedChoices, replyHint, splitText } from "./text.js";

describe("splitText", () => {
  it("splits at spaces and loses no words", () => {
    const text = Array.from({ length: 500 }, (_, i) => `word${i}`).join(" ");
    const parts = splitText(text, 100);
    expect(parts.join(" ")).toBe(text);
    expect(parts.every((p) => p.length <= 100)).toBe(true);
    expect(splitText("short", 100)).toEqual(["short"]);
  });

  it("never makes a part over the limit, and keeps every non-space character in order", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), fc.integer({ min: 20, max: 500 }), (text, limit) => {
        const parts = splitText(text, limit);
        expect(parts.every((p) => p.length <= limit)).toBe(true);
        expect(parts.join("").replace(/\s/g, "")).toBe(text.replace(/\s/g, ""));
      }),
    );
  });
});

describe("choices", () => {
  it("are numbered from 1 in their order, with the hint text channels say", () => {
    const n = numberedChoices([
      { id: "a", label: "Yes" },
      { id: "b", label: "No" },
    ]);
    expect(n.map((c) => c.numbered)).toEqual(["1. Yes", "2. No"]);
    expect(n.map((c) => c.id)).toEqual(["a", "b"]);
    expect([1, 2, 3].map(replyHint)).toEqual(["Reply 1.", "Reply 1 or 2.", "Reply 1, 2 or 3."]);
  });
});

describe("sameSecret", () => {
  it("is true only for the same secret, whatever the lengths and types", () => {
    expect(sameSecret("s3cret", "s3cret")).toBe(true);
    expect(sameSecret(Buffer.from("ab", "hex"), Buffer.from("ab", "hex"))).toBe(true);
    for (const other of ["s3cre", "s3cret!", "S3cret", "", undefined, null, 42, ["s3cret"]])
      expect(sameSecret(other, "s3cret")).toBe(false);
    expect(sameSecret("", "")).toBe(false);
  });
});

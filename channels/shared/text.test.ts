import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanDeep, cleanText } from "./text.js";

describe("cleanText", () => {
  it("removes NUL and the other C0 controls but tab and line feed, DEL and lone surrogates", () => {
    expect(cleanText("a\u0000b\u0001c\u0008d\u000be\u000cf\u001bg\u001fh\u007fi")).toBe("abcdefghi");
    expect(cleanText("line\r\nnext\rlast\ttab")).toBe("line\nnext\nlast\ttab");
    expect(cleanText("x\ud800y\udc00z")).toBe("xyz");
  });

  it("keeps what people write: accents, Devanagari, Urdu, emoji (surrogate pairs)", () => {
    const text = "Dr Müller, मेरे पापा, میرے ابو 👨‍⚕️🙏";
    expect(cleanText(text)).toBe(text);
  });

  it("always yields text Postgres can store and UTF-8 can carry", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const out = cleanText(s);
        // eslint-disable-next-line no-control-regex -- asserting that no control character is left
        expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
        expect(Buffer.from(out, "utf8").toString("utf8")).toBe(out);
      }),
    );
  });
});

describe("cleanDeep", () => {
  it("cleans every string of a payload, keys and form fields included, and leaves the rest", () => {
    const payload = { "te\u0000xt": { body: "hi\u0000" }, n: 3, ok: true, list: ["a\u0007", null] };
    expect(cleanDeep(payload)).toEqual({ text: { body: "hi" }, n: 3, ok: true, list: ["a", null] });
    expect(cleanDeep(new Map([["Body", "x\u0000y"]]))).toEqual(new Map([["Body", "xy"]]));
  });
});

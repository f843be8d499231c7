import { describe, expect, it } from "vitest";
import { VectorCache, type StoredVector } from "./vector-cache.js";

const rows = (n: number, tag = "r"): StoredVector[] =>
  Array.from({ length: n }, (_, i) => ({ id: `${tag}${i}`, embedding: Buffer.alloc(1024) }));

describe("VectorCache", () => {
  it("answers only for the version it was given", () => {
    const c = new VectorCache(1 << 20);
    const r = rows(3);
    c.set(1, 4, r);
    expect(c.get(1, 4)).toBe(r);
    expect(c.get(1, 5)).toBeUndefined();
    // A stale entry is gone once seen, with its bytes.
    expect(c.get(1, 4)).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it("lets the least recently used patient go first when full, and never holds more than its bytes", () => {
    const one = rows(100, "a"); // ~ 110 kB each
    const c = new VectorCache(250_000);
    c.set(1, 1, one);
    c.set(2, 1, rows(100, "b"));
    expect(c.get(1, 1)).toBe(one); // 1 is now the most recent
    c.set(3, 1, rows(100, "c"));
    expect(c.get(2, 1)).toBeUndefined();
    expect(c.get(1, 1)).toBe(one);
    expect(c.get(3, 1)).toBeDefined();
    expect(c.size).toBeLessThanOrEqual(250_000);
  });

  it("does not keep a patient larger than the whole cache, and replaces an older entry of the same patient", () => {
    const c = new VectorCache(50_000);
    c.set(1, 1, rows(100));
    expect(c.get(1, 1)).toBeUndefined();
    expect(c.size).toBe(0);
    c.set(2, 1, rows(10));
    const newer = rows(5);
    c.set(2, 2, newer);
    expect(c.get(2, 2)).toBe(newer);
    expect(c.size).toBe(5 * (1024 + 4 + 64));
  });
});

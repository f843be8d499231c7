import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decrypt, encrypt } from "./crypto.js";

const key = randomBytes(32);
const plaintext = Buffer.from("%PDF-1.4 a small clinical letter");

describe("document encryption (AES-256-GCM)", () => {
  it("decrypts what it encrypted, for any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const data = Buffer.from(bytes);
        expect(decrypt(key, encrypt(key, data, "k1"), "k1").equals(data)).toBe(true);
      }),
    );
  });

  it("uses a fresh IV per object, so the same plaintext never gives the same ciphertext", () => {
    const a = encrypt(key, plaintext);
    const b = encrypt(key, plaintext);
    expect(a.subarray(1, 13).equals(b.subarray(1, 13))).toBe(false);
    expect(a.equals(b)).toBe(false);
    expect(a.includes(plaintext)).toBe(false);
    expect(a.length).toBe(plaintext.length + 1 + 12 + 16);
  });

  it("detects a flipped bit anywhere in the IV, tag or ciphertext", () => {
    const sealed = encrypt(key, plaintext, "key-a");
    for (let i = 1; i < sealed.length; i++) {
      const copy = Buffer.from(sealed);
      copy[i] = copy[i]! ^ 0x01;
      expect(() => decrypt(key, copy, "key-a")).toThrow(/integrity/);
    }
  });

  it("refuses a wrong key, other associated data, a truncated object or an unknown version", () => {
    const sealed = encrypt(key, plaintext, "key-a");
    expect(() => decrypt(randomBytes(32), sealed, "key-a")).toThrow(/integrity/);
    expect(() => decrypt(key, sealed, "key-b")).toThrow(/integrity/);
    expect(() => decrypt(key, sealed.subarray(0, 20), "key-a")).toThrow(/integrity/);
    expect(() => decrypt(key, sealed.subarray(0, sealed.length - 1), "key-a")).toThrow(/integrity/);
    const v2 = Buffer.from(sealed);
    v2[0] = 0x02;
    expect(() => decrypt(key, v2, "key-a")).toThrow(/integrity/);
  });

  it("refuses a key that is not 32 bytes", () => {
    expect(() => encrypt(randomBytes(16), plaintext)).toThrow(/32-byte/);
  });
});

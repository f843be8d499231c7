import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { DomainError } from "../shared/errors.js";

/**
 * Documents at rest: AES-256-GCM with a random 12-byte IV per object.
 * Sealed layout: version (1 byte) | IV (12) | auth tag (16) | ciphertext.
 * The optional associated data (the storage key) binds a ciphertext to where it is stored,
 * so one object cannot be swapped for another without detection.
 */
const VERSION = 0x01;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new Error("AES-256-GCM needs a 32-byte key");
}

export function encrypt(key: Buffer, plaintext: Buffer, associatedData?: string): Buffer {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  if (associatedData !== undefined) cipher.setAAD(Buffer.from(associatedData, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

/** Decrypts and authenticates; any change to the IV, tag, ciphertext or associated data throws. */
export function decrypt(key: Buffer, sealed: Buffer, associatedData?: string): Buffer {
  checkKey(key);
  if (sealed.length < HEADER_BYTES || sealed[0] !== VERSION) throw tampered();
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, HEADER_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  decipher.setAuthTag(tag);
  if (associatedData !== undefined) decipher.setAAD(Buffer.from(associatedData, "utf8"));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES)), decipher.final()]);
  } catch {
    throw tampered();
  }
}

const tampered = () =>
  new DomainError(
    "unavailable",
    "DOCUMENT_INTEGRITY_FAILED",
    "The stored document failed its integrity check.",
  );

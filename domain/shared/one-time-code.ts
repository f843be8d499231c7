import { randomInt } from "node:crypto";

/**
 * One-time numeric codes (a phone or email proved in the chat, a doctor's SMS phone): the one generator.
 * Always ONE_TIME_CODE_LENGTH digits, uniformly random from the operating system's CSPRNG
 * (crypto.randomInt, no modulo bias), zero-padded ("004217").
 */
export const ONE_TIME_CODE_LENGTH = 6;

export function newOneTimeCode(): string {
  return String(randomInt(0, 10 ** ONE_TIME_CODE_LENGTH)).padStart(ONE_TIME_CODE_LENGTH, "0");
}

/** Whether a typed answer has the shape of a code (spaces ignored by the caller). */
export function isOneTimeCodeShape(text: string): boolean {
  return text.length === ONE_TIME_CODE_LENGTH && /^\d+$/.test(text);
}

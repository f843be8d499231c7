import { randomBytes } from "node:crypto";
import { AccountsRepository } from "../accounts/repository.js";
import { hashPassword, sameDigest, sha256, verifyPassword } from "../accounts/secrets.js";
import type { ServiceContext } from "../context.js";
import { enqueueNotification } from "../notifications/outbox.js";
import type { Actor } from "../shared/actor.js";
import { conflict, DomainError, forbidden, invalid, notFound, unprocessable } from "../shared/errors.js";
import { isOneTimeCodeShape, newOneTimeCode } from "../shared/one-time-code.js";
import { requirePhone } from "../shared/phone.js";
import { DoctorSmsRepository } from "./sms-repository.js";

export const PHONE_CODE_TTL_SECONDS = 10 * 60;
export const PHONE_CODE_MAX_ATTEMPTS = 5;
/** Codes one doctor may ask for in an hour. */
const PHONE_CODES_PER_HOUR = 5;
export const SMS_PIN_MAX_FAILURES = 5;
export const SMS_PIN_LOCK_MS = 3600_000;
/** Wrong passwords when setting a PIN, per doctor per 15 minutes. */
const PIN_PASSWORD_MAX_FAILURES = 5;
/** How long "which doctor has this verified phone" is remembered (both answers). */
const PHONE_LOOKUP_TTL_SECONDS = 60;

/** A doctor whose verified phone sent an SMS: enough to act as them. */
export interface SmsDoctor {
  doctorId: number;
  userId: number;
  timeZone: string;
  currency: string;
}

export interface PhoneStatusView {
  phone: string | null;
  phone_verified: boolean;
  phone_verified_at: string | null;
  sms_pin_set: boolean;
  sms_pin_locked_until: string | null;
}

export type PinCheck =
  | { ok: true }
  | { ok: false; reason: "not_set" }
  | { ok: false; reason: "locked"; lockedUntil: Date }
  | { ok: false; reason: "wrong"; attemptsLeft: number };

interface StoredCode {
  phone: string;
  nonce: string;
  hash: string;
}

const codeKey = (doctorId: number) => `doctor-phone-code:${doctorId}`;
const attemptsKey = (doctorId: number, nonce: string) => `doctor-phone-code-attempts:${doctorId}:${nonce}`;
/** Keyed by a hash, so phone numbers do not appear in key names. */
const lookupKey = (phone: string) => `doctor-sms-phone:${sha256(phone)}`;

/**
 * The doctor's SMS access: the phone they prove with a one-time code (only a verified phone runs SMS
 * commands, and one number belongs to one doctor), and the PIN that authorises a withdrawal by SMS.
 * Codes live in the cache (hashed, with an expiry and an attempt counter); the PIN is an argon2id hash.
 */
export class DoctorSmsService {
  private readonly repo: DoctorSmsRepository;
  private readonly accounts: AccountsRepository;

  constructor(private readonly ctx: ServiceContext) {
    this.repo = new DoctorSmsRepository(ctx.db);
    this.accounts = new AccountsRepository(ctx.db);
  }

  private async own(actor: Actor): Promise<number> {
    if (actor.role !== "doctor") throw forbidden("DOCTORS_ONLY", "Only doctors set an SMS phone and PIN.");
    return this.ctx.access.doctorScope(actor, undefined);
  }

  async status(actor: Actor): Promise<PhoneStatusView> {
    const doctorId = await this.own(actor);
    const row = await this.repo.find(doctorId);
    if (!row) throw notFound("Doctor");
    const now = this.ctx.clock.now();
    return {
      phone: row.phone,
      phone_verified: row.phoneVerifiedAt !== null,
      phone_verified_at: row.phoneVerifiedAt?.toISOString() ?? null,
      sms_pin_set: row.smsPinHash !== null,
      sms_pin_locked_until:
        row.smsPinLockedUntil !== null && row.smsPinLockedUntil > now
          ? row.smsPinLockedUntil.toISOString()
          : null,
    };
  }

  /**
   * Sets the doctor's phone (unverified until the code comes back) and sends a six-digit code to it through
   * the outbox. A new code replaces the previous one.
   */
  async setPhone(
    actor: Actor,
    input: { phone: string },
  ): Promise<{ phone: string; code_expires_at: string }> {
    const doctorId = await this.own(actor);
    const phone = requirePhone(input.phone, this.ctx.config.phone.defaultRegion);
    const before = await this.repo.find(doctorId);
    if (!before) throw notFound("Doctor");
    const sent = await this.ctx.cache.incr(`doctor-phone-codes:${doctorId}`, 3600);
    if (sent > PHONE_CODES_PER_HOUR)
      throw new DomainError("rate_limited", "TOO_MANY_ATTEMPTS", "Too many codes. Try again in an hour.");

    const now = this.ctx.clock.now();
    const code = newOneTimeCode();
    const nonce = randomBytes(8).toString("hex");
    await this.ctx.db.transaction(async (tx) => {
      await this.repo.setPhone(doctorId, phone, now, tx);
      await enqueueNotification(tx, {
        toAddress: phone,
        channel: "sms",
        template: "doctor.phone_code",
        data: { code, doctor_id: doctorId },
        idempotencyKey: `doctor-phone-code:${doctorId}:${nonce}`,
        notBefore: now,
      });
      await this.ctx.audit.record(
        actor,
        { action: "update", resourceType: "doctor_phone", resourceId: doctorId, outcome: "allowed" },
        tx,
      );
    });
    const stored: StoredCode = { phone, nonce, hash: hashCode(doctorId, phone, nonce, code) };
    await this.ctx.cache.set(codeKey(doctorId), JSON.stringify(stored), PHONE_CODE_TTL_SECONDS);
    if (before.phone) await this.ctx.cache.del(lookupKey(before.phone));
    return {
      phone,
      code_expires_at: new Date(now.getTime() + PHONE_CODE_TTL_SECONDS * 1000).toISOString(),
    };
  }

  /** Proves the phone with the code. Five wrong codes void it; a number another doctor proved is refused. */
  async verifyPhone(actor: Actor, input: { code: string }): Promise<PhoneStatusView> {
    const doctorId = await this.own(actor);
    const raw = await this.ctx.cache.get(codeKey(doctorId));
    if (raw === undefined)
      throw unprocessable("CODE_EXPIRED", "No valid code: ask for a new one (POST /api/doctor/phone).");
    const stored = JSON.parse(raw) as StoredCode;
    const code = input.code.replace(/\s/g, "");
    const right =
      isOneTimeCodeShape(code) &&
      sameDigest(hashCode(doctorId, stored.phone, stored.nonce, code), stored.hash);
    if (!right) {
      const attempts = await this.ctx.cache.incr(attemptsKey(doctorId, stored.nonce), PHONE_CODE_TTL_SECONDS);
      if (attempts >= PHONE_CODE_MAX_ATTEMPTS) {
        await this.ctx.cache.del(codeKey(doctorId));
        throw unprocessable(
          "CODE_VOID",
          "Too many wrong codes: this code no longer works. Ask for a new one.",
        );
      }
      throw unprocessable("INVALID_CODE", "That code is not right.", {
        attempts_left: PHONE_CODE_MAX_ATTEMPTS - attempts,
      });
    }
    const now = this.ctx.clock.now();
    await this.ctx.db.transaction(async (tx) => {
      const repo = this.repo;
      await repo.lockPhone(tx, stored.phone);
      if (await repo.verifiedElsewhere(tx, stored.phone, doctorId))
        throw conflict("PHONE_TAKEN", "This number is already verified by another doctor.");
      if (!(await repo.markVerified(tx, doctorId, stored.phone, now)))
        throw unprocessable("CODE_EXPIRED", "The phone changed since this code was sent: ask for a new one.");
      await this.ctx.audit.record(
        actor,
        { action: "verify", resourceType: "doctor_phone", resourceId: doctorId, outcome: "allowed" },
        tx,
      );
    });
    await this.ctx.cache.del(codeKey(doctorId));
    await this.ctx.cache.del(lookupKey(stored.phone));
    return this.status(actor);
  }

  /** Sets (or resets, which also lifts a lock) the SMS PIN; the account password proves it is the doctor. */
  async setPin(actor: Actor, input: { pin: string; password: string }): Promise<PhoneStatusView> {
    const doctorId = await this.own(actor);
    if (!/^\d{4,8}$/.test(input.pin)) throw invalid("INVALID_PIN", "The PIN is 4 to 8 digits.");
    await this.checkPassword(actor, doctorId, input.password);
    await this.repo.setPin(doctorId, await hashPassword(input.pin), this.ctx.clock.now());
    await this.ctx.audit.record(actor, {
      action: "update",
      resourceType: "doctor_sms_pin",
      resourceId: doctorId,
      outcome: "allowed",
    });
    return this.status(actor);
  }

  /**
   * A withdrawal from the console confirmed with the SMS PIN or the account password (one of them). Wrong PINs
   * count towards the same lock as by SMS; wrong passwords towards the same limit as setting a PIN.
   */
  async confirmWithdrawal(actor: Actor, input: { pin?: string; password?: string }): Promise<void> {
    const doctorId = await this.own(actor);
    if (input.pin !== undefined) {
      const pin = await this.checkPin(doctorId, input.pin);
      if (pin.ok) return;
      if (pin.reason === "not_set")
        throw conflict("SMS_PIN_NOT_SET", "No SMS PIN is set: confirm with your password, or set a PIN.");
      if (pin.reason === "locked")
        throw new DomainError(
          "rate_limited",
          "PIN_LOCKED",
          "The PIN is locked after too many wrong tries. Set a new PIN, or confirm with your password.",
          { locked_until: pin.lockedUntil.toISOString() },
        );
      throw new DomainError("forbidden", "WRONG_PIN", "The PIN is not right.", {
        attempts_left: pin.attemptsLeft,
      });
    }
    if (input.password === undefined)
      throw invalid("CONFIRMATION_REQUIRED", "Confirm the withdrawal with your SMS PIN or your password.");
    await this.checkPassword(actor, doctorId, input.password);
  }

  private async checkPassword(actor: Actor, doctorId: number, password: string): Promise<void> {
    const failuresKey = `doctor-pin-password-failures:${doctorId}`;
    const failures = Number((await this.ctx.cache.get(failuresKey)) ?? "0");
    if (failures >= PIN_PASSWORD_MAX_FAILURES)
      throw new DomainError(
        "rate_limited",
        "TOO_MANY_ATTEMPTS",
        "Too many wrong passwords. Try again later.",
      );
    const user = await this.accounts.findById(actor.userId);
    if (!user || !(await verifyPassword(user.passwordHash, password))) {
      await this.ctx.cache.incr(failuresKey, 15 * 60);
      throw forbidden("INVALID_PASSWORD", "The password is not right.");
    }
  }

  /**
   * The active, verified doctor whose verified phone this is, or undefined (the sender is someone else).
   * The phone → doctor answer is cached briefly; the doctor's row is always read again to confirm it.
   */
  async doctorForPhone(phone: string): Promise<SmsDoctor | undefined> {
    const key = lookupKey(phone);
    const hit = await this.ctx.cache.get(key);
    let doctorId: number | undefined;
    if (hit === undefined) {
      doctorId = await this.repo.verifiedByPhone(phone);
      await this.ctx.cache.set(
        key,
        doctorId === undefined ? "-" : String(doctorId),
        PHONE_LOOKUP_TTL_SECONDS,
      );
    } else if (hit !== "-") doctorId = Number(hit);
    if (doctorId === undefined) return undefined;
    const row = await this.repo.find(doctorId);
    if (
      !row ||
      row.phone !== phone ||
      row.phoneVerifiedAt === null ||
      row.userId === null ||
      row.active !== true ||
      row.verificationStatus !== "verified"
    )
      return undefined;
    return { doctorId: row.doctorId, userId: row.userId, timeZone: row.timeZone, currency: row.currency };
  }

  /**
   * Checks the SMS PIN. Wrong PINs are counted; the fifth locks it for an hour (and each further wrong one
   * renews the lock) until the right PIN, or a new PIN set in the console, clears the count.
   */
  async checkPin(doctorId: number, pin: string): Promise<PinCheck> {
    const row = await this.repo.find(doctorId);
    if (!row?.smsPinHash) return { ok: false, reason: "not_set" };
    const now = this.ctx.clock.now();
    if (row.smsPinLockedUntil !== null && row.smsPinLockedUntil > now)
      return { ok: false, reason: "locked", lockedUntil: row.smsPinLockedUntil };
    if (await verifyPassword(row.smsPinHash, pin)) {
      if (row.smsPinFailures > 0 || row.smsPinLockedUntil !== null)
        await this.repo.clearPinFailures(doctorId);
      return { ok: true };
    }
    const after = await this.repo.recordPinFailure(
      doctorId,
      SMS_PIN_MAX_FAILURES,
      new Date(now.getTime() + SMS_PIN_LOCK_MS),
    );
    if (after.lockedUntil !== null && after.lockedUntil > now)
      return { ok: false, reason: "locked", lockedUntil: after.lockedUntil };
    return { ok: false, reason: "wrong", attemptsLeft: Math.max(0, SMS_PIN_MAX_FAILURES - after.failures) };
  }
}

function hashCode(doctorId: number, phone: string, nonce: string, code: string): string {
  return sha256(`${doctorId}:${phone}:${nonce}:${code}`);
}

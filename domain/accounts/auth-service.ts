import { randomBytes, randomUUID } from "node:crypto";
import type { Database } from "../../db/client.js";
import type { AuditTrail } from "../audit/audit.js";
import { enqueueNotification } from "../notifications/outbox.js";
import type { Actor, Channel } from "../shared/actor.js";
import type { Cache } from "../shared/cache.js";
import type { Clock } from "../shared/clock.js";
import type { Jobs } from "../shared/jobs.js";
import { conflict, DomainError, notFound, unauthenticated } from "../shared/errors.js";
import { DEFAULT_LOGIN_THROTTLE, LoginThrottle } from "./login-throttle.js";
import { requirePhone, type PhoneRegion } from "../shared/phone.js";
import type { Role } from "../shared/role.js";
import { AccountsRepository, type UserWithProfile } from "./repository.js";
import { dummyPasswordHash, hashPassword, newOpaqueToken, sha256, verifyPassword } from "./secrets.js";

/** Reset links asked for per email, and per source address, per hour; past either nothing is sent. */
export const FORGOT_PER_EMAIL_PER_HOUR = 3;
export const FORGOT_PER_ADDRESS_PER_HOUR = 10;

/** How a person in a chat proves who they are: an email or a phone (E.164). */
export type ContactPoint = { kind: "email"; value: string } | { kind: "phone"; value: string };

const PLACEHOLDER_DOMAIN = "@chat.healthlink.invalid";

/** Phone-only people get a placeholder address no one can receive mail at (users.email is required). */
export function placeholderEmail(phone: string): string {
  return `phone-${phone.replace(/\D/g, "")}${PLACEHOLDER_DOMAIN}`;
}

/** The roles an admin may move a staff account between. */
const STAFF_ROLES: readonly Role[] = ["nurse", "pharmacist", "lab", "admin"];

export const AUTH_JOBS = { passwordReset: "auth.password_reset" } as const;

export interface PasswordResetJob {
  email: string;
  /** One per request: the reset message's idempotency key. */
  requestId: string;
}

export interface AuthSettings {
  refreshTtlDays: number;
  passwordResetTtlMinutes: number;
  loginMaxFailures: number;
  loginLockoutSeconds: number;
  publicBaseUrl: string;
  /** DEFAULT_PHONE_REGION: the region of a phone typed without a country code. */
  phoneRegion: PhoneRegion;
}

export interface UserView {
  id: number;
  role: Role;
  name: string;
  email: string;
  phone: string | null;
  patient_id?: number;
  doctor_id?: number;
}

export function userView(u: UserWithProfile): UserView {
  const view: UserView = { id: u.id, role: u.role, name: u.name, email: u.email, phone: u.phone };
  if (u.patientId != null) view.patient_id = u.patientId;
  if (u.doctorId != null) view.doctor_id = u.doctorId;
  return view;
}

/** What a signed access token says about its bearer. */
export interface TokenClaims {
  sub: number;
  role: Role;
  sid: string;
  pid?: number;
  did?: number;
}

export interface IssuedSession {
  user: UserView;
  claims: TokenClaims;
  refreshToken: string;
}

export class AuthService {
  private readonly repo: AccountsRepository;
  private readonly throttle: LoginThrottle;
  constructor(
    private readonly database: Database,
    private readonly cache: Cache,
    private readonly clock: Clock,
    private readonly audit: AuditTrail,
    private readonly settings: AuthSettings,
    private readonly jobs: Jobs,
  ) {
    this.repo = new AccountsRepository(database.db);
    this.throttle = new LoginThrottle(cache, clock, {
      freeFailures: settings.loginMaxFailures,
      maxDelaySeconds: settings.loginLockoutSeconds,
      ...DEFAULT_LOGIN_THROTTLE,
    });
  }

  async register(input: {
    role: "patient" | "doctor";
    name: string;
    email: string;
    password: string;
    phone?: string | undefined;
  }): Promise<UserView> {
    const phone = this.phoneOf(input.phone);
    const passwordHash = await hashPassword(input.password);
    const id = await this.database.db.transaction(async (tx) => {
      const user = await this.repo.insertUser(tx, {
        role: input.role,
        name: input.name.trim(),
        email: input.email,
        phone,
        passwordHash,
      });
      if (!user) throw conflict("EMAIL_TAKEN", "An account with this email already exists.");
      if (input.role === "patient") {
        await this.repo.insertPatient(tx, {
          userId: user.id,
          name: user.name,
          phone: user.phone,
          email: user.email,
        });
      } else {
        await this.repo.insertDoctor(tx, { userId: user.id, name: user.name, phone: user.phone });
      }
      return user.id;
    });
    const user = await this.repo.findById(id);
    return userView(user!);
  }

  /** The patient account with this email or phone (E.164), if any. */
  async patientByContact(contact: ContactPoint): Promise<UserWithProfile | undefined> {
    if (contact.kind === "email") return this.repo.findByEmail(contact.value);
    const id = await this.repo.findUserIdByPhone(contact.value, placeholderEmail(contact.value));
    return id === undefined ? undefined : this.repo.findById(id);
  }

  /**
   * A patient met in a conversation, once they proved their contact: a user with a random, unusable password
   * (they can set one through "forgot password") and a patient profile with the name and date of birth they
   * gave. An account that appeared with that contact meanwhile is returned instead.
   */
  async createPatientFromContact(input: {
    name: string;
    dateOfBirth: string;
    contact: ContactPoint;
  }): Promise<UserWithProfile> {
    const passwordHash = await hashPassword(randomBytes(32).toString("base64url"));
    const { contact } = input;
    const email = contact.kind === "email" ? contact.value : placeholderEmail(contact.value);
    const phone = contact.kind === "phone" ? contact.value : null;
    const id = await this.database.db.transaction(async (tx) => {
      const user = await this.repo.insertUser(tx, {
        role: "patient",
        name: input.name,
        email,
        phone,
        passwordHash,
      });
      if (!user) return undefined;
      await this.repo.insertPatient(tx, {
        userId: user.id,
        name: user.name,
        phone,
        email,
        dateOfBirth: input.dateOfBirth,
      });
      return user.id;
    });
    const user = id !== undefined ? await this.repo.findById(id) : await this.patientByContact(contact);
    if (!user) throw new Error("account could not be created");
    return user;
  }

  /** A phone as given (optional, blank = none) → E.164, or 400 INVALID_PHONE. */
  private phoneOf(input: string | undefined): string | null {
    if (input === undefined || input.trim() === "") return null;
    return requirePhone(input, this.settings.phoneRegion);
  }

  async login(input: { email: string; password: string; ip: string }): Promise<IssuedSession> {
    const email = input.email.trim().toLowerCase();
    await this.throttle.check(email, input.ip);
    const user = await this.repo.findByEmail(email);
    const ok = user
      ? await verifyPassword(user.passwordHash, input.password)
      : await verifyPassword(await dummyPasswordHash(), input.password);
    if (!user || !ok || !user.active) {
      await this.throttle.failed(email, input.ip);
      throw unauthenticated("INVALID_CREDENTIALS", "Email or password is incorrect.");
    }
    await this.throttle.succeeded(email, input.ip);
    return this.issue(user);
  }

  private async issue(user: UserWithProfile, sessionId?: string): Promise<IssuedSession> {
    const refresh = newOpaqueToken();
    const expiresAt = new Date(this.clock.now().getTime() + this.settings.refreshTtlDays * 86_400_000);
    const sid = await this.database.db.transaction(async (tx) => {
      const id = sessionId ?? (await this.repo.createSession(tx, user.id, expiresAt));
      await this.repo.insertRefreshToken(tx, id, refresh.hash);
      return id;
    });
    return { user: userView(user), claims: claimsOf(user, sid), refreshToken: refresh.token };
  }

  /** Rotates a refresh token. Presenting one that was already used revokes its whole session. */
  async refresh(refreshToken: string): Promise<IssuedSession> {
    const spent = await this.repo.spendRefreshToken(this.database.db, sha256(refreshToken));
    if (!spent.ok) {
      if (spent.reason === "reused" && spent.sessionId) {
        await this.repo.revokeSession(this.database.db, spent.sessionId, "refresh_token_reused");
      }
      throw unauthenticated("INVALID_REFRESH_TOKEN", "The refresh token is invalid or was already used.");
    }
    const session = await this.repo.findSession(spent.sessionId);
    if (!session || session.revokedAt || session.expiresAt <= this.clock.now()) {
      throw unauthenticated("INVALID_REFRESH_TOKEN", "The session has ended. Sign in again.");
    }
    const user = await this.repo.findById(session.userId);
    if (!user?.active)
      throw unauthenticated("INVALID_REFRESH_TOKEN", "The session has ended. Sign in again.");
    return this.issue(user, session.id);
  }

  async logout(sessionId: string): Promise<void> {
    await this.repo.revokeSession(this.database.db, sessionId, "logout");
  }

  /** Turns verified token claims into an Actor, if the session is still open. */
  async actorFor(claims: TokenClaims, channel: Channel, requestId?: string): Promise<Actor> {
    const session = await this.repo.findSession(claims.sid);
    if (
      !session ||
      session.revokedAt ||
      session.expiresAt <= this.clock.now() ||
      session.userId !== claims.sub
    ) {
      throw unauthenticated("SESSION_ENDED", "The session has ended. Sign in again.");
    }
    return {
      userId: claims.sub,
      role: claims.role,
      patientId: claims.pid,
      doctorId: claims.did,
      channel,
      requestId,
    };
  }

  async me(actor: Actor): Promise<UserView> {
    const user = await this.repo.findById(actor.userId);
    if (!user) throw notFound("User");
    return userView(user);
  }

  /**
   * Asks for a password reset link. Always the same from the caller's view, in what it answers and in the
   * work it does on the request path (two counters and one job, whether the email exists or not), so it
   * cannot be used to probe which emails exist. Throttled per email and per source address per hour: past
   * either cap nothing is sent, and the answer is still the same. The lookup, the token and the message
   * happen in the job (sendPasswordReset).
   */
  async forgotPassword(email: string, ip: string): Promise<void> {
    const normalized = email.trim().toLowerCase();
    const hour = Math.floor(this.clock.now().getTime() / 3_600_000);
    const [byEmail, byAddress] = await Promise.all([
      this.cache.incr(`forgot:email:${sha256(normalized)}:${hour}`, 2 * 3600),
      this.cache.incr(`forgot:addr:${sha256(ip)}:${hour}`, 2 * 3600),
    ]);
    if (byEmail > FORGOT_PER_EMAIL_PER_HOUR || byAddress > FORGOT_PER_ADDRESS_PER_HOUR) return;
    // The job's data holds the email: dropped from Redis as soon as it has run, succeeded or not.
    await this.jobs.add<PasswordResetJob>(
      AUTH_JOBS.passwordReset,
      { email: normalized, requestId: randomUUID() },
      { removeOnComplete: true, removeOnFail: true, attempts: 3 },
    );
  }

  /** The job behind forgotPassword: for an active account, a single-use token and the reset message (once). */
  async sendPasswordReset(job: PasswordResetJob): Promise<void> {
    const user = await this.repo.findByEmail(job.email);
    if (!user?.active) return;
    const token = newOpaqueToken();
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + this.settings.passwordResetTtlMinutes * 60_000);
    await this.database.db.transaction(async (tx) => {
      await this.repo.insertResetToken(tx, user.id, token.hash, expiresAt);
      await enqueueNotification(tx, {
        userId: user.id,
        channel: "email",
        template: "auth.password_reset",
        data: {
          reset_url: `${this.settings.publicBaseUrl}/reset-password#token=${token.token}`,
          token: token.token,
          expires_at: expiresAt.toISOString(),
        },
        // A job that runs twice sends one message (its second token is never delivered and expires).
        idempotencyKey: `password_reset:${job.requestId}`,
      });
    });
  }

  async resetPassword(token: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    await this.database.db.transaction(async (tx) => {
      const userId = await this.repo.spendResetToken(tx, sha256(token), this.clock.now());
      if (userId === undefined) {
        throw new DomainError(
          "invalid",
          "INVALID_RESET_TOKEN",
          "The reset link is invalid, expired or already used.",
        );
      }
      await this.repo.setPassword(tx, userId, passwordHash);
      await this.repo.revokeAllSessions(tx, userId, "password_reset");
    });
  }

  /** Creates the first admin from configuration if no user has that email. */
  async ensureAdmin(admin: { email: string; password: string } | undefined): Promise<boolean> {
    if (!admin) return false;
    if (await this.repo.findByEmail(admin.email)) return false;
    const created = await this.repo.insertUser(this.database.db, {
      role: "admin",
      name: "Administrator",
      email: admin.email,
      passwordHash: await hashPassword(admin.password),
    });
    return created !== undefined;
  }

  /** Admins manage users: list, deactivate (ends every session), reactivate. */
  async listUsers(
    actor: Actor,
    opts: {
      role?: Role | undefined;
      q?: string | undefined;
      active?: boolean | undefined;
      page: number;
      perPage: number;
    },
  ) {
    assertAdmin(actor);
    return this.repo.listUsers({
      role: opts.role,
      q: opts.q,
      active: opts.active,
      limit: opts.perPage,
      offset: (opts.page - 1) * opts.perPage,
    });
  }

  /** Admins create staff accounts (nurses, pharmacists, lab staff, other admins); patients and doctors self-register. */
  async createStaffUser(
    actor: Actor,
    input: {
      role: "nurse" | "admin" | "pharmacist" | "lab";
      name: string;
      email: string;
      password: string;
      phone?: string | undefined;
    },
  ): Promise<UserView> {
    assertAdmin(actor);
    const phone = this.phoneOf(input.phone);
    const created = await this.repo.insertUser(this.database.db, {
      role: input.role,
      name: input.name.trim(),
      email: input.email,
      phone,
      passwordHash: await hashPassword(input.password),
    });
    if (!created) throw conflict("EMAIL_TAKEN", "An account with this email already exists.");
    await this.audit.record(actor, {
      action: "create",
      resourceType: "user",
      resourceId: created.id,
      outcome: "allowed",
    });
    return userView({ ...created, patientId: null, doctorId: null });
  }

  /** The doctors the signed-in nurse acts for (whose schedules and patients they see). */
  async nurseDoctors(actor: Actor): Promise<{ doctor_id: number; name: string }[]> {
    if (actor.role !== "nurse") return [];
    const rows = await this.repo.nurseDoctors(actor.userId);
    return rows.map((r) => ({ doctor_id: r.doctorId, name: r.name }));
  }

  /** Lets a nurse act for a doctor. */
  async assignNurse(actor: Actor, nurseUserId: number, doctorId: number): Promise<void> {
    assertAdmin(actor);
    const nurse = await this.repo.findById(nurseUserId);
    if (nurse?.role !== "nurse") throw notFound("Nurse");
    if (!(await this.repo.doctorExists(doctorId))) throw notFound("Doctor");
    await this.repo.assignNurse(this.database.db, nurseUserId, doctorId);
    await this.audit.record(actor, {
      action: "assign_nurse",
      resourceType: "doctor",
      resourceId: doctorId,
      outcome: "allowed",
    });
  }

  /**
   * Admins move a staff account between the staff roles (nurse, pharmacist, lab, admin). Patients and doctors
   * have their own records (a chart, a profile and a calendar), so their role does not change; nor does an
   * admin change their own (no admin can lock the service out of its last admin). The person's sessions end:
   * their tokens carry the old role.
   */
  async setUserRole(actor: Actor, userId: number, role: Role): Promise<void> {
    assertAdmin(actor);
    if (!STAFF_ROLES.includes(role))
      throw new DomainError(
        "unprocessable",
        "ROLE_NOT_CHANGEABLE",
        "Only staff roles (nurse, pharmacist, lab, admin) can be given.",
      );
    if (userId === actor.userId)
      throw new DomainError("unprocessable", "OWN_ROLE", "You cannot change your own role.");
    const user = await this.repo.findById(userId);
    if (!user) throw notFound("User");
    if (!STAFF_ROLES.includes(user.role))
      throw new DomainError(
        "unprocessable",
        "ROLE_NOT_CHANGEABLE",
        "Patients and doctors keep their role: only staff accounts move between staff roles.",
      );
    if (user.role === role) return;
    await this.database.db.transaction(async (tx) => {
      await this.repo.setRole(tx, userId, role);
      await this.repo.revokeAllSessions(tx, userId, "role_changed");
    });
    await this.audit.record(actor, {
      action: `set_role:${role}`,
      resourceType: "user",
      resourceId: userId,
      outcome: "allowed",
    });
  }

  /**
   * Admins reset a person's access: the password reset message goes to their email through the same job as
   * "forgot password" (a single-use link). A deactivated account or one without a real email (a phone-only
   * chat account) cannot receive one (422).
   */
  async resetUserAccess(actor: Actor, userId: number): Promise<void> {
    assertAdmin(actor);
    const user = await this.repo.findById(userId);
    if (!user) throw notFound("User");
    if (!user.active)
      throw new DomainError("unprocessable", "USER_INACTIVE", "Reactivate the account first.");
    if (user.email.endsWith(PLACEHOLDER_DOMAIN))
      throw new DomainError(
        "unprocessable",
        "NO_EMAIL",
        "This account has no email address to send a reset link to.",
      );
    await this.jobs.add<PasswordResetJob>(
      AUTH_JOBS.passwordReset,
      { email: user.email, requestId: randomUUID() },
      { removeOnComplete: true, removeOnFail: true, attempts: 3 },
    );
    await this.audit.record(actor, {
      action: "reset_access",
      resourceType: "user",
      resourceId: userId,
      outcome: "allowed",
    });
  }

  async setUserActive(actor: Actor, userId: number, active: boolean): Promise<void> {
    assertAdmin(actor);
    await this.database.db.transaction(async (tx) => {
      if (!(await this.repo.setActive(tx, userId, active))) throw notFound("User");
      if (!active) await this.repo.revokeAllSessions(tx, userId, "deactivated");
    });
    await this.audit.record(actor, {
      action: active ? "activate" : "deactivate",
      resourceType: "user",
      resourceId: userId,
      outcome: "allowed",
    });
  }
}

export function claimsOf(user: UserWithProfile, sid: string): TokenClaims {
  const claims: TokenClaims = { sub: user.id, role: user.role, sid };
  if (user.patientId != null) claims.pid = user.patientId;
  if (user.doctorId != null) claims.did = user.doctorId;
  return claims;
}

export function assertAdmin(actor: Actor): void {
  if (actor.role !== "admin")
    throw new DomainError("forbidden", "ADMIN_ONLY", "Only administrators can do this.");
}

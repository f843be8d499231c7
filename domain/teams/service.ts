import { randomInt } from "node:crypto";
import { sha256 } from "../accounts/secrets.js";
import type { ServiceContext } from "../context.js";
import type { SmsDoctor } from "../doctors/sms.js";
import type { Actor } from "../shared/actor.js";
import { DomainError, forbidden, notFound, RateLimitedError } from "../shared/errors.js";
import { TeamsLinksRepository } from "./repository.js";

export const TEAMS_LINK_CODE_TTL_SECONDS = 10 * 60;
/** Wrong codes one Teams user may try in an hour. */
const LINK_ATTEMPTS_PER_HOUR = 5;
/** Codes one doctor may ask for in an hour. */
const LINK_CODES_PER_HOUR = 10;
/** No 0/O, 1/I/L: easy to read off a screen and type. */
const ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_LENGTH = 8;

const codeKey = (code: string) => `teams-link-code:${sha256(code)}`;
const doctorCodeKey = (doctorId: number) => `teams-link-code-of:${doctorId}`;

/** A doctor acting from Teams (the same shape as the SMS commands' doctor). */
export type TeamsDoctor = SmsDoctor;

export interface TeamsLinkView {
  /** The Teams channel is configured on this deployment. */
  configured: boolean;
  linked: boolean;
  linked_at: string | null;
}

/**
 * Links Microsoft Teams users to HealthLink doctors: the doctor asks the console for a one-time code
 * (8 characters, 10 minutes, hashed in the cache, one live code per doctor) and sends it to the bot from Teams;
 * until then a Teams user gets only the linking instructions. Wrong codes are limited per Teams user. The one
 * writer of `teams_links`.
 */
export class TeamsLinksService {
  private readonly repo: TeamsLinksRepository;

  constructor(private readonly ctx: ServiceContext) {
    this.repo = new TeamsLinksRepository(ctx.db);
  }

  private own(actor: Actor): number {
    if (actor.role !== "doctor" || actor.doctorId === undefined)
      throw forbidden("DOCTORS_ONLY", "Only doctors link a Microsoft Teams account.");
    return actor.doctorId;
  }

  async status(actor: Actor): Promise<TeamsLinkView> {
    const link = await this.repo.findByDoctor(this.own(actor));
    return {
      configured: this.ctx.config.teams !== undefined,
      linked: link !== undefined,
      linked_at: link?.linkedAt.toISOString() ?? null,
    };
  }

  /** A new one-time code (the previous one stops working). */
  async createLinkCode(actor: Actor): Promise<{ code: string; expires_at: string }> {
    const doctorId = this.own(actor);
    if (this.ctx.config.teams === undefined)
      throw new DomainError(
        "unavailable",
        "TEAMS_NOT_CONFIGURED",
        "Microsoft Teams is not set up on this server.",
      );
    const asked = await this.ctx.cache.incr(`teams-link-codes:${doctorId}`, 3600);
    if (asked > LINK_CODES_PER_HOUR)
      throw new RateLimitedError("TOO_MANY_ATTEMPTS", "Too many codes. Try again in an hour.", 3600);
    const previous = await this.ctx.cache.get(doctorCodeKey(doctorId));
    if (previous !== undefined) await this.ctx.cache.del(previous);
    let code = "";
    for (let i = 0; i < CODE_LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
    await this.ctx.cache.set(codeKey(code), String(doctorId), TEAMS_LINK_CODE_TTL_SECONDS);
    await this.ctx.cache.set(doctorCodeKey(doctorId), codeKey(code), TEAMS_LINK_CODE_TTL_SECONDS);
    const expiresAt = new Date(this.ctx.clock.now().getTime() + TEAMS_LINK_CODE_TTL_SECONDS * 1000);
    return { code, expires_at: expiresAt.toISOString() };
  }

  async unlink(actor: Actor): Promise<void> {
    const doctorId = this.own(actor);
    if (!(await this.repo.unlink(doctorId))) throw notFound("Teams link");
  }

  /**
   * A Teams user sent a message that may be a link code: "linked" (and who), "wrong" (a code-shaped text that
   * is no live code), "limited" (too many wrong codes this hour) or "not_a_code".
   */
  async redeem(
    teamsUserId: string,
    tenantId: string | null,
    text: string,
  ): Promise<{ outcome: "linked"; doctor: TeamsDoctor } | { outcome: "wrong" | "limited" | "not_a_code" }> {
    const code = text
      .trim()
      .toUpperCase()
      .replace(/^LINK\s+/, "")
      .replace(/[\s-]/g, "");
    if (code.length !== CODE_LENGTH || ![...code].every((c) => ALPHABET.includes(c)))
      return { outcome: "not_a_code" };
    const attemptsKey = `teams-link-attempts:${sha256(teamsUserId)}`;
    const tries = Number((await this.ctx.cache.get(attemptsKey)) ?? "0");
    if (tries >= LINK_ATTEMPTS_PER_HOUR) return { outcome: "limited" };
    const hit = await this.ctx.cache.get(codeKey(code));
    if (hit === undefined) {
      await this.ctx.cache.incr(attemptsKey, 3600);
      return { outcome: "wrong" };
    }
    const doctorId = Number(hit);
    await this.ctx.cache.del(codeKey(code));
    await this.ctx.cache.del(doctorCodeKey(doctorId));
    await this.repo.link({ doctorId, teamsUserId, tenantId, linkedAt: this.ctx.clock.now() });
    const doctor = await this.doctorFor(teamsUserId);
    return doctor ? { outcome: "linked", doctor } : { outcome: "wrong" };
  }

  /** The active, verified doctor linked to this Teams user, or undefined. */
  async doctorFor(teamsUserId: string): Promise<TeamsDoctor | undefined> {
    const link = await this.repo.findByTeamsUser(teamsUserId);
    if (!link) return undefined;
    const row = await this.repo.doctor(link.doctorId);
    if (!row || row.userId === null || row.active !== true || row.verificationStatus !== "verified")
      return undefined;
    return { doctorId: row.doctorId, userId: row.userId, timeZone: row.timeZone, currency: row.currency };
  }
}

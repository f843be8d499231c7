import type { DbOrTx } from "../../db/client.js";
import type { ServiceContext } from "../context.js";
import type { DoctorsService } from "../doctors/service.js";
import { enqueueNotification } from "../notifications/outbox.js";
import type { Actor } from "../shared/actor.js";
import { conflict, invalid, notFound } from "../shared/errors.js";
import { RatingsRepository } from "./repository.js";

/** The choice id of rating n for an appointment: `rating:<appointment>:<n>` (bot/middleware/ratings.ts). */
export const RATING_CHOICE = "rating:";

export const ratingChoiceId = (appointmentId: number, rating: number): string =>
  `${RATING_CHOICE}${appointmentId}:${rating}`;

/** "rating:12:5" → {appointmentId: 12, rating: 5}; undefined for anything else. */
export function parseRatingChoice(
  id: string | undefined,
): { appointmentId: number; rating: number } | undefined {
  const m = id ? /^rating:(\d{1,12}):([1-5])$/.exec(id) : null;
  return m ? { appointmentId: Number(m[1]), rating: Number(m[2]) } : undefined;
}

export const COMMENT_MAX = 1000;

/**
 * Patients' ratings of their visits. When an appointment is completed, scheduling calls `requestInTx` in the
 * completion's transaction: a request row and a notification to the patient (their channel, the normal outbox
 * path) asking for 1–5 and an optional comment. The answer (a button, "5", "4 great doctor") comes through the
 * chat's ratings middleware to `answer`, which stores it and recomputes the doctor's reviews_count, rating and
 * recommendation_percent from patients' ratings only (the seeded demo figures are replaced, never mixed).
 */
export class RatingsService {
  readonly repo: RatingsRepository;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly doctors: DoctorsService,
  ) {
    this.repo = new RatingsRepository(ctx.db);
  }

  /** Inside the completion's transaction: ask the patient once for a rating of this visit. */
  async requestInTx(
    tx: DbOrTx,
    appt: { id: number; doctorId: number; patientId: number; patientUserId: number; doctorName: string },
  ): Promise<void> {
    const made = await this.repo.insertRequest(tx, {
      appointmentId: appt.id,
      doctorId: appt.doctorId,
      patientId: appt.patientId,
      at: this.ctx.clock.now(),
    });
    if (!made) return;
    await enqueueNotification(tx, {
      userId: appt.patientUserId,
      template: "review.request",
      idempotencyKey: `review:${appt.id}:request`,
      notBefore: this.ctx.clock.now(),
      data: { appointment_id: appt.id, doctor_id: appt.doctorId, doctor_name: appt.doctorName },
    });
  }

  /** The patient's rating (1–5) and optional comment of their completed visit; once per visit. */
  async answer(
    actor: Actor,
    appointmentId: number,
    a: { rating: number; comment?: string | undefined },
  ): Promise<{ doctorId: number; reviewsCount: number; rating: number; recommendationPercent: number }> {
    if (actor.role !== "patient" || actor.patientId === undefined) throw notFound("Rating request");
    if (!Number.isInteger(a.rating) || a.rating < 1 || a.rating > 5)
      throw invalid("INVALID_RATING", "A rating is a whole number from 1 to 5.");
    const comment = a.comment?.trim().slice(0, COMMENT_MAX) || null;
    const now = this.ctx.clock.now();
    const result = await this.ctx.db.transaction(async (tx) => {
      const request = await this.repo.lockRequest(tx, appointmentId, actor.patientId!);
      if (!request) throw notFound("Rating request");
      if (request.rating !== null) throw conflict("ALREADY_RATED", "This visit has been rated already.");
      await this.repo.answer(tx, request.id, { rating: a.rating, comment, channel: actor.channel, at: now });
      const f = await this.repo.figures(tx, request.doctorId);
      const figures = {
        reviewsCount: f.count,
        rating: Math.round(f.average * 10) / 10,
        recommendationPercent: f.count > 0 ? Math.round((f.recommend / f.count) * 100) : 0,
      };
      await this.doctors.setPatientRatings(tx, request.doctorId, figures);
      await this.ctx.audit.record(
        actor,
        {
          patientId: actor.patientId!,
          action: "rate",
          resourceType: "appointment",
          resourceId: appointmentId,
          outcome: "allowed",
        },
        tx,
      );
      return { doctorId: request.doctorId, ...figures };
    });
    // Listings and profiles are cached: they show the new figures from now on.
    await this.doctors.invalidateSearchCache();
    return result;
  }
}

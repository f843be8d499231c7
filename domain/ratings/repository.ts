import { and, desc, eq, isNotNull, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { doctorReviews } from "../../db/schema/index.js";

export type ReviewRow = typeof doctorReviews.$inferSelect;

/** The only writer of doctor_reviews (patients' ratings of their visits). */
export class RatingsRepository {
  constructor(private readonly db: DbOrTx) {}

  /** The request of a completed appointment (once: a second completion asks nothing). True when made now. */
  async insertRequest(
    tx: DbOrTx,
    r: { appointmentId: number; doctorId: number; patientId: number; at: Date },
  ): Promise<boolean> {
    const rows = await tx
      .insert(doctorReviews)
      .values({
        appointmentId: r.appointmentId,
        doctorId: r.doctorId,
        patientId: r.patientId,
        requestedAt: r.at,
      })
      .onConflictDoNothing({ target: doctorReviews.appointmentId })
      .returning({ id: doctorReviews.id });
    return rows.length > 0;
  }

  /** The patient's request for this appointment, locked for the answer. */
  async lockRequest(tx: DbOrTx, appointmentId: number, patientId: number): Promise<ReviewRow | undefined> {
    const [row] = await tx
      .select()
      .from(doctorReviews)
      .where(and(eq(doctorReviews.appointmentId, appointmentId), eq(doctorReviews.patientId, patientId)))
      .for("update");
    return row;
  }

  async answer(
    tx: DbOrTx,
    id: number,
    a: { rating: number; comment: string | null; channel: string; at: Date },
  ): Promise<void> {
    await tx
      .update(doctorReviews)
      .set({ rating: a.rating, comment: a.comment, channel: a.channel, answeredAt: a.at })
      .where(and(eq(doctorReviews.id, id), isNull(doctorReviews.rating)));
  }

  /** The doctor's answered ratings: how many, their average and how many were 4 or 5. */
  async figures(
    tx: DbOrTx,
    doctorId: number,
  ): Promise<{ count: number; average: number; recommend: number }> {
    const [row] = await tx
      .select({
        count: sql<number>`count(*)::int`,
        average: sql<number>`coalesce(avg(${doctorReviews.rating}), 0)::float8`,
        recommend: sql<number>`(count(*) filter (where ${doctorReviews.rating} >= 4))::int`,
      })
      .from(doctorReviews)
      .where(and(eq(doctorReviews.doctorId, doctorId), isNotNull(doctorReviews.rating)));
    return row ?? { count: 0, average: 0, recommend: 0 };
  }

  /** A doctor's latest answered ratings with comments (for the doctor's profile). */
  async latest(doctorId: number, limit: number): Promise<ReviewRow[]> {
    return this.db
      .select()
      .from(doctorReviews)
      .where(and(eq(doctorReviews.doctorId, doctorId), isNotNull(doctorReviews.rating)))
      .orderBy(desc(doctorReviews.answeredAt))
      .limit(limit);
  }
}

import { and, asc, desc, eq, gt, gte, inArray, lte, notInArray, or, sql, type SQL } from "drizzle-orm";
import type { DbOrTx, Tx } from "../../db/client.js";
import {
  appointmentEvents,
  appointments,
  careTeamMembers,
  doctorAvailability,
  doctorAvailabilityExceptions,
  doctors,
  nurseAssignments,
  patients,
  users,
  type AppointmentStatus,
} from "../../db/schema/index.js";
import { timeToMinutes } from "../shared/time.js";
import { ACTIVE_STATUSES } from "./rules.js";
import type { BusyRange, WeeklyWindow } from "./slots.js";

/** What scheduling needs to know of a doctor (the shape of DoctorsService.getBookable). */
export type AppointmentRow = typeof appointments.$inferSelect;
export type NewAppointment = typeof appointments.$inferInsert;

/** An appointment with what its views and notifications need from both sides. */
export interface AppointmentDetail extends AppointmentRow {
  doctorName: string;
  timeZone: string;
  doctorUserId: number | null;
  autoAccept: boolean;
  patientUserId: number;
}

export interface ExceptionRow {
  id: number;
  doctorId: number;
  date: string;
  startTime: string | null;
  endTime: string | null;
  reason: string | null;
}

export type ListScope = "upcoming" | "past";

/** One of a doctor's patients, with their last and next appointment with that doctor. */
export interface DoctorPatientRow {
  id: number;
  name: string;
  lastAt: Date | null;
  nextAt: Date | null;
}

const detailColumns = {
  appointment: appointments,
  doctorName: doctors.name,
  timeZone: doctors.timeZone,
  doctorUserId: doctors.userId,
  autoAccept: doctors.autoAccept,
  patientUserId: patients.userId,
};

type DetailRecord = {
  appointment: AppointmentRow;
  doctorName: string;
  timeZone: string;
  doctorUserId: number | null;
  autoAccept: boolean;
  patientUserId: number;
};
const flatten = (r: DetailRecord): AppointmentDetail => ({
  ...r.appointment,
  doctorName: r.doctorName,
  timeZone: r.timeZone,
  doctorUserId: r.doctorUserId,
  autoAccept: r.autoAccept,
  patientUserId: r.patientUserId,
});

/** The only place scheduling touches the database. */
export class SchedulingRepository {
  constructor(private readonly db: DbOrTx) {}

  /** The phone of an appointment's patient (the profile's, else the account's), for a call the clinic places. */
  async patientPhone(appointmentId: number): Promise<string | null> {
    const [row] = await this.db
      .select({ phone: patients.phone, userPhone: users.phone })
      .from(appointments)
      .innerJoin(patients, eq(patients.id, appointments.patientId))
      .innerJoin(users, eq(users.id, patients.userId))
      .where(eq(appointments.id, appointmentId))
      .limit(1);
    return row ? (row.phone ?? row.userPhone ?? null) : null;
  }

  // Doctors and people ----------------------------------------------------------------------------

  async findPatient(id: number): Promise<{ id: number; name: string; userId: number } | undefined> {
    const [row] = await this.db
      .select({ id: patients.id, name: patients.name, userId: patients.userId })
      .from(patients)
      .where(eq(patients.id, id))
      .limit(1);
    return row;
  }

  /** The doctor's user account (null for a doctor without one). */
  async doctorUserId(db: DbOrTx, doctorId: number): Promise<number | null> {
    const [row] = await db.select({ userId: doctors.userId }).from(doctors).where(eq(doctors.id, doctorId));
    return row?.userId ?? null;
  }

  async nurseHasDoctor(nurseUserId: number, doctorId: number): Promise<boolean> {
    const rows = await this.db
      .select({ one: sql`1` })
      .from(nurseAssignments)
      .where(and(eq(nurseAssignments.nurseUserId, nurseUserId), eq(nurseAssignments.doctorId, doctorId)))
      .limit(1);
    return rows.length > 0;
  }

  // Weekly availability ---------------------------------------------------------------------------

  async weeklyOf(doctorId: number, db: DbOrTx = this.db): Promise<WeeklyWindow[]> {
    const rows = await db
      .select()
      .from(doctorAvailability)
      .where(eq(doctorAvailability.doctorId, doctorId))
      .orderBy(asc(doctorAvailability.isoDay), asc(doctorAvailability.startTime));
    return rows.map((r) => ({
      isoDay: r.isoDay,
      startMinutes: timeToMinutes(r.startTime),
      endMinutes: timeToMinutes(r.endTime),
      slotMinutes: r.slotMinutes,
    }));
  }

  /** Replaces the weekly set and the doctor's schedule fields (call inside a transaction). */
  async replaceWeekly(
    tx: Tx,
    doctorId: number,
    windows: readonly WeeklyWindow[],
    fields: { timeZone: string; autoAccept: boolean; availableDaysMask: number; now: Date },
  ): Promise<void> {
    // Lock the doctor row so two concurrent replacements serialise.
    await tx.select({ id: doctors.id }).from(doctors).where(eq(doctors.id, doctorId)).for("update");
    await tx.delete(doctorAvailability).where(eq(doctorAvailability.doctorId, doctorId));
    if (windows.length > 0) {
      await tx.insert(doctorAvailability).values(
        windows.map((w) => ({
          doctorId,
          isoDay: w.isoDay,
          startTime: minutesToPgTime(w.startMinutes),
          endTime: minutesToPgTime(w.endMinutes),
          slotMinutes: w.slotMinutes,
        })),
      );
    }
    await tx
      .update(doctors)
      .set({
        timeZone: fields.timeZone,
        autoAccept: fields.autoAccept,
        availableDaysMask: fields.availableDaysMask,
        updatedAt: fields.now,
      })
      .where(eq(doctors.id, doctorId));
  }

  // Exceptions ------------------------------------------------------------------------------------

  async exceptionsBetween(
    doctorId: number,
    from: string,
    to: string,
    db: DbOrTx = this.db,
  ): Promise<ExceptionRow[]> {
    return db
      .select()
      .from(doctorAvailabilityExceptions)
      .where(
        and(
          eq(doctorAvailabilityExceptions.doctorId, doctorId),
          gte(doctorAvailabilityExceptions.date, from),
          lte(doctorAvailabilityExceptions.date, to),
        ),
      )
      .orderBy(asc(doctorAvailabilityExceptions.date), asc(doctorAvailabilityExceptions.startTime));
  }

  async findException(id: number): Promise<ExceptionRow | undefined> {
    const [row] = await this.db
      .select()
      .from(doctorAvailabilityExceptions)
      .where(eq(doctorAvailabilityExceptions.id, id))
      .limit(1);
    return row;
  }

  async insertException(values: {
    doctorId: number;
    date: string;
    startMinutes: number | null;
    endMinutes: number | null;
    reason: string | null;
  }): Promise<ExceptionRow> {
    const [row] = await this.db
      .insert(doctorAvailabilityExceptions)
      .values({
        doctorId: values.doctorId,
        date: values.date,
        startTime: values.startMinutes === null ? null : minutesToPgTime(values.startMinutes),
        endTime: values.endMinutes === null ? null : minutesToPgTime(values.endMinutes),
        reason: values.reason,
      })
      .returning();
    return row!;
  }

  async deleteException(doctorId: number, id: number): Promise<boolean> {
    const rows = await this.db
      .delete(doctorAvailabilityExceptions)
      .where(
        and(eq(doctorAvailabilityExceptions.id, id), eq(doctorAvailabilityExceptions.doctorId, doctorId)),
      )
      .returning({ id: doctorAvailabilityExceptions.id });
    return rows.length > 0;
  }

  // Appointments ----------------------------------------------------------------------------------

  /**
   * Active appointments of a doctor overlapping [from, to). An unpaid hold past its time is not busy: the
   * next booking of that time releases it (in its own transaction), even if the release job has not run.
   */
  async busyBetween(doctorId: number, from: Date, to: Date, now: Date): Promise<BusyRange[]> {
    const rows = await this.db
      .select({
        startsAt: appointments.startsAt,
        endsAt: appointments.endsAt,
        paymentStatus: appointments.paymentStatus,
        paymentHoldUntil: appointments.paymentHoldUntil,
      })
      .from(appointments)
      .where(
        and(
          eq(appointments.doctorId, doctorId),
          inArray(appointments.status, [...ACTIVE_STATUSES]),
          sql`not (${appointments.paymentStatus} = 'unpaid' and ${appointments.paymentHoldUntil} <= ${now})`,
          sql`${appointments.startsAt} < ${to}`,
          sql`${appointments.endsAt} > ${from}`,
        ),
      );
    return rows.map((r) => ({
      startsAt: r.startsAt,
      endsAt: r.endsAt,
      freedAt: r.paymentStatus === "unpaid" ? r.paymentHoldUntil : null,
    }));
  }

  /**
   * Unpaid holds past their time overlapping [startsAt, endsAt) of this doctor or this patient, locked in id
   * order (two bookings releasing the same holds wait on each other instead of deadlocking).
   */
  async lockStaleHolds(
    tx: Tx,
    q: { doctorId: number; patientId: number; startsAt: Date; endsAt: Date; now: Date },
  ): Promise<AppointmentRow[]> {
    return tx
      .select()
      .from(appointments)
      .where(
        and(
          eq(appointments.paymentStatus, "unpaid"),
          inArray(appointments.status, [...ACTIVE_STATUSES]),
          lte(appointments.paymentHoldUntil, q.now),
          sql`(${appointments.doctorId} = ${q.doctorId} or ${appointments.patientId} = ${q.patientId})`,
          sql`tstzrange(${appointments.startsAt}, ${appointments.endsAt}, '[)') && tstzrange(${q.startsAt}, ${q.endsAt}, '[)')`,
        ),
      )
      .orderBy(asc(appointments.id))
      .for("update");
  }

  /** The appointment row alone, locked for the rest of the transaction (the payments module's changes). */
  async lockRow(tx: Tx, id: number): Promise<AppointmentRow | undefined> {
    const [row] = await tx.select().from(appointments).where(eq(appointments.id, id)).for("update");
    return row;
  }

  /** Inserts; the EXCLUDE constraints refuse an overlap (SQLSTATE 23P01). */
  async insertAppointment(db: DbOrTx, values: NewAppointment): Promise<AppointmentRow> {
    const [row] = await db.insert(appointments).values(values).returning();
    return row!;
  }

  async updateAppointment(db: DbOrTx, id: number, set: Partial<NewAppointment>): Promise<void> {
    await db.update(appointments).set(set).where(eq(appointments.id, id));
  }

  async findAppointment(id: number, db: DbOrTx = this.db): Promise<AppointmentDetail | undefined> {
    const [row] = await db
      .select(detailColumns)
      .from(appointments)
      .innerJoin(doctors, eq(doctors.id, appointments.doctorId))
      .innerJoin(patients, eq(patients.id, appointments.patientId))
      .where(eq(appointments.id, id))
      .limit(1);
    return row && flatten(row);
  }

  /** Reads and locks the appointment row for the rest of the transaction. */
  async lockAppointment(tx: Tx, id: number): Promise<AppointmentDetail | undefined> {
    const [row] = await tx
      .select(detailColumns)
      .from(appointments)
      .innerJoin(doctors, eq(doctors.id, appointments.doctorId))
      .innerJoin(patients, eq(patients.id, appointments.patientId))
      .where(eq(appointments.id, id))
      .for("update", { of: appointments })
      .limit(1);
    return row && flatten(row);
  }

  async insertEvent(
    tx: DbOrTx,
    values: {
      appointmentId: number;
      actorUserId: number | null;
      type: string;
      fromStatus: AppointmentStatus | null;
      toStatus: AppointmentStatus;
      data: Record<string, unknown>;
      at: Date;
    },
  ): Promise<number> {
    const [row] = await tx.insert(appointmentEvents).values(values).returning({ id: appointmentEvents.id });
    return row!.id;
  }

  async eventsOf(appointmentId: number) {
    return this.db
      .select()
      .from(appointmentEvents)
      .where(eq(appointmentEvents.appointmentId, appointmentId))
      .orderBy(asc(appointmentEvents.id));
  }

  /**
   * A page of appointments. Upcoming: active and not yet ended, soonest first. Past: everything else
   * (ended, or in a final status), latest first.
   */
  async list(opts: {
    doctorId?: number;
    patientId?: number;
    scope: ListScope;
    now: Date;
    limit: number;
    offset: number;
  }): Promise<AppointmentDetail[]> {
    const upcoming = and(
      inArray(appointments.status, [...ACTIVE_STATUSES]),
      gt(appointments.endsAt, opts.now),
    ) as SQL;
    const past = or(
      notInArray(appointments.status, [...ACTIVE_STATUSES]),
      lte(appointments.endsAt, opts.now),
    ) as SQL;
    const rows = await this.db
      .select(detailColumns)
      .from(appointments)
      .innerJoin(doctors, eq(doctors.id, appointments.doctorId))
      .innerJoin(patients, eq(patients.id, appointments.patientId))
      .where(
        and(
          opts.doctorId === undefined ? undefined : eq(appointments.doctorId, opts.doctorId),
          opts.patientId === undefined ? undefined : eq(appointments.patientId, opts.patientId),
          opts.scope === "upcoming" ? upcoming : past,
        ),
      )
      .orderBy(
        ...(opts.scope === "upcoming"
          ? [asc(appointments.startsAt), asc(appointments.id)]
          : [desc(appointments.startsAt), desc(appointments.id)]),
      )
      .limit(opts.limit)
      .offset(opts.offset);
    return rows.map(flatten);
  }

  /** A doctor's requests: appointments not yet ended, pending ones first, then by time. */
  async requests(opts: {
    doctorId: number;
    now: Date;
    limit: number;
    offset: number;
  }): Promise<AppointmentDetail[]> {
    const rows = await this.db
      .select(detailColumns)
      .from(appointments)
      .innerJoin(doctors, eq(doctors.id, appointments.doctorId))
      .innerJoin(patients, eq(patients.id, appointments.patientId))
      .where(and(eq(appointments.doctorId, opts.doctorId), gt(appointments.endsAt, opts.now)))
      .orderBy(
        sql`case when ${appointments.status} = 'pending' then 0 else 1 end`,
        asc(appointments.startsAt),
        asc(appointments.id),
      )
      .limit(opts.limit)
      .offset(opts.offset);
    return rows.map(flatten);
  }
  /**
   * A doctor's patients: everyone with an appointment with the doctor, or with the doctor's user on their care
   * team (care_team_members), by name; with the last appointment that has begun and the next held one.
   */
  async doctorPatients(opts: {
    doctorId: number;
    doctorUserId: number | null;
    q: string | undefined;
    now: Date;
    limit: number;
    offset: number;
  }): Promise<DoctorPatientRow[]> {
    const member =
      opts.doctorUserId === null
        ? sql`false`
        : sql`${patients.id} in (select ${careTeamMembers.patientId} from ${careTeamMembers} where ${careTeamMembers.userId} = ${opts.doctorUserId})`;
    // (Inside a sql`` template a column renders unqualified: the correlated subqueries below name "patients"."id".)
    const mine = sql`(${patients.id} in (select ${appointments.patientId} from ${appointments} where ${appointments.doctorId} = ${opts.doctorId}) or ${member})`;
    const q = opts.q?.trim();
    const named = q
      ? sql`${patients.name} ilike ${"%" + q.replace(/[\\%_]/g, (c) => "\\" + c) + "%"}`
      : undefined;
    const held = sql.join(
      ACTIVE_STATUSES.map((s) => sql`${s}`),
      sql`, `,
    );
    const rows = await this.db
      .select({
        id: patients.id,
        name: patients.name,
        lastAt: sql<
          Date | string | null
        >`(select max(a.starts_at) from appointments a where a.doctor_id = ${opts.doctorId} and a.patient_id = "patients"."id" and a.starts_at <= ${opts.now} and a.status not in ('cancelled', 'rejected'))`,
        nextAt: sql<
          Date | string | null
        >`(select min(a.starts_at) from appointments a where a.doctor_id = ${opts.doctorId} and a.patient_id = "patients"."id" and a.starts_at > ${opts.now} and a.status in (${held}))`,
      })
      .from(patients)
      .where(and(mine, named))
      .orderBy(asc(patients.name), asc(patients.id))
      .limit(opts.limit)
      .offset(opts.offset);
    const iso = (v: Date | string | null) => (v === null ? null : new Date(v));
    return rows.map((r) => ({ id: r.id, name: r.name, lastAt: iso(r.lastAt), nextAt: iso(r.nextAt) }));
  }
}

function minutesToPgTime(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

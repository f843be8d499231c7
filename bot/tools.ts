import type { AppointmentView } from "../domain/scheduling/views.js";
import type { RefundQuote } from "../domain/scheduling/service.js";
import type { DoctorListItem } from "../domain/doctors/service.js";
import type { Services } from "../domain/index.js";
import type { BookInput, LabBookingQuote } from "../domain/orders/labs/service.js";
import type { LabTestView } from "../domain/orders/labs/views.js";
import type { Actor } from "../domain/shared/actor.js";
import type { Clock } from "../domain/shared/clock.js";
import type { ConversationService, ToolCallValues } from "../domain/conversations/service.js";
import { askRecords, healthSummary, type HealthSummary } from "../domain/records/summary.js";
import type { GroundedAnswer } from "../domain/rag/service.js";

export interface DoctorOption extends DoctorListItem {
  next_available_date: string | null;
}

export type { HealthSummary } from "../domain/records/summary.js";

/**
 * The operations the guided mode (and later the agent) may use, over the same domain services as the API.
 * Every call is stored as a tool call (name, arguments, result or error, duration). The patient is always
 * the session's actor: no tool takes a patient id.
 */
export class Tools {
  constructor(
    private readonly services: Services,
    private readonly store: ConversationService,
    private readonly clock: Clock,
    private readonly conversationId: number,
    private readonly messageId: () => number | null,
  ) {}

  /** Recorded calls not yet written: written together, with the turn's replies (flush) or before a keyed call. */
  private readonly unwritten: ToolCallValues[] = [];

  /** Writes the recorded calls not yet written, in one statement. */
  async flush(): Promise<void> {
    const rows = this.unwritten.splice(0);
    if (rows.length > 0) await this.store.recordToolCalls(rows);
  }

  private async record(values: ToolCallValues): Promise<void> {
    this.unwritten.push(values);
    // A consequential (keyed) call is written at once: a repeat must find it.
    if (values.idempotencyKey !== null) await this.flush();
  }

  /**
   * Runs and records one call. With an idempotency key, a call that already succeeded returns its result.
   * Other calls are written with the turn's replies (one statement for all of them).
   */
  async call<T>(
    name: string,
    args: Record<string, unknown>,
    fn: () => Promise<T>,
    idempotencyKey?: string,
  ): Promise<T> {
    if (idempotencyKey !== undefined) {
      const done = await this.store.completedAction(idempotencyKey);
      if (done !== undefined) return done as T;
    }
    const started = Date.now();
    try {
      const result = await fn();
      await this.record({
        conversationId: this.conversationId,
        messageId: this.messageId(),
        name,
        args,
        result: result ?? null,
        error: null,
        idempotencyKey: idempotencyKey ?? null,
        durationMs: Date.now() - started,
        createdAt: this.clock.now(),
      });
      return result;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      await this.record({
        conversationId: this.conversationId,
        messageId: this.messageId(),
        name,
        args,
        result: null,
        error: typeof code === "string" ? code : "ERROR",
        idempotencyKey: null,
        durationMs: Date.now() - started,
        createdAt: this.clock.now(),
      });
      throw err;
    }
  }

  /**
   * With a date (YYYY-MM-DD), only doctors with a free slot that day; with a point (near), the nearest first,
   * each with its distance. Pages of five.
   */
  searchDoctors(input: {
    q: string;
    city?: string | undefined;
    date?: string | undefined;
    near?: { lat: number; lng: number } | undefined;
    page?: number | undefined;
  }): Promise<DoctorOption[]> {
    return this.call("search_doctors", input, async () => {
      const result = await this.services.doctors.search({
        q: input.q,
        city: input.near ? undefined : input.city,
        per_page: 5,
        page: input.page ?? 1,
        ...(input.date !== undefined ? { date: input.date } : {}),
        ...(input.near ? { lat: input.near.lat, lng: input.near.lng, sort: "distance" as const } : {}),
      });
      return Promise.all(
        result.doctors.slice(0, 5).map(async (d) => ({
          ...d,
          next_available_date: await this.services.scheduling.nextAvailableDate(d.id),
        })),
      );
    });
  }

  /** A typed place as a point (the gazetteer or Google); null when unknown. */
  geocode(place: string) {
    return this.call("geocode", { place }, () => this.services.doctors.geocode(place));
  }

  /** The words a typed request may use: specialties and the cities with doctors. Not recorded (no data). */
  async vocabulary(): Promise<{ specialties: { name: string; slug: string }[]; cities: string[] }> {
    const [specialties, cities] = await Promise.all([
      this.services.doctors.listSpecialties(),
      this.services.doctors.listCities(),
    ]);
    return { specialties: specialties.map((s) => ({ name: s.name, slug: s.slug })), cities };
  }

  /** The session patient's city and time zone from their profile (the booking's defaults). */
  patientDefaults(actor: Actor): Promise<{ city: string | null; timeZone: string | null }> {
    return this.call("patient_defaults", {}, async () => {
      const { profile } = await this.services.records.getProfile(actor, undefined);
      return { city: profile.city?.trim() || null, timeZone: profile.time_zone ?? null };
    });
  }

  /** The next `count` dates with a free slot. */
  freeDays(doctorId: number, count = 5): Promise<string[]> {
    return this.call("free_days", { doctor_id: doctorId }, () =>
      this.services.scheduling.nextAvailableDates(doctorId, count),
    );
  }

  daySlots(doctorId: number, date: string) {
    return this.call("day_slots", { doctor_id: doctorId, date }, () =>
      this.services.scheduling.daySlots(doctorId, date),
    );
  }

  doctor(doctorId: number) {
    return this.call("get_doctor", { doctor_id: doctorId }, () =>
      this.services.doctors.getBookable(doctorId),
    );
  }

  upcomingAppointments(actor: Actor): Promise<AppointmentView[]> {
    return this.call("list_appointments", { scope: "upcoming" }, async () => {
      const page = await this.services.scheduling.listForPatient(actor, {
        scope: "upcoming",
        page: 1,
        perPage: 5,
      });
      return page.appointments.filter((a) => !["cancelled", "rejected"].includes(a.status));
    });
  }

  /**
   * The person's own health summary: active prescriptions, recent records, the latest lab results with
   * their flags, allergies. Read through the domain services as the actor (each read audited there).
   */
  healthSummary(actor: Actor): Promise<HealthSummary> {
    return this.call("health_summary", {}, () => healthSummary(this.services, actor));
  }

  /**
   * A question about the person's own records, answered from them only, with citations (domain/rag). The
   * question's text is not stored with the call (it may be health detail); the answer's citations are.
   */
  askRecords(actor: Actor, question: string): Promise<GroundedAnswer> {
    return this.call("ask_records", {}, () => askRecords(this.services, actor, question));
  }

  /** Lab tests by name, code or plain words ("blood count"), best first. */
  findLabTests(q: string, limit = 5): Promise<LabTestView[]> {
    return this.call("find_lab_tests", { query: q }, async () =>
      (await this.services.labs.searchTests(q)).tests.slice(0, limit),
    );
  }

  /** A lab booking checked but not made (what the person confirms). */
  labQuote(actor: Actor, input: BookInput): Promise<LabBookingQuote> {
    return this.call("quote_lab_test", { ...input, address: input.address ? "(given)" : undefined }, () =>
      this.services.labs.quote(actor, input),
    );
  }

  /** The days a sample can be booked for, from tomorrow in the patient's zone. */
  labDays(actor: Actor): Promise<string[]> {
    return this.call("lab_days", {}, () => this.services.labs.bookingDays(actor, 7));
  }

  /** What cancelling one of the person's appointments now would refund (null: nothing was paid). */
  cancellationRefund(actor: Actor, id: number): Promise<RefundQuote | null> {
    return this.call("cancellation_refund", { appointment_id: id }, () =>
      this.services.scheduling.cancellationRefund(actor, id),
    );
  }

  appointment(actor: Actor, id: number): Promise<AppointmentView> {
    return this.call("get_appointment", { appointment_id: id }, () =>
      this.services.scheduling.get(actor, id),
    );
  }
}

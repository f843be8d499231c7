import { createHash, randomBytes } from "node:crypto";
import { pgConstraint, pgErrorCode, PG, type Tx } from "../../../db/client.js";
import type { LabBookingStatus } from "../../../db/schema/index.js";
import type { AuditEntry } from "../../audit/audit.js";
import type { ServiceContext } from "../../context.js";
import { requestReminderSync } from "../../notifications/reminder-repository.js";
import { noReminderSync, type ReminderSync } from "../../notifications/reminders.js";
import { enqueueNotification } from "../../notifications/outbox.js";
import { encrypt } from "../../records/crypto.js";
import { sanitizeFilename, sniffDocumentType } from "../../records/files.js";
import { RecordsRepository } from "../../records/repository.js";
import type { DocumentStorage } from "../../records/storage.js";
import { systemActor, type Actor } from "../../shared/actor.js";
import { conflict, DomainError, forbidden, invalid, notFound, unprocessable } from "../../shared/errors.js";
import { addDays, isIsoDate, todayIn } from "../../shared/time.js";
import { searchCatalog } from "../catalog/index.js";
import { isPaid, type OrderPayments, type PaymentSummary } from "../payments.js";
import { foldText } from "../safety/index.js";
import { CatalogCache } from "../pharmacy/cache.js";
import { LabsRepository, type BookingRow, type LabTestRow } from "./repository.js";
import {
  assertBookingTransition,
  flagResults,
  parseSex,
  resultLines,
  summarize,
  type ResultInput,
} from "./rules.js";
import {
  bookingView,
  labTestView,
  reportView,
  type BookingView,
  type LabReportView,
  type LabTestView,
} from "./views.js";

const BOOKING = "lab_booking";
const RESULTS = "lab_result";
/** How far ahead a lab test can be booked. */
export const MAX_BOOKING_DAYS_AHEAD = 180;
/** Search hits at or above this score (exact, prefix, word prefix, substring, all words) are taken as the test. */
const CONFIDENT_MATCH = 60;
/**
 * A test ordered by a doctor waits this long for the patient's payment (the patient was not there when it was
 * booked); a patient's own booking has the usual payment window (PAYMENT_HOLD_MINUTES).
 */
export const DOCTOR_ORDER_PAYMENT_HOURS = 24;
/** Said to the patient when an unpaid booking is cancelled at the end of its payment window. */
const PAYMENT_TIMEOUT_NOTE = "The payment was not received in time; the booking was cancelled.";

export interface BookInput {
  patient_id?: number | undefined;
  test_name: string;
  appointment_date: string;
  collection?: "lab" | "home" | undefined;
  address?: string | undefined;
  prescription_lab_test_id?: number | undefined;
}

export interface ResultsInput {
  booking_id: number;
  results: ResultInput[];
  /** The lab's signed report (PDF, PNG or JPEG), base64: kept as a document on the clinical record. */
  document?:
    { content_base64: string; filename?: string | undefined; title?: string | undefined } | undefined;
}

interface SealedDocument {
  key: string;
  filename: string;
  title: string | null;
  contentType: string;
  sizeBytes: number;
  sha256: string;
}

/** A lab booking checked but not made (LabsService.quote). */
export interface LabBookingQuote {
  test: LabTestView;
  appointment_date: string;
  collection: "lab" | "home";
  /** Where the sample is taken at home (given, else on file); null at the lab. */
  address: string | null;
  /** The patient's address on file, if any. */
  address_on_file: string | null;
  preparation: string;
  price_minor: number;
  currency: string;
}

/** The contract's booking body. */
export interface BookingContractView {
  booking_id: number;
  patient_id: number;
  test_name: string;
  appointment_date: string;
  status: string;
  collection: string;
  address: string | null;
  preparation: string;
  price: number;
  currency: string;
  payment_status: string;
  ordering_doctor_id: number | null;
  prescription_lab_test_id: number | null;
}

/**
 * Lab tests: the catalog, bookings (by the patient, or ordered by a care-team doctor), the sample lifecycle and
 * results. Results are stored, flagged against the catalog's ranges and summarised into the patient's clinical
 * record in one transaction; the patient is told, and the ordering doctor too when a value is abnormal (at once
 * when critical).
 *
 * Payment: each booking carries a payment (purpose "lab_booking") created in the booking's transaction; the sample
 * is collected only once it is paid (422 PAYMENT_REQUIRED before). Unpaid at the end of its payment window: the
 * booking is cancelled. A paid booking that is cancelled is refunded in full; a resulted one becomes platform
 * revenue. Transactions that change a booking lock its payment row first, then the booking.
 */
export class LabsService {
  private readonly repo: LabsRepository;
  private readonly records: RecordsRepository;
  private readonly catalog: CatalogCache<LabTestRow>;

  constructor(
    readonly ctx: ServiceContext,
    readonly storage: DocumentStorage,
    private readonly payments: OrderPayments,
    /** After a booking is made, moved or cancelled, its preparation reminder follows it. */
    private readonly reminders: ReminderSync = noReminderSync,
  ) {
    this.repo = new LabsRepository(ctx.db);
    this.records = new RecordsRepository(ctx.db);
    this.catalog = new CatalogCache(() => this.repo.activeTests());
  }

  private audit(actor: Actor, entry: AuditEntry, db: ServiceContext["db"] | Tx = this.ctx.db): Promise<void> {
    return this.ctx.audit.record(actor, entry, db);
  }

  // --- catalog -------------------------------------------------------------------------------------

  /** Public: lab tests, typo tolerant on names, codes and synonyms ("blood count" → Complete Blood Count). */
  async searchTests(q: string | undefined): Promise<{ tests: LabTestView[] }> {
    const all = await this.catalog.get();
    const query = q?.trim() ?? "";
    if (query === "") return { tests: all.map(labTestView) };
    return { tests: searchCatalog(all, query, 20).map((r) => labTestView(r.item)) };
  }

  private async resolveTest(name: string): Promise<LabTestRow> {
    const all = await this.catalog.get();
    const folded = foldText(name);
    const exact = all.find(
      (t) => foldText(t.name) === folded || t.code.toLowerCase() === name.trim().toLowerCase(),
    );
    if (exact) return exact;
    const hits = searchCatalog(all, name, 5);
    const top = hits[0];
    if (top && top.score >= CONFIDENT_MATCH) return top.item;
    throw unprocessable("UNKNOWN_LAB_TEST", `"${name.slice(0, 100)}" is not a lab test we offer.`, {
      suggestions: hits.slice(0, 3).map((h) => h.item.name),
    });
  }

  // --- booking -------------------------------------------------------------------------------------

  /**
   * Checks a booking without making it: the test (by name, code or plain words), the date, where the sample is
   * taken and the address (the one given, else the one on file). What the chat shows before the person confirms;
   * book() runs the same checks again.
   */
  async quote(actor: Actor, input: BookInput): Promise<LabBookingQuote> {
    const plan = await this.plan(actor, input);
    return {
      test: labTestView(plan.test),
      appointment_date: input.appointment_date,
      collection: plan.collection,
      address: plan.address,
      address_on_file: plan.patient.address?.trim() || null,
      preparation: plan.test.preparation,
      price_minor: plan.test.priceMinor,
      currency: plan.test.currency,
    };
  }

  /** The next `count` days a patient can book a sample for, from tomorrow on the patient's own calendar. */
  async bookingDays(actor: Actor, count = 7): Promise<string[]> {
    const patientId = await this.ctx.access.patientScope(actor, undefined, {
      action: "create",
      resourceType: BOOKING,
    });
    const patient = await this.repo.findPatient(patientId);
    if (!patient) throw notFound("Patient");
    const today = todayIn(patient.timeZone, this.ctx.clock.now());
    return Array.from({ length: Math.min(count, MAX_BOOKING_DAYS_AHEAD) }, (_, i) => addDays(today, i + 1));
  }

  /** Everything book() checks before it writes. */
  private async plan(actor: Actor, input: BookInput) {
    if (actor.role !== "patient" && actor.role !== "doctor")
      throw forbidden(
        "BOOKING_NOT_ALLOWED",
        "Lab tests are booked by the patient or ordered by their doctor.",
      );
    if (actor.role === "doctor" && input.patient_id === undefined)
      throw invalid("PATIENT_ID_REQUIRED", "patient_id is required.");
    const patientId = await this.ctx.access.patientScope(actor, input.patient_id, {
      action: "create",
      resourceType: BOOKING,
    });
    const patient = await this.repo.findPatient(patientId);
    if (!patient) throw notFound("Patient");
    const test = await this.resolveTest(input.test_name);

    if (!isIsoDate(input.appointment_date))
      throw invalid("INVALID_DATE", "appointment_date is not a date (YYYY-MM-DD).");
    const today = todayIn(patient.timeZone, this.ctx.clock.now());
    if (input.appointment_date < today)
      throw unprocessable("DATE_IN_PAST", "The appointment date has already passed.");
    if (input.appointment_date > addDays(today, MAX_BOOKING_DAYS_AHEAD))
      throw unprocessable(
        "DATE_TOO_FAR",
        `Lab tests can be booked up to ${MAX_BOOKING_DAYS_AHEAD} days ahead.`,
      );

    const collection = input.collection ?? "lab";
    let address: string | null = null;
    if (collection === "home") {
      if (!test.homeCollection)
        throw unprocessable("HOME_COLLECTION_UNAVAILABLE", `${test.name} cannot be collected at home.`);
      address = input.address?.trim() || patient.address?.trim() || null;
      if (!address)
        throw unprocessable(
          "ADDRESS_REQUIRED",
          "Home collection needs an address: give one, or add your address to your profile.",
        );
    }
    return { patientId, patient, test, collection, address, today };
  }

  /** The patient books for themself, or a care-team doctor orders it for the patient. */
  async book(
    actor: Actor,
    input: BookInput,
  ): Promise<{ lab_test_booking: BookingContractView; payment: PaymentSummary | null }> {
    const { patientId, patient, test, collection, address, today } = await this.plan(actor, input);

    let orderingDoctorId: number | null = actor.role === "doctor" ? (actor.doctorId ?? null) : null;
    if (input.prescription_lab_test_id !== undefined) {
      const ordered = await this.repo.prescribedLabTest(input.prescription_lab_test_id);
      if (!ordered || ordered.patientId !== patientId) throw notFound("Prescribed lab test");
      if (ordered.prescriptionStatus !== "active" || ordered.validUntil < today)
        throw unprocessable("PRESCRIPTION_NOT_ACTIVE", "That prescription is no longer active.");
      if (ordered.testCode !== null && ordered.testCode !== test.code)
        throw unprocessable(
          "LAB_TEST_MISMATCH",
          `The prescription orders ${ordered.testName}, not ${test.name}.`,
        );
      orderingDoctorId ??= ordered.doctorId;
    }

    const now = this.ctx.clock.now();
    try {
      const { id, payment } = await this.ctx.db.transaction(async (tx) => {
        const newId = await this.repo.insertBooking(tx, {
          patientId,
          labTestId: test.id,
          testName: test.name,
          appointmentDate: input.appointment_date,
          collection,
          address,
          status: "scheduled",
          // Nothing to pay (a free test) counts as paid.
          paymentStatus: test.priceMinor > 0 ? "unpaid" : "paid",
          priceMinor: test.priceMinor,
          currency: test.currency,
          orderingDoctorId,
          prescriptionLabTestId: input.prescription_lab_test_id ?? null,
          bookedByUserId: actor.userId,
          createdAt: now,
          updatedAt: now,
        });
        await this.repo.insertEvent(tx, {
          bookingId: newId,
          fromStatus: null,
          toStatus: "scheduled",
          actorUserId: actor.userId,
          at: now,
        });
        await this.notifyPatient(tx, { id: newId, patientUserId: patient.userId }, "scheduled", {
          test_name: test.name,
          appointment_date: input.appointment_date,
          preparation: test.preparation,
        });
        await this.audit(
          actor,
          { patientId, action: "create", resourceType: BOOKING, resourceId: newId, outcome: "allowed" },
          tx,
        );
        const p =
          test.priceMinor > 0
            ? await this.payments.createPayment(tx, {
                purpose: BOOKING,
                referenceId: newId,
                patientId,
                amountMinor: test.priceMinor,
                currency: test.currency,
                expiresAt:
                  actor.role === "doctor"
                    ? new Date(now.getTime() + DOCTOR_ORDER_PAYMENT_HOURS * 3_600_000)
                    : undefined,
              })
            : undefined;
        await requestReminderSync(tx, "lab_booking", newId, now);
        return { id: newId, payment: p };
      });
      if (payment) await this.payments.settle(BOOKING, id);
      await this.reminders.synced("lab_booking", id);
      const b = (await this.repo.bookingDetail(id))!;
      const v = bookingView(b);
      return {
        lab_test_booking: {
          booking_id: v.booking_id,
          patient_id: v.patient_id,
          test_name: v.test_name,
          appointment_date: v.appointment_date,
          status: v.status,
          collection: v.collection,
          address: v.address,
          preparation: v.preparation,
          price: v.price,
          currency: v.currency,
          payment_status: v.payment_status,
          ordering_doctor_id: v.ordering_doctor_id,
          prescription_lab_test_id: v.prescription_lab_test_id,
        },
        payment: payment ? this.payments.summary(payment) : null,
      };
    } catch (err) {
      if (
        pgErrorCode(err) === PG.uniqueViolation &&
        pgConstraint(err) === "lab_bookings_prescription_lab_test_key"
      )
        throw conflict("ALREADY_BOOKED", "This prescribed lab test is already booked.");
      throw err;
    }
  }

  // --- reading -------------------------------------------------------------------------------------

  /** Lab staff, the ordering doctor, and whoever may read the patient's data. */
  private async mayRead(
    actor: Actor,
    b: Pick<BookingRow, "patientId" | "orderingDoctorId">,
  ): Promise<boolean> {
    if (actor.role === "lab") return true;
    if (actor.role === "doctor" && actor.doctorId !== undefined && actor.doctorId === b.orderingDoctorId)
      return true;
    return this.ctx.access.canAccessPatient(actor, b.patientId);
  }

  /** A booking the actor may see, or 404 (audited). */
  private async readable(actor: Actor, id: number, action: string): Promise<BookingRow> {
    const b = await this.repo.findBooking(id);
    if (!b || !(await this.mayRead(actor, b))) {
      await this.audit(actor, {
        action,
        resourceType: BOOKING,
        resourceId: id,
        patientId: b?.patientId ?? null,
        outcome: "not_found",
      });
      throw notFound("Lab booking");
    }
    return b;
  }

  async getBooking(actor: Actor, id: number): Promise<{ booking: BookingView }> {
    const b = await this.readable(actor, id, "read");
    await this.audit(actor, {
      patientId: b.patientId,
      action: "read",
      resourceType: BOOKING,
      resourceId: id,
      outcome: "allowed",
    });
    return { booking: bookingView((await this.repo.bookingDetail(id))!) };
  }

  async listPatientBookings(
    actor: Actor,
    requested: number | undefined,
  ): Promise<{ bookings: BookingView[] }> {
    const patientId = await this.ctx.access.patientScope(actor, requested, {
      action: "list",
      resourceType: BOOKING,
    });
    const rows = await this.repo.bookingsOf(patientId);
    await this.audit(actor, { patientId, action: "list", resourceType: BOOKING, outcome: "allowed" });
    return { bookings: rows.map(bookingView) };
  }

  async patientResults(
    actor: Actor,
    requested: number | undefined,
  ): Promise<{ lab_results: LabReportView[] }> {
    const patientId = await this.ctx.access.patientScope(actor, requested, {
      action: "list",
      resourceType: RESULTS,
    });
    const rows = await this.repo.resultedBookingsOf(patientId);
    await this.audit(actor, { patientId, action: "list", resourceType: RESULTS, outcome: "allowed" });
    return { lab_results: rows.map(reportView) };
  }

  /** The lab's queue, by appointment date. */
  async queue(
    actor: Actor,
    status: LabBookingStatus | undefined,
    page = 1,
  ): Promise<{ bookings: BookingView[]; page: number; per_page: number; has_more: boolean }> {
    if (actor.role !== "lab") throw forbidden("LAB_STAFF_ONLY", "The lab queue is for lab staff.");
    const per = 50;
    const rows = await this.repo.queue(status, (page - 1) * per, per + 1);
    const shown = rows.slice(0, per);
    await this.ctx.audit.recordMany(
      actor,
      shown.map((b) => ({
        patientId: b.patientId,
        action: "list",
        resourceType: BOOKING,
        resourceId: b.id,
        outcome: "allowed",
      })),
    );
    return { bookings: shown.map(bookingView), page, per_page: per, has_more: rows.length > per };
  }

  // --- the lifecycle -------------------------------------------------------------------------------

  /** Lab staff record the sample's progress (sample_collected, processing) or cancel. */
  async updateStatus(
    actor: Actor,
    id: number,
    input: { status: "sample_collected" | "processing" | "cancelled"; note?: string | undefined },
  ): Promise<{ booking: BookingView }> {
    if (actor.role !== "lab") throw forbidden("LAB_STAFF_ONLY", "Sample status is set by the lab.");
    await this.ctx.db.transaction(async (tx) => {
      const b = await this.lock(tx, id);
      if (!b) throw notFound("Lab booking");
      await this.transition(tx, actor, b, input.status, input.note);
    });
    if (input.status === "cancelled") await this.payments.settle(BOOKING, id);
    return { booking: bookingView((await this.repo.bookingDetail(id))!) };
  }

  /** The patient, or the doctor who ordered it, cancels before the sample is taken. */
  async cancel(actor: Actor, id: number, reason?: string): Promise<{ booking: BookingView }> {
    const seen = await this.readable(actor, id, "cancel");
    const mine =
      (actor.role === "patient" && actor.patientId === seen.patientId) ||
      (actor.role === "doctor" && actor.doctorId !== undefined && actor.doctorId === seen.orderingDoctorId);
    if (!mine) {
      await this.audit(actor, {
        patientId: seen.patientId,
        action: "cancel",
        resourceType: BOOKING,
        resourceId: id,
        outcome: "denied",
      });
      throw forbidden(
        "CANCEL_NOT_ALLOWED",
        "Only the patient or the ordering doctor can cancel this booking.",
      );
    }
    await this.ctx.db.transaction(async (tx) => {
      const b = (await this.lock(tx, id))!;
      if (b.status !== "scheduled")
        throw unprocessable(
          "INVALID_TRANSITION",
          "The sample has been taken; ask the lab to cancel the test.",
          {
            from: b.status,
            to: "cancelled",
          },
        );
      await this.transition(tx, actor, b, "cancelled", reason);
      await requestReminderSync(tx, "lab_booking", id, this.ctx.clock.now());
    });
    await this.payments.settle(BOOKING, id);
    await this.reminders.synced("lab_booking", id);
    return { booking: bookingView((await this.repo.bookingDetail(id))!) };
  }

  private async transition(
    tx: Tx,
    actor: Actor,
    b: BookingRow,
    to: LabBookingStatus,
    note?: string,
    /** What the patient is told, when it is more than the new status (a payment window that ran out). */
    event: string = to,
  ): Promise<void> {
    assertBookingTransition(b.status, to);
    if (to === "sample_collected" && b.paymentStatus !== "paid") {
      throw unprocessable(
        "PAYMENT_REQUIRED",
        "This lab test is not paid yet; the sample can be collected once the patient has paid.",
        { payment_status: b.paymentStatus },
      );
    }
    if (to === "cancelled") {
      // What was paid goes back in full (the provider call runs after the commit, in settle).
      const payment = await this.payments.lockPayment(tx, BOOKING, b.id);
      if (payment && isPaid(payment)) {
        await this.payments.requestRefund(tx, payment, {
          amountMinor: payment.amountMinor,
          reason: "booking_cancelled",
          key: `${BOOKING}:${b.id}:refund`,
        });
      } else if (payment) {
        // Unpaid: the payment link closes with the booking.
        await this.payments.closeUnpaid(tx, payment);
      }
    }
    const now = this.ctx.clock.now();
    await this.repo.updateBooking(tx, b.id, { status: to }, now);
    await this.repo.insertEvent(tx, {
      bookingId: b.id,
      fromStatus: b.status,
      toStatus: to,
      actorUserId: actor.userId || null,
      note: note?.trim() || null,
      at: now,
    });
    await this.notifyPatient(tx, b, event, { test_name: b.testName });
    await this.audit(
      actor,
      {
        patientId: b.patientId,
        action: `status_${to}`,
        resourceType: BOOKING,
        resourceId: b.id,
        outcome: "allowed",
      },
      tx,
    );
  }

  // --- results -------------------------------------------------------------------------------------

  /**
   * Lab staff post the results of a booking, once. In one transaction: the result rows, the booking resulted, a
   * clinical record summarising them (so they show under the patient's test results), the notifications.
   */
  async postResults(actor: Actor, input: ResultsInput): Promise<{ booking: BookingView }> {
    if (actor.role !== "lab") throw forbidden("LAB_STAFF_ONLY", "Results are posted by the lab.");
    if (input.results.length === 0) throw invalid("RESULTS_REQUIRED", "Give at least one result.");
    const names = input.results.map((r) => foldText(r.name));
    if (new Set(names).size !== names.length)
      throw invalid("DUPLICATE_RESULT", "Each analyte appears once in a report.");

    const now = this.ctx.clock.now();
    const doc = input.document ? await this.storeDocument(input.document) : undefined;
    try {
      await this.writeResults(actor, input, now, doc);
    } catch (err) {
      if (doc) await this.storage.delete(doc.key).catch(() => undefined);
      throw err;
    }
    return { booking: bookingView((await this.repo.bookingDetail(input.booking_id))!) };
  }

  /** Checks, encrypts and stores the report's bytes (before the transaction; removed again if it fails). */
  private async storeDocument(input: NonNullable<ResultsInput["document"]>): Promise<SealedDocument> {
    const text = input.content_base64.replace(/\s+/g, "");
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0)
      throw invalid("INVALID_DOCUMENT", "document.content_base64 is not base64.");
    const bytes = Buffer.from(text, "base64");
    if (bytes.length > this.ctx.config.storage.maxBytes)
      throw new DomainError("invalid", "PAYLOAD_TOO_LARGE", "The document is too large.");
    const type = await sniffDocumentType(bytes);
    const key = `docs/${randomBytes(1).toString("hex")}/${randomBytes(16).toString("hex")}`;
    await this.storage.put(key, encrypt(this.ctx.config.storage.encryptionKey, bytes, key));
    return {
      key,
      filename: sanitizeFilename(input.filename ?? input.title, type.ext),
      title: input.title?.trim() || null,
      contentType: type.contentType,
      sizeBytes: bytes.length,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    };
  }

  private async writeResults(actor: Actor, input: ResultsInput, now: Date, doc: SealedDocument | undefined) {
    let patientId: number | undefined;
    await this.ctx.db.transaction(async (tx) => {
      const b = await this.lock(tx, input.booking_id);
      if (!b) throw notFound("Lab booking");
      if (b.status === "resulted")
        throw conflict("RESULTS_ALREADY_POSTED", "Results for this booking have already been posted.");
      assertBookingTransition(b.status, "resulted");
      const test = (await this.repo.findTest(b.labTestId, tx))!;
      const patient = (await this.repo.findPatient(b.patientId))!;
      const flagged = flagResults(test.analytes, input.results, parseSex(patient.sex));
      const flaggedNames = flagged.map((r) => foldText(r.name));
      if (new Set(flaggedNames).size !== flaggedNames.length)
        throw invalid("DUPLICATE_RESULT", "Each analyte appears once in a report.");
      const summary = summarize(flagged);

      await this.repo.insertResults(
        tx,
        flagged.map((r) => ({
          bookingId: b.id,
          patientId: b.patientId,
          name: r.name,
          analyteCode: r.analyteCode,
          value: r.value,
          numericValue: r.numericValue,
          unit: r.unit,
          referenceRange: r.referenceRange,
          flag: r.flag,
          reportedFlag: r.reportedFlag,
          recordedByUserId: actor.userId,
          createdAt: now,
        })),
      );
      const recordId = await this.records.insertRecord(tx, {
        patientId: b.patientId,
        kind: "clinical",
        authorUserId: actor.userId,
        recordDate: todayIn(patient.timeZone, now),
        description: `Lab results: ${b.testName}`,
        notes: resultLines(flagged),
        testResults: { [b.testName]: summary },
        diagnosis: null,
        prescription: null,
        appointmentId: null,
      });
      await this.repo.updateBooking(
        tx,
        b.id,
        { status: "resulted", resultedAt: now, recordId, resultSummary: summary },
        now,
      );
      // The test was done: what was paid becomes platform revenue.
      await this.payments.delivered(tx, BOOKING, b.id);
      await this.ctx.ragChanges.changed(tx, b.patientId);
      patientId = b.patientId;
      await this.repo.insertEvent(tx, {
        bookingId: b.id,
        fromStatus: b.status,
        toStatus: "resulted",
        actorUserId: actor.userId,
        at: now,
      });

      const critical = flagged.some((r) => r.flag === "critical");
      const abnormal = summary !== "Normal";
      await this.notifyPatient(
        tx,
        b,
        "results_ready",
        { test_name: b.testName, abnormal },
        "lab.results_ready",
      );
      const doctorUserId =
        b.orderingDoctorId === null ? null : await this.repo.doctorUserId(b.orderingDoctorId, tx);
      if (doctorUserId !== null && abnormal) {
        const data = { booking_id: b.id, patient_id: b.patientId, test_name: b.testName, summary };
        await enqueueNotification(tx, {
          userId: doctorUserId,
          template: critical ? "lab.critical_value" : "lab.abnormal_result",
          data,
          // Channel unset: the doctor's preferred channel, sent as soon as the outbox runs (no quiet hours).
          idempotencyKey: `lab_booking:${b.id}:${critical ? "critical_value" : "abnormal_result"}`,
        });
      }
      if (doc) {
        const stored = await this.records.insertDocument(tx, {
          patientId: b.patientId,
          recordId,
          uploadedByUserId: actor.userId,
          filename: doc.filename,
          title: doc.title ?? `Lab report: ${b.testName}`,
          contentType: doc.contentType,
          sizeBytes: doc.sizeBytes,
          sha256: doc.sha256,
          storageKey: doc.key,
        });
        await this.audit(
          actor,
          {
            patientId: b.patientId,
            action: "create",
            resourceType: "document",
            resourceId: stored.id,
            outcome: "allowed",
          },
          tx,
        );
      }
      await this.audit(
        actor,
        {
          patientId: b.patientId,
          action: "create",
          resourceType: RESULTS,
          resourceId: b.id,
          outcome: "allowed",
        },
        tx,
      );
    });
    if (patientId !== undefined) this.ctx.ragChanges.kick(patientId);
  }

  /** Locks a booking for a change: its payment row first, then the booking (the payments module's order). */
  private async lock(tx: Tx, id: number): Promise<BookingRow | undefined> {
    await this.payments.lockPayment(tx, BOOKING, id);
    return this.repo.lockBooking(tx, id);
  }

  // --- payment (called by LabBookingPurpose inside the payments module's transaction) ------------------

  /**
   * The booking's payment succeeded: marked paid (an event, a message to the patient); the sample may now be
   * collected. "unwanted" when it was cancelled meanwhile: the payment is then refunded in full.
   */
  async paymentReceived(tx: Tx, bookingId: number, now: Date): Promise<"accepted" | "unwanted"> {
    const b = await this.repo.lockBooking(tx, bookingId);
    if (!b || b.status === "cancelled") return "unwanted";
    if (b.paymentStatus !== "unpaid") return "accepted";
    await this.repo.setPaymentStatus(tx, bookingId, "paid", now);
    await this.repo.insertEvent(tx, {
      bookingId,
      fromStatus: b.status,
      toStatus: b.status,
      actorUserId: null,
      note: "paid",
      at: now,
    });
    await this.notifyPatient(tx, b, "paid", { status: b.status, payment_status: "paid" });
    await this.audit(
      systemActor,
      { patientId: b.patientId, action: "paid", resourceType: BOOKING, resourceId: b.id, outcome: "allowed" },
      tx,
    );
    if (b.status === "resulted") await this.payments.delivered(tx, BOOKING, bookingId);
    return "accepted";
  }

  /** The payment window closed unpaid: the booking is cancelled (before any sample was taken). */
  async paymentExpired(tx: Tx, bookingId: number): Promise<void> {
    const b = await this.repo.lockBooking(tx, bookingId);
    if (!b || b.paymentStatus !== "unpaid" || b.status !== "scheduled") return;
    await this.transition(tx, systemActor, b, "cancelled", PAYMENT_TIMEOUT_NOTE, "payment_expired");
  }

  /** Money went back: a paid booking refunded in full shows as refunded. */
  async paymentRefunded(tx: Tx, bookingId: number, fully: boolean): Promise<void> {
    const b = await this.repo.findBooking(bookingId, tx);
    if (fully && b?.paymentStatus === "paid")
      await this.repo.setPaymentStatus(tx, bookingId, "refunded", this.ctx.clock.now());
  }

  private async notifyPatient(
    tx: Tx,
    b: { id: number; patientUserId: number },
    event: string,
    data: Record<string, unknown>,
    template = `lab_booking.${event}`,
  ): Promise<void> {
    await enqueueNotification(tx, {
      userId: b.patientUserId,
      template,
      data: { booking_id: b.id, ...data },
      idempotencyKey: `lab_booking:${b.id}:${event}`,
    });
  }
}

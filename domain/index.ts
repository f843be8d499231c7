import type { Config } from "../config/index.js";
import type { Database } from "../db/client.js";
import { AccessPolicy } from "./accounts/access.js";
import { AuthService } from "./accounts/auth-service.js";
import { AccountsRepository } from "./accounts/repository.js";
import { AuditTrail } from "./audit/audit.js";
import type { ServiceContext } from "./context.js";
import { DoctorsService } from "./doctors/service.js";
import { DoctorSmsService } from "./doctors/sms.js";
import { AdherenceService } from "./orders/adherence/service.js";
import { PrescriptionsService } from "./orders/prescriptions/service.js";
import { PlansService } from "./records/plans/service.js";
import { LabBookingPurpose } from "./orders/labs/purpose.js";
import { LabsService } from "./orders/labs/service.js";
import { PharmacyOrderPurpose } from "./orders/pharmacy/purpose.js";
import { PharmacyService } from "./orders/pharmacy/service.js";
import { PromptsService, type ReplayRunner } from "./prompts/service.js";
import { ReviewService } from "./review/service.js";
import { createPaymentProvider } from "./payments/index.js";
import type { PaymentProvider } from "./payments/provider.js";
import { PaymentsService } from "./payments/service.js";
import { RecordsService } from "./records/service.js";
import type { DocumentStorage } from "./records/storage.js";
import { SchedulingService } from "./scheduling/service.js";
import { NotificationService } from "./notifications/service.js";
import { ReminderScheduler } from "./notifications/reminders.js";
import type { Cache } from "./shared/cache.js";
import type { Clock } from "./shared/clock.js";
import type { Jobs } from "./shared/jobs.js";

export interface Deps {
  database: Database;
  cache: Cache;
  clock: Clock;
  jobs: Jobs;
  config: Config;
  storage: DocumentStorage;
  /** Default: from the configuration (Stripe when STRIPE_SECRET_KEY is set, the sandbox otherwise). */
  paymentProvider?: PaymentProvider;
  /** Runs the agent for prompt replay (admin tool); absent when no LLM is configured. */
  replayRunner?: ReplayRunner;
}

export type Services = ReturnType<typeof createServices>;

/** Wires the domain services together. The one place that knows every service. */
export function createServices(deps: Deps) {
  const audit = new AuditTrail(deps.database.db);
  const access = new AccessPolicy(new AccountsRepository(deps.database.db), audit);
  const ctx: ServiceContext = { ...deps, db: deps.database.db, audit, access };
  const auth = new AuthService(deps.database, deps.cache, deps.clock, audit, {
    refreshTtlDays: deps.config.auth.refreshTtlDays,
    passwordResetTtlMinutes: deps.config.auth.passwordResetTtlMinutes,
    loginMaxFailures: deps.config.auth.loginMaxFailures,
    loginLockoutSeconds: deps.config.auth.loginLockoutSeconds,
    publicBaseUrl: deps.config.publicBaseUrl,
    phoneRegion: deps.config.phone.defaultRegion,
  });
  const doctors: DoctorsService = new DoctorsService(ctx, {
    nextAvailableDate: (id: number): Promise<string | null> => scheduling.nextAvailableDate(id),
  });
  const payments = new PaymentsService(ctx, deps.paymentProvider ?? createPaymentProvider(deps.config));
  const scheduling: SchedulingService = new SchedulingService(ctx, doctors, payments.appointmentHooks());
  payments.onAppointmentReleased = (doctorId) => scheduling.slotReleased(doctorId);
  const records = new RecordsService(ctx, deps.storage);
  const prescriptions = new PrescriptionsService(ctx);
  const adherence = new AdherenceService(ctx);
  const plans = new PlansService(ctx);
  const pharmacy = new PharmacyService(ctx, payments);
  const labs = new LabsService(ctx, deps.storage, payments);
  payments.registerPurpose("pharmacy_order", new PharmacyOrderPurpose(pharmacy));
  payments.registerPurpose("lab_booking", new LabBookingPurpose(labs));
  const review = new ReviewService(ctx);
  const prompts = new PromptsService(ctx, { runner: deps.replayRunner, source: review });
  const doctorSms = new DoctorSmsService(ctx);
  const notifications = new NotificationService(ctx);
  const reminders = new ReminderScheduler(ctx, notifications);
  // Reminders follow appointments and prescriptions, after each commit.
  scheduling.onChanged = (id) => reminders.safely("appointment", () => reminders.syncAppointment(id));
  prescriptions.onChanged = (id) => reminders.safely("prescription", () => reminders.syncPrescription(id));
  labs.onChanged = (id) => reminders.safely("lab booking", () => reminders.syncLabBooking(id));
  notifications.sweep = (now) => reminders.sweepOverdue(now);
  return {
    audit,
    access,
    auth,
    doctors,
    scheduling,
    records,
    prescriptions,
    adherence,
    plans,
    pharmacy,
    labs,
    payments,
    review,
    prompts,
    doctorSms,
    notifications,
    reminders,
  };
}

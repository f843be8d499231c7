import { FhirService } from "./fhir/service.js";
import { createClearinghouse } from "./insurance/clearinghouse.js";
import { ClaimsService } from "./insurance/service.js";
import { TeamsLinksService } from "./teams/service.js";
import type { Config } from "../config/index.js";
import type { Database } from "../db/client.js";
import { AccessPolicy } from "./accounts/access.js";
import { AuthService } from "./accounts/auth-service.js";
import { AccountsRepository } from "./accounts/repository.js";
import { AuditTrail } from "./audit/audit.js";
import type { ServiceContext } from "./context.js";
import { VisitsService } from "./consultations/index.js";
import { MessagesService } from "./consultations/messages.js";
import { NotesService, type VisitNoteModel } from "./consultations/notes.js";
import { TranscriptService, type Transcriber } from "./consultations/transcripts.js";
import { ConversationService } from "./conversations/service.js";
import { CredentialsService } from "./doctors/credentials.js";
import { DoctorsService } from "./doctors/service.js";
import { DoctorSmsService } from "./doctors/sms.js";
import { AdherenceService } from "./orders/adherence/service.js";
import { PrescriptionsService } from "./orders/prescriptions/service.js";
import { PlansService } from "./records/plans/service.js";
import { LabBookingPurpose } from "./orders/labs/purpose.js";
import { LabsService } from "./orders/labs/service.js";
import { PharmacyOrderPurpose } from "./orders/pharmacy/purpose.js";
import { PharmacyService } from "./orders/pharmacy/service.js";
import { RefillRequestsService } from "./orders/refills/service.js";
import { PromptsService, type ReplayRunner } from "./prompts/service.js";
import { ReviewService } from "./review/service.js";
import { createPaymentProvider, createPaymentServices } from "./payments/index.js";
import type { PaymentProvider } from "./payments/provider.js";
import { AppointmentPurpose } from "./payments/purposes/appointment.js";
import { RecordsService } from "./records/service.js";
import { RagChanges } from "./rag/changes.js";
import type { Embedder, RagAnswerModel, VectorStore } from "./rag/ports.js";
import { RagService } from "./rag/service.js";
import { VectorCache } from "./rag/vector-cache.js";
import type { DocumentStorage } from "./records/storage.js";
import { SchedulingService } from "./scheduling/service.js";
import { RatingsService } from "./ratings/service.js";
import { AnalyticsService } from "./analytics/service.js";
import { NotificationService } from "./notifications/service.js";
import { createMailer, type Mailer } from "./notifications/email.js";
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
  /** Default: from the configuration (SMTP when SMTP_URL is set); null: no email. */
  mailer?: Mailer | null | undefined;
  /**
   * Makes the agent's runner for prompt replay (admin tool) from the finished services; absent, or returning
   * undefined, when no LLM is configured.
   */
  replayRunner?: ((services: Services) => ReplayRunner | undefined) | undefined;
  /** Speech to text for visit recordings; absent when TRANSCRIPTION_BASE_URL is unset. */
  transcriber?: Transcriber | undefined;
  /** The LLM that drafts visit notes and writes patients' summaries; absent without an LLM. */
  visitNoteModel?: VisitNoteModel | undefined;
  /** Embeddings for the records index (EMBEDDINGS_BASE_URL); absent: full-text search alone. */
  embedder?: Embedder | undefined;
  /** An outside vector store (VECTOR_STORE=pinecone); absent: embeddings in Postgres beside the chunks. */
  vectorStore?: VectorStore | undefined;
  /** The LLM that answers questions about a patient's records; absent: extractive answers. */
  ragModel?: RagAnswerModel | undefined;
}

export type Services = ReturnType<typeof createServices>;

/** Wires the domain services together. The one place that knows every service. */
export function createServices(deps: Deps) {
  const audit = new AuditTrail(deps.database.db);
  const access = new AccessPolicy(new AccountsRepository(deps.database.db), audit);
  const ragChanges = new RagChanges(deps.database.db, deps.jobs);
  const ctx: ServiceContext = { ...deps, db: deps.database.db, audit, access, ragChanges };
  const auth = new AuthService(
    deps.database,
    deps.cache,
    deps.clock,
    audit,
    {
      refreshTtlDays: deps.config.auth.refreshTtlDays,
      passwordResetTtlMinutes: deps.config.auth.passwordResetTtlMinutes,
      loginMaxFailures: deps.config.auth.loginMaxFailures,
      loginLockoutSeconds: deps.config.auth.loginLockoutSeconds,
      publicBaseUrl: deps.config.publicBaseUrl,
      phoneRegion: deps.config.phone.defaultRegion,
    },
    deps.jobs,
  );
  const conversations = new ConversationService(ctx, auth);
  // The confirmation and reminders of an online appointment carry each person's visit link (consultations).
  const notifications = new NotificationService(
    ctx,
    conversations,
    deps.mailer === undefined ? createMailer(deps.config) : (deps.mailer ?? undefined),
    { visitLink: (appointmentId: number, userId: number) => visits.visitLink(appointmentId, userId) },
  );
  // Reminders follow appointments, prescriptions and lab bookings: each change requests a sync in its
  // transaction (the outbox), and its service asks for it right after the commit.
  const reminders = new ReminderScheduler(ctx, notifications);
  const doctors: DoctorsService = new DoctorsService(ctx, {
    nextAvailableDate: (id: number): Promise<string | null> => scheduling.nextAvailableDate(id),
  });
  const money = createPaymentServices(ctx, deps.paymentProvider ?? createPaymentProvider(deps.config));
  const { payments } = money;
  const ratings = new RatingsService(ctx, doctors);
  const scheduling: SchedulingService = new SchedulingService(
    ctx,
    doctors,
    money.appointmentHooks,
    reminders,
    ratings,
  );
  // Each thing paid for is changed by its own module (the one writer of its tables), inside the payment's
  // transaction: appointments by scheduling, orders by pharmacy, lab bookings by labs.
  payments.registerPurpose("appointment", new AppointmentPurpose(scheduling));
  const visits: VisitsService = new VisitsService(ctx, scheduling);
  const records = new RecordsService(ctx, deps.storage);
  const prescriptions = new PrescriptionsService(ctx, reminders);
  const adherence = new AdherenceService(ctx);
  const plans = new PlansService(ctx);
  const pharmacy = new PharmacyService(ctx, payments);
  const refillRequests = new RefillRequestsService(ctx);
  const labs = new LabsService(ctx, deps.storage, payments, reminders);
  payments.registerPurpose("pharmacy_order", new PharmacyOrderPurpose(pharmacy));
  payments.registerPurpose("lab_booking", new LabBookingPurpose(labs));
  const claims = new ClaimsService(ctx, payments, createClearinghouse(deps.config));
  const transcripts = new TranscriptService(ctx, deps.storage, deps.transcriber, visits);
  const visitNotes = new NotesService(ctx, transcripts, records, deps.visitNoteModel);
  const messages = new MessagesService(ctx);
  const review = new ReviewService(ctx);
  // The runner is made from the finished services (its tools call them): resolved when a replay runs.
  const replay: { runner?: ReplayRunner | undefined } = {};
  const prompts = new PromptsService(ctx, { runner: () => replay.runner, source: review });
  const doctorSms = new DoctorSmsService(ctx);
  const teamsLinks = new TeamsLinksService(ctx);
  const fhir = new FhirService(
    { records, prescriptions, labs, scheduling, doctors, visits },
    `${deps.config.publicBaseUrl}/fhir/R4`,
    () => deps.clock.now(),
  );
  const rag = new RagService(
    ctx,
    { storage: deps.storage, transcripts, prompts },
    {
      embedder: deps.embedder,
      vectorStore: deps.vectorStore,
      model: deps.ragModel,
      minSimilarity: deps.config.rag.minSimilarity,
      topK: deps.config.rag.topK,
      vectorCache:
        deps.config.rag.vectorCacheBytes > 0 ? new VectorCache(deps.config.rag.vectorCacheBytes) : undefined,
    },
  );
  const services = {
    audit,
    access,
    auth,
    doctors,
    credentials: new CredentialsService(ctx, deps.storage),
    scheduling,
    records,
    prescriptions,
    adherence,
    plans,
    pharmacy,
    refillRequests,
    labs,
    payments,
    payouts: money.payouts,
    claims,
    receipts: money.receipts,
    paymentReports: money.reports,
    /** The payments outbox sweep: `paymentsRelay.sweepStranded(now)`, run by the periodic relay. */
    paymentsRelay: money.relay,
    review,
    conversations,
    prompts,
    doctorSms,
    teamsLinks,
    notifications,
    reminders,
    visits,
    transcripts,
    visitNotes,
    messages,
    fhir,
    rag,
    ragChanges,
    ratings,
    analytics: new AnalyticsService(ctx),
  };
  replay.runner = deps.replayRunner?.(services);
  return services;
}

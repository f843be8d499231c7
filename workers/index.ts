import { HUB_JOBS, type ChannelHub, type DrainJob, type SendJob } from "../channels/hub.js";
import { AUTH_JOBS, type PasswordResetJob } from "../domain/accounts/auth-service.js";
import type { Services } from "../domain/index.js";
import { PAYMENT_JOBS } from "../domain/payments/service.js";
import { REMINDER_JOBS, type ReminderDueJob } from "../domain/notifications/reminders.js";
import { NOTIFY_JOBS } from "../domain/notifications/service.js";
import type { Jobs } from "../domain/shared/jobs.js";
import { NOTE_JOBS } from "../domain/consultations/notes.js";
import { TRANSCRIPT_JOBS } from "../domain/consultations/transcripts.js";
import { RAG_JOBS, type RagIndexJob } from "../domain/rag/service.js";
import { VISIT_JOBS } from "../domain/consultations/visits.js";

/**
 * Every job handler, registered in one place; started and stopped with the platform as a pair.
 * Handlers are thin: they call one domain service method, which is idempotent.
 */
export function registerWorkers(jobs: Jobs, services: Services, hub: ChannelHub): void {
  const { payments, payouts } = services;
  jobs.handle<{ paymentId: number }>(PAYMENT_JOBS.expire, (d) => payments.expirePayment(d.paymentId));
  jobs.handle<{ refundId: number }>(PAYMENT_JOBS.refund, (d) => payments.executeRefund(d.refundId));
  jobs.handle<{ withdrawalId: number }>(PAYMENT_JOBS.payout, (d) => payouts.executePayout(d.withdrawalId));
  jobs.handle<{ doctorId: number }>(PAYMENT_JOBS.releaseEarnings, (d) =>
    payouts.releaseDueEarnings(d.doctorId),
  );
  // Different senders' turns run side by side; one sender's, one at a time in arrival order (its drain).
  jobs.handle<DrainJob>(HUB_JOBS.drain, (d) => hub.drain(d), { concurrency: 16 });
  jobs.handle<SendJob>(HUB_JOBS.send, (d) => hub.send(d), { concurrency: 16 });
  jobs.handle<PasswordResetJob>(AUTH_JOBS.passwordReset, (d) => services.auth.sendPasswordReset(d));
  const { notifications, reminders } = services;
  jobs.handle<{ outboxId: number }>(NOTIFY_JOBS.deliver, (d) => notifications.deliver(d.outboxId), {
    concurrency: 16,
  });
  jobs.handle<{ outboxIds: number[] }>(
    NOTIFY_JOBS.deliverMany,
    (d) => notifications.deliverMany(d.outboxIds),
    { concurrency: 4 },
  );
  // One job per due second; it claims and sends that second's reminders in batches.
  jobs.handle<ReminderDueJob>(REMINDER_JOBS.due, async (d) => void (await reminders.dispatchDue(d.at)), {
    concurrency: 2,
  });
  jobs.handle<{ prescriptionId: number }>(REMINDER_JOBS.roll, (d) =>
    reminders.syncPrescription(d.prescriptionId),
  );
  // Visit recordings: transcription (retried; the last attempt marks the audio failed), the note's draft, and
  // what follows a signature (record, summary, PDF). Ids only in their data.
  const { transcripts, visitNotes } = services;
  jobs.handle<{ audioId: number }>(
    TRANSCRIPT_JOBS.transcribe,
    (d, meta) => transcripts.transcribe(d.audioId, meta.attempt),
    { concurrency: 2 },
  );
  jobs.handle<{ visitId: number }>(
    TRANSCRIPT_JOBS.draftNote,
    (d, meta) => visitNotes.draft(d.visitId, meta.attempt),
    {
      concurrency: 2,
    },
  );
  // Twilio's recordings of a room, fetched after it ended (retried while Twilio still processes them).
  jobs.handle<{ visitId: number }>(VISIT_JOBS.fetchRecordings, (d) =>
    transcripts.fetchProviderRecordings(d.visitId),
  );
  jobs.handle<{ noteId: number }>(NOTE_JOBS.complete, (d) => visitNotes.completeSigning(d.noteId));
  // The records index: one patient rebuilt (only changed chunks embedded again). Ids only in its data.
  jobs.handle<RagIndexJob>(RAG_JOBS.index, async (d) => void (await services.rag.indexPatient(d.patientId)), {
    concurrency: 2,
  });
}

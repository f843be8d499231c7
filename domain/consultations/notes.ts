import type { ServiceContext } from "../context.js";
import { enqueueNotification } from "../notifications/outbox.js";
import type { RecordsService } from "../records/service.js";
import type { Actor } from "../shared/actor.js";
import { conflict, notFound, unprocessable } from "../shared/errors.js";
import { NotesRepository, type VisitPrescription, type NoteRow } from "./notes-repository.js";
import {
  NOTE_SECTIONS,
  patientSummary,
  summaryPdf,
  type NoteSection,
  type NoteSections,
  type SummaryWriter,
} from "./summary.js";
import { TRANSCRIPT_JOBS, type TranscriptSegment, type TranscriptService } from "./transcripts.js";
import type { VisitContext } from "./transcripts-repository.js";

export const NOTE_JOBS = { complete: "visit.complete_note" } as const;
export const completeJobId = (noteId: number) => `visit-note-complete:${noteId}`;
/** Attempts of a draft before the note is left for the doctor to write. */
export const DRAFT_ATTEMPTS = 3;
/** Fewer spoken words than this and no note is drafted: a model given almost nothing invents a visit. */
export const MIN_SPEECH_WORDS = 25;

/** One statement of a drafted note, with the transcript segments it rests on. */
export interface NoteStatement {
  section: NoteSection;
  text: string;
  segment_ids: number[];
}

/** The LLM port (bot/visit-notes: any OpenAI-compatible chat model): drafts the note, writes the summary. */
export interface VisitNoteModel extends SummaryWriter {
  readonly model: string;
  /** Statements as the model gives them: checked here before anyone sees them. */
  draft(segments: TranscriptSegment[]): Promise<unknown[]>;
}

export type DraftState = "none" | "drafting" | "ready" | "not_drafted";

export interface NoteView {
  visit_id: number;
  status: "draft" | "signed";
  /** How the draft came about: none yet, being drafted, drafted by the model, or not drafted (see reason). */
  draft: { status: DraftState; reason: string | null; message: string | null; model: string | null };
  sections: NoteSections;
  statements: NoteStatement[];
  patient_summary: string | null;
  signed_at: string | null;
  record_id: number | null;
  document_id: number | null;
  /** Prescriptions written for the visit's appointment (during the visit, or given its appointment_id). */
  prescriptions: VisitPrescription[];
}

/** The summary, then one line per medicine prescribed for the visit: name, dose, how often, how long. */
export function withMedicines(summary: string, prescribed: VisitPrescription[]): string {
  const lines = prescribed
    .filter((p) => p.status !== "cancelled")
    .flatMap((p) => p.items)
    .map((i) => `- ${i.medicine_name}: ${i.dose}, ${i.frequency}, for ${i.duration_days} days.`);
  return lines.length === 0 ? summary : `${summary}\n\nYour medicines:\n${lines.join("\n")}`;
}

const REASONS: Record<string, string> = {
  TOO_LITTLE_SPEECH:
    "Too little speech was recorded to draft a note from it (a draft from almost nothing would be invented). Please write the note.",
  NO_TRANSCRIPT: "No transcript could be made of the recording. Please write the note.",
  LLM_NOT_CONFIGURED: "No language model is configured to draft notes. Please write the note.",
  DRAFT_FAILED: "The draft could not be made. Please write the note.",
  NOTHING_GROUNDED:
    "The drafted statements did not rest on anything said in the visit and were dropped. Please write the note.",
};

const NOTE = "visit_note";

const emptySections = (): NoteSections => ({ subjective: "", objective: "", assessment: "", plan: "" });

function sectionsOf(row: NoteRow | undefined): NoteSections {
  const s = emptySections();
  for (const k of NOTE_SECTIONS) {
    const v = row?.sections[k];
    if (typeof v === "string") s[k] = v;
  }
  return s;
}

/**
 * Keeps the statements that are well formed and cite at least one real segment of this visit (unknown ids
 * are removed from a statement; a statement left citing nothing is dropped).
 */
export function groundedStatements(raw: unknown[], segmentIds: ReadonlySet<number>): NoteStatement[] {
  const out: NoteStatement[] = [];
  for (const item of raw) {
    if (typeof item !== "object" || item === null) continue;
    const { section, text, segment_ids: ids } = item as Record<string, unknown>;
    if (typeof section !== "string" || !(NOTE_SECTIONS as readonly string[]).includes(section)) continue;
    if (typeof text !== "string" || text.trim() === "" || text.length > 2000) continue;
    if (!Array.isArray(ids)) continue;
    const real = [...new Set(ids.filter((id): id is number => typeof id === "number" && segmentIds.has(id)))];
    if (real.length === 0) continue;
    out.push({ section: section as NoteSection, text: text.trim(), segment_ids: real });
  }
  return out;
}

const wordCount = (segments: TranscriptSegment[]) =>
  segments.reduce((n, s) => n + (s.text.match(/\S+/g)?.length ?? 0), 0);

/**
 * The visit's note: drafted by a job from the transcript when an LLM is configured (every statement citing
 * the segments it rests on), edited and signed by the doctor. Signing makes it a clinical record (records
 * module), the patient's plain-language summary (from the signed note only) in their chat and a PDF in their
 * documents. The patient sees the note once signed, never before; every read is audited.
 */
export class NotesService {
  readonly repo: NotesRepository;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly transcripts: TranscriptService,
    private readonly records: RecordsService,
    private readonly model: VisitNoteModel | undefined,
  ) {
    this.repo = new NotesRepository(ctx.db);
  }

  private async view(visitId: number, row: NoteRow | undefined): Promise<NoteView> {
    const prescriptions = await this.repo.visitPrescriptions(visitId);
    const status = row?.status ?? "none";
    const reason = row?.reason ?? null;
    const state: DraftState =
      status === "drafting" ? "drafting" : row?.model ? "ready" : reason ? "not_drafted" : "none";
    return {
      visit_id: visitId,
      status: status === "signed" ? "signed" : "draft",
      draft: {
        status: state,
        reason,
        message: reason ? (REASONS[reason] ?? null) : null,
        model: row?.model ?? null,
      },
      sections: sectionsOf(row),
      statements: (row?.statements ?? []) as NoteStatement[],
      patient_summary: row?.patientSummary ?? null,
      signed_at: row?.signedAt?.toISOString() ?? null,
      record_id: row?.recordId ?? null,
      document_id: row?.documentId ?? null,
      prescriptions,
    };
  }

  // --- drafting (job) --------------------------------------------------------------------------------------

  /**
   * The drafting job (idempotent: only a note still "drafting" is written, so a doctor's edit is never
   * overwritten). Too little speech, no transcript or no model: no draft, and the doctor is told why.
   */
  async draft(visitId: number, attempt = 1): Promise<void> {
    const visit = await this.transcripts.repo.findVisit(visitId);
    if (!visit) return;
    const now = () => this.ctx.clock.now();
    const note = await this.repo.ensure(this.ctx.db, visitId, "drafting", now());
    if (note.status !== "drafting") return;

    const segments = await this.transcripts.segments(visitId);
    const status = await this.transcripts.status(visitId);
    let reason: string | undefined;
    if (segments.length === 0 && status === "failed") reason = "NO_TRANSCRIPT";
    else if (wordCount(segments) < MIN_SPEECH_WORDS) reason = "TOO_LITTLE_SPEECH";
    else if (!this.model) reason = "LLM_NOT_CONFIGURED";
    if (reason || !this.model) return this.notDrafted(visit, reason ?? "LLM_NOT_CONFIGURED");

    let raw: unknown[];
    try {
      raw = await this.model.draft(segments);
    } catch (err) {
      if (attempt < DRAFT_ATTEMPTS) throw err;
      return this.notDrafted(visit, "DRAFT_FAILED");
    }
    const statements = groundedStatements(raw, new Set(segments.map((s) => s.id)));
    if (statements.length === 0) return this.notDrafted(visit, "NOTHING_GROUNDED");
    const sections = emptySections();
    for (const k of NOTE_SECTIONS) {
      sections[k] = statements
        .filter((s) => s.section === k)
        .map((s) => s.text)
        .join("\n");
    }
    await this.ctx.db.transaction(async (tx) => {
      const written = await this.repo.finishDraft(
        tx,
        visitId,
        { status: "draft", reason: null, sections, statements, model: this.model!.model },
        now(),
      );
      if (written && visit.doctorUserId !== null) {
        await enqueueNotification(tx, {
          userId: visit.doctorUserId,
          template: "visit.note_drafted",
          data: { visit_id: visitId, appointment_id: visit.appointmentId },
          idempotencyKey: `visit_note_drafted:${visitId}`,
        });
      }
    });
  }

  private async notDrafted(visit: VisitContext, reason: string): Promise<void> {
    await this.ctx.db.transaction(async (tx) => {
      const written = await this.repo.finishDraft(
        tx,
        visit.id,
        { status: "not_drafted", reason, sections: {}, statements: [], model: null },
        this.ctx.clock.now(),
      );
      if (written && visit.doctorUserId !== null) {
        await enqueueNotification(tx, {
          userId: visit.doctorUserId,
          template: "visit.note_not_drafted",
          data: { visit_id: visit.id, appointment_id: visit.appointmentId, reason },
          idempotencyKey: `visit_note_not_drafted:${visit.id}`,
        });
      }
    });
  }

  // --- reading and editing ---------------------------------------------------------------------------------

  /** The doctor's note; the patient's once signed (404 before); anyone else 404. Every read audited. */
  async getNote(actor: Actor, visitId: number): Promise<NoteView> {
    const { visit, role } = await this.transcripts.visitFor(actor, visitId, {
      action: "read",
      resourceType: NOTE,
    });
    const row = await this.repo.find(visitId);
    const entry = { patientId: visit.patientId, action: "read", resourceType: NOTE, resourceId: visitId };
    if (role === "patient" && row?.status !== "signed") {
      await this.ctx.audit.record(actor, { ...entry, outcome: "not_found" });
      throw notFound("Note", "NOTE_NOT_FOUND");
    }
    await this.ctx.audit.record(actor, { ...entry, outcome: "allowed" });
    return this.view(visitId, row);
  }

  /** The visit's doctor, or 404 (a patient asking to edit is answered as for a note they cannot see). */
  private async doctorOf(actor: Actor, visitId: number, action: string): Promise<VisitContext> {
    const { visit, role } = await this.transcripts.visitFor(actor, visitId, { action, resourceType: NOTE });
    if (role !== "doctor") {
      await this.ctx.audit.record(actor, {
        patientId: visit.patientId,
        action,
        resourceType: NOTE,
        resourceId: visitId,
        outcome: "not_found",
      });
      throw notFound("Note", "NOTE_NOT_FOUND");
    }
    return visit;
  }

  /** The doctor edits the draft (sections given replace those sections); a signed note is final. */
  async updateNote(actor: Actor, visitId: number, sections: Partial<NoteSections>): Promise<NoteView> {
    const visit = await this.doctorOf(actor, visitId, "update");
    const now = this.ctx.clock.now();
    const row = await this.ctx.db.transaction(async (tx) => {
      const note = await this.repo.ensure(tx, visitId, "draft", now);
      if (note.status === "signed")
        throw conflict("NOTE_SIGNED", "The note is signed and can no longer change.");
      const next = { ...sectionsOf(note) };
      for (const k of NOTE_SECTIONS) {
        const v = sections[k];
        if (v !== undefined) next[k] = v.trim();
      }
      if (!(await this.repo.saveSections(tx, visitId, next, now)))
        throw conflict("NOTE_SIGNED", "The note is signed and can no longer change.");
      await this.ctx.audit.record(
        actor,
        {
          patientId: visit.patientId,
          action: "update",
          resourceType: NOTE,
          resourceId: visitId,
          outcome: "allowed",
        },
        tx,
      );
      return this.repo.find(visitId, tx);
    });
    return this.view(visitId, row);
  }

  /**
   * The doctor signs: the note is final at once; its clinical record, the patient's summary (sent to their
   * chat) and the summary's PDF follow right after the commit — and, should that be cut short, from the
   * relay's sweep (each step done once, by the ids it leaves on the note).
   */
  async sign(actor: Actor, visitId: number): Promise<NoteView> {
    const visit = await this.doctorOf(actor, visitId, "sign");
    const current = await this.repo.find(visitId);
    if (current?.status === "signed") throw conflict("NOTE_SIGNED", "The note is already signed.");
    const sections = sectionsOf(current);
    if (NOTE_SECTIONS.every((k) => sections[k].trim() === "")) {
      throw unprocessable("NOTE_EMPTY", "Write the note before signing it.");
    }
    const signed = await this.ctx.db.transaction(async (tx) => {
      const row = await this.repo.sign(tx, visitId, actor.userId, this.ctx.clock.now());
      if (!row) throw conflict("NOTE_SIGNED", "The note is already signed.");
      await this.ctx.ragChanges.changed(tx, visit.patientId);
      await this.ctx.audit.record(
        actor,
        {
          patientId: visit.patientId,
          action: "sign",
          resourceType: NOTE,
          resourceId: visitId,
          outcome: "allowed",
        },
        tx,
      );
      return row;
    });
    this.ctx.ragChanges.kick(visit.patientId);
    try {
      await this.completeSigning(signed.id);
    } catch {
      // Left for the job the sweep enqueues; the note is signed either way.
      await this.ctx.jobs
        .add(NOTE_JOBS.complete, { noteId: signed.id }, { jobId: completeJobId(signed.id) })
        .catch(() => undefined);
    }
    return this.view(visitId, await this.repo.find(visitId));
  }

  /**
   * What follows a signature, each step once (idempotent by the ids kept on the note): the patient's summary
   * from the signed note only, the clinical record linked to the appointment, the summary's PDF in the
   * patient's documents, and the summary in the patient's chat. A short lock keeps two runs apart.
   */
  async completeSigning(noteId: number): Promise<void> {
    const lock = `visit-note-complete:${noteId}`;
    if (!(await this.ctx.cache.setIfAbsent(lock, "1", 120))) return;
    try {
      let note = await this.repo.findById(noteId);
      if (!note || note.status !== "signed" || note.signedByUserId === null) return;
      const visit = await this.transcripts.repo.findVisit(note.visitId);
      if (!visit) return;
      const sections = sectionsOf(note);
      const doctor: Actor = {
        userId: note.signedByUserId,
        role: "doctor",
        doctorId: visit.doctorId,
        channel: "system",
      };
      const visitDate = visit.appointmentStartsAt.toISOString().slice(0, 10);

      if (note.patientSummary === null) {
        const summary = await patientSummary(sections, visit.doctorName, this.model);
        // The medicines prescribed for this visit, with their doses, as the doctor wrote them.
        const text = withMedicines(summary.text, await this.repo.visitPrescriptions(note.visitId));
        await this.repo.setOutcome(this.ctx.db, noteId, { patientSummary: text });
        note = { ...note, patientSummary: text };
      }
      if (note.recordId === null) {
        const record = await this.records.createClinicalRecord(doctor, {
          patient_id: visit.patientId,
          appointment_id: visit.appointmentId,
          date: visitDate,
          description: `Visit note (${visit.mode.replace("_", " ")} visit)`,
          diagnosis: sections.assessment || null,
          notes: NOTE_SECTIONS.filter((k) => sections[k])
            .map((k) => `${k[0]!.toUpperCase()}${k.slice(1)}: ${sections[k]}`)
            .join("\n\n"),
          // A crash between this record and saving its id on the note must not write a second one.
          idempotencyKey: `visit-note:${noteId}`,
        });
        await this.repo.setOutcome(this.ctx.db, noteId, { recordId: record.record_id });
        note = { ...note, recordId: record.record_id };
      }
      if (note.documentId === null) {
        const bytes = await summaryPdf({
          doctorName: visit.doctorName,
          visitDate,
          summary: note.patientSummary!,
          now: this.ctx.clock.now(),
        });
        const doc = await this.records.uploadDocument(doctor, {
          patient_id: visit.patientId,
          record_id: note.recordId!,
          title: `Visit summary ${visitDate}`,
          filename: `visit-summary-${visitDate}.pdf`,
          bytes,
        });
        await this.repo.setOutcome(this.ctx.db, noteId, { documentId: doc.id });
      }
      // One message however often this runs (the outbox's idempotency key).
      await enqueueNotification(this.ctx.db, {
        userId: visit.patientUserId,
        template: "visit.summary",
        data: { visit_id: visit.id, doctor_name: visit.doctorName, summary: note.patientSummary },
        idempotencyKey: `visit_summary:${noteId}`,
      });
    } finally {
      await this.ctx.cache.del(lock);
    }
  }

  /** The relay's sweep: drafts and signatures whose job was lost (older than `before`) run again. */
  async sweepStranded(before: Date): Promise<number> {
    const drafts = await this.repo.awaitingDraft(before);
    for (const visitId of drafts) {
      if (!(await this.transcripts.readyForDraft(visitId))) continue;
      await this.ctx.jobs.add(
        TRANSCRIPT_JOBS.draftNote,
        { visitId },
        { jobId: `visit-note-sweep:${visitId}:${before.getTime()}` },
      );
    }
    const signed = await this.repo.unfinishedSigned(before);
    for (const noteId of signed) {
      await this.ctx.jobs.add(
        NOTE_JOBS.complete,
        { noteId },
        { jobId: `${completeJobId(noteId)}:${before.getTime()}` },
      );
    }
    return drafts.length + signed.length;
  }
}

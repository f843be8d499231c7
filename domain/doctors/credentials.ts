import { createHash, randomBytes } from "node:crypto";
import type { ServiceContext } from "../context.js";
import { decrypt, encrypt } from "../records/crypto.js";
import { sanitizeFilename, sniffDocumentType } from "../records/files.js";
import type { DocumentStorage } from "../records/storage.js";
import type { Actor } from "../shared/actor.js";
import { conflict, DomainError, forbidden, invalid, notFound } from "../shared/errors.js";
import {
  CREDENTIAL_KINDS,
  type CredentialKind,
  type CredentialRow,
  CredentialsRepository,
} from "./credentials-repository.js";

export interface CredentialUpload {
  kind: string | undefined;
  title: string | undefined;
  filename: string | undefined;
  bytes: Buffer;
}

export interface CredentialView {
  id: number;
  doctor_id: number;
  kind: CredentialKind;
  title: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  created_at: string;
}

export interface CredentialContent {
  filename: string;
  contentType: string;
  bytes: Buffer;
}

const RESOURCE = "doctor_credential";

function view(r: CredentialRow): CredentialView {
  return {
    id: r.id,
    doctor_id: r.doctorId,
    kind: r.kind,
    title: r.title,
    filename: r.filename,
    content_type: r.contentType,
    size_bytes: r.sizeBytes,
    created_at: r.createdAt.toISOString(),
  };
}

/**
 * A doctor's credential documents (registration and degree certificates) for the admin's verification. The
 * bytes are sniffed (PDF, PNG, JPEG), encrypted and kept in the same storage port as patients' documents.
 * The doctor uploads, lists and (until verified) deletes their own; an admin lists and reads any doctor's.
 */
export class CredentialsService {
  private readonly repo: CredentialsRepository;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly storage: DocumentStorage,
  ) {
    this.repo = new CredentialsRepository(ctx.db);
  }

  private ownDoctor(actor: Actor): number {
    if (actor.role !== "doctor")
      throw forbidden("FORBIDDEN_ROLE", "Only a doctor manages their credential documents.");
    if (actor.doctorId === undefined) throw notFound("Doctor");
    return actor.doctorId;
  }

  /** Stores the bytes first (encrypted), then the row and its audit in one transaction; removes them on failure. */
  async upload(actor: Actor, input: CredentialUpload): Promise<CredentialView> {
    const doctorId = this.ownDoctor(actor);
    const kind = input.kind?.trim() as CredentialKind | undefined;
    if (kind === undefined || !CREDENTIAL_KINDS.includes(kind))
      throw invalid("INVALID_CREDENTIAL_KIND", "kind must be registration, degree or other.");
    const title = input.title?.trim().replace(/\s+/g, " ") ?? "";
    if (title === "" || title.length > 200)
      throw invalid("INVALID_CREDENTIAL_TITLE", "Give a title of at most 200 characters.");
    if (input.bytes.length > this.ctx.config.storage.maxBytes)
      throw new DomainError("invalid", "PAYLOAD_TOO_LARGE", "The document is too large.");
    const type = await sniffDocumentType(input.bytes);
    const filename = sanitizeFilename(input.filename ?? title, type.ext);
    const key = `credentials/${randomBytes(1).toString("hex")}/${randomBytes(16).toString("hex")}`;
    await this.storage.put(key, encrypt(this.ctx.config.storage.encryptionKey, input.bytes, key));
    try {
      const row = await this.ctx.db.transaction(async (tx) => {
        const created = await this.repo.insert(tx, {
          doctorId,
          kind,
          title,
          filename,
          contentType: type.contentType,
          sizeBytes: input.bytes.length,
          sha256: createHash("sha256").update(input.bytes).digest("hex"),
          storageKey: key,
          uploadedByUserId: actor.userId,
        });
        await this.ctx.audit.record(
          actor,
          { action: "create", resourceType: RESOURCE, resourceId: created.id, outcome: "allowed" },
          tx,
        );
        return created;
      });
      return view(row);
    } catch (err) {
      await this.storage.delete(key).catch(() => undefined);
      throw err;
    }
  }

  async listOwn(actor: Actor): Promise<CredentialView[]> {
    const doctorId = this.ownDoctor(actor);
    return (await this.repo.list(doctorId)).map(view);
  }

  /** The doctor deletes one of their own documents, only while their verification is not decided as verified. */
  async deleteOwn(actor: Actor, id: number): Promise<void> {
    const doctorId = this.ownDoctor(actor);
    const row = await this.repo.find(doctorId, id);
    if (!row) throw notFound("Credential", "CREDENTIAL_NOT_FOUND");
    if ((await this.repo.verificationOf(doctorId)) === "verified")
      throw conflict("CREDENTIAL_LOCKED", "A verified doctor's credential documents cannot be deleted.");
    await this.ctx.db.transaction(async (tx) => {
      await this.repo.delete(tx, doctorId, id);
      await this.ctx.audit.record(
        actor,
        { action: "delete", resourceType: RESOURCE, resourceId: id, outcome: "allowed" },
        tx,
      );
    });
    await this.storage.delete(row.storageKey).catch(() => undefined);
  }

  private async adminScope(actor: Actor, doctorId: number): Promise<void> {
    if (actor.role !== "admin") {
      await this.ctx.audit.record(actor, {
        action: "list",
        resourceType: RESOURCE,
        resourceId: `doctor:${doctorId}`,
        outcome: "denied",
      });
      throw forbidden("FORBIDDEN_ROLE", "Only admins review credential documents.");
    }
    if ((await this.repo.verificationOf(doctorId)) === undefined) throw notFound("Doctor");
  }

  /** An admin lists a doctor's documents (audited). */
  async listForReview(actor: Actor, doctorId: number): Promise<CredentialView[]> {
    await this.adminScope(actor, doctorId);
    const rows = await this.repo.list(doctorId);
    await this.ctx.audit.record(actor, {
      action: "list",
      resourceType: RESOURCE,
      resourceId: `doctor:${doctorId}`,
      outcome: "allowed",
    });
    return rows.map(view);
  }

  /** An admin reads one document's decrypted bytes (audited). */
  async readForReview(actor: Actor, doctorId: number, id: number): Promise<CredentialContent> {
    await this.adminScope(actor, doctorId);
    const row = await this.repo.find(doctorId, id);
    if (!row) throw notFound("Credential", "CREDENTIAL_NOT_FOUND");
    const entry = { action: "read", resourceType: RESOURCE, resourceId: id };
    const sealed = await this.storage.get(row.storageKey);
    if (!sealed) {
      await this.ctx.audit.record(actor, { ...entry, outcome: "error" });
      throw new DomainError(
        "unavailable",
        "DOCUMENT_UNAVAILABLE",
        "The document's content is not available.",
      );
    }
    const bytes = decrypt(this.ctx.config.storage.encryptionKey, sealed, row.storageKey);
    await this.ctx.audit.record(actor, { ...entry, outcome: "allowed" });
    return { filename: row.filename, contentType: row.contentType, bytes };
  }
}

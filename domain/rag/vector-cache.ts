/** One patient's embedded chunks, as read from Postgres. */
export interface StoredVector {
  id: string;
  embedding: Buffer;
}

interface Entry {
  version: number;
  rows: StoredVector[];
  bytes: number;
}

/**
 * Patients' vectors kept in memory under the index version they were read at (least recently used first out,
 * bounded in bytes). Retrieval stays exact: a hit is only used when the patient's version in Postgres is still
 * the one cached, and the version is raised in the transaction of every change, so nothing deleted or changed
 * is ever scored from memory. Hand-written rather than an LRU package: a Map in insertion order is the whole
 * of it.
 */
export class VectorCache {
  private readonly entries = new Map<number, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  get(patientId: number, version: number): StoredVector[] | undefined {
    const entry = this.entries.get(patientId);
    if (!entry) return undefined;
    this.entries.delete(patientId);
    if (entry.version !== version) {
      this.bytes -= entry.bytes;
      return undefined;
    }
    this.entries.set(patientId, entry); // most recently used last
    return entry.rows;
  }

  set(patientId: number, version: number, rows: StoredVector[]): void {
    const old = this.entries.get(patientId);
    if (old) {
      this.entries.delete(patientId);
      this.bytes -= old.bytes;
    }
    const bytes = rows.reduce((n, r) => n + r.embedding.length + r.id.length * 2 + 64, 0);
    if (bytes > this.maxBytes) return;
    for (const [id, entry] of this.entries) {
      if (this.bytes + bytes <= this.maxBytes) break;
      this.entries.delete(id);
      this.bytes -= entry.bytes;
    }
    this.entries.set(patientId, { version, rows, bytes });
    this.bytes += bytes;
  }

  /** Bytes held (for tests and the benchmark). */
  get size(): number {
    return this.bytes;
  }
}

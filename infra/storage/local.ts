import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { DocumentStorage } from "../../domain/records/storage.js";

/** Documents under a local directory (the embedded default). Keys are opaque and never contain patient data. */
export class LocalStorage implements DocumentStorage {
  readonly kind = "local" as const;
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  private pathOf(key: string): string {
    if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(key)) throw new Error("invalid storage key");
    const full = path.join(this.dir, key);
    if (!full.startsWith(this.dir + path.sep)) throw new Error("invalid storage key");
    return full;
  }

  /** Written to a temporary file and renamed, so a reader never sees half an object. */
  async put(key: string, data: Buffer): Promise<void> {
    const full = this.pathOf(key);
    await mkdir(path.dirname(full), { recursive: true, mode: 0o700 });
    const tmp = `${full}.tmp-${randomBytes(6).toString("hex")}`;
    try {
      await writeFile(tmp, data, { mode: 0o600 });
      await rename(tmp, full);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}

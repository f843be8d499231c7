import { mkdir, readFile, rm, writeFile, rename } from "node:fs/promises";
import path from "node:path";
import type { DocumentStorage } from "../../domain/records/storage.js";

/** Documents under a local directory (the embedded default). Keys are opaque and never contain patient data. */
export class LocalStorage implements DocumentStorage {
  readonly kind = "local" as const;
  constructor(private readonly dir: string) {}

  private pathOf(key: string): string {
    if (!/^[A-Za-z0-9/_-]+$/.test(key) || key.includes("..")) throw new Error("invalid storage key");
    return path.join(this.dir, key);
  }

  async put(key: string, data: Buffer): Promise<void> {
    const full = this.pathOf(key);
    await mkdir(path.dirname(full), { recursive: true });
    const tmp = `${full}.tmp-${process.pid}-${Date.now()}`;
    await writeFile(tmp, data, { mode: 0o600 });
    await rename(tmp, full);
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

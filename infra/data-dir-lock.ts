import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** The lock file of the embedded start, in the data directory (./.data by default). */
export const LOCK_FILE = "healthlink.lock";

/** Another process holds the data directory: a second embedded start would corrupt the database. */
export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `the data directory ${dir} is in use by another HealthLink (process ${pid}). ` +
        "Stop that one first, or start this one with another DATA_DIR. " +
        `If no HealthLink is running, delete ${path.join(dir, LOCK_FILE)}.`,
    );
  }
}

export interface DataDirLock {
  readonly file: string;
  /** Removes the lock file if it is still ours. Safe to call twice. */
  release(): void;
}

/** The lock files this process holds (a lock with our own pid that is not among them is a stale one). */
const held = new Set<string>();

/** True when a process with this id exists (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function holder(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the embedded database's data directory for this process: a lock file holding our pid, put in place
 * with link() (exclusive: two starts cannot both win). A lock left by a process that no longer exists — or by
 * our own pid while this process does not hold it (a container restarted, the app pid 1 again) — is stale
 * and taken over. Hand-written: a dozen lines over fs, and the usual library (proper-lockfile, not a
 * dependency) judges staleness by an mtime it must keep refreshing on a timer, where a pid answers at once.
 */
export function lockDataDir(dir: string): DataDirLock {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    // Written whole under a name of our own, then hard-linked into place: link() fails if the lock exists, so
    // two starts cannot both win, and nobody ever reads a half-written lock.
    const mine = `${file}.${process.pid}`;
    writeFileSync(mine, `${process.pid}\n`, { mode: 0o600 });
    try {
      linkSync(mine, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = holder(file);
      const ours = pid === process.pid;
      if (pid !== undefined && (ours ? held.has(file) : alive(pid))) throw new DataDirLockedError(dir, pid);
      // Stale: its process is gone. Removed, and the exclusive link tried again.
      rmSync(file, { force: true });
      continue;
    } finally {
      rmSync(mine, { force: true });
    }
    held.add(file);
    let released = false;
    return {
      file,
      release: () => {
        if (released) return;
        released = true;
        held.delete(file);
        if (holder(file) === process.pid) rmSync(file, { force: true });
      },
    };
  }
  throw new DataDirLockedError(dir, holder(file) ?? 0);
}

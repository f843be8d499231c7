import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirLockedError, LOCK_FILE, lockDataDir } from "./data-dir-lock.js";

/** The embedded start's data directory lock: one process at a time, stale locks taken over. */

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "hl-lock-"));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The pid of a process that has exited (so nothing runs under it now). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

describe("data directory lock", () => {
  it("writes our pid, refuses a second lock while held, and frees the directory on release", () => {
    const dir = tempDir();
    const lock = lockDataDir(dir);
    expect(readFileSync(path.join(dir, LOCK_FILE), "utf8").trim()).toBe(String(process.pid));
    expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
    lock.release();
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    const again = lockDataDir(dir);
    again.release();
  });

  it("refuses a directory held by another live process, naming it and the way out", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, LOCK_FILE), `${process.ppid}\n`);
    let error: unknown;
    try {
      lockDataDir(dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DataDirLockedError);
    expect((error as Error).message).toContain(`in use by another HealthLink (process ${process.ppid})`);
    expect(readFileSync(path.join(dir, LOCK_FILE), "utf8").trim()).toBe(String(process.ppid));
  });

  it("takes over a stale lock whose process is gone, and one with our pid we do not hold", () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, LOCK_FILE), `${deadPid()}\n`);
    const lock = lockDataDir(dir);
    expect(readFileSync(path.join(dir, LOCK_FILE), "utf8").trim()).toBe(String(process.pid));
    lock.release();
    writeFileSync(path.join(dir, LOCK_FILE), `${process.pid}\n`);
    lockDataDir(dir).release();
    writeFileSync(path.join(dir, LOCK_FILE), "garbage");
    lockDataDir(dir).release();
  });

  it("a second `npm start` on a held data directory exits with a clear message and leaves it alone", async () => {
    const dir = tempDir();
    const lock = lockDataDir(dir);
    try {
      const child = spawn(process.execPath, ["--import", "tsx", "api/server.ts"], {
        cwd: path.resolve(import.meta.dirname, ".."),
        env: { PATH: process.env.PATH, DATA_DIR: dir, PORT: "0", LOG_LEVEL: "silent" },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString("utf8")));
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(code).toBe(1);
      expect(stderr).toContain(`HealthLink cannot start: the data directory ${dir} is in use`);
      expect(existsSync(path.join(dir, "pglite"))).toBe(false);
      expect(readFileSync(path.join(dir, LOCK_FILE), "utf8").trim()).toBe(String(process.pid));
    } finally {
      lock.release();
    }
  }, 60_000);
});

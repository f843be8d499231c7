import { spawn, type ChildProcess } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import autocannon from "autocannon";

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/** Runs autocannon against a rotating list of paths; returns throughput and latency percentiles. */
export async function load(
  baseUrl: string,
  paths: string[],
  opts: { connections: number; seconds: number },
): Promise<Figures> {
  let i = 0;
  const result = await autocannon({
    url: baseUrl,
    connections: opts.connections,
    duration: opts.seconds,
    requests: [
      {
        setupRequest: (req) => {
          const path = paths[i++ % paths.length]!;
          return { ...req, path };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Starts a TypeScript entry point as a child process and waits until it answers on `readyPath`. */
export async function startProcess(
  entry: string,
  env: Record<string, string>,
  baseUrl: string,
  readyPath: string,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${entry} exited with ${child.exitCode}`);
    try {
      const res = await fetch(baseUrl + readyPath);
      if (res.ok) return child;
    } catch {
      /* not up yet */
    }
    await sleep(100);
  }
  child.kill("SIGTERM");
  throw new Error(`${entry} did not become ready`);
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null) child.kill("SIGKILL");
}

export function fmt(n: number, digits = 1): string {
  return n.toFixed(digits).padStart(9);
}

import type { Tracing } from "./tracing.js";

/**
 * Whether this process traces: set by the preload (register.ts) when it started the SDK. Kept apart from
 * tracing.ts so that reading it loads no part of the SDK.
 */
let active: Tracing | undefined;

export function setTracing(tracing: Tracing): void {
  active = tracing;
}

export function tracingStarted(): boolean {
  return active !== undefined;
}

/** Exports the spans still buffered (graceful shutdown); nothing when tracing is off. */
export async function shutdownTracing(): Promise<void> {
  await active?.shutdown().catch(() => undefined);
}

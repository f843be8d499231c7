import { HUB_JOBS } from "../channels/hub.js";
import type { Jobs } from "../domain/shared/jobs.js";

/** The queues a channel message passes through: its sender's drain (the turn), then the replies' send. */
export const MESSAGE_QUEUES: readonly string[] = [HUB_JOBS.drain, HUB_JOBS.send];

/**
 * Waits until none of these queues has a job waiting or running, seen twice in a row (a running job may
 * add the next one). Throws after `timeoutMs`, naming the queues still busy.
 */
export async function settle(
  jobs: Jobs,
  names: readonly string[] = MESSAGE_QUEUES,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietRounds = 0;
  for (;;) {
    const counts = await Promise.all(names.map((n) => jobs.busy(n)));
    quietRounds = counts.every((c) => c === 0) ? quietRounds + 1 : 0;
    if (quietRounds >= 2) return;
    if (Date.now() > deadline)
      throw new Error(`queues still busy: ${names.filter((_, i) => counts[i]! > 0).join(", ")}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

import type { Tx } from "../../db/client.js";
import type { PaymentsDeps } from "./deps.js";
import type { PaymentEvent } from "./provider.js";

export type EventOutcome = "processed" | "ignored" | "deferred";

/**
 * Applies one provider event once per (provider, event id): the id is recorded in the transaction that
 * applies its effects, so a repeat — or a concurrent duplicate, which waits on the first — is a no-op.
 */
export async function applyOnce(
  deps: PaymentsDeps,
  event: PaymentEvent,
  apply: (tx: Tx) => Promise<EventOutcome>,
): Promise<EventOutcome | "duplicate"> {
  const { ctx, repo } = deps;
  return ctx.db.transaction(async (tx) => {
    const fresh = await repo.recordEvent(tx, {
      provider: event.provider,
      eventId: event.eventId,
      type: event.type === "ignored" ? event.originalType : event.type,
      payload: eventPayload(event),
      at: ctx.clock.now(),
    });
    if (!fresh) return "duplicate" as const;
    const outcome = await apply(tx);
    await repo.setEventOutcome(tx, event.provider, event.eventId, outcome);
    return outcome;
  });
}

/** What is kept of an event: ids, types and amounts. */
function eventPayload(e: PaymentEvent): Record<string, unknown> {
  return JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
}

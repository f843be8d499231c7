import type { DbOrTx } from "../../db/client.js";
import { and, eq } from "drizzle-orm";
import { notificationsOutbox } from "../../db/schema/index.js";

export type OutboxMessage = OutboxMessageFields &
  ({ userId: number; toAddress?: undefined } | { userId?: undefined; toAddress: string });

interface OutboxMessageFields {
  /** The event: appointment.requested, appointment.accepted, auth.password_reset … */
  template: string;
  data: Record<string, unknown>;
  /** Same key → one message, however often the event is raised. */
  idempotencyKey: string;
  channel?: string | undefined;
  notBefore?: Date | undefined;
}

/**
 * Puts a message for a person into the outbox, inside the caller's transaction, so the message exists
 * if and only if the change that caused it was committed. Delivery is a channel's job.
 */
export async function enqueueNotification(db: DbOrTx, message: OutboxMessage): Promise<void> {
  await db
    .insert(notificationsOutbox)
    .values({
      userId: message.userId ?? null,
      toAddress: message.toAddress ?? null,
      template: message.template,
      data: message.data,
      idempotencyKey: message.idempotencyKey,
      channel: message.channel ?? null,
      notBefore: message.notBefore ?? new Date(),
    })
    .onConflictDoNothing({ target: notificationsOutbox.idempotencyKey });
}

/**
 * Withdraws a message that has not gone yet (the thing it asks for happened meanwhile: a payment link whose
 * payment arrived), inside the caller's transaction. A message already sent stays sent.
 */
export async function withdrawNotification(db: DbOrTx, idempotencyKey: string): Promise<void> {
  await db
    .update(notificationsOutbox)
    .set({ status: "cancelled" })
    .where(
      and(eq(notificationsOutbox.idempotencyKey, idempotencyKey), eq(notificationsOutbox.status, "pending")),
    );
}

import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { notificationsOutbox } from "../../db/schema/index.js";

/**
 * A provider's delivery status callback for a notification sent from the outbox (found by the channel it
 * went out on and the provider's message id). False when no notification matches.
 */
export async function recordOutboxDeliveryStatus(
  db: DbOrTx,
  channel: string,
  providerMessageId: string,
  status: string,
): Promise<boolean> {
  const rows = await db
    .update(notificationsOutbox)
    .set({ deliveryStatus: status })
    .where(
      and(
        eq(notificationsOutbox.deliveredChannel, channel),
        eq(notificationsOutbox.providerMessageId, providerMessageId),
      ),
    )
    .returning({ id: notificationsOutbox.id });
  return rows.length > 0;
}

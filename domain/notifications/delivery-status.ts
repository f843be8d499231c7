import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { notificationsOutbox } from "../../db/schema/index.js";

/**
 * A provider's delivery status for a notification it carried (found by the channel it went out on and the
 * provider's message id). Returns how many outbox rows were updated (0 when the id is not a notification).
 */
export async function recordOutboxDeliveryStatus(
  db: DbOrTx,
  channel: string,
  providerMessageId: string,
  status: string,
): Promise<number> {
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
  return rows.length;
}

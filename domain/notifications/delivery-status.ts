import { and, eq, sql, type AnyColumn, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../../db/client.js";
import { notificationsOutbox } from "../../db/schema/index.js";

/** Delivery statuses in the order a message goes through them; failures (any other status) are final. */
const STATUS_ORDER = ["accepted", "queued", "sending", "sent", "delivered", "read"] as const;

function statusRank(status: string): number {
  const i = (STATUS_ORDER as readonly string[]).indexOf(status);
  return i === -1 ? STATUS_ORDER.length : i;
}

/**
 * A condition for a compare-and-set: the stored status (null ranks lowest) is not ahead of `status`.
 * Callbacks arrive out of order; a status never goes back (read stays read after a late "sent").
 */
export function statusNotBehind(column: AnyColumn, status: string): SQL {
  const whens = STATUS_ORDER.map((st, i) => sql`WHEN ${column} = ${st} THEN ${i}`);
  return sql`${statusRank(status)} >= (CASE WHEN ${column} IS NULL THEN -1 ${sql.join(whens, sql` `)} ELSE ${STATUS_ORDER.length} END)`;
}

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
        statusNotBehind(notificationsOutbox.deliveryStatus, status),
      ),
    )
    .returning({ id: notificationsOutbox.id });
  return rows.length > 0;
}

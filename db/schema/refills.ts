import { sql } from "drizzle-orm";
import { index, integer, pgEnum, pgTable, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { patients, users } from "./accounts.js";
import { doctors } from "./doctors.js";
import { prescriptionItems } from "./prescriptions.js";

export const refillRequestStatusEnum = pgEnum("refill_request_status", ["pending", "renewed", "declined"]);

/**
 * A patient's request that their doctor renew a prescription item with no refills left (asked from the chat).
 * Written by domain/orders/refills only; one pending request per item.
 */
export const refillRequests = pgTable(
  "refill_requests",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    prescriptionItemId: integer()
      .notNull()
      .references(() => prescriptionItems.id, { onDelete: "cascade" }),
    patientId: integer()
      .notNull()
      .references(() => patients.id),
    doctorId: integer()
      .notNull()
      .references(() => doctors.id),
    status: refillRequestStatusEnum().notNull().default("pending"),
    requestedByUserId: integer()
      .notNull()
      .references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("refill_requests_pending_key")
      .on(t.prescriptionItemId)
      .where(sql`${t.status} = 'pending'`),
    index("refill_requests_doctor_idx").on(t.doctorId, t.status),
  ],
);

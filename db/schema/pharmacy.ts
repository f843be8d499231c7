import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { patients, users } from "./accounts.js";
import { prescriptionItems } from "./prescriptions.js";

/** The medicine catalog, seeded from domain/orders/catalog (db/seed/catalog.ts). */
export const medicines = pgTable(
  "medicines",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    /** The catalog's stable id ("med-paracetamol-500-mg-tablet"). */
    code: text().notNull(),
    generic: text().notNull(),
    /** Canonical generic components (normalizeDrug), sorted: what prescription items are matched on. */
    generics: text().array().notNull().default([]),
    name: text().notNull(),
    brands: text().array().notNull().default([]),
    strength: text().notNull(),
    form: text().notNull(),
    packSize: integer().notNull(),
    packUnit: text().notNull(),
    /** Price of one pack. */
    priceMinor: integer().notNull(),
    currency: text().notNull(),
    prescriptionOnly: boolean().notNull(),
    category: text().notNull(),
    active: boolean().notNull().default(true),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("medicines_code_key").on(t.code),
    index("medicines_generic_idx").on(t.generic),
    check("medicines_price_nonnegative", sql`${t.priceMinor} >= 0`),
    check("medicines_pack_positive", sql`${t.packSize} > 0`),
  ],
);

export const pharmacyOrderStatusEnum = pgEnum("pharmacy_order_status", [
  "pending",
  "confirmed",
  "dispatched",
  "out_for_delivery",
  "delivered",
  "cancelled",
]);
export type PharmacyOrderStatus = (typeof pharmacyOrderStatusEnum.enumValues)[number];

/** Shared by pharmacy orders and lab bookings; payments (the next issue) moves it on. */
export const orderPaymentStatusEnum = pgEnum("order_payment_status", ["unpaid", "paid", "refunded"]);

/** A patient's pharmacy order. Prices are the server's (catalog × packs + delivery fee), in minor units. */
export const pharmacyOrders = pgTable(
  "pharmacy_orders",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    patientId: integer()
      .notNull()
      .references(() => patients.id),
    status: pharmacyOrderStatusEnum().notNull().default("pending"),
    paymentStatus: orderPaymentStatusEnum().notNull().default("unpaid"),
    subtotalMinor: integer().notNull(),
    deliveryFeeMinor: integer().notNull(),
    totalMinor: integer().notNull(),
    currency: text().notNull(),
    deliveryAddress: text().notNull(),
    /** Courier tracking reference, set by the pharmacist or the delivery partner. */
    tracking: text(),
    createdByUserId: integer()
      .notNull()
      .references(() => users.id),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("pharmacy_orders_patient_idx").on(t.patientId, t.createdAt),
    index("pharmacy_orders_status_idx").on(t.status, t.createdAt),
    check("pharmacy_orders_amounts_nonnegative", sql`${t.subtotalMinor} >= 0 AND ${t.deliveryFeeMinor} >= 0`),
    check("pharmacy_orders_total", sql`${t.totalMinor} = ${t.subtotalMinor} + ${t.deliveryFeeMinor}`),
  ],
);

/** One line of an order. A line with a prescription item spent one fill of it (returned on cancellation). */
export const pharmacyOrderItems = pgTable(
  "pharmacy_order_items",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    orderId: integer()
      .notNull()
      .references(() => pharmacyOrders.id, { onDelete: "cascade" }),
    medicineId: integer()
      .notNull()
      .references(() => medicines.id),
    /** Snapshot of the catalog at order time. */
    medicineName: text().notNull(),
    prescriptionOnly: boolean().notNull(),
    /** Packs. */
    quantity: integer().notNull(),
    unitPriceMinor: integer().notNull(),
    lineTotalMinor: integer().notNull(),
    prescriptionItemId: integer().references(() => prescriptionItems.id),
  },
  (t) => [
    index("pharmacy_order_items_order_idx").on(t.orderId),
    index("pharmacy_order_items_prescription_item_idx").on(t.prescriptionItemId),
    check("pharmacy_order_items_quantity", sql`${t.quantity} > 0`),
    check("pharmacy_order_items_line_total", sql`${t.lineTotalMinor} = ${t.unitPriceMinor} * ${t.quantity}`),
  ],
);

/** The status history of an order: who moved it, when, from what to what. */
export const pharmacyOrderEvents = pgTable(
  "pharmacy_order_events",
  {
    id: integer().primaryKey().generatedAlwaysAsIdentity(),
    orderId: integer()
      .notNull()
      .references(() => pharmacyOrders.id, { onDelete: "cascade" }),
    fromStatus: pharmacyOrderStatusEnum(),
    toStatus: pharmacyOrderStatusEnum().notNull(),
    /** Null for the delivery partner (source = "delivery_partner"). */
    actorUserId: integer().references(() => users.id),
    /** patient | pharmacist | delivery_partner | … */
    source: text().notNull(),
    note: text(),
    at: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** When the partner says it happened (webhooks). */
    reportedAt: timestamp({ withTimezone: true }),
  },
  (t) => [index("pharmacy_order_events_order_idx").on(t.orderId, t.at)],
);

/**
 * Webhook events already processed, keyed by provider and the provider's event id: a replay is acknowledged
 * and does nothing. Generic; any webhook may use it.
 */
export const processedWebhookEvents = pgTable(
  "processed_webhook_events",
  {
    provider: text().notNull(),
    eventId: text().notNull(),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** What came of it: applied, ignored, unknown_order … */
    outcome: text().notNull(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.eventId] })],
);

import type { PharmacyOrderStatus } from "../../../db/schema/index.js";
import type { SafetyAlert } from "../safety/index.js";
import { unprocessable } from "../../shared/errors.js";

/**
 * Who moves an order: the pharmacist at the counter, the patient (cancel only), the delivery partner (webhook),
 * the system (cancels an order whose payment window closed unpaid).
 */
export type OrderSource = "pharmacist" | "patient" | "delivery_partner" | "system";

export const ORDER_STATUSES = [
  "pending",
  "confirmed",
  "dispatched",
  "out_for_delivery",
  "delivered",
  "cancelled",
] as const satisfies readonly PharmacyOrderStatus[];

/** The delivery lifecycle: each status and the statuses it may move to. */
const NEXT: Record<PharmacyOrderStatus, readonly PharmacyOrderStatus[]> = {
  pending: ["confirmed", "cancelled"],
  confirmed: ["dispatched", "cancelled"],
  dispatched: ["out_for_delivery", "cancelled"],
  out_for_delivery: ["delivered"],
  delivered: [],
  cancelled: [],
};

/** What each source may do, on top of the lifecycle. */
const MAY_SET: Record<OrderSource, readonly PharmacyOrderStatus[]> = {
  pharmacist: ["confirmed", "dispatched", "out_for_delivery", "delivered", "cancelled"],
  patient: ["cancelled"],
  delivery_partner: ["dispatched", "out_for_delivery", "delivered", "cancelled"],
  system: ["cancelled"],
};

/** Patients may cancel only before the order leaves the pharmacy. */
const PATIENT_CANCELS_FROM: readonly PharmacyOrderStatus[] = ["pending", "confirmed"];

/** The delivery partner cancels only what it holds: an order it could not deliver ("undeliverable"). */
const PARTNER_CANCELS_FROM: readonly PharmacyOrderStatus[] = ["dispatched", "out_for_delivery"];

/** The delivery steps: an order moves along them only once it is paid. */
export const NEEDS_PAYMENT: readonly PharmacyOrderStatus[] = [
  "confirmed",
  "dispatched",
  "out_for_delivery",
  "delivered",
];

export function canTransition(from: PharmacyOrderStatus, to: PharmacyOrderStatus): boolean {
  return NEXT[from].includes(to);
}

/** Throws 422 INVALID_TRANSITION unless `source` may move an order from `from` to `to`. */
export function assertOrderTransition(
  source: OrderSource,
  from: PharmacyOrderStatus,
  to: PharmacyOrderStatus,
): void {
  const partnerCancel = source === "delivery_partner" && to === "cancelled";
  const allowed =
    (canTransition(from, to) || (partnerCancel && PARTNER_CANCELS_FROM.includes(from))) &&
    MAY_SET[source].includes(to) &&
    (source !== "patient" || PATIENT_CANCELS_FROM.includes(from)) &&
    (!partnerCancel || PARTNER_CANCELS_FROM.includes(from));
  if (!allowed) {
    throw unprocessable(
      "INVALID_TRANSITION",
      `An order that is ${from.replace(/_/g, " ")} cannot be moved to ${to.replace(/_/g, " ")}${
        source === "patient" && to === "cancelled" ? " by the patient; contact the pharmacy" : ""
      }.`,
      { from, to },
    );
  }
}

/** The delivery fee: the configured fee, waived when the medicines reach the free-delivery threshold. */
export function deliveryFee(
  subtotalMinor: number,
  config: { deliveryFeeMinor: number; freeDeliveryAboveMinor: number },
): number {
  return subtotalMinor >= config.freeDeliveryAboveMinor ? 0 : config.deliveryFeeMinor;
}

/** Packs one fill of a prescription item allows: its units over the pack size, rounded up. */
export function packsPerFill(prescribedUnits: number, packSize: number): number {
  return Math.max(1, Math.ceil(prescribedUnits / Math.max(1, packSize)));
}

/** Contraindicated and major alerts stop an over-the-counter sale. */
export function isBlocking(alert: SafetyAlert): boolean {
  return alert.severity === "contraindicated" || alert.severity === "major";
}

/** Same generic components, in any order. */
export function sameGenerics(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || a.length !== b.length) return false;
  const set = new Set(a);
  return b.every((g) => set.has(g));
}

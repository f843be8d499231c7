import type { Tx } from "../../../db/client.js";
import type { PharmacyOrderStatus } from "../../../db/schema/index.js";
import type { AuditEntry } from "../../audit/audit.js";
import type { ServiceContext } from "../../context.js";
import { enqueueNotification } from "../../notifications/outbox.js";
import { systemActor, type Actor } from "../../shared/actor.js";
import { DomainError, forbidden, invalid, notFound, unprocessable } from "../../shared/errors.js";
import { todayIn } from "../../shared/time.js";
import { searchCatalog } from "../catalog/index.js";
import { isPaid, type OrderPayments, type PaymentSummary } from "../payments.js";
import { checkMedicationSafety, foldText, type SafetyAlert } from "../safety/index.js";
import { CatalogCache } from "./cache.js";
import { PharmacyRepository, type ActiveRxItem, type MedicineRow, type OrderRow } from "./repository.js";
import {
  assertOrderTransition,
  deliveryFee,
  isBlocking,
  NEEDS_PAYMENT,
  packsPerFill,
  sameGenerics,
  type OrderSource,
} from "./rules.js";
import {
  alertView,
  medicineView,
  orderView,
  type AlertView,
  type MedicineView,
  type OrderView,
  type PurchaseView,
} from "./views.js";

const ORDER = "pharmacy_order";
export const MEDICINES_PER_PAGE = 20;
export const MAX_ORDER_ITEMS = 20;
/** The delivery partner's provider name in processed_webhook_events. */
export const DELIVERY_PROVIDER = "delivery";

export interface OrderItemInput {
  medicine_id?: number | undefined;
  medicine_name?: string | undefined;
  /** Packs. */
  quantity: number;
  prescription_item_id?: number | undefined;
}

export interface OrderInput {
  patient_id?: number | undefined;
  items: OrderItemInput[];
  /** Restricts prescription matching to this prescription. */
  prescription_id?: number | undefined;
  delivery_address?: string | undefined;
}

export interface PurchaseInput {
  patient_id?: number | undefined;
  medicine_name: string;
  quantity: number;
  prescription_id?: number | undefined;
  delivery_address?: string | undefined;
}

/** An order as it would be placed (nothing written): what the chat asks the person to confirm. */
export interface OrderQuote {
  items: {
    medicine_id: number;
    medicine_name: string;
    quantity: number;
    unit_price_minor: number;
    prescription_only: boolean;
    /** The prescription item a fill would be spent from. */
    prescription_item_id: number | null;
  }[];
  subtotal_minor: number;
  delivery_fee_minor: number;
  total_minor: number;
  currency: string;
  delivery_address: string;
  address_on_file: string | null;
  safety_alerts: AlertView[];
}

/** One prescribed medicine as the chat offers it for reordering. */
export interface RefillOption {
  prescription_item_id: number;
  prescription_id: number;
  /** As the doctor wrote it, with the strength. */
  prescribed_as: string;
  doctor_id: number;
  doctor_name: string;
  valid_until: string;
  /** Fills left on the item (0: it needs renewing by the doctor). */
  fills_remaining: number;
  /** The catalog medicine it is filled with; null when the catalog has no match. */
  medicine_id: number | null;
  medicine_name: string | null;
  packs_per_fill: number | null;
  unit_price_minor: number | null;
  currency: string | null;
}

export interface MedicinePage {
  medicines: MedicineView[];
  page: number;
  per_page: number;
  has_more: boolean;
}

export interface DeliveryEvent {
  event_id: string;
  order_id: number;
  status: PharmacyOrderStatus;
  at?: Date | undefined;
  /** The partner reported the order undeliverable (status is then "cancelled"). */
  undeliverable?: boolean | undefined;
}

export type DeliveryOutcome =
  "applied" | "duplicate" | "unknown_order" | "ignored_invalid_transition" | "ignored_unpaid";

/** Said to the patient when an unpaid order is cancelled at the end of its payment window. */
const PAYMENT_TIMEOUT_NOTE = "The payment was not received in time; the order was cancelled.";

/** One resolved line of an order, before it is written. */
interface Line {
  medicine: MedicineRow;
  quantity: number;
  /** Prescription items this line may be filled from (those with fills left and enough packs), best first. */
  fillFrom: ActiveRxItem[];
  /** Whether a fill must be spent (prescription-only, or the patient named a prescription for it). */
  needsFill: boolean;
  /** Set once a fill is spent. */
  spent?: { itemId: number; fillsRemaining: number };
}

/**
 * The pharmacy: the medicine catalog, orders with prescription checks, the delivery lifecycle.
 *
 * A prescription-only medicine spends one fill of a matching active prescription item, atomically, in the order's
 * transaction (`fills_remaining > 0` in the UPDATE): parallel purchases of the last fill give one order.
 * Prices come from the catalog, never from the client. Every status change is an event row, an audit row and a
 * notification for the patient, in one transaction.
 *
 * Payment: each order carries a payment (purpose "pharmacy_order") created in the order's transaction. Delivery
 * starts only once it is paid: the pharmacist's confirmation (and every later delivery step) is refused with
 * 422 PAYMENT_REQUIRED until then. Payment does not confirm the order by itself: the pharmacist still checks it.
 * An order unpaid at the end of its payment window is cancelled (its spent fills returned); a paid order that is
 * cancelled (by the patient, the pharmacy, or the partner as undeliverable) is refunded in full, in the cancel's
 * transaction; a delivered one becomes platform revenue. Transactions that change an order lock its payment row
 * first, then the order, the order in which the payments module locks them.
 */
export class PharmacyService {
  private readonly repo: PharmacyRepository;
  private readonly catalog: CatalogCache<MedicineRow>;

  constructor(
    readonly ctx: ServiceContext,
    private readonly payments: OrderPayments,
  ) {
    this.repo = new PharmacyRepository(ctx.db);
    this.catalog = new CatalogCache(() => this.repo.activeMedicines());
  }

  private audit(actor: Actor, entry: AuditEntry, db: ServiceContext["db"] | Tx = this.ctx.db): Promise<void> {
    return this.ctx.audit.record(actor, entry, db);
  }

  // --- catalog -------------------------------------------------------------------------------------

  /** Public: the catalog, typo tolerant on names, generics and brands ("paracetmol", "Crocin"). */
  async searchMedicines(q: string | undefined, page = 1): Promise<MedicinePage> {
    const per = MEDICINES_PER_PAGE;
    const offset = (page - 1) * per;
    const query = q?.trim() ?? "";
    if (query === "") {
      const rows = await this.repo.medicinesPage(offset, per + 1);
      return {
        medicines: rows.slice(0, per).map(medicineView),
        page,
        per_page: per,
        has_more: rows.length > per,
      };
    }
    const all = await this.catalog.get();
    const hits = searchCatalog(all, query, offset + per + 1).map((r) => r.item);
    return {
      medicines: hits.slice(offset, offset + per).map(medicineView),
      page,
      per_page: per,
      has_more: hits.length > offset + per,
    };
  }

  /** A catalog medicine for a typed name: exact name or code first, else the best search hit. */
  private async resolveByName(name: string, rx: readonly ActiveRxItem[]): Promise<MedicineRow> {
    const all = await this.catalog.get();
    const folded = foldText(name);
    const exact = all.find((m) => foldText(m.name) === folded || m.code === name.trim());
    if (exact) return exact;
    const hits = searchCatalog(all, name, 50);
    const top = hits[0];
    if (!top) {
      throw unprocessable("UNKNOWN_MEDICINE", `"${name.slice(0, 100)}" is not in our medicine catalog.`, {
        suggestions: [],
      });
    }
    // Among equally good matches, prefer what the patient was prescribed (same generic, then same strength).
    const tied = hits.filter((h) => h.score === top.score).map((h) => h.item);
    const prescribed = tied.filter((m) => rx.some((i) => sameGenerics(i.generics, m.generics)));
    const sameStrength = prescribed.find((m) =>
      rx.some(
        (i) =>
          sameGenerics(i.generics, m.generics) && i.strength && foldText(i.strength) === foldText(m.strength),
      ),
    );
    return sameStrength ?? prescribed[0] ?? top.item;
  }

  // --- placing orders ------------------------------------------------------------------------------

  /** The contract's single-medicine purchase. */
  async purchase(
    actor: Actor,
    input: PurchaseInput,
  ): Promise<{ medicine_purchase: PurchaseView; payment: PaymentSummary | null }> {
    const { order, payment } = await this.placeOrder(actor, {
      patient_id: input.patient_id,
      items: [{ medicine_name: input.medicine_name, quantity: input.quantity }],
      prescription_id: input.prescription_id,
      delivery_address: input.delivery_address,
    });
    const item = order.items[0]!;
    return {
      medicine_purchase: {
        purchase_id: order.order_id,
        patient_id: order.patient_id,
        medicine_name: item.medicine_name,
        quantity: item.quantity,
        total_cost: order.total_cost,
        currency: order.currency,
        delivery_status: order.delivery_status,
        payment_status: order.payment_status,
        prescription_item_id: item.prescription_item_id,
        fills_remaining: order.fills_remaining[item.item_id] ?? null,
        safety_alerts: order.safety_alerts,
      },
      payment,
    };
  }

  /** A patient orders medicines for themself. */
  async placeOrder(
    actor: Actor,
    input: OrderInput,
  ): Promise<{
    order: OrderView & { safety_alerts: AlertView[]; fills_remaining: Record<number, number> };
    payment: PaymentSummary | null;
  }> {
    if (actor.role !== "patient" || actor.patientId === undefined)
      throw forbidden("PATIENTS_ONLY", "Only patients order medicines.");
    const patientId = await this.ctx.access.patientScope(actor, input.patient_id, {
      action: "create",
      resourceType: ORDER,
    });
    const entry = { patientId, action: "create", resourceType: ORDER };
    try {
      return await this.createOrder(actor, patientId, input);
    } catch (err) {
      if (err instanceof DomainError && (err.kind === "unprocessable" || err.kind === "not_found")) {
        await this.audit(actor, { ...entry, outcome: err.kind === "not_found" ? "not_found" : "denied" });
      }
      throw err;
    }
  }

  /**
   * What an order would be, checked as placing it checks it (prescription, refills, quantity, safety, address)
   * and priced from the catalog, without writing anything: the chat shows it for the person to confirm.
   */
  async quote(actor: Actor, input: OrderInput): Promise<OrderQuote> {
    if (actor.role !== "patient" || actor.patientId === undefined)
      throw forbidden("PATIENTS_ONLY", "Only patients order medicines.");
    const patientId = await this.ctx.access.patientScope(actor, input.patient_id, {
      action: "quote",
      resourceType: ORDER,
    });
    const q = await this.prepare(patientId, input);
    return {
      items: q.lines.map((l) => ({
        medicine_id: l.medicine.id,
        medicine_name: l.medicine.name,
        quantity: l.quantity,
        unit_price_minor: l.medicine.priceMinor,
        prescription_only: l.medicine.prescriptionOnly,
        prescription_item_id: l.needsFill ? (l.fillFrom[0]?.id ?? null) : null,
      })),
      subtotal_minor: q.subtotal,
      delivery_fee_minor: q.fee,
      total_minor: q.subtotal + q.fee,
      currency: q.currency,
      delivery_address: q.address,
      address_on_file: q.patient.address?.trim() || null,
      safety_alerts: q.alerts.map(alertView),
    };
  }

  /**
   * The patient's prescribed medicines that can be reordered now or need renewing: each active prescription item
   * with its catalog medicine, the packs one fill allows and its price, and the fills left.
   */
  async refillOptions(actor: Actor): Promise<RefillOption[]> {
    const patientId = await this.ctx.access.patientScope(actor, undefined, {
      action: "list",
      resourceType: ORDER,
    });
    const patient = await this.repo.findPatient(patientId);
    if (!patient) throw notFound("Patient");
    const rx = await this.repo.activeRxItems(patientId, todayIn(patient.timeZone, this.ctx.clock.now()));
    const options: RefillOption[] = [];
    for (const item of rx) {
      const name =
        item.strength && !foldText(item.medicineName).includes(foldText(item.strength))
          ? `${item.medicineName} ${item.strength}`
          : item.medicineName;
      let medicine: MedicineRow | undefined;
      try {
        medicine = await this.resolveByName(name, [item]);
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
      }
      if (medicine && !sameGenerics(item.generics, medicine.generics)) medicine = undefined;
      options.push({
        prescription_item_id: item.id,
        prescription_id: item.prescriptionId,
        prescribed_as: name,
        doctor_id: item.doctorId,
        doctor_name: item.doctorName,
        valid_until: item.validUntil,
        fills_remaining: item.fillsRemaining,
        medicine_id: medicine?.id ?? null,
        medicine_name: medicine?.name ?? null,
        packs_per_fill: medicine ? packsPerFill(item.quantity, medicine.packSize) : null,
        unit_price_minor: medicine?.priceMinor ?? null,
        currency: medicine?.currency ?? null,
      });
    }
    await this.audit(actor, { patientId, action: "list", resourceType: ORDER, outcome: "allowed" });
    return options;
  }

  /** Resolves, checks and prices an order without writing (placeOrder and quote share it). */
  private async prepare(patientId: number, input: OrderInput) {
    if (input.items.length === 0 || input.items.length > MAX_ORDER_ITEMS)
      throw invalid("INVALID_ITEMS", `An order has between 1 and ${MAX_ORDER_ITEMS} items.`);
    const patient = await this.repo.findPatient(patientId);
    if (!patient) throw notFound("Patient");
    const address = input.delivery_address?.trim() || patient.address?.trim();
    if (!address) {
      throw unprocessable(
        "ADDRESS_REQUIRED",
        "A delivery address is needed: give one, or add your address to your profile.",
      );
    }
    if (input.prescription_id !== undefined) {
      const owner = await this.repo.prescriptionPatient(input.prescription_id);
      if (owner !== patientId) throw notFound("Prescription");
    }
    const today = todayIn(patient.timeZone, this.ctx.clock.now());
    const rx = await this.repo.activeRxItems(patientId, today);
    const lines: Line[] = [];
    for (const item of input.items)
      lines.push(await this.resolveLine(patientId, item, rx, input.prescription_id));

    const ids = lines.map((l) => l.medicine.id);
    if (new Set(ids).size !== ids.length)
      throw invalid("DUPLICATE_ITEM", "Each medicine appears once in an order; raise its quantity instead.");
    const currency = lines[0]!.medicine.currency;
    if (lines.some((l) => l.medicine.currency !== currency))
      throw unprocessable("MIXED_CURRENCY", "These medicines cannot be ordered together.");

    const alerts = await this.safetyCheck(patientId, lines, rx);
    const subtotal = lines.reduce((s, l) => s + l.medicine.priceMinor * l.quantity, 0);
    const fee = deliveryFee(subtotal, this.ctx.config.pharmacy);
    return { patient, address, lines, alerts, subtotal, fee, currency };
  }

  private async createOrder(actor: Actor, patientId: number, input: OrderInput) {
    const { patient, address, lines, alerts, subtotal, fee, currency } = await this.prepare(patientId, input);
    const now = this.ctx.clock.now();

    const total = subtotal + fee;
    const { orderId, payment } = await this.ctx.db.transaction(async (tx) => {
      for (const line of lines) if (line.needsFill) line.spent = await this.spendOneFill(tx, line);
      const id = await this.repo.insertOrder(tx, {
        patientId,
        status: "pending",
        // Nothing to pay (a free order) counts as paid.
        paymentStatus: total > 0 ? "unpaid" : "paid",
        subtotalMinor: subtotal,
        deliveryFeeMinor: fee,
        totalMinor: total,
        currency,
        deliveryAddress: address,
        createdByUserId: actor.userId,
        createdAt: now,
        updatedAt: now,
      });
      await this.repo.insertItems(
        tx,
        lines.map((l) => ({
          orderId: id,
          medicineId: l.medicine.id,
          medicineName: l.medicine.name,
          prescriptionOnly: l.medicine.prescriptionOnly,
          quantity: l.quantity,
          unitPriceMinor: l.medicine.priceMinor,
          lineTotalMinor: l.medicine.priceMinor * l.quantity,
          prescriptionItemId: l.spent?.itemId ?? null,
        })),
      );
      await this.repo.insertEvent(tx, {
        orderId: id,
        fromStatus: null,
        toStatus: "pending",
        actorUserId: actor.userId,
        source: "patient",
        at: now,
      });
      await this.notify(tx, { id, patientUserId: patient.userId }, "pending");
      await this.audit(
        actor,
        { patientId, action: "create", resourceType: ORDER, resourceId: id, outcome: "allowed" },
        tx,
      );
      const p =
        total > 0
          ? await this.payments.createPayment(tx, {
              purpose: ORDER,
              referenceId: id,
              patientId,
              amountMinor: total,
              currency,
            })
          : undefined;
      return { orderId: id, payment: p };
    });
    if (payment) await this.payments.settle(ORDER, orderId);
    const detail = (await this.repo.orderDetail(orderId))!;
    const view = orderView(detail);
    const fills: Record<number, number> = {};
    for (const item of detail.items) {
      const line = lines.find((l) => l.medicine.id === item.medicineId);
      if (line?.spent) fills[item.id] = line.spent.fillsRemaining;
    }
    return {
      order: { ...view, safety_alerts: alerts.map(alertView), fills_remaining: fills },
      payment: payment ? this.payments.summary(payment) : null,
    };
  }

  /** Resolves the medicine and decides which prescription items may fill it; refuses what cannot be sold. */
  private async resolveLine(
    patientId: number,
    item: OrderItemInput,
    rx: readonly ActiveRxItem[],
    prescriptionId: number | undefined,
  ): Promise<Line> {
    let medicine: MedicineRow | undefined;
    if (item.medicine_id !== undefined) {
      medicine = await this.repo.findMedicine(item.medicine_id);
      if (!medicine) throw notFound("Medicine", "MEDICINE_NOT_FOUND");
    } else if (item.medicine_name?.trim()) {
      medicine = await this.resolveByName(item.medicine_name, rx);
    } else {
      throw invalid("MEDICINE_REQUIRED", "Each item needs a medicine_id or a medicine_name.");
    }
    if (item.prescription_item_id !== undefined) {
      const owner = await this.repo.prescriptionItemPatient(item.prescription_item_id);
      if (owner !== patientId) throw notFound("Prescription item");
    }
    const explicit = item.prescription_item_id !== undefined || prescriptionId !== undefined;
    const matching = rx.filter(
      (i) =>
        (item.prescription_item_id === undefined || i.id === item.prescription_item_id) &&
        (prescriptionId === undefined || i.prescriptionId === prescriptionId) &&
        sameGenerics(i.generics, medicine.generics),
    );
    if (item.prescription_item_id !== undefined && matching.length === 0) {
      throw unprocessable(
        "PRESCRIPTION_REQUIRED",
        `That prescription item is not an active, unexpired prescription for ${medicine.name}.`,
      );
    }
    const needsFill = medicine.prescriptionOnly || (explicit && matching.length > 0);
    const line: Line = { medicine, quantity: item.quantity, fillFrom: [], needsFill };
    if (!needsFill) return line;
    if (matching.length === 0) {
      throw unprocessable(
        "PRESCRIPTION_REQUIRED",
        `${medicine.name} needs a prescription, and you have no active prescription for it. A doctor can prescribe it after a consultation.`,
        { medicine_id: medicine.id },
      );
    }
    const withFills = matching.filter((i) => i.fillsRemaining > 0);
    if (withFills.length === 0) throw this.noRefillsLeft(medicine, matching[0]!);
    line.fillFrom = withFills.filter((i) => item.quantity <= packsPerFill(i.quantity, medicine.packSize));
    if (line.fillFrom.length === 0) {
      const allowed = Math.max(...withFills.map((i) => packsPerFill(i.quantity, medicine.packSize)));
      throw unprocessable(
        "QUANTITY_EXCEEDS_PRESCRIPTION",
        `Your prescription allows ${allowed} pack${allowed === 1 ? "" : "s"} of ${medicine.name} per fill.`,
        { max_quantity: allowed },
      );
    }
    return line;
  }

  private noRefillsLeft(medicine: MedicineRow, item: ActiveRxItem): DomainError {
    return unprocessable(
      "NO_REFILLS_LEFT",
      `Your prescription for ${medicine.name} has no refills left. You can ask ${item.doctorName} to renew it.`,
      { prescription_id: item.prescriptionId, prescription_item_id: item.id, doctor_id: item.doctorId },
    );
  }

  /** Spends one fill of the first item that still has one (the UPDATE decides, not an earlier read). */
  private async spendOneFill(tx: Tx, line: Line): Promise<{ itemId: number; fillsRemaining: number }> {
    for (const item of line.fillFrom) {
      const left = await this.repo.spendFill(tx, item.id);
      if (left !== undefined) return { itemId: item.id, fillsRemaining: left };
    }
    throw this.noRefillsLeft(line.medicine, line.fillFrom[0]!);
  }

  /**
   * The purchase-time check: the ordered medicines against the patient's other active prescriptions and recorded
   * allergies. A contraindicated or major finding involving an over-the-counter line stops the order; findings
   * on prescribed lines were acknowledged by the prescriber and are only returned.
   */
  private async safetyCheck(
    patientId: number,
    lines: Line[],
    rx: readonly ActiveRxItem[],
  ): Promise<SafetyAlert[]> {
    const ordered = lines.map((l) => l.medicine.generics);
    const active = rx
      .filter((i) => !ordered.some((g) => sameGenerics(g, i.generics)))
      .map((i) => (i.generics.length > 0 ? i.generics.join(" + ") : i.medicineName));
    const allergies = await this.repo.allergies(patientId);
    const { alerts } = checkMedicationSafety({
      proposed: lines.map((l) => l.medicine.generic),
      active,
      allergies,
    });
    const otc = new Set(lines.filter((l) => !l.needsFill).flatMap((l) => l.medicine.generics));
    const blocking = alerts.filter((a) => isBlocking(a) && a.drugs.some((d) => otc.has(d)));
    if (blocking.length > 0) {
      throw unprocessable(
        "SAFETY_ALERT",
        "This medicine may not be safe with your other medicines or allergies. Please talk to a doctor or pharmacist before buying it.",
        { alerts: blocking.map(alertView) },
      );
    }
    return alerts;
  }

  // --- reading -------------------------------------------------------------------------------------

  /** Whether the actor may see an order: its patient's readers, and pharmacists. */
  private async mayRead(actor: Actor, order: Pick<OrderRow, "patientId">): Promise<boolean> {
    if (actor.role === "pharmacist") return true;
    return this.ctx.access.canAccessPatient(actor, order.patientId);
  }

  async getOrder(actor: Actor, id: number): Promise<{ order: OrderView }> {
    const order = await this.repo.orderDetail(id);
    const entry = { action: "read", resourceType: ORDER, resourceId: id };
    if (!order || !(await this.mayRead(actor, order))) {
      await this.audit(actor, { ...entry, patientId: order?.patientId ?? null, outcome: "not_found" });
      throw notFound("Order");
    }
    await this.audit(actor, { ...entry, patientId: order.patientId, outcome: "allowed" });
    return { order: orderView(order) };
  }

  async listPatientOrders(actor: Actor, requested: number | undefined): Promise<{ orders: OrderView[] }> {
    const patientId = await this.ctx.access.patientScope(actor, requested, {
      action: "list",
      resourceType: ORDER,
    });
    const orders = await this.repo.ordersOfPatient(patientId);
    await this.audit(actor, { patientId, action: "list", resourceType: ORDER, outcome: "allowed" });
    return { orders: orders.map(orderView) };
  }

  /** The pharmacist's work queue, oldest first. */
  async queue(
    actor: Actor,
    status: PharmacyOrderStatus | undefined,
    page = 1,
  ): Promise<{ orders: OrderView[]; page: number; per_page: number; has_more: boolean }> {
    if (actor.role !== "pharmacist")
      throw forbidden("PHARMACISTS_ONLY", "The order queue is for pharmacists.");
    const per = 50;
    const rows = await this.repo.queue(status, (page - 1) * per, per + 1);
    const shown = rows.slice(0, per);
    await this.ctx.audit.recordMany(
      actor,
      shown.map((o) => ({
        patientId: o.patientId,
        action: "list",
        resourceType: ORDER,
        resourceId: o.id,
        outcome: "allowed",
      })),
    );
    return { orders: shown.map(orderView), page, per_page: per, has_more: rows.length > per };
  }

  // --- the lifecycle -------------------------------------------------------------------------------

  /** A pharmacist moves an order along (confirm, dispatch, out for delivery, delivered, cancel). */
  async updateStatus(
    actor: Actor,
    id: number,
    input: { status: PharmacyOrderStatus; note?: string | undefined; tracking?: string | undefined },
  ): Promise<{ order: OrderView }> {
    if (actor.role !== "pharmacist")
      throw forbidden("PHARMACISTS_ONLY", "Order status is set by the pharmacy.");
    await this.ctx.db.transaction(async (tx) => {
      const order = await this.lock(tx, id);
      if (!order) throw notFound("Order");
      await this.transition(tx, order, input.status, {
        source: "pharmacist",
        actor,
        note: input.note,
        tracking: input.tracking,
      });
    });
    if (input.status === "cancelled") await this.payments.settle(ORDER, id);
    return { order: orderView((await this.repo.orderDetail(id))!) };
  }

  /** The patient cancels their own order while it has not left the pharmacy. */
  async cancelByPatient(actor: Actor, id: number, reason?: string): Promise<{ order: OrderView }> {
    const seen = await this.repo.findOrder(id);
    const entry = { action: "cancel", resourceType: ORDER, resourceId: id };
    if (!seen || actor.role !== "patient" || actor.patientId !== seen.patientId) {
      if (!seen || !(await this.mayRead(actor, seen))) {
        await this.audit(actor, { ...entry, patientId: seen?.patientId ?? null, outcome: "not_found" });
        throw notFound("Order");
      }
      await this.audit(actor, { ...entry, patientId: seen.patientId, outcome: "denied" });
      throw forbidden(
        "PATIENTS_ONLY",
        "Only the patient cancels their order here; the pharmacy uses the order queue.",
      );
    }
    await this.ctx.db.transaction(async (tx) => {
      const order = (await this.lock(tx, id))!;
      await this.transition(tx, order, "cancelled", { source: "patient", actor, note: reason });
    });
    await this.payments.settle(ORDER, id);
    return { order: orderView((await this.repo.orderDetail(id))!) };
  }

  /**
   * A delivery partner's status event (the webhook has verified its signature). Each event id is processed once:
   * the claim and the change commit together. Unknown orders and impossible transitions are acknowledged and
   * recorded, never retried.
   */
  async applyDeliveryEvent(event: DeliveryEvent): Promise<DeliveryOutcome> {
    const result = await this.ctx.db.transaction(async (tx): Promise<DeliveryOutcome> => {
      const claimed = await this.repo.claimWebhookEvent(tx, DELIVERY_PROVIDER, event.event_id, "applied");
      if (!claimed) return "duplicate";
      const order = await this.lock(tx, event.order_id);
      const outcome = async (o: DeliveryOutcome): Promise<DeliveryOutcome> => {
        await this.repo.setWebhookOutcome(tx, DELIVERY_PROVIDER, event.event_id, o);
        return o;
      };
      if (!order) return outcome("unknown_order");
      try {
        assertOrderTransition("delivery_partner", order.status, event.status);
      } catch (err) {
        if (err instanceof DomainError) return outcome("ignored_invalid_transition");
        throw err;
      }
      // An unpaid order is not ours to deliver: acknowledged and recorded, nothing changes.
      if (NEEDS_PAYMENT.includes(event.status) && order.paymentStatus !== "paid")
        return outcome("ignored_unpaid");
      await this.transition(tx, order, event.status, {
        source: "delivery_partner",
        actor: systemActor,
        note: event.undeliverable ? "undeliverable" : undefined,
        reportedAt: event.at,
      });
      return "applied";
    });
    if (result === "applied" && event.status === "cancelled")
      await this.payments.settle(ORDER, event.order_id);
    return result;
  }

  /** Locks an order for a change: its payment row first, then the order (the payments module's order). */
  private async lock(tx: Tx, id: number): Promise<OrderRow | undefined> {
    await this.payments.lockPayment(tx, ORDER, id);
    return this.repo.lockOrder(tx, id);
  }

  // --- payment (called by PharmacyOrderPurpose inside the payments module's transaction) -----------------

  /**
   * The order's payment succeeded: the order is marked paid (an event, a message to the patient) and may now be
   * confirmed by the pharmacist. "unwanted" when it was cancelled meanwhile: the payment is then refunded in full.
   */
  async paymentReceived(tx: Tx, orderId: number, now: Date): Promise<"accepted" | "unwanted"> {
    const order = await this.repo.lockOrder(tx, orderId);
    if (!order || order.status === "cancelled") return "unwanted";
    if (order.paymentStatus !== "unpaid") return "accepted";
    await this.repo.setPaymentStatus(tx, orderId, "paid", now);
    await this.repo.insertEvent(tx, {
      orderId,
      fromStatus: order.status,
      toStatus: order.status,
      actorUserId: null,
      source: "payment",
      note: "paid",
      at: now,
    });
    await enqueueNotification(tx, {
      userId: order.patientUserId,
      template: "pharmacy_order.paid",
      data: { order_id: orderId, status: order.status, payment_status: "paid" },
      idempotencyKey: `pharmacy_order:${orderId}:paid`,
    });
    await this.audit(
      systemActor,
      {
        patientId: order.patientId,
        action: "paid",
        resourceType: ORDER,
        resourceId: orderId,
        outcome: "allowed",
      },
      tx,
    );
    // Delivered before it was paid (orders placed before payments existed): revenue now.
    if (order.status === "delivered") await this.payments.delivered(tx, ORDER, orderId);
    return "accepted";
  }

  /** The payment window closed unpaid: the pending order is cancelled and its spent fills returned. */
  async paymentExpired(tx: Tx, orderId: number): Promise<void> {
    const order = await this.repo.lockOrder(tx, orderId);
    if (!order || order.paymentStatus !== "unpaid" || order.status !== "pending") return;
    await this.transition(tx, order, "cancelled", {
      source: "system",
      actor: systemActor,
      note: PAYMENT_TIMEOUT_NOTE,
    });
  }

  /** Money went back: a paid order that is refunded in full shows as refunded. */
  async paymentRefunded(tx: Tx, orderId: number, fully: boolean): Promise<void> {
    const order = await this.repo.findOrder(orderId, tx);
    if (fully && order?.paymentStatus === "paid")
      await this.repo.setPaymentStatus(tx, orderId, "refunded", this.ctx.clock.now());
  }

  private async transition(
    tx: Tx,
    order: OrderRow,
    to: PharmacyOrderStatus,
    how: {
      source: OrderSource;
      actor: Actor;
      note?: string | undefined;
      tracking?: string | undefined;
      reportedAt?: Date | undefined;
    },
  ): Promise<void> {
    assertOrderTransition(how.source, order.status, to);
    if (NEEDS_PAYMENT.includes(to) && order.paymentStatus !== "paid") {
      throw unprocessable(
        "PAYMENT_REQUIRED",
        "This order is not paid yet; it can be confirmed and delivered once the patient has paid.",
        { payment_status: order.paymentStatus },
      );
    }
    const now = this.ctx.clock.now();
    if (to === "cancelled") {
      // Spent fills go back to the prescription, in the same transaction as the cancellation.
      for (const item of await this.repo.itemsOf([order.id], tx)) {
        if (item.prescriptionItemId !== null) await this.repo.returnFill(tx, item.prescriptionItemId);
      }
      // What was paid goes back in full (the provider call runs after the commit, in settle).
      const payment = await this.payments.lockPayment(tx, ORDER, order.id);
      if (payment && isPaid(payment)) {
        await this.payments.requestRefund(tx, payment, {
          amountMinor: payment.amountMinor,
          reason: how.source === "delivery_partner" ? "order_undeliverable" : "order_cancelled",
          key: `${ORDER}:${order.id}:refund`,
        });
      } else if (payment) {
        // Unpaid: the payment link closes with the order.
        await this.payments.closeUnpaid(tx, payment);
      }
    }
    if (to === "delivered") await this.payments.delivered(tx, ORDER, order.id);
    await this.repo.updateOrder(
      tx,
      order.id,
      { status: to, tracking: how.tracking?.trim() || undefined },
      now,
    );
    await this.repo.insertEvent(tx, {
      orderId: order.id,
      fromStatus: order.status,
      toStatus: to,
      actorUserId: how.actor.userId || null,
      source: how.source,
      note: how.note?.trim() || null,
      at: now,
      reportedAt: how.reportedAt ?? null,
    });
    await this.notify(tx, order, to);
    await this.audit(
      how.actor,
      {
        patientId: order.patientId,
        action: `status_${to}`,
        resourceType: ORDER,
        resourceId: order.id,
        outcome: "allowed",
      },
      tx,
    );
  }

  private async notify(tx: Tx, order: { id: number; patientUserId: number }, status: PharmacyOrderStatus) {
    await enqueueNotification(tx, {
      userId: order.patientUserId,
      template: `pharmacy_order.${status}`,
      data: { order_id: order.id, status },
      idempotencyKey: `pharmacy_order:${order.id}:${status}`,
    });
  }
}

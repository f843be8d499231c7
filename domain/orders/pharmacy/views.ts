import { toMajor } from "../../shared/money.js";
import type { SafetyAlert } from "../safety/index.js";
import type { MedicineRow, OrderDetail } from "./repository.js";

/** What the API shows: snake_case views of the pharmacy module's rows. Money in the currency's major unit. */

export interface MedicineView {
  medicine_id: number;
  code: string;
  name: string;
  generic: string;
  brands: string[];
  strength: string;
  form: string;
  pack_size: number;
  pack_unit: string;
  price: number;
  currency: string;
  prescription_only: boolean;
  category: string;
}

export function medicineView(m: MedicineRow): MedicineView {
  return {
    medicine_id: m.id,
    code: m.code,
    name: m.name,
    generic: m.generic,
    brands: m.brands,
    strength: m.strength,
    form: m.form,
    pack_size: m.packSize,
    pack_unit: m.packUnit,
    price: toMajor(m.priceMinor, m.currency),
    currency: m.currency,
    prescription_only: m.prescriptionOnly,
    category: m.category,
  };
}

export interface OrderItemView {
  item_id: number;
  medicine_id: number;
  medicine_name: string;
  prescription_only: boolean;
  quantity: number;
  unit_price: number;
  line_total: number;
  prescription_item_id: number | null;
}

export interface OrderEventView {
  from_status: string | null;
  status: string;
  by: string;
  note: string | null;
  at: string;
  reported_at: string | null;
}

export interface OrderView {
  order_id: number;
  patient_id: number;
  status: string;
  delivery_status: string;
  payment_status: string;
  items: OrderItemView[];
  subtotal: number;
  delivery_fee: number;
  total_cost: number;
  currency: string;
  delivery_address: string;
  tracking: string | null;
  created_at: string;
  updated_at: string;
  history: OrderEventView[];
}

export function orderView(o: OrderDetail): OrderView {
  const money = (minor: number) => toMajor(minor, o.currency);
  return {
    order_id: o.id,
    patient_id: o.patientId,
    status: o.status,
    delivery_status: o.status,
    payment_status: o.paymentStatus,
    items: o.items.map((i) => ({
      item_id: i.id,
      medicine_id: i.medicineId,
      medicine_name: i.medicineName,
      prescription_only: i.prescriptionOnly,
      quantity: i.quantity,
      unit_price: money(i.unitPriceMinor),
      line_total: money(i.lineTotalMinor),
      prescription_item_id: i.prescriptionItemId,
    })),
    subtotal: money(o.subtotalMinor),
    delivery_fee: money(o.deliveryFeeMinor),
    total_cost: money(o.totalMinor),
    currency: o.currency,
    delivery_address: o.deliveryAddress,
    tracking: o.tracking,
    created_at: o.createdAt.toISOString(),
    updated_at: o.updatedAt.toISOString(),
    history: o.events.map((e) => ({
      from_status: e.fromStatus,
      status: e.toStatus,
      by: e.source,
      note: e.note,
      at: e.at.toISOString(),
      reported_at: e.reportedAt?.toISOString() ?? null,
    })),
  };
}

/** A safety finding as shown to the patient or pharmacist. */
export interface AlertView {
  id: string;
  severity: string;
  type: string;
  message: string;
  drugs: string[];
}

export function alertView(a: SafetyAlert): AlertView {
  return { id: a.id, severity: a.severity, type: a.type, message: a.message, drugs: a.drugs };
}

/** The contract's single-medicine purchase. */
export interface PurchaseView {
  purchase_id: number;
  patient_id: number;
  medicine_name: string;
  quantity: number;
  total_cost: number;
  currency: string;
  delivery_status: string;
  payment_status: string;
  prescription_item_id: number | null;
  /** Fills of the prescription item left after this purchase (null for over-the-counter). */
  fills_remaining: number | null;
  safety_alerts: AlertView[];
}

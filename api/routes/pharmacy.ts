import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { actorOf } from "../plugins/auth.js";
import { bearer, described, errorsIn, Id, Page } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/orders/pharmacy/", "domain/accounts/access.ts");

// --- schemas -------------------------------------------------------------------------------------

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Text = (max: number) => Type.String({ minLength: 1, maxLength: max, pattern: "\\S" });
const Quantity = Type.Integer({ minimum: 1, maximum: 100, description: "Packs." });
const Address = Type.String({ minLength: 1, maxLength: 500, pattern: "\\S" });

const STATUSES = [
  "pending",
  "confirmed",
  "dispatched",
  "out_for_delivery",
  "delivered",
  "cancelled",
] as const;
const OrderStatus = Type.Union(STATUSES.map((s) => Type.Literal(s)));

const Medicine = Type.Object({
  medicine_id: Type.Integer(),
  code: Type.String(),
  name: Type.String({ examples: ["Paracetamol 500 mg tablet"] }),
  generic: Type.String(),
  brands: Type.Array(Type.String()),
  strength: Type.String(),
  form: Type.String(),
  pack_size: Type.Integer(),
  pack_unit: Type.String(),
  price: Type.Number({ description: "One pack, in the currency's major unit." }),
  currency: Type.String(),
  prescription_only: Type.Boolean(),
  category: Type.String(),
});

const Alert = Type.Object({
  id: Type.String(),
  severity: Type.String(),
  type: Type.String(),
  message: Type.String(),
  drugs: Type.Array(Type.String()),
});

const OrderItem = Type.Object({
  item_id: Type.Integer(),
  medicine_id: Type.Integer(),
  medicine_name: Type.String(),
  prescription_only: Type.Boolean(),
  quantity: Type.Integer(),
  unit_price: Type.Number(),
  line_total: Type.Number(),
  prescription_item_id: Nullable(Type.Integer()),
});

const OrderEvent = Type.Object({
  from_status: Nullable(Type.String()),
  status: Type.String(),
  by: Type.String({ examples: ["pharmacist"] }),
  note: Nullable(Type.String()),
  at: Type.String({ format: "date-time" }),
  reported_at: Nullable(Type.String()),
});

const orderFields = {
  order_id: Type.Integer(),
  patient_id: Type.Integer(),
  status: Type.String({ examples: ["pending"] }),
  delivery_status: Type.String({ examples: ["pending"] }),
  payment_status: Type.String({ examples: ["unpaid"] }),
  items: Type.Array(OrderItem),
  subtotal: Type.Number(),
  delivery_fee: Type.Number(),
  total_cost: Type.Number(),
  currency: Type.String(),
  delivery_address: Type.String(),
  tracking: Nullable(Type.String()),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
  history: Type.Array(OrderEvent),
};
const PaymentSummary = Type.Object(
  {
    id: Type.Integer(),
    status: Type.String({ examples: ["requires_payment"] }),
    amount: Type.Number(),
    currency: Type.String(),
    checkout_url: Type.String(),
    expires_at: Type.String({ format: "date-time" }),
  },
  {
    description: "The payment to make (null when there is nothing to pay). Delivery starts once it is paid.",
  },
);

const Order = Type.Object(orderFields);
const OrderBody = Type.Object({ order: Order });
const PlacedOrder = Type.Object({
  order: Type.Object({
    ...orderFields,
    safety_alerts: Type.Array(Alert),
    fills_remaining: Type.Record(Type.String(), Type.Integer(), {
      description: "Per order item id: fills of its prescription item left after this order.",
    }),
  }),
  payment: Nullable(PaymentSummary),
});

const Purchase = Type.Object({
  medicine_purchase: Type.Object({
    purchase_id: Type.Integer(),
    patient_id: Type.Integer(),
    medicine_name: Type.String(),
    quantity: Type.Integer(),
    total_cost: Type.Number(),
    currency: Type.String(),
    delivery_status: Type.String({ examples: ["pending"] }),
    payment_status: Type.String({ examples: ["unpaid"] }),
    prescription_item_id: Nullable(Type.Integer()),
    fills_remaining: Nullable(Type.Integer()),
    safety_alerts: Type.Array(Alert),
  }),
  payment: Nullable(PaymentSummary),
});

const OrderList = Type.Object({ orders: Type.Array(Order) });
const OrderPage = Type.Object({
  orders: Type.Array(Order),
  page: Type.Integer(),
  per_page: Type.Integer(),
  has_more: Type.Boolean(),
});
const IdParams = Type.Object({ id: Id });

const PHARMACY = ["pharmacy"];

// --- routes --------------------------------------------------------------------------------------

/** The medicine catalog, pharmacy orders and their delivery lifecycle. */
export const pharmacyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { pharmacy } = app.services;
  const auth = app.authenticate;

  app.get(
    "/api/medicines/",
    {
      schema: {
        tags: PHARMACY,
        operationId: "searchMedicines",
        summary: "Search the medicine catalog (names, generics, brands; typo tolerant)",
        querystring: Type.Object({
          q: Type.Optional(
            Type.String({ maxLength: 100, description: "A medicine's name, generic or brand." }),
          ),
          page: Page,
        }),
        response: {
          200: Type.Object({
            medicines: Type.Array(Medicine),
            page: Type.Integer(),
            per_page: Type.Integer(),
            has_more: Type.Boolean(),
          }),
          ...errors(400),
        },
      },
    },
    async (request) => pharmacy.searchMedicines(request.query.q, request.query.page),
  );

  app.post(
    "/api/purchase/medicine/",
    {
      preHandler: app.requireRole("patient"),
      schema: {
        tags: PHARMACY,
        operationId: "purchaseMedicine",
        summary: "Order one medicine for delivery (price computed by the server; unpaid until payment)",
        description:
          "Returns the payment (checkout link) beside the purchase; the order is cancelled (a spent fill " +
          "returned) if it is not paid within the payment window. Prescription-only medicines spend one fill of a matching active prescription: 422 PRESCRIPTION_REQUIRED, " +
          "NO_REFILLS_LEFT or QUANTITY_EXCEEDS_PRESCRIPTION otherwise. Over-the-counter medicines with a serious " +
          "interaction or allergy finding are refused with 422 SAFETY_ALERT.",
        security: bearer,
        body: Type.Object(
          {
            patient_id: Type.Optional(Id),
            medicine_name: Text(200),
            quantity: Quantity,
            prescription_id: Type.Optional(Id),
            delivery_address: Type.Optional(Address),
          },
          { additionalProperties: false },
        ),
        response: { 201: Purchase, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const result = await pharmacy.purchase(actorOf(request), request.body);
      return reply.code(201).send(result);
    },
  );

  app.post(
    "/api/pharmacy/orders/",
    {
      preHandler: app.requireRole("patient"),
      schema: {
        tags: PHARMACY,
        operationId: "createPharmacyOrder",
        summary: "Order several medicines in one delivery",
        security: bearer,
        body: Type.Object(
          {
            patient_id: Type.Optional(Id),
            items: Type.Array(
              Type.Object(
                {
                  medicine_id: Type.Optional(Id),
                  medicine_name: Type.Optional(Text(200)),
                  quantity: Quantity,
                  prescription_item_id: Type.Optional(Id),
                },
                { additionalProperties: false },
              ),
              { minItems: 1, maxItems: 20 },
            ),
            prescription_id: Type.Optional(Id),
            delivery_address: Type.Optional(Address),
          },
          { additionalProperties: false },
        ),
        response: { 201: PlacedOrder, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request, reply) => {
      const result = await pharmacy.placeOrder(actorOf(request), request.body);
      return reply.code(201).send(result);
    },
  );

  app.get(
    "/api/pharmacy/orders/",
    {
      preHandler: app.requireRole("pharmacist"),
      schema: {
        tags: PHARMACY,
        operationId: "listPharmacyQueue",
        summary: "The pharmacist's order queue, oldest first",
        security: bearer,
        querystring: Type.Object({
          status: Type.Optional(described(OrderStatus, "Only orders in this status.")),
          page: Page,
        }),
        response: { 200: OrderPage, ...errors(400, 401, 403) },
      },
    },
    async (request) => pharmacy.queue(actorOf(request), request.query.status, request.query.page),
  );

  app.get(
    "/api/pharmacy/orders/:id/",
    {
      preHandler: auth,
      schema: {
        tags: PHARMACY,
        operationId: "getPharmacyOrder",
        summary: "One order with its items and status history",
        security: bearer,
        params: IdParams,
        response: { 200: OrderBody, ...errors(400, 401, 404) },
      },
    },
    async (request) => pharmacy.getOrder(actorOf(request), request.params.id),
  );

  app.post(
    "/api/pharmacy/orders/:id/status",
    {
      preHandler: app.requireRole("pharmacist"),
      schema: {
        tags: PHARMACY,
        operationId: "updatePharmacyOrderStatus",
        summary: "Move an order along its delivery lifecycle (pharmacist)",
        description:
          "pending → confirmed → dispatched → out_for_delivery → delivered; cancelled from pending, confirmed or " +
          "dispatched (a spent prescription fill is returned; a paid order is refunded in full). Anything else: " +
          "422 INVALID_TRANSITION. Confirming (and every later step) needs a paid order: 422 PAYMENT_REQUIRED.",
        security: bearer,
        params: IdParams,
        body: Type.Object(
          {
            status: OrderStatus,
            note: Type.Optional(Type.String({ maxLength: 1000 })),
            tracking: Type.Optional(Type.String({ maxLength: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: OrderBody, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => pharmacy.updateStatus(actorOf(request), request.params.id, request.body),
  );

  app.get(
    "/api/patient/orders/",
    {
      preHandler: auth,
      schema: {
        tags: PHARMACY,
        operationId: "listPatientOrders",
        summary: "A patient's pharmacy orders with items and status history",
        security: bearer,
        querystring: Type.Object({ patient_id: Type.Optional(Id) }),
        response: { 200: OrderList, ...errors(400, 401, 404) },
      },
    },
    async (request) => pharmacy.listPatientOrders(actorOf(request), request.query.patient_id),
  );

  app.post(
    "/api/patient/orders/:id/cancel",
    {
      preHandler: auth,
      schema: {
        tags: PHARMACY,
        operationId: "cancelPatientOrder",
        summary: "Cancel your own order while it is pending or confirmed",
        security: bearer,
        params: IdParams,
        body: Type.Optional(
          Nullable(
            Type.Object(
              { reason: Type.Optional(Type.String({ maxLength: 1000 })) },
              { additionalProperties: false },
            ),
          ),
        ),
        response: { 200: OrderBody, ...errors(400, 401, 403, 404, 422) },
      },
    },
    async (request) => pharmacy.cancelByPatient(actorOf(request), request.params.id, request.body?.reason),
  );
};

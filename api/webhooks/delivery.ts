import type { FastifyPluginAsync } from "fastify";
import { Type } from "typebox";
import type { PharmacyOrderStatus } from "../../db/schema/index.js";
import type { DeliveryEvent } from "../../domain/orders/pharmacy/service.js";
import { ORDER_STATUSES } from "../../domain/orders/pharmacy/rules.js";
import { verifySignature } from "../../domain/orders/pharmacy/signature.js";
import { DomainError } from "../../domain/shared/errors.js";
import { errorsIn } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("api/webhooks/delivery.ts", "domain/orders/pharmacy/");

export const SIGNATURE_HEADER = "x-healthlink-signature";

type Parsed = { ok: true; event: DeliveryEvent } | { ok: false; problem: string };

/** The partner's body, checked by hand: it arrives as raw bytes (the signature covers them exactly). */
export function parseDeliveryEvent(raw: Buffer): Parsed {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    return { ok: false, problem: "malformed_json" };
  }
  if (body === null || typeof body !== "object" || Array.isArray(body))
    return { ok: false, problem: "not_an_object" };
  const b = body as Record<string, unknown>;
  const eventId = b.event_id;
  const orderId = b.order_id;
  const status = b.status;
  if (
    typeof eventId !== "string" ||
    eventId.length === 0 ||
    eventId.length > 200 ||
    eventId.includes("\u0000")
  )
    return { ok: false, problem: "event_id" };
  if (typeof orderId !== "number" || !Number.isInteger(orderId) || orderId < 1 || orderId > 2147483647)
    return { ok: false, problem: "order_id" };
  // "undeliverable": the partner could not deliver it; the order is cancelled (and refunded).
  const undeliverable = status === "undeliverable";
  if (
    typeof status !== "string" ||
    !(undeliverable || (ORDER_STATUSES as readonly string[]).includes(status))
  )
    return { ok: false, problem: "status" };
  let at: Date | undefined;
  if (b.at !== undefined && b.at !== null) {
    at = typeof b.at === "string" || typeof b.at === "number" ? new Date(b.at) : undefined;
    if (at === undefined || Number.isNaN(at.getTime())) return { ok: false, problem: "at" };
  }
  return {
    ok: true,
    event: {
      event_id: eventId,
      order_id: orderId,
      status: undeliverable ? "cancelled" : (status as PharmacyOrderStatus),
      at,
      ...(undeliverable ? { undeliverable: true } : {}),
    },
  };
}

const Ack = Type.Object({ received: Type.Boolean(), outcome: Type.String() });

/**
 * The delivery partner's status webhook. Signature first (HMAC-SHA256 over "<t>.<raw body>", constant-time,
 * 300 s tolerance), then parse, then dedupe by event id, then act, then 200. Forged or stale: 403, nothing
 * happens. Authentic but unusable (unknown order, impossible step, bad field): logged and acknowledged.
 * Without DELIVERY_WEBHOOK_SECRET the channel is disabled (404); nothing skips verification.
 */
export const deliveryWebhook: FastifyPluginAsync = async (app) => {
  const secret = app.deps.config.pharmacy.deliveryWebhookSecret;
  const clock = app.deps.clock;
  const { pharmacy } = app.services;

  // Scoped to this plugin: the body stays the exact bytes that were signed.
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => {
    done(null, body);
  });

  app.post(
    "/webhooks/delivery",
    {
      bodyLimit: 64 * 1024,
      schema: {
        tags: ["webhooks"],
        operationId: "receiveDeliveryEvent",
        summary: "Delivery partner status events (signed)",
        description:
          "Body `{event_id, order_id, status, at}`; header `X-HealthLink-Signature: t=<unix>,v1=<hex HMAC-SHA256 " +
          'of "<t>.<raw body>">`. Each event_id is processed once. status `undeliverable` (or `cancelled`) from ' +
          "dispatched or out_for_delivery cancels the order and refunds its payment; an unpaid order is not " +
          "advanced (outcome `ignored_unpaid`).",
        response: { 200: Ack, ...errors(403, 404) },
      },
    },
    async (request, reply) => {
      if (secret === undefined) {
        throw new DomainError("not_found", "CHANNEL_DISABLED", "The delivery webhook is not configured.");
      }
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const header = request.headers[SIGNATURE_HEADER];
      const check = verifySignature(
        secret,
        Array.isArray(header) ? header[0] : header,
        raw,
        Math.floor(clock.now().getTime() / 1000),
      );
      if (!check.ok) {
        request.log.warn({ reason: check.reason }, "delivery webhook: signature refused");
        throw new DomainError(
          "forbidden",
          "INVALID_SIGNATURE",
          "The webhook signature is missing or invalid.",
        );
      }
      const parsed = parseDeliveryEvent(raw);
      if (!parsed.ok) {
        request.log.warn(
          { problem: parsed.problem },
          "delivery webhook: authentic payload not usable; acknowledged",
        );
        return reply.send({ received: true, outcome: "unprocessable" });
      }
      const outcome = await pharmacy.applyDeliveryEvent(parsed.event);
      const log = outcome === "applied" || outcome === "duplicate" ? request.log.info : request.log.warn;
      log.call(request.log, { order_id: parsed.event.order_id, outcome }, "delivery webhook processed");
      return reply.send({ received: true, outcome });
    },
  );
};

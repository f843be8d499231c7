import type { FastifyPluginAsync } from "fastify";
import { loggableError } from "../../domain/shared/errors.js";
import { toPaymentEvent, verifyStripeWebhook } from "../../domain/payments/stripe.js";
import { errorBody } from "../plugins/errors.js";

/**
 * POST /webhooks/stripe — only when Stripe is configured (otherwise the route does not exist: 404).
 * Verify the signature on the raw body first (300 s tolerance), then map, then apply once per event id.
 * Forged or stale → 400 and no effect. Authentic but unknown or unusable → 200, logged, ignored.
 */
export const stripeWebhook: FastifyPluginAsync = async (app) => {
  const settings = app.deps.config.payments.stripe;
  if (!settings) return;
  const { payments } = app.services;
  // Raw bodies in this plugin's scope only: the signature is over the exact bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 512 * 1024 }, (_req, body, done) =>
    done(null, body),
  );

  app.post("/webhooks/stripe", { schema: { hide: true } }, async (request, reply) => {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const signature = request.headers["stripe-signature"];
    let event;
    try {
      event = verifyStripeWebhook(settings, raw, typeof signature === "string" ? signature : undefined);
    } catch {
      return reply.status(400).send(errorBody("INVALID_SIGNATURE", "The webhook signature is invalid."));
    }
    try {
      const outcome = await payments.handleEvent(toPaymentEvent(event));
      request.log.info({ stripeEvent: event.id, type: event.type, outcome }, "stripe webhook");
    } catch (err) {
      // A transient failure (database): let Stripe retry. Nothing was applied (one transaction).
      request.log.error(
        { stripeEvent: event.id, type: event.type, err: loggableError(err).message },
        "stripe webhook failed",
      );
      return reply.status(503).send(errorBody("RETRY", "Please retry."));
    }
    return reply.status(200).send({ received: true });
  });
};

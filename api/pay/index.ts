import { sendPage } from "../plugins/security.js";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { PaymentRow } from "../../domain/payments/repository.js";
import { formatMoney } from "../../domain/shared/money.js";
import { errorsIn } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("domain/payments/");

const Token = Type.String({ minLength: 1, maxLength: 100 });

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

function page(
  p: PaymentRow,
  description: string,
  payable: boolean,
  token: string,
  mode: { testMode: boolean; choosesOutcome: boolean },
): string {
  const { testMode } = mode;
  const amount = escape(formatMoney(p.amountMinor, p.currency));
  const state = payable
    ? p.status === "failed"
      ? "The last attempt failed. You can try again."
      : "Choose the outcome of this test payment."
    : p.status === "succeeded" || p.status === "refunded" || p.status === "partially_refunded"
      ? "This payment has been made."
      : // Closed at or after its window: the time ran out (the hold was released); before it: called off.
        p.updatedAt >= p.expiresAt
        ? "The time to pay ran out, so the booking was released. Nothing was charged."
        : "This booking was cancelled, so this link takes no payment. Nothing was charged.";
  const t = encodeURIComponent(token);
  const buttons =
    payable && mode.choosesOutcome
      ? `<form method="post" action="/pay/${t}/succeed"><button type="submit">Pay ${amount}</button></form>
       <form method="post" action="/pay/${t}/fail"><button type="submit" class="fail">Fail the payment</button></form>`
      : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>${testMode ? "TEST MODE — " : ""}HealthLink payment</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}
.banner{background:#b45309;color:#fff;padding:.75rem;font-weight:700;text-align:center;border-radius:.25rem}
button{font-size:1rem;padding:.6rem 1rem;margin:.25rem 0;width:100%}.fail{background:#fee2e2}</style></head>
<body>${testMode ? '<div class="banner">TEST MODE — sandbox payment, no real money moves</div>' : ""}
<h1>${escape(description)}</h1><p>Amount: <strong>${amount}</strong></p>
<p>Status: <strong>${escape(p.status)}</strong>. ${escape(state)}</p>${buttons}</body></html>`;
}

/**
 * The checkout link /pay/{token}. Sandbox: a test-mode page whose buttons produce the same events a Stripe
 * webhook would. Stripe: a redirect to the Checkout Session. The token is random; the page shows only a
 * generic description and the amount.
 */
export const payRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { payments } = app.services;
  // The buttons post an empty HTML form.
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, _body, done) =>
    done(null, {}),
  );

  app.get(
    "/pay/:token",
    {
      schema: {
        tags: ["payments"],
        hide: true,
        summary: "The checkout page of a payment link (sandbox: test mode; Stripe: redirect)",
        params: Type.Object({ token: Token }),
        response: { ...errors(404) },
      },
    },
    async (request, reply) => {
      const c = await payments.checkout(request.params.token);
      void reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer");
      if (c.redirect) return reply.redirect(c.redirect, 303);
      return sendPage(
        reply,
        page(c.payment, c.description, c.payable, request.params.token, {
          testMode: c.testMode,
          choosesOutcome: c.choosesOutcome,
        }),
      );
    },
  );

  for (const outcome of ["succeed", "fail"] as const) {
    app.post(
      `/pay/:token/${outcome}`,
      {
        schema: {
          tags: ["payments"],
          hide: true,
          summary: `Sandbox only: ${outcome === "succeed" ? "succeed" : "fail"} the test payment`,
          params: Type.Object({ token: Token }),
          response: { ...errors(404) },
        },
      },
      async (request, reply) => {
        await payments.sandboxOutcome(request.params.token, outcome);
        return reply.redirect(`/pay/${encodeURIComponent(request.params.token)}`, 303);
      },
    );
  }
};

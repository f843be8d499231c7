import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface StripeRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** The raw (form-encoded) body as sent. */
  raw: string;
  /** The body decoded: keys like `metadata[payment_id]`. */
  params: Record<string, string>;
  idempotencyKey: string | undefined;
  stripeAccount: string | undefined;
}

export interface FakeStripe {
  /** e.g. http://127.0.0.1:54321 — use as STRIPE_API_BASE. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: StripeRequest[];
  /** What the next refunds and payouts answer with. */
  behaviour: {
    refundStatus: "succeeded" | "pending" | "failed";
    payoutStatus: "pending" | "paid" | "failed";
    /** Transfers answer 400 (as Stripe does for an account that cannot receive them). */
    refuseTransfers: boolean;
    /** Every request answers 503 (an outage): nothing is done, and the idempotency key stays unused. */
    unavailable: boolean;
  };
  /** Every byte sent to the fake, decoded, for "no patient data was sent" assertions. */
  everythingSent(): string;
  close(): Promise<void>;
}

/**
 * A small Stripe speaking the endpoints HealthLink uses: checkout sessions, refunds, accounts, account links,
 * transfers and payouts. Idempotency keys behave like Stripe's (a repeated key returns the first response).
 * Every request is recorded.
 */
export async function startFakeStripe(): Promise<FakeStripe> {
  const requests: StripeRequest[] = [];
  const byKey = new Map<string, { status: number; body: unknown }>();
  let n = 0;
  const behaviour: FakeStripe["behaviour"] = {
    refundStatus: "succeeded",
    payoutStatus: "pending",
    refuseTransfers: false,
    unavailable: false,
  };
  let base = "";

  const handle = (r: StripeRequest): { status: number; body: unknown } => {
    const id = (prefix: string) => `${prefix}_test_${++n}`;
    const metadata = Object.fromEntries(
      Object.entries(r.params)
        .filter(([k]) => k.startsWith("metadata["))
        .map(([k, v]) => [k.slice(9, -1), v]),
    );
    const amount = Number(r.params.amount ?? 0);
    if (r.method !== "POST") return { status: 404, body: { error: { message: "not here" } } };
    const expire = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/.exec(r.path);
    if (expire)
      return { status: 200, body: { id: expire[1], object: "checkout.session", status: "expired" } };
    switch (r.path) {
      case "/v1/checkout/sessions": {
        const sid = id("cs");
        return {
          status: 200,
          body: {
            id: sid,
            object: "checkout.session",
            url: `${base}/checkout/${sid}`,
            status: "open",
            payment_status: "unpaid",
            client_reference_id: r.params.client_reference_id ?? null,
            metadata,
            payment_intent: null,
          },
        };
      }
      case "/v1/refunds":
        return {
          status: 200,
          body: {
            id: id("re"),
            object: "refund",
            amount,
            status: behaviour.refundStatus,
            payment_intent: r.params.payment_intent,
            metadata,
          },
        };
      case "/v1/accounts":
        return { status: 200, body: { id: id("acct"), object: "account", type: "express", metadata } };
      case "/v1/account_links":
        return {
          status: 200,
          body: { object: "account_link", url: `${base}/connect/onboarding/${r.params.account}` },
        };
      case "/v1/transfers":
        if (behaviour.refuseTransfers)
          return {
            status: 400,
            body: {
              error: {
                type: "invalid_request_error",
                code: "insufficient_capabilities_for_transfer",
                message: "Cannot transfer.",
              },
            },
          };
        return {
          status: 200,
          body: { id: id("tr"), object: "transfer", amount, destination: r.params.destination, metadata },
        };
      case "/v1/payouts":
        return {
          status: 200,
          body: {
            id: id("po"),
            object: "payout",
            amount,
            status: behaviour.payoutStatus,
            failure_message: behaviour.payoutStatus === "failed" ? "account_closed" : null,
            metadata,
          },
        };
      default:
        return {
          status: 404,
          body: { error: { type: "invalid_request_error", message: `No such route ${r.path}` } },
        };
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://fake-stripe");
      const header = (name: string) => {
        const v = req.headers[name];
        return typeof v === "string" ? v : undefined;
      };
      const r: StripeRequest = {
        method: req.method ?? "GET",
        path: url.pathname,
        headers: req.headers,
        raw,
        params: Object.fromEntries(new URLSearchParams(raw)),
        idempotencyKey: header("idempotency-key"),
        stripeAccount: header("stripe-account"),
      };
      requests.push(r);
      if (behaviour.unavailable) {
        // Told not to retry, so a test's outage is one failed call, not the client's own backoff.
        res.writeHead(503, { "content-type": "application/json", "stripe-should-retry": "false" });
        res.end(JSON.stringify({ error: { type: "api_error", message: "Service unavailable." } }));
        return;
      }
      const key = r.idempotencyKey ? `${r.stripeAccount ?? ""}|${r.idempotencyKey}` : undefined;
      const answer = (key && byKey.get(key)) || handle(r);
      if (key) byKey.set(key, answer);
      res.writeHead(answer.status, { "content-type": "application/json", "request-id": `req_${n}` });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    requests,
    behaviour,
    everythingSent: () =>
      requests
        .map(
          (r) =>
            `${r.method} ${r.path} ${decodeURIComponent(r.raw.replace(/\+/g, " "))} ${JSON.stringify(r.headers)}`,
        )
        .join("\n"),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A Stripe-Signature header for a payload, as Stripe computes it (HMAC-SHA256 over "t.payload"). */
export function signStripePayload(payload: string, secret: string, timestampSeconds: number): string {
  const sig = createHmac("sha256", secret).update(`${timestampSeconds}.${payload}`).digest("hex");
  return `t=${timestampSeconds},v1=${sig}`;
}

let eventCounter = 0;

/** A Stripe event envelope around an object. */
export function stripeEvent(
  type: string,
  object: Record<string, unknown>,
  id?: string,
): Record<string, unknown> {
  eventCounter += 1;
  return {
    id: id ?? `evt_test_${eventCounter}_${Date.now()}`,
    object: "event",
    api_version: "2025-01-01",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

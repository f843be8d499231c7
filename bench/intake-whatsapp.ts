/**
 * WhatsApp Cloud API webhook intake benchmark (npm run bench:intake-whatsapp): distinct message webhooks (a
 * unique wamid each, 5,000 senders) signed as Meta signs them (X-Hub-Signature-256 over the raw body) —
 * signature check, parse, dedupe, enqueue — with the app alone. Harness and env: bench/intake.ts.
 */
import { randomBytes } from "node:crypto";
import { MetaWebhooks } from "../test/fakes/graph.js";
import { REQUESTS, fail, runIntakeBench, type IntakeRequest } from "./intake.js";

const APP_SECRET = "bench-app-secret-0123456789abcdef";
const PHONE_NUMBER_ID = "106540352242922";

function signed(count: number): IntakeRequest[] {
  const hooks = new MetaWebhooks(APP_SECRET, PHONE_NUMBER_ID);
  const run = randomBytes(4).toString("hex");
  return Array.from({ length: count }, (_, i) => {
    const from = `9198${String(10_000_000 + (i % 5000)).padStart(8, "0")}`;
    const { payload, headers } = hooks.signed(hooks.text(from, `hello ${i}`, `wamid.BENCH${run}${i}`));
    return {
      path: "/webhooks/whatsapp",
      headers: { "content-type": "application/json", "x-hub-signature-256": headers["x-hub-signature-256"]! },
      body: payload,
    };
  });
}

runIntakeBench("WhatsApp Cloud API webhook intake", [
  {
    name: "signed webhook, one message",
    env: {
      WHATSAPP_ACCESS_TOKEN: "bench-token",
      WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
      WHATSAPP_APP_SECRET: APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: "bench-verify-token",
      WHATSAPP_GRAPH_API_BASE: "http://127.0.0.1:9/v21.0", // never called: no workers run
    },
    requests: signed(REQUESTS),
  },
]).catch(fail);

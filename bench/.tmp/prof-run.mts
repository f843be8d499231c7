import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import autocannon from "autocannon";
import { computeSignature } from "../../channels/twilio/signature.js";
import { prepareBenchDatabase } from "../lib.js";
const ACCOUNT_SID = "AC" + "0123456789abcdef".repeat(2);
const AUTH_TOKEN = randomBytes(16).toString("hex");
const url = await prepareBenchDatabase();
const reqs = Array.from({ length: 120000 }, (_, i) => {
  const sid = "SM" + randomBytes(16).toString("hex");
  const params: Record<string, string> = { MessageSid: sid, AccountSid: ACCOUNT_SID, From: `+9198${String(76500000 + (i % 5000))}`, To: "+14155550100", Body: "menu", NumMedia: "0" };
  return { headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": computeSignature(AUTH_TOKEN, "https://healthlink.bench/webhooks/twilio/sms", Object.entries(params)) }, body: new URLSearchParams(params).toString() };
});
const child = spawn(process.execPath, ["--cpu-prof", "--cpu-prof-dir=/tmp/prof", "--import", "tsx", "bench/intake-server.ts"], {
  env: { ...process.env, DATABASE_URL: url, DATABASE_POOL_SIZE: "20", REDIS_URL: "redis://127.0.0.1:6379", JWT_SECRET: randomBytes(32).toString("hex"), STORAGE_ENCRYPTION_KEY: randomBytes(32).toString("hex"), PORT: "3999", HOST: "127.0.0.1", LOG_LEVEL: "warn", NODE_ENV: "production", PUBLIC_BASE_URL: "https://healthlink.bench", BENCH_JOBS_PREFIX: "hl-prof", TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_PHONE_NUMBER: "+14155550100", TWILIO_API_BASE_URL: "http://127.0.0.1:9" }, stdio: "inherit" });
for (;;) { try { if ((await fetch("http://127.0.0.1:3999/api/system/health/check/")).ok) break; } catch {} await new Promise(r => setTimeout(r, 200)); }
let i = 0;
const r = await autocannon({ url: "http://127.0.0.1:3999", connections: 50, duration: 8, requests: [{ method: "POST", setupRequest: (req) => { const x = reqs[i++ % reqs.length]!; return { ...req, method: "POST", path: "/webhooks/twilio/sms", headers: x.headers, body: x.body }; } }] });
console.log("rps", r.requests.average, "p99", r.latency.p99, "non2xx", r.non2xx);
child.kill("SIGINT");
await new Promise(r => child.once("exit", r));

/**
 * Phone-line latency benchmark (npm run bench:voice). The platform runs in this process; the callers (real
 * ConversationRelay sockets, as Twilio opens them) and a scripted OpenAI-compatible model that takes a fixed
 * time to its first token (BENCH_MODEL_MS, 200 ms by default) run in another (bench/voice-callers.ts), as
 * Twilio and the model provider do: what they spend on their side is not charged to ours, and ours is measured
 * alone (its CPU per turn is printed). For each prompt the caller measures prompt → first text token, minus the
 * model's own delay (once for a plain answer, twice for a tool-using turn: the tool call, then the answer):
 * what the platform adds (engine lease, identity, context queries, the agent graph, storage, the socket).
 *
 *   - 1 call: a short pause between turns (the previous answer's storage is done, as it is long before a
 *     caller has heard the answer out);
 *   - 50 calls at once, paced like callers: each waits to hear the answer (about 2.5 words a second), says the
 *     next thing at the same pace, and speech recognition waits half a second for the end; the calls began at
 *     different moments;
 *   - 50 calls at once with no pause at all: a stress figure (every caller talks the instant the last token
 *     arrives, which no caller can), printed for the record, not held to the target.
 *
 * Target on a 2-core machine: the platform adds ≤ 50 ms at p95 for 1 call and ≤ 150 ms at 50 calls.
 */
import { fork } from "node:child_process";
import { eq } from "drizzle-orm";
import { patients } from "../db/schema/index.js";
import { buildTestApp } from "../test/app.js";
import prepareTemplate from "../test/global-setup.js";
import { signUp, verifiedDoctor } from "../test/factories.js";
import { startFakeTwilio } from "../test/fakes/twilio.js";
import { SMS_SID, SMS_TOKEN, smsEnv } from "../test/sms.js";
import type { CallersReply, CallersRequest } from "./voice-callers.js";

const MODEL_MS = Number(process.env.BENCH_MODEL_MS ?? 200);
const TURNS_ONE = Number(process.env.BENCH_TURNS ?? 30);
const CALLS = Number(process.env.BENCH_CALLS ?? 50);
const TURNS_MANY = 3;
const PAUSE_ONE_MS = 300;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function report(label: string, values: number[], cpuMsPerTurn?: number): void {
  const sorted = [...values].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(44)} n=${String(sorted.length).padStart(4)}  p50 ${percentile(sorted, 50).toFixed(1).padStart(6)} ms  p95 ${percentile(sorted, 95).toFixed(1).padStart(6)} ms` +
      (cpuMsPerTurn === undefined ? "" : `  platform cpu ${cpuMsPerTurn.toFixed(1)} ms/turn`),
  );
}

/** CPU time this process (the platform alone) spent, user + system, per turn since `since`. */
function cpuPerTurn(since: NodeJS.CpuUsage, turns: number): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000 / turns;
}

async function main(): Promise<void> {
  await prepareTemplate();
  const callers = fork(new URL("./voice-callers.ts", import.meta.url), {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, BENCH_MODEL_MS: String(MODEL_MS) },
  });
  const replies: CallersReply[] = [];
  let wake: (() => void) | undefined;
  callers.on("message", (m) => {
    replies.push(m as CallersReply);
    wake?.();
  });
  callers.on("exit", (code) => {
    if (code) {
      console.error(`the callers' process exited with ${code}`);
      process.exit(1);
    }
  });
  const next = async <T extends CallersReply["type"]>(type: T) => {
    while (!replies.some((r) => r.type === type)) await new Promise<void>((r) => (wake = r));
    const i = replies.findIndex((r) => r.type === type);
    return replies.splice(i, 1)[0] as Extract<CallersReply, { type: T }>;
  };
  const ask = (req: CallersRequest) => callers.send(req);

  const { baseUrl } = await next("model");
  const twilio = await startFakeTwilio(SMS_SID, SMS_TOKEN);
  const t = await buildTestApp({
    env: {
      ...smsEnv(twilio),
      OPENAI_API_KEY: "bench",
      OPENAI_BASE_URL: baseUrl,
      LLM_MODEL: "fake-model",
      LLM_TIMEOUT_MS: "20000",
      LLM_MAX_RETRIES: "0",
    },
  });
  try {
    const origin = await t.app.listen({ port: 0, host: "127.0.0.1" });
    await verifiedDoctor(t, { name: "Dr Meera Shah", specialty: "Dentist", city: "Delhi" });
    const phones: string[] = [];
    for (let i = 0; i <= CALLS; i++) {
      const phone = `+9198123${String(40000 + i).padStart(5, "0")}`;
      const s = await signUp(t, "patient", { phone });
      await t.database.db
        .update(patients)
        .set({ dateOfBirth: "1988-04-12" })
        .where(eq(patients.id, s.patientId!));
      phones.push(phone);
    }
    ask({ type: "verify", origin, phones });
    await next("verified");
    console.log(`model time to first token: ${MODEL_MS} ms (subtracted; twice for a tool-using turn)`);

    let cpu = process.cpuUsage();
    ask({ type: "one", turns: TURNS_ONE, pauseMs: PAUSE_ONE_MS });
    const one = await next("figures");
    const cpuOne = cpuPerTurn(cpu, one.plain.length + one.tools.length + 3);
    report("1 call, answer", one.plain);
    report("1 call, tool-using turn", one.tools, cpuOne);

    cpu = process.cpuUsage();
    ask({ type: "many", turns: TURNS_MANY, paced: true });
    const paced = await next("figures");
    const cpuPaced = cpuPerTurn(cpu, paced.plain.length + paced.tools.length);
    report(`${CALLS} calls at once, answer`, paced.plain);
    report(`${CALLS} calls at once, tool-using turn`, paced.tools, cpuPaced);

    cpu = process.cpuUsage();
    ask({ type: "many", turns: TURNS_MANY, paced: false });
    const stress = await next("figures");
    const cpuStress = cpuPerTurn(cpu, stress.plain.length + stress.tools.length);
    report(`stress: ${CALLS} calls, no pause, answer`, stress.plain);
    report(`stress: ${CALLS} calls, no pause, tool turn`, stress.tools, cpuStress);
  } finally {
    callers.kill();
    await t.close();
    await twilio.close();
  }
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

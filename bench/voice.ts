/**
 * Phone-line latency benchmark (npm run bench:voice): callers on real ConversationRelay sockets (the `ws`
 * stand-in of test/voice.ts) against a scripted model that takes a fixed time to its first token
 * (BENCH_MODEL_MS, 200 ms by default). For each prompt it measures prompt → first text token, minus the
 * model's own delay (once for a plain answer, twice for a tool-using turn: the tool call, then the answer):
 * what the platform adds (engine lease, identity, context queries, the agent graph, storage, the socket).
 * 1 call, then 50 calls at once. Target on a 2-core machine: p95 ≤ 50 ms at 1 call, ≤ 150 ms at 50.
 */
import { performance } from "node:perf_hooks";
import { eq } from "drizzle-orm";
import { patients } from "../db/schema/index.js";
import { buildTestApp, type TestApp } from "../test/app.js";
import prepareTemplate from "../test/global-setup.js";
import { signUp, verifiedDoctor } from "../test/factories.js";
import { FakeOpenAI, type ChatRequest } from "../test/fakes/openai.js";
import { startFakeTwilio } from "../test/fakes/twilio.js";
import { SMS_SID, SMS_TOKEN, smsEnv } from "../test/sms.js";
import { RelayCaller } from "../test/voice.js";

const MODEL_MS = Number(process.env.BENCH_MODEL_MS ?? 200);
const TURNS_ONE = Number(process.env.BENCH_TURNS ?? 15);
const CALLS = Number(process.env.BENCH_CALLS ?? 50);
const TURNS_MANY = 3;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** The scripted model: a "search" prompt first calls a tool; everything else is answered in words. */
function script(request: ChatRequest) {
  const last = request.messages.at(-1);
  const user = [...request.messages].reverse().find((m) => m.role === "user");
  if (last?.role === "user" && String(user?.content).includes("search"))
    return {
      toolCalls: [{ name: "search_doctors", args: { query: "dentist", city: "Delhi" } }],
      firstTokenMs: MODEL_MS,
    };
  return { text: "Dr Meera Shah is a dentist in Delhi. Would you like a time?", firstTokenMs: MODEL_MS };
}

async function verifiedCaller(t: TestApp, origin: string, i: number): Promise<RelayCaller> {
  const phone = `+9198123${String(40000 + i).padStart(5, "0")}`;
  const s = await signUp(t, "patient", { phone });
  await t.database.db
    .update(patients)
    .set({ dateOfBirth: "1988-04-12" })
    .where(eq(patients.id, s.patientId!));
  const caller = await RelayCaller.dial(origin, SMS_TOKEN, phone);
  await caller.say("hello");
  const ok = await caller.say("April 12th, 1988");
  if (!/verified/.test(ok)) throw new Error("caller not verified");
  return caller;
}

/** One prompt: ms to its first text token minus the model's delays. */
async function timed(caller: RelayCaller, tool: boolean): Promise<number> {
  const from = caller.frames.length;
  const start = performance.now();
  caller.send({
    type: "prompt",
    voicePrompt: tool ? "search a dentist in Delhi" : "tell me more",
    last: true,
  });
  await caller.waitFor((f) => f.type === "text" && (f.token ?? "") !== "", from, 120_000);
  const elapsed = performance.now() - start;
  await caller.answerFrom(from, 120_000);
  return elapsed - (tool ? 2 : 1) * MODEL_MS;
}

function report(label: string, values: number[], cpuMsPerTurn?: number): void {
  const sorted = [...values].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(34)} n=${String(sorted.length).padStart(4)}  p50 ${percentile(sorted, 50).toFixed(1).padStart(6)} ms  p95 ${percentile(sorted, 95).toFixed(1).padStart(6)} ms` +
      (cpuMsPerTurn === undefined ? "" : `  cpu ${cpuMsPerTurn.toFixed(1)} ms/turn`),
  );
}

/**
 * CPU time this process spent (user + system) per turn since `since`: the app, the scripted model and the
 * callers share it, but Postgres does not. Steadier than wall-clock times on a machine shared with other work.
 */
function cpuPerTurn(since: NodeJS.CpuUsage, turns: number): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000 / turns;
}

async function main(): Promise<void> {
  await prepareTemplate();
  const twilio = await startFakeTwilio(SMS_SID, SMS_TOKEN);
  const llm = await FakeOpenAI.start();
  llm.respondWith(script);
  const t = await buildTestApp({
    env: {
      ...smsEnv(twilio),
      OPENAI_API_KEY: "bench",
      OPENAI_BASE_URL: llm.baseUrl,
      LLM_MODEL: "fake-model",
      LLM_TIMEOUT_MS: "20000",
      LLM_MAX_RETRIES: "0",
    },
  });
  try {
    const origin = await t.app.listen({ port: 0, host: "127.0.0.1" });
    await verifiedDoctor(t, { name: "Dr Meera Shah", specialty: "Dentist", city: "Delhi" });
    console.log(`model time to first token: ${MODEL_MS} ms (subtracted; twice for a tool-using turn)`);

    const one = await verifiedCaller(t, origin, 0);
    for (let i = 0; i < 3; i++) await timed(one, i % 2 === 0); // warm-up
    const plain: number[] = [];
    const tools: number[] = [];
    const cpuOne = process.cpuUsage();
    for (let i = 0; i < TURNS_ONE; i++) {
      plain.push(await timed(one, false));
      tools.push(await timed(one, true));
    }
    one.close();
    report("1 call, answer", plain);
    report("1 call, tool-using turn", tools, cpuPerTurn(cpuOne, plain.length + tools.length));

    const callers = await Promise.all(
      Array.from({ length: CALLS }, (_, i) => verifiedCaller(t, origin, i + 1)),
    );
    const manyPlain: number[] = [];
    const manyTools: number[] = [];
    const cpuMany = process.cpuUsage();
    await Promise.all(
      callers.map(async (c) => {
        for (let i = 0; i < TURNS_MANY; i++) {
          manyPlain.push(await timed(c, false));
          manyTools.push(await timed(c, true));
        }
        c.close();
      }),
    );
    report(`${CALLS} calls at once, answer`, manyPlain);
    report(
      `${CALLS} calls at once, tool-using turn`,
      manyTools,
      cpuPerTurn(cpuMany, manyPlain.length + manyTools.length),
    );
  } finally {
    await t.close();
    await twilio.close();
    await llm.close();
  }
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

/**
 * The other side of bench/voice.ts, in a process of its own (Twilio and the model provider are not in ours):
 * a scripted OpenAI-compatible model with a fixed time to its first token, and the callers on real
 * ConversationRelay sockets. Driven by the bench over IPC; it reports each prompt's time to its first text
 * token, measured here, where Twilio would measure it.
 */
import { performance } from "node:perf_hooks";
import { FakeOpenAI, type ChatRequest } from "../test/fakes/openai.js";
import { SMS_TOKEN } from "../test/sms.js";
import { RelayCaller } from "../test/voice.js";

export const MODEL_MS = Number(process.env.BENCH_MODEL_MS ?? 200);
const ANSWER = "Dr Meera Shah is a dentist in Delhi. Would you like a time?";
const PLAIN = "tell me more";
const TOOL = "search a dentist in Delhi";

/** What the bench asks of this process. */
export type CallersRequest =
  | { type: "verify"; origin: string; phones: string[] }
  | { type: "one"; turns: number; pauseMs: number }
  | { type: "many"; turns: number; paced: boolean };

/** What it answers: ms from each prompt to its first text token, minus the model's own delays. */
export type CallersReply =
  | { type: "model"; baseUrl: string }
  | { type: "verified" }
  | { type: "figures"; plain: number[]; tools: number[] };

/** The scripted model: a "search" prompt first calls a tool; everything else is answered in words. */
function script(request: ChatRequest) {
  const last = request.messages.at(-1);
  const user = [...request.messages].reverse().find((m) => m.role === "user");
  if (last?.role === "user" && String(user?.content).includes("search"))
    return {
      toolCalls: [{ name: "search_doctors", args: { query: "dentist", city: "Delhi" } }],
      firstTokenMs: MODEL_MS,
    };
  return { text: ANSWER, firstTokenMs: MODEL_MS };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

/**
 * How long a caller takes before their next prompt: the agent's answer spoken (about 2.5 words a second),
 * their own words said at the same pace, and the half second speech recognition waits to call it the end.
 */
function humanPauseMs(answer: string, next: string): number {
  return ((words(answer) + words(next)) / 2.5 + 0.5) * 1000;
}

/** One prompt: ms to its first text token minus the model's delays (twice for a tool call), and the answer. */
async function timed(caller: RelayCaller, tool: boolean): Promise<{ ms: number; answer: string }> {
  const from = caller.frames.length;
  const start = performance.now();
  caller.send({ type: "prompt", voicePrompt: tool ? TOOL : PLAIN, last: true });
  await caller.waitFor((f) => f.type === "text" && (f.token ?? "") !== "", from, 120_000);
  const elapsed = performance.now() - start;
  const answer = await caller.answerFrom(from, 120_000);
  return { ms: elapsed - (tool ? 2 : 1) * MODEL_MS, answer };
}

async function main(): Promise<void> {
  const llm = await FakeOpenAI.start();
  llm.respondWith(script);
  const send = (reply: CallersReply) => process.send!(reply);
  let callers: RelayCaller[] = [];
  process.on("message", (raw) => {
    const req = raw as CallersRequest;
    void (async () => {
      if (req.type === "verify") {
        callers = await Promise.all(
          req.phones.map(async (phone) => {
            const caller = await RelayCaller.dial(req.origin, SMS_TOKEN, phone);
            await caller.say("hello");
            const ok = await caller.say("April 12th, 1988");
            if (!/verified/.test(ok)) throw new Error("caller not verified");
            return caller;
          }),
        );
        return send({ type: "verified" });
      }
      if (req.type === "one") {
        const one = callers[0]!;
        for (let i = 0; i < 3; i++) await timed(one, i % 2 === 0); // warm-up
        const plain: number[] = [];
        const tools: number[] = [];
        for (let i = 0; i < req.turns; i++) {
          await sleep(req.pauseMs);
          plain.push((await timed(one, false)).ms);
          await sleep(req.pauseMs);
          tools.push((await timed(one, true)).ms);
        }
        return send({ type: "figures", plain, tools });
      }
      const plain: number[] = [];
      const tools: number[] = [];
      const many = callers.slice(1);
      const spread = humanPauseMs(ANSWER, PLAIN);
      await Promise.all(
        many.map(async (c, i) => {
          // Paced calls began at different moments: their first prompts are spread over one pause.
          if (req.paced) await sleep((i / many.length) * spread);
          let heard = "";
          for (let k = 0; k < req.turns; k++) {
            for (const tool of [false, true]) {
              if (req.paced && heard) await sleep(humanPauseMs(heard, tool ? TOOL : PLAIN));
              const r = await timed(c, tool);
              heard = r.answer;
              (tool ? tools : plain).push(r.ms);
            }
          }
        }),
      );
      send({ type: "figures", plain, tools });
    })().catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  });
  send({ type: "model", baseUrl: llm.baseUrl });
}

void main();

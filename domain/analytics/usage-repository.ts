import { modelUsage } from "../../db/schema/index.js";
import type { DbOrTx } from "../../db/client.js";
import type { Metrics } from "../shared/metrics.js";

export type UsageRow = typeof modelUsage.$inferInsert;

/** Rows kept at most before older ones are dropped (the database away for long): a bounded buffer. */
const MAX_BUFFERED = 5000;

/**
 * The one writer of `model_usage`: a Metrics implementation that keeps each language-model call (latency,
 * tokens, outcome) and each voice answer's first-token delay as a row, for the analytics dashboard. Recording
 * is a push onto a buffer (no await on the request path); rows are written in batches every few seconds and
 * on close. Nothing about the person or the text is kept. Usage figures are best effort: a failed write is
 * kept for the next flush (the buffer is bounded), and a crash loses at most one interval.
 */
export class ModelUsageRecorder implements Metrics {
  private buffer: UsageRow[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: DbOrTx,
    private readonly now: () => Date,
    intervalMs = 5000,
  ) {
    if (intervalMs > 0) {
      this.timer = setInterval(() => void this.flush(), intervalMs);
      this.timer.unref();
    }
  }

  channelSend(): void {}

  transcription(): void {}

  llmCall(
    model: string,
    outcome: "ok" | "error",
    seconds: number,
    tokens?: { prompt: number; completion: number },
  ): void {
    this.push({
      at: this.now(),
      kind: "llm",
      model,
      outcome,
      latencyMs: seconds * 1000,
      promptTokens: tokens?.prompt ?? null,
      completionTokens: tokens?.completion ?? null,
    });
  }

  voiceFirstToken(seconds: number, turn: "answer" | "tool" = "answer"): void {
    this.push({ at: this.now(), kind: "voice_first_token", outcome: turn, latencyMs: seconds * 1000 });
  }

  private push(row: UsageRow): void {
    this.buffer.push(row);
    if (this.buffer.length > MAX_BUFFERED) this.buffer.splice(0, this.buffer.length - MAX_BUFFERED);
  }

  /** Writes what is buffered (serialised: one flush at a time). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const rows = this.buffer.splice(0, 500);
      if (rows.length === 0) return;
      try {
        await this.db.insert(modelUsage).values(rows);
      } catch {
        // Once more on the next flush; dropped if the buffer overflows meanwhile.
        this.buffer.unshift(...rows);
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}

/** Both recorders: every call goes to each (Prometheus and the usage rows). */
export function bothMetrics(a: Metrics, b: Metrics): Metrics {
  return {
    channelSend: (channel, outcome) => {
      a.channelSend(channel, outcome);
      b.channelSend(channel, outcome);
    },
    llmCall: (model, outcome, seconds, tokens) => {
      a.llmCall(model, outcome, seconds, tokens);
      b.llmCall(model, outcome, seconds, tokens);
    },
    transcription: (model, outcome, seconds) => {
      a.transcription(model, outcome, seconds);
      b.transcription(model, outcome, seconds);
    },
    voiceFirstToken: (seconds, turn) => {
      a.voiceFirstToken(seconds, turn);
      b.voiceFirstToken(seconds, turn);
    },
  };
}

import { Counter, Histogram, Registry } from "prom-client";
import type { Metrics } from "../../domain/shared/metrics.js";

/**
 * The process's application metrics (Prometheus, through prom-client), served at /metrics beside each app's
 * HTTP and process metrics (api/plugins/metrics.ts). One registry per process: jobs, channel sends, models.
 */
export const appRegistry = new Registry();

const SECONDS_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

const jobDuration = new Histogram({
  name: "healthlink_job_duration_seconds",
  help: "Job run time by queue and outcome (completed, failed: an attempt that threw; it may be retried)",
  labelNames: ["queue", "outcome"] as const,
  buckets: SECONDS_BUCKETS,
  registers: [appRegistry],
});

const channelSends = new Counter({
  name: "healthlink_channel_sends_total",
  help: "Messages handed to a channel by channel and outcome (sent, failed: retried later, permanent: given up)",
  labelNames: ["channel", "outcome"] as const,
  registers: [appRegistry],
});

const llmDuration = new Histogram({
  name: "healthlink_llm_request_duration_seconds",
  help: "Language model call latency by model and outcome",
  labelNames: ["model", "outcome"] as const,
  buckets: SECONDS_BUCKETS,
  registers: [appRegistry],
});

const llmTokens = new Counter({
  name: "healthlink_llm_tokens_total",
  help: "Tokens used by language model calls, by model and kind (prompt, completion)",
  labelNames: ["model", "kind"] as const,
  registers: [appRegistry],
});

const transcriptionDuration = new Histogram({
  name: "healthlink_transcription_duration_seconds",
  help: "Speech-to-text call latency by model and outcome",
  labelNames: ["model", "outcome"] as const,
  buckets: SECONDS_BUCKETS,
  registers: [appRegistry],
});

const voiceFirstToken = new Histogram({
  name: "healthlink_voice_first_token_seconds",
  help: "Voice calls: seconds from the end of the caller's speech to the first token of the answer",
  labelNames: ["turn"],
  buckets: [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
  registers: [appRegistry],
});

/** A job attempt's end (infra/jobs.ts). */
export function observeJob(queue: string, outcome: "completed" | "failed", seconds: number): void {
  jobDuration.observe({ queue, outcome }, seconds);
}

/** The port's implementation (domain/shared/metrics.ts), installed by the app. */
export const promMetrics: Metrics = {
  channelSend: (channel, outcome) => channelSends.inc({ channel, outcome }),
  llmCall: (model, outcome, seconds, tokens) => {
    llmDuration.observe({ model, outcome }, seconds);
    if (tokens) {
      llmTokens.inc({ model, kind: "prompt" }, tokens.prompt);
      llmTokens.inc({ model, kind: "completion" }, tokens.completion);
    }
  },
  transcription: (model, outcome, seconds) => transcriptionDuration.observe({ model, outcome }, seconds),
  voiceFirstToken: (seconds, turn = "answer") => voiceFirstToken.observe({ turn }, seconds),
};

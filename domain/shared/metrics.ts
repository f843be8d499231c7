/**
 * The metrics port: what the application counts, named by what it means. Any layer may record through
 * `metrics`; the Prometheus implementation (infra/telemetry/metrics.ts, served at /metrics) is installed when
 * the app is built. Until then — or in code run without the app — recording does nothing.
 *
 * Labels are bounded sets (queue, channel, model, outcome names): never an id, an address or a text.
 */
export type SendOutcome = "sent" | "failed" | "permanent";

export interface Metrics {
  /** A message handed to a channel: sent, failed (retried later) or permanently given up. */
  channelSend(channel: string, outcome: SendOutcome): void;
  /** One call to a language model: its latency, outcome and (when the provider reports them) token counts. */
  llmCall(
    model: string,
    outcome: "ok" | "error",
    seconds: number,
    tokens?: { prompt: number; completion: number },
  ): void;
  /** One call to a speech-to-text model. */
  transcription(model: string, outcome: "ok" | "error", seconds: number): void;
  /**
   * Voice: seconds from the end of the caller's speech to the first token of the answer (the delay a caller
   * hears). For the voice channel to call as each answer starts (healthlink_voice_first_token_seconds).
   */
  voiceFirstToken(seconds: number, turn?: "answer" | "tool"): void;
}

const none: Metrics = {
  channelSend: () => undefined,
  llmCall: () => undefined,
  transcription: () => undefined,
  voiceFirstToken: () => undefined,
};

let current: Metrics = none;

/** Installs the implementation (the app does, once; tests of one module may install a recorder). */
export function installMetrics(implementation: Metrics): void {
  current = implementation;
}

/** Records into whatever implementation is installed. */
export const metrics: Metrics = {
  channelSend: (channel, outcome) => current.channelSend(channel, outcome),
  llmCall: (model, outcome, seconds, tokens) => current.llmCall(model, outcome, seconds, tokens),
  transcription: (model, outcome, seconds) => current.transcription(model, outcome, seconds),
  voiceFirstToken: (seconds, turn) => current.voiceFirstToken(seconds, turn),
};

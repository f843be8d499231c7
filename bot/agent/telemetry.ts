import { SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { LLMResult } from "@langchain/core/outputs";
import { metrics } from "../../domain/shared/metrics.js";

const tracer = trace.getTracer("healthlink-llm");

type Tokens = { prompt: number; completion: number };

/** Token counts as the OpenAI-compatible model reports them (llmOutput), or on the message (usage_metadata). */
export function tokensOf(output: LLMResult): Tokens | undefined {
  const usage = output.llmOutput?.tokenUsage as
    { promptTokens?: number; completionTokens?: number } | undefined;
  if (typeof usage?.promptTokens === "number" && typeof usage.completionTokens === "number")
    return { prompt: usage.promptTokens, completion: usage.completionTokens };
  const generation = output.generations[0]?.[0] as
    { message?: { usage_metadata?: { input_tokens: number; output_tokens: number } } } | undefined;
  const meta = generation?.message?.usage_metadata;
  return meta ? { prompt: meta.input_tokens, completion: meta.output_tokens } : undefined;
}

/**
 * Every call to the chat model, measured: a span (`chat <model>`, with the model and token counts, never the
 * prompt or the answer) and the metrics (healthlink_llm_request_duration_seconds, healthlink_llm_tokens_total).
 * A LangChain callback handler, given to the model where it is made (chatModel), so the agent's turns and the
 * visit notes' drafts and summaries are all counted.
 */
export class LlmTelemetry extends BaseCallbackHandler {
  readonly name = "healthlink-llm-telemetry";
  /** Run inline: the span starts in the caller's context (the turn's or the job's trace). */
  override awaitHandlers = true;
  private readonly runs = new Map<string, { span: Span; started: number }>();

  constructor(private readonly model: string) {
    super();
  }

  override handleChatModelStart(_llm: unknown, _messages: unknown, runId: string): void {
    const span = tracer.startSpan(`chat ${this.model}`, {
      kind: SpanKind.CLIENT,
      attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": this.model },
    });
    this.runs.set(runId, { span, started: performance.now() });
  }

  override handleLLMEnd(output: LLMResult, runId: string): void {
    const run = this.take(runId);
    if (!run) return;
    const tokens = tokensOf(output);
    if (tokens) {
      run.span.setAttribute("gen_ai.usage.input_tokens", tokens.prompt);
      run.span.setAttribute("gen_ai.usage.output_tokens", tokens.completion);
    }
    run.span.end();
    metrics.llmCall(this.model, "ok", run.seconds, tokens);
  }

  override handleLLMError(err: Error, runId: string): void {
    const run = this.take(runId);
    if (!run) return;
    // The error's type only: a provider's message may quote the prompt.
    run.span.setStatus({ code: SpanStatusCode.ERROR, message: err.name });
    run.span.end();
    metrics.llmCall(this.model, "error", run.seconds);
  }

  private take(runId: string): { span: Span; seconds: number } | undefined {
    const run = this.runs.get(runId);
    if (!run) return undefined;
    this.runs.delete(runId);
    return { span: run.span, seconds: (performance.now() - run.started) / 1000 };
  }
}

import { SpanKind } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { LlmTelemetry, tokensOf } from "../../bot/agent/telemetry.js";
import { installMetrics, type Metrics } from "../../domain/shared/metrics.js";
import { ScrubUrlsProcessor, serviceName } from "./tracing.js";

/** What spans may carry (no URLs' paths or queries), the service name, and the LLM call's measurements. */

function provider() {
  const exporter = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({
    spanProcessors: [new ScrubUrlsProcessor(), new SimpleSpanProcessor(exporter)],
  }).getTracer("test");
  return { exporter, tracer };
}

describe("span scrubbing", () => {
  it("replaces a server span's concrete path and query with its route pattern", () => {
    const { exporter, tracer } = provider();
    const span = tracer.startSpan("GET", {
      kind: SpanKind.SERVER,
      attributes: {
        "url.full": "http://api.test/api/patients/4711/records?name=Asha",
        "url.path": "/api/patients/4711/records",
        "url.query": "name=Asha",
        "http.target": "/api/patients/4711/records?name=Asha",
        "http.request.method": "GET",
      },
    });
    span.setAttribute("http.route", "/api/patients/:id/records");
    span.end();
    const [done] = exporter.getFinishedSpans();
    expect(done!.attributes).toEqual({
      "http.request.method": "GET",
      "http.route": "/api/patients/:id/records",
      "url.path": "/api/patients/:id/records",
    });
  });

  it("keeps only the origin of a client span's URL (paths hold tokens, queries keys)", () => {
    const { exporter, tracer } = provider();
    tracer
      .startSpan("POST", {
        kind: SpanKind.CLIENT,
        attributes: {
          "url.full": "https://api.telegram.org/bot123:SECRET/sendMessage?chat_id=42",
          "http.url": "https://maps.test/geocode?key=K&address=Home",
          "url.path": "/bot123:SECRET/sendMessage",
        },
      })
      .end();
    const [done] = exporter.getFinishedSpans();
    expect(done!.attributes).toEqual({
      "url.full": "https://api.telegram.org",
      "http.url": "https://maps.test",
    });
  });

  it("leaves other spans alone", () => {
    const { exporter, tracer } = provider();
    tracer.startSpan("pg.query", { attributes: { "db.query.text": "select 1" } }).end();
    expect(exporter.getFinishedSpans()[0]!.attributes).toEqual({ "db.query.text": "select 1" });
  });
});

describe("service name", () => {
  it("is OTEL_SERVICE_NAME, else follows the role", () => {
    expect(serviceName({ OTEL_SERVICE_NAME: "hl-eu" })).toBe("hl-eu");
    expect(serviceName({ ROLE: "worker" })).toBe("healthlink-worker");
    expect(serviceName({ ROLE: "api" })).toBe("healthlink-api");
    expect(serviceName({})).toBe("healthlink-api");
  });
});

describe("LLM call telemetry", () => {
  const calls: Parameters<Metrics["llmCall"]>[] = [];
  const recorder: Metrics = {
    channelSend: () => undefined,
    llmCall: (...args) => void calls.push(args),
    transcription: () => undefined,
    voiceFirstToken: () => undefined,
  };
  afterEach(() => {
    calls.length = 0;
  });

  it("records latency and tokens per model, and errors without tokens", () => {
    installMetrics(recorder);
    const handler = new LlmTelemetry("gpt-test");
    handler.handleChatModelStart({}, [], "run-1");
    handler.handleLLMEnd(
      { generations: [], llmOutput: { tokenUsage: { promptTokens: 321, completionTokens: 54 } } },
      "run-1",
    );
    handler.handleChatModelStart({}, [], "run-2");
    handler.handleLLMError(new Error("timeout"), "run-2");
    expect(calls).toEqual([
      ["gpt-test", "ok", expect.any(Number), { prompt: 321, completion: 54 }],
      ["gpt-test", "error", expect.any(Number), undefined],
    ]);
  });

  it("reads tokens from the message when the provider reports them there", () => {
    expect(
      tokensOf({
        generations: [
          [{ text: "", message: { usage_metadata: { input_tokens: 7, output_tokens: 3 } } } as never],
        ],
      }),
    ).toEqual({ prompt: 7, completion: 3 });
    expect(tokensOf({ generations: [] })).toBeUndefined();
  });
});

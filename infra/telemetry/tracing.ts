import { SpanKind } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  type ReadableSpan,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-node";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";

/**
 * OpenTelemetry tracing, started by the preload (infra/telemetry/register.ts) only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set: spans of the HTTP server and client (node:http and fetch), pg, ioredis,
 * plus the manual ones (jobs, LLM and transcription calls), exported over OTLP/HTTP. The exporter, the sampler
 * and the resource read the standard OTEL_* variables themselves (OTEL_EXPORTER_OTLP_PROTOCOL,
 * OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_SCHEDULE_DELAY, ...).
 *
 * No patient data in spans: URLs are cut to their route pattern (server) or origin (client), pg statements
 * carry no parameter values, Redis commands no arguments.
 */

/** Requests the orchestrator and Prometheus make every few seconds: not worth a trace each. */
const UNTRACED_PATHS = new Set(["/livez", "/readyz", "/metrics", "/api/system/health/check/"]);

/** URL attributes of the old and the stable HTTP semantic conventions. */
const FULL_URL_KEYS = ["http.url", "url.full"];
const PATH_KEYS = ["http.target", "url.path", "url.query"];

/**
 * Rewrites URL attributes before a span is exported (onEnding runs while the span can still change): a server
 * span keeps its route pattern (set by the Fastify hook, api/plugins/tracing.ts) in place of the concrete
 * path, a client span only the origin of the URL it called (paths carry ids, a bot token; queries an API key).
 */
export class ScrubUrlsProcessor implements SpanProcessor {
  onStart(): void {}
  onEnding(span: ReadableSpan): void {
    const attributes = span.attributes;
    if (span.kind !== SpanKind.SERVER && span.kind !== SpanKind.CLIENT) return;
    for (const key of FULL_URL_KEYS) {
      const value = attributes[key];
      if (value === undefined) continue;
      if (span.kind === SpanKind.CLIENT && typeof value === "string" && URL.canParse(value))
        attributes[key] = new URL(value).origin;
      else delete attributes[key];
    }
    for (const key of PATH_KEYS) delete attributes[key];
    const route = attributes["http.route"];
    if (span.kind === SpanKind.SERVER && typeof route === "string") attributes["url.path"] = route;
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The service name: OTEL_SERVICE_NAME, else healthlink-worker for ROLE=worker, healthlink-api otherwise. */
export function serviceName(env: NodeJS.ProcessEnv): string {
  const given = env.OTEL_SERVICE_NAME?.trim();
  if (given) return given;
  return env.ROLE === "worker" ? "healthlink-worker" : "healthlink-api";
}

export interface Tracing {
  /** Exports the spans still buffered and stops (the server's graceful shutdown calls it). */
  shutdown(): Promise<void>;
}

/** Starts the SDK: registers the tracer provider, the W3C propagator, the context manager and the instrumentations. */
export function startTracing(env: NodeJS.ProcessEnv = process.env): Tracing {
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName(env) }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  const provider = new NodeTracerProvider({
    resource,
    spanProcessors: [new ScrubUrlsProcessor(), new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has((req.url ?? "").split("?")[0] ?? ""),
        // A call made outside any request or job (a relay sweep's) would be a trace of its own: noise.
        requireParentforOutgoingSpans: true,
      }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
      // Statement text only: parameter values (enhancedDatabaseReporting) stay off.
      new PgInstrumentation({ requireParentSpan: true, enhancedDatabaseReporting: false }),
      // The command's name only: keys and values may name a person.
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
    ],
  });
  return { shutdown: () => provider.shutdown() };
}

import { SpanKind, trace } from "@opentelemetry/api";
import type { FastifyInstance } from "fastify";
import { tracingStarted } from "../../infra/telemetry/state.js";

/**
 * Names each request's server span (made by the HTTP instrumentation when tracing is on) by its route pattern,
 * `GET /api/view/doctor/`, and records the pattern as `http.route`; the span processor then replaces the
 * concrete path and query with it (infra/telemetry/tracing.ts).
 */
export function registerTracing(app: FastifyInstance): void {
  // Not tracing (no OTLP endpoint, so the preload started no SDK): no hook on every request for nothing.
  if (!tracingStarted()) return;
  // Callback-style hooks here and in the other plugins: an async hook costs every request a promise and a
  // microtask turn, which shows on the hottest reads (bench/api.ts); none of these has anything to wait for.
  app.addHook("onRequest", (request, _reply, done) => {
    const span = trace.getActiveSpan();
    // Only the server span of this request (an SDK span shows its kind).
    if (span?.isRecording() && (span as { kind?: SpanKind }).kind === SpanKind.SERVER) {
      const route = request.routeOptions.url ?? "unmatched";
      span.updateName(`${request.method} ${route}`);
      span.setAttribute("http.route", route);
    }
    done();
  });
}

/** The ids of the active span, for log lines (pino's mixin): nothing when no span is active. */
export function traceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return trace.isSpanContextValid(span.spanContext()) ? { trace_id: traceId, span_id: spanId } : {};
}

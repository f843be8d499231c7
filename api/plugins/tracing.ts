import { SpanKind, trace } from "@opentelemetry/api";
import type { FastifyInstance } from "fastify";

/**
 * Names each request's server span (made by the HTTP instrumentation when tracing is on) by its route pattern,
 * `GET /api/view/doctor/`, and records the pattern as `http.route`; the span processor then replaces the
 * concrete path and query with it (infra/telemetry/tracing.ts). Tracing off: there is no span, nothing to do.
 */
export function registerTracing(app: FastifyInstance): void {
  app.addHook("onRequest", async (request) => {
    const span = trace.getActiveSpan();
    if (!span?.isRecording()) return;
    // Only the server span of this request (an SDK span shows its kind).
    if ((span as { kind?: SpanKind }).kind !== SpanKind.SERVER) return;
    const route = request.routeOptions.url ?? "unmatched";
    span.updateName(`${request.method} ${route}`);
    span.setAttribute("http.route", route);
  });
}

/** The ids of the active span, for log lines (pino's mixin): nothing when no span is active. */
export function traceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return trace.isSpanContextValid(span.spanContext()) ? { trace_id: traceId, span_id: spanId } : {};
}

import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
} from "@opentelemetry/api";
import { loggableError } from "../../domain/shared/errors.js";
import { observeJob } from "./metrics.js";

/**
 * Jobs in traces: the producer adds the W3C trace context of the enqueuing request to the job's data as a
 * small `trace` field (the `traceparent`: ids only), and the consumer's span continues that trace as a child
 * of the producer's span. With tracing off (no SDK), no span is recording and the data is left as it was.
 */
const tracer = trace.getTracer("healthlink-jobs");

/** The field of a job's data that carries the trace context. */
export const TRACE_FIELD = "trace";

function isRecord(data: unknown): data is Record<string, unknown> {
  return typeof data === "object" && data !== null && !Array.isArray(data);
}

/**
 * Runs an enqueue inside a producer span (`publish <queue>`), giving `add` the data with the trace context.
 * Without a recording span around the call (tracing off, or a relay sweep outside any request) it adds the
 * data unchanged.
 */
export async function traceEnqueue<T>(
  queue: string,
  items: T[],
  add: (withTrace: T[]) => Promise<void>,
): Promise<void> {
  if (!trace.getActiveSpan()?.isRecording()) return add(items);
  return tracer.startActiveSpan(
    `publish ${queue}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.system": "bullmq",
        "messaging.operation.type": "send",
        "messaging.destination.name": queue,
        "messaging.batch.message_count": items.length,
      },
    },
    async (span) => {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      const traceparent = carrier.traceparent;
      try {
        await add(
          traceparent ? items.map((d) => (isRecord(d) ? { ...d, [TRACE_FIELD]: traceparent } : d)) : items,
        );
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: loggableError(err).message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** The job's data without its trace field, and the context it was enqueued in (none: a new trace). */
function extract(data: unknown): { data: unknown; parent: Context | undefined } {
  if (!isRecord(data) || !(TRACE_FIELD in data)) return { data, parent: undefined };
  const { [TRACE_FIELD]: traceparent, ...rest } = data;
  const parent =
    typeof traceparent === "string" ? propagation.extract(ROOT_CONTEXT, { traceparent }) : undefined;
  return { data: rest, parent };
}

/**
 * Runs one attempt of a job: its duration and outcome go to healthlink_job_duration_seconds, and — tracing on —
 * it runs in a consumer span (`process <queue>`), the child of the span that enqueued it.
 */
export async function runTracedJob(
  queue: string,
  data: unknown,
  meta: { jobId: string; attempt: number },
  handler: (data: unknown) => Promise<void>,
): Promise<void> {
  const { data: plain, parent } = extract(data);
  const started = performance.now();
  const observe = (outcome: "completed" | "failed") =>
    observeJob(queue, outcome, (performance.now() - started) / 1000);
  const span = tracer.startSpan(
    `process ${queue}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "messaging.system": "bullmq",
        "messaging.operation.type": "process",
        "messaging.destination.name": queue,
        "messaging.message.id": meta.jobId,
        "healthlink.job.attempt": meta.attempt,
      },
    },
    parent ?? ROOT_CONTEXT,
  );
  try {
    await context.with(trace.setSpan(parent ?? ROOT_CONTEXT, span), () => handler(plain));
    observe("completed");
  } catch (err) {
    observe("failed");
    span.setStatus({ code: SpanStatusCode.ERROR, message: loggableError(err).message });
    throw err;
  } finally {
    span.end();
  }
}

/**
 * The tracing preload: `node --import tsx --import ./infra/telemetry/register.ts api/server.ts` (npm start) or
 * `node --import ./dist/infra/telemetry/register.js dist/api/server.js` (the image). It must run before the
 * application's modules load, so that the instrumentations can wrap pg, ioredis and node:http as they are
 * imported (import-in-the-middle's loader hook, which @opentelemetry/instrumentation ships, for ES modules;
 * require-in-the-middle for CommonJS).
 *
 * Without OTEL_EXPORTER_OTLP_ENDPOINT (or with OTEL_SDK_DISABLED=true) it does nothing: no hook, no SDK.
 */
import { register } from "node:module";
import { setTracing } from "./state.js";

const env = process.env;
const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
if (endpoint && env.OTEL_SDK_DISABLED?.trim().toLowerCase() !== "true") {
  register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);
  const { startTracing } = await import("./tracing.js");
  setTracing(startTracing(env));
}

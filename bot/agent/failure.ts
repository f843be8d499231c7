import { RejectedOutput } from "./output.js";

/** Why an agent turn failed, as a class and a code: never the error's message (it may quote the person). */
export interface AgentFailure {
  /** The error's class name (TimeoutError, InternalServerError, RejectedOutput…). */
  errorClass: string;
  /** TIMEOUT, HTTP_503, CONNECTION, RATE_LIMITED, REJECTED_OUTPUT, MALFORMED_OUTPUT, RECURSION_LIMIT, ERROR… */
  code: string;
}

const NAMED: Record<string, string> = {
  TimeoutError: "TIMEOUT",
  AbortError: "TIMEOUT",
  APIConnectionTimeoutError: "TIMEOUT",
  APIConnectionError: "CONNECTION",
  GraphRecursionError: "RECURSION_LIMIT",
  OutputParserException: "MALFORMED_OUTPUT",
  ToolInputParsingException: "MALFORMED_OUTPUT",
  SyntaxError: "MALFORMED_OUTPUT",
  ZodError: "MALFORMED_OUTPUT",
};

/** Classifies a failure of the agent (the model, its output, or the run) for the logs and the review flag. */
export function agentFailure(err: unknown): AgentFailure {
  if (!(err instanceof Error)) return { errorClass: typeof err, code: "ERROR" };
  const errorClass = err.constructor.name !== "Error" ? err.constructor.name : err.name || "Error";
  if (err instanceof RejectedOutput)
    return { errorClass, code: `REJECTED_OUTPUT_${err.reason.toUpperCase().replace(/\W+/g, "_")}` };
  const { status, lc_error_code: lcCode } = err as { status?: unknown; lc_error_code?: unknown };
  const named = NAMED[err.name] ?? NAMED[errorClass];
  if (named) return { errorClass, code: named };
  if (typeof status === "number") return { errorClass, code: `HTTP_${status}` };
  if (typeof lcCode === "string") return { errorClass, code: lcCode };
  return { errorClass, code: "ERROR" };
}

import { describe, expect, it } from "vitest";
import { agentFailure } from "./failure.js";
import { RejectedOutput } from "./output.js";

const named = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(Object.assign(new Error("the patient said: my knee hurts"), { name }), extra);

describe("agentFailure (a failed agent turn as a class and a code)", () => {
  it("classifies timeouts, HTTP errors, refused and malformed output, the recursion limit", () => {
    expect(agentFailure(named("TimeoutError"))).toEqual({ errorClass: "TimeoutError", code: "TIMEOUT" });
    expect(agentFailure(named("InternalServerError", { status: 502 })).code).toBe("HTTP_502");
    expect(agentFailure(new RejectedOutput("tool trace"))).toEqual({
      errorClass: "RejectedOutput",
      code: "REJECTED_OUTPUT_TOOL_TRACE",
    });
    expect(agentFailure(new SyntaxError("Unexpected token")).code).toBe("MALFORMED_OUTPUT");
    expect(agentFailure(named("GraphRecursionError")).code).toBe("RECURSION_LIMIT");
    expect(agentFailure(named("Error", { lc_error_code: "MODEL_RATE_LIMIT" })).code).toBe("MODEL_RATE_LIMIT");
    expect(agentFailure(new Error("x"))).toEqual({ errorClass: "Error", code: "ERROR" });
    expect(agentFailure("a string")).toEqual({ errorClass: "string", code: "ERROR" });
  });

  it("never carries the error's message", () => {
    expect(JSON.stringify(agentFailure(named("TimeoutError")))).not.toContain("knee");
  });
});

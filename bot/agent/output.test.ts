import { describe, expect, it } from "vitest";
import { checkReply, RejectedOutput } from "./output.js";

describe("the agent's reply check", () => {
  it("passes a plain reply, tidied", () => {
    expect(checkReply("  Dr Shah is free tomorrow at 10:00 AM.\n\n\n\nShall I book?  ", "web")).toBe(
      "Dr Shah is free tomorrow at 10:00 AM.\n\nShall I book?",
    );
  });

  it.each([
    ['{"name": "Dr Shah"}', "json"],
    ["Calling tool_call search_doctors", "tool trace"],
    ["Your patient_id is 42", "internal id"],
    ["patient #42 has an appointment", "patient id"],
    ["```json\nx\n```", "code block"],
    ["   ", "empty"],
  ])("refuses %j (%s)", (text, reason) => {
    expect(() => checkReply(text, "web")).toThrow(RejectedOutput);
    try {
      checkReply(text, "web");
    } catch (err) {
      expect((err as RejectedOutput).reason).toBe(reason);
    }
  });

  it("cuts a long reply at the channel's limit, at a sentence when it can", () => {
    const long = "This is one sentence. ".repeat(100);
    const sms = checkReply(long, "sms");
    expect(sms.length).toBeLessThanOrEqual(480);
    expect(sms.endsWith(".…")).toBe(true);
    expect(checkReply(long, "telegram")).toBe(long.trim());
  });
});

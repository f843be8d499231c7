import { describe, expect, it } from "vitest";
import { resolveInput } from "./engine.js";
import type { InboundMessage } from "./types.js";

const msg = (text: string, choice?: string): InboundMessage => ({
  channel: "web",
  externalUserId: "x",
  text,
  choice,
  providerMessageId: "p",
  receivedAt: new Date(0),
});
const offered = [
  { id: "find", label: "Find a doctor" },
  { id: "appointments", label: "My appointments" },
];

describe("resolveInput", () => {
  it("accepts an offered choice by id, number or label", () => {
    expect(resolveInput(msg("", "find"), offered)).toEqual({ text: "", choice: "find" });
    expect(resolveInput(msg(" 2 "), offered)).toEqual({ text: "2", choice: "appointments" });
    expect(resolveInput(msg("find a DOCTOR"), offered)).toEqual({ text: "find a DOCTOR", choice: "find" });
  });

  it("ignores choices that were not offered and numbers out of range", () => {
    expect(resolveInput(msg("", "appt:42"), offered)).toEqual({ text: "" });
    expect(resolveInput(msg("3"), offered)).toEqual({ text: "3" });
    expect(resolveInput(msg("1"), undefined)).toEqual({ text: "1" });
  });
});

describe("FallbackBrain (the seam for the agent)", () => {
  it("answers with the fallback, without the primary's partial output, when the primary fails", async () => {
    const { FallbackBrain } = await import("./brain.js");
    const errors: unknown[] = [];
    const brain = new FallbackBrain(
      {
        name: "agent",
        respond: (turn) => {
          turn.out.push({ text: "half an answer" });
          return Promise.reject(new Error("LLM timeout"));
        },
      },
      {
        name: "guided",
        respond: (turn) => {
          turn.out.push({ text: "menu" });
          return Promise.resolve();
        },
      },
      (err) => errors.push(err),
    );
    const turn = { out: [{ text: "before" }] } as unknown as Parameters<typeof brain.respond>[0];
    await brain.respond(turn);
    expect(turn.out).toEqual([{ text: "before" }, { text: "menu" }]);
    expect(brain.name).toBe("agent+guided");
    expect(errors).toHaveLength(1);
  });
});

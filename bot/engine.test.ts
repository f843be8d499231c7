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

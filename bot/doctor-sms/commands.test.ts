import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HELP_TEXT, parseCommand, type DoctorCommand } from "./commands.js";
import { resolveDate } from "./handler.js";

function command(text: string): DoctorCommand {
  const r = parseCommand(text);
  if (!r.ok) throw new Error(`not parsed: ${text}`);
  return r.command;
}

function error(text: string): string {
  const r = parseCommand(text);
  if (r.ok || r.unknown) throw new Error(`expected a usage error: ${text}`);
  return r.error;
}

describe("the doctors' SMS command parser", () => {
  it("reads the commands without arguments, in any case and with stray spaces", () => {
    expect(command("TODAY")).toEqual({ kind: "today" });
    expect(command("  today ")).toEqual({ kind: "today" });
    expect(command("Next")).toEqual({ kind: "next" });
    expect(command("requests")).toEqual({ kind: "requests" });
    expect(command("REQUEST")).toEqual({ kind: "requests" });
    expect(command("earnings")).toEqual({ kind: "earnings" });
    expect(command("balance")).toEqual({ kind: "earnings" });
    expect(command("help")).toEqual({ kind: "help" });
    expect(command("HELP me please")).toEqual({ kind: "help" });
  });

  it("refuses words after a command that takes none, with the usage", () => {
    expect(error("TODAY please")).toMatch(/^Usage: TODAY/);
    expect(error("next 5")).toMatch(/^Usage: NEXT/);
  });

  it("reads ACCEPT with an id, with or without #", () => {
    expect(command("ACCEPT 1042")).toEqual({ kind: "accept", id: 1042 });
    expect(command("accept   #7")).toEqual({ kind: "accept", id: 7 });
    expect(command("\taccept\u00a012\n")).toEqual({ kind: "accept", id: 12 });
    expect(error("ACCEPT")).toMatch(/^Usage: ACCEPT/);
    expect(error("ACCEPT abc")).toMatch(/^Usage: ACCEPT/);
    expect(error("ACCEPT 0")).toMatch(/^Usage: ACCEPT/);
    expect(error("ACCEPT 12 13")).toMatch(/^Usage: ACCEPT/);
    expect(error("ACCEPT 99999999999")).toMatch(/^Usage: ACCEPT/);
  });

  it("reads REJECT and CANCEL with an optional reason in the doctor's own words", () => {
    expect(command("REJECT 5")).toEqual({ kind: "reject", id: 5, reason: undefined });
    expect(command("reject 5   On leave   that day")).toEqual({
      kind: "reject",
      id: 5,
      reason: "On leave that day",
    });
    expect(command("Cancel #9 Clinic closed")).toEqual({ kind: "cancel", id: 9, reason: "Clinic closed" });
    expect(error("REJECT")).toMatch(/^Usage: REJECT/);
    expect(error("cancel tomorrow")).toMatch(/^Usage: CANCEL/);
    const long = command(`REJECT 5 ${"x".repeat(900)}`);
    expect(long.kind === "reject" && long.reason?.length).toBe(500);
  });

  it("reads PROPOSE with an ISO or day/month date and a 24-hour or AM/PM time", () => {
    expect(command("PROPOSE 1043 2030-03-05 16:30")).toEqual({
      kind: "propose",
      id: 1043,
      date: { kind: "iso", date: "2030-03-05" },
      minutes: 16 * 60 + 30,
    });
    expect(command("propose 1043 2026-03-05 4:30 PM")).toMatchObject({ minutes: 16 * 60 + 30 });
    expect(command("propose 1043 5/3 4:30pm")).toMatchObject({
      date: { kind: "day_month", day: 5, month: 3 },
      minutes: 990,
    });
    expect(command("PROPOSE 1 05/03/2031 09:00")).toMatchObject({
      date: { kind: "iso", date: "2031-03-05" },
    });
    expect(command("PROPOSE 1 tomorrow 4pm")).toMatchObject({
      date: { kind: "relative", days: 1 },
      minutes: 960,
    });
    for (const bad of [
      "PROPOSE",
      "PROPOSE 1",
      "PROPOSE 1 2030-03-05",
      "PROPOSE 1 2030-02-30 10:00",
      "PROPOSE 1 31/02 10:00",
      "PROPOSE 1 13/13 10:00",
      "PROPOSE 1 2030-03-05 25:00",
      "PROPOSE 1 2030-03-05 10:75",
      "PROPOSE x 2030-03-05 10:00",
      "PROPOSE 1 2030-03-05 13:00 PM",
    ])
      expect(error(bad), bad).toMatch(/^Usage: PROPOSE/);
  });

  it("reads WITHDRAW with an amount as typed and a 4–8 digit PIN, and never repeats the PIN in an error", () => {
    expect(command("WITHDRAW 500 1234")).toEqual({ kind: "withdraw", amount: "500", pin: "1234" });
    expect(command("withdraw 1,250.50 87654321")).toEqual({
      kind: "withdraw",
      amount: "1,250.50",
      pin: "87654321",
    });
    // Three decimals are an amount (KWD, BHD); the handler checks them against the doctor's currency.
    expect(command("WITHDRAW 12.125 1234")).toEqual({ kind: "withdraw", amount: "12.125", pin: "1234" });
    for (const bad of [
      "WITHDRAW",
      "WITHDRAW 500",
      "WITHDRAW 1234",
      "WITHDRAW 0 1234",
      "WITHDRAW -5 1234",
      "WITHDRAW 5.1234 1234",
      "WITHDRAW 0.00 1234",
      "WITHDRAW 5e3 1234",
      "WITHDRAW 500 123",
      "WITHDRAW 500 123456789",
      "WITHDRAW 500 12a4",
      "WITHDRAW 500 1234 extra",
    ]) {
      const e = error(bad);
      expect(e, bad).toMatch(/^Usage: WITHDRAW/);
      expect(e).not.toMatch(/1234|12a4|123456789/);
    }
  });

  it("marks anything else as unknown (the reply is the help text)", () => {
    for (const text of ["", "   ", "hello", "I need a dentist", "ACCEPTED 5", "1", "STOPP"])
      expect(parseCommand(text), text).toEqual({ ok: false, unknown: true });
    expect(HELP_TEXT.length).toBeLessThanOrEqual(320);
  });

  it("never throws, whatever the text", () => {
    const words = fc.constantFrom(
      "accept",
      "REJECT",
      "propose",
      "cancel",
      "withdraw",
      "today",
      "#12",
      "12",
      "2030-02-29",
      "29/02",
      "4:30",
      "PM",
      "1,000.5",
      "1234",
      "\u00a0",
      "",
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.array(words).map((w) => w.join(" ")),
        ),
        (text) => {
          const r = parseCommand(text);
          expect(typeof r.ok).toBe("boolean");
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("dates as typed, resolved in the doctor's zone", () => {
  it("puts a day/month on its next occurrence from today, and keeps ISO dates as given", () => {
    expect(resolveDate({ kind: "day_month", day: 5, month: 3 }, "2030-01-07")).toBe("2030-03-05");
    expect(resolveDate({ kind: "day_month", day: 5, month: 1 }, "2030-01-07")).toBe("2031-01-05");
    expect(resolveDate({ kind: "day_month", day: 7, month: 1 }, "2030-01-07")).toBe("2030-01-07");
    expect(resolveDate({ kind: "day_month", day: 29, month: 2 }, "2030-01-07")).toBeUndefined();
    expect(resolveDate({ kind: "day_month", day: 29, month: 2 }, "2031-03-01")).toBe("2032-02-29");
    expect(resolveDate({ kind: "relative", days: 1 }, "2030-12-31")).toBe("2031-01-01");
    expect(resolveDate({ kind: "iso", date: "2029-01-01" }, "2030-01-07")).toBe("2029-01-01");
  });
});

import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { isQuiet, outsideQuietHours, parseQuietHours } from "./quiet-hours.js";

const NIGHT = parseQuietHours("22:00-07:00")!;

describe("quiet hours", () => {
  it("parses HH:MM-HH:MM and refuses anything else", () => {
    expect(parseQuietHours("22:00-07:00")).toEqual({ start: 1320, end: 420 });
    expect(parseQuietHours("13:30-14:00")).toEqual({ start: 810, end: 840 });
    for (const bad of ["25:00-07:00", "22:00", "22:00-7:00", "aa:bb-cc:dd", "22:60-07:00"])
      expect(parseQuietHours(bad)).toBeUndefined();
  });

  it("leaves a reminder outside quiet hours alone", () => {
    const due = new Date("2030-01-07T12:00:00Z"); // 17:30 in Kolkata
    expect(outsideQuietHours(due, NIGHT, "Asia/Kolkata")).toEqual(due);
  });

  it("moves a reminder inside quiet hours to their end on the person's clock", () => {
    // 23:30 in Kolkata → 07:00 the next morning there.
    const due = new Date("2030-01-07T18:00:00Z");
    expect(outsideQuietHours(due, NIGHT, "Asia/Kolkata").toISOString()).toBe("2030-01-08T01:30:00.000Z");
    // 05:00 in Kolkata → 07:00 the same morning.
    expect(outsideQuietHours(new Date("2030-01-07T23:30:00Z"), NIGHT, "Asia/Kolkata").toISOString()).toBe(
      "2030-01-08T01:30:00.000Z",
    );
  });

  it("moves it earlier, to just before quiet hours began, when their end is after the event", () => {
    // Due 05:00 Kolkata for an event at 06:30: 07:00 would be too late → 21:59 the evening before.
    const due = new Date("2030-01-07T23:30:00Z");
    const event = new Date("2030-01-08T01:00:00Z");
    expect(outsideQuietHours(due, NIGHT, "Asia/Kolkata", event).toISOString()).toBe(
      "2030-01-07T16:29:00.000Z",
    );
  });

  it("follows the local clock across a DST change (New York, spring forward night)", () => {
    // 2030-03-10 is the spring-forward day in New York: 22:00 EST → 07:00 EDT is 8 hours later, not 9.
    const due = DateTime.fromISO("2030-03-09T23:00", { zone: "America/New_York" }).toJSDate();
    const moved = DateTime.fromJSDate(outsideQuietHours(due, NIGHT, "America/New_York"), {
      zone: "America/New_York",
    });
    expect(moved.toFormat("yyyy-MM-dd HH:mm")).toBe("2030-03-10 07:00");
    expect(moved.toMillis() - due.getTime()).toBe(7 * 3_600_000);
  });

  it("property: the result is never inside quiet hours, moves later by less than a day, or earlier only for the event", () => {
    const zones = [
      "UTC",
      "Asia/Kolkata",
      "America/New_York",
      "Europe/London",
      "Australia/Sydney",
      "America/Santiago",
      "Asia/Kathmandu",
      "Pacific/Chatham",
    ];
    const minute = fc.integer({ min: 0, max: 24 * 60 - 1 });
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(2029, 0, 1), max: Date.UTC(2031, 0, 1) }),
        minute,
        fc.integer({ min: 30, max: 12 * 60 }),
        fc.option(fc.integer({ min: 1, max: 48 * 60 }), { nil: undefined }),
        (zone, ms, start, length, eventInMinutes) => {
          const q = { start, end: (start + length) % 1440 };
          const due = new Date(Math.floor(ms / 60_000) * 60_000);
          const event =
            eventInMinutes === undefined ? undefined : new Date(due.getTime() + eventInMinutes * 60_000);
          const out = outsideQuietHours(due, q, zone, event);
          if (!isQuiet(due, q, zone)) {
            expect(out).toEqual(due);
            return;
          }
          expect(isQuiet(out, q, zone)).toBe(false);
          if (out > due) {
            expect(out.getTime() - due.getTime()).toBeLessThanOrEqual(length * 60_000 + 3_600_000);
            if (event) expect(out.getTime()).toBeLessThanOrEqual(event.getTime());
          } else {
            expect(event).toBeDefined();
            expect(due.getTime() - out.getTime()).toBeLessThanOrEqual(length * 60_000 + 3_600_000);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

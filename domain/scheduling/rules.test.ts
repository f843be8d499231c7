import { describe, expect, it } from "vitest";
import { DomainError } from "../shared/errors.js";
import { assertTransition, daysMask, parseWeekly, requestStatus } from "./rules.js";

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof DomainError ? e.code : "not a DomainError";
  }
  return undefined;
};

describe("the appointment state machine", () => {
  it("allows only the listed transitions and refuses the rest with INVALID_TRANSITION", () => {
    expect(code(() => assertTransition("accepted", "pending"))).toBeUndefined();
    expect(code(() => assertTransition("proposed", "proposed"))).toBeUndefined();
    expect(code(() => assertTransition("completed", "confirmed"))).toBeUndefined();
    for (const from of ["cancelled", "rejected", "completed", "no_show"] as const) {
      for (const event of ["accepted", "cancelled", "rescheduled", "completed", "proposed"] as const) {
        expect(code(() => assertTransition(event, from))).toBe("INVALID_TRANSITION");
      }
    }
    expect(code(() => assertTransition("completed", "pending"))).toBe("INVALID_TRANSITION");
    expect(code(() => assertTransition("proposal_accepted", "pending"))).toBe("INVALID_TRANSITION");
  });

  it("shows confirmed as accepted in the doctor's request list", () => {
    expect(requestStatus("confirmed")).toBe("accepted");
    expect(requestStatus("pending")).toBe("pending");
  });
});

describe("weekly schedule validation", () => {
  it("sorts windows, accepts 24:00 as an end, and computes the working-days mask", () => {
    const w = parseWeekly("UTC", [
      { day: "sunday", start: "20:00", end: "24:00", slot_minutes: 60 },
      { day: "MONDAY", start: "09:00", end: "12:00", slot_minutes: 15 },
    ]);
    expect(w.map((x) => [x.isoDay, x.startMinutes, x.endMinutes])).toEqual([
      [1, 540, 720],
      [7, 1200, 1440],
    ]);
    expect(daysMask(w)).toBe(0b1000001);
  });

  it("lets windows touch but not overlap, and refuses a window shorter than its slot", () => {
    expect(
      parseWeekly("UTC", [
        { day: "MONDAY", start: "09:00", end: "12:00", slot_minutes: 15 },
        { day: "MONDAY", start: "12:00", end: "13:00", slot_minutes: 15 },
      ]),
    ).toHaveLength(2);
    expect(
      code(() => parseWeekly("UTC", [{ day: "MONDAY", start: "09:00", end: "09:30", slot_minutes: 60 }])),
    ).toBe("INVALID_WINDOW");
  });
});

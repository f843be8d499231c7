import { describe, expect, it } from "vitest";
import { adherencePercent, classifyDose, sumTallies, tallyDoses } from "./arithmetic.js";

const now = new Date("2030-01-10T12:00:00Z");
const at = (iso: string) => new Date(iso);

describe("adherence arithmetic", () => {
  it("counts a scheduled dose past its time as missed and one still ahead as upcoming", () => {
    expect(classifyDose("scheduled", at("2030-01-10T09:00:00Z"), now)).toBe("missed");
    expect(classifyDose("scheduled", at("2030-01-10T12:00:00Z"), now)).toBe("missed");
    expect(classifyDose("scheduled", at("2030-01-10T21:00:00Z"), now)).toBe("upcoming");
    expect(classifyDose("taken", at("2030-01-10T13:00:00Z"), now)).toBe("taken");
    expect(classifyDose("skipped", at("2030-01-09T09:00:00Z"), now)).toBe("skipped");
  });

  it("is taken over taken, skipped and missed, ignoring upcoming doses", () => {
    const t = tallyDoses(
      [
        { status: "taken", scheduledAt: at("2030-01-09T09:00:00Z") },
        { status: "taken", scheduledAt: at("2030-01-09T21:00:00Z") },
        { status: "skipped", scheduledAt: at("2030-01-10T09:00:00Z") },
        { status: "scheduled", scheduledAt: at("2030-01-08T21:00:00Z") },
        { status: "scheduled", scheduledAt: at("2030-01-10T21:00:00Z") },
        { status: "scheduled", scheduledAt: at("2030-01-11T09:00:00Z") },
      ],
      now,
    );
    expect(t).toEqual({ taken: 2, skipped: 1, missed: 1, upcoming: 2 });
    expect(adherencePercent(t)).toBe(50);
  });

  it("is null, not 0 or NaN, when no dose has fallen due", () => {
    expect(adherencePercent({ taken: 0, skipped: 0, missed: 0, upcoming: 5 })).toBeNull();
    expect(adherencePercent(tallyDoses([], now))).toBeNull();
  });

  it("rounds to one decimal and weighs items by their doses overall", () => {
    expect(adherencePercent({ taken: 2, skipped: 0, missed: 1, upcoming: 0 })).toBe(66.7);
    const overall = sumTallies([
      { taken: 1, skipped: 0, missed: 0, upcoming: 3 },
      { taken: 1, skipped: 1, missed: 1, upcoming: 0 },
    ]);
    expect(overall).toEqual({ taken: 2, skipped: 1, missed: 1, upcoming: 3 });
    expect(adherencePercent(overall)).toBe(50);
    expect(adherencePercent({ taken: 3, skipped: 0, missed: 0, upcoming: 0 })).toBe(100);
  });
});

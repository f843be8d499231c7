import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addDays, instantToZoned } from "../shared/time.js";
import {
  exceptionRange,
  findBookableSlot,
  freeSlots,
  nextAvailability,
  nextAvailableDate,
  resolveWallTime,
  type BusyRange,
  type DayException,
  type WeeklyWindow,
} from "./slots.js";

const NY = "America/New_York";
const allWeek = (start: number, end: number, slot: number): WeeklyWindow[] =>
  [1, 2, 3, 4, 5, 6, 7].map((isoDay) => ({
    isoDay,
    startMinutes: start,
    endMinutes: end,
    slotMinutes: slot,
  }));
const longAgo = new Date("2000-01-01T00:00:00Z");
const times = (slots: { minutes: number }[]) => slots.map((s) => s.minutes);

describe("resolveWallTime", () => {
  it("places an ordinary wall time at its instant", () => {
    expect(new Date(resolveWallTime("2030-01-07", 600, NY).at).toISOString()).toBe(
      "2030-01-07T15:00:00.000Z",
    );
    expect(new Date(resolveWallTime("2030-01-07", 600, "Asia/Kolkata").at).toISOString()).toBe(
      "2030-01-07T04:30:00.000Z",
    );
  });

  it("reports a wall time skipped by the spring-forward jump as not existing, at the jump", () => {
    const r = resolveWallTime("2030-03-10", 150, NY);
    expect(r.exists).toBe(false);
    expect(new Date(r.at).toISOString()).toBe("2030-03-10T07:00:00.000Z");
  });

  it("resolves a repeated wall time in the fall-back hour to its first occurrence", () => {
    const r = resolveWallTime("2030-11-03", 90, NY);
    expect(r.exists).toBe(true);
    expect(new Date(r.at).toISOString()).toBe("2030-11-03T05:30:00.000Z");
  });
});

describe("a day's slots", () => {
  it("steps through each window in slot-sized pieces that fit the window", () => {
    const weekly: WeeklyWindow[] = [
      { isoDay: 1, startMinutes: 9 * 60, endMinutes: 10 * 60 + 50, slotMinutes: 30 },
      { isoDay: 1, startMinutes: 14 * 60, endMinutes: 15 * 60, slotMinutes: 20 },
      { isoDay: 2, startMinutes: 9 * 60, endMinutes: 17 * 60, slotMinutes: 30 },
    ];
    const slots = freeSlots({
      date: "2030-01-07",
      timeZone: "Asia/Kolkata",
      weekly,
      exceptions: [],
      busy: [],
      notBefore: longAgo,
    });
    expect(times(slots)).toEqual([540, 570, 600, 840, 860, 880]);
    expect(slots[0]!.startsAt.toISOString()).toBe("2030-01-07T03:30:00.000Z");
    expect(slots[0]!.endsAt.toISOString()).toBe("2030-01-07T04:00:00.000Z");
  });

  it("leaves out the skipped hour on the spring-forward day in New York", () => {
    const slots = freeSlots({
      date: "2030-03-10",
      timeZone: NY,
      weekly: allWeek(0, 240, 30),
      exceptions: [],
      busy: [],
      notBefore: longAgo,
    });
    expect(times(slots)).toEqual([0, 30, 60, 90, 180, 210]);
    expect(slots.map((s) => s.startsAt.toISOString())).toEqual([
      "2030-03-10T05:00:00.000Z",
      "2030-03-10T05:30:00.000Z",
      "2030-03-10T06:00:00.000Z",
      "2030-03-10T06:30:00.000Z",
      "2030-03-10T07:00:00.000Z",
      "2030-03-10T07:30:00.000Z",
    ]);
  });

  it("offers the repeated hour once on the fall-back day in New York", () => {
    const slots = freeSlots({
      date: "2030-11-03",
      timeZone: NY,
      weekly: allWeek(0, 240, 30),
      exceptions: [],
      busy: [],
      notBefore: longAgo,
    });
    expect(times(slots)).toEqual([0, 30, 60, 90, 120, 150, 180, 210]);
    expect(slots[3]!.startsAt.toISOString()).toBe("2030-11-03T05:30:00.000Z"); // 01:30 EDT
    expect(slots[4]!.startsAt.toISOString()).toBe("2030-11-03T07:00:00.000Z"); // 02:00 EST
  });

  it("drops a slot that would run past its window because of the jump", () => {
    // 01:30 EST + 90 minutes of real time is 04:00 EDT, after the 03:00 end of the window.
    const slots = freeSlots({
      date: "2030-03-10",
      timeZone: NY,
      weekly: allWeek(0, 180, 90),
      exceptions: [],
      busy: [],
      notBefore: longAgo,
    });
    expect(times(slots)).toEqual([0]);
  });

  it("removes slots in a part-day exception, all slots on a day off, past slots and busy ones", () => {
    const base = {
      date: "2030-01-08",
      timeZone: "UTC",
      weekly: allWeek(540, 720, 30),
      busy: [] as BusyRange[],
      notBefore: longAgo,
    };
    const partDay: DayException = { date: "2030-01-08", startMinutes: 600, endMinutes: 660 };
    expect(times(freeSlots({ ...base, exceptions: [partDay] }))).toEqual([540, 570, 660, 690]);
    const dayOff: DayException = { date: "2030-01-08", startMinutes: null, endMinutes: null };
    expect(freeSlots({ ...base, exceptions: [dayOff] })).toEqual([]);
    const otherDay: DayException = { date: "2030-01-09", startMinutes: null, endMinutes: null };
    expect(freeSlots({ ...base, exceptions: [otherDay] })).toHaveLength(6);
    expect(
      times(freeSlots({ ...base, exceptions: [], notBefore: new Date("2030-01-08T10:15:00Z") })),
    ).toEqual([630, 660, 690]);
    const busy = [{ startsAt: new Date("2030-01-08T09:50:00Z"), endsAt: new Date("2030-01-08T10:10:00Z") }];
    expect(times(freeSlots({ ...base, exceptions: [], busy }))).toEqual([540, 630, 660, 690]);
  });

  it("finds a bookable slot only on the grid", () => {
    const q = {
      date: "2030-01-08",
      timeZone: "UTC",
      weekly: allWeek(540, 720, 30),
      exceptions: [],
      notBefore: longAgo,
    };
    expect(findBookableSlot(q, 570)?.startsAt.toISOString()).toBe("2030-01-08T09:30:00.000Z");
    expect(findBookableSlot(q, 575)).toBeUndefined();
    expect(findBookableSlot(q, 720)).toBeUndefined();
  });

  it("finds the next date with a free slot, or null within the horizon", () => {
    const weekly: WeeklyWindow[] = [{ isoDay: 3, startMinutes: 540, endMinutes: 600, slotMinutes: 30 }];
    const q = {
      timeZone: "UTC",
      weekly,
      exceptions: [] as DayException[],
      busy: [] as BusyRange[],
      notBefore: longAgo,
    };
    expect(nextAvailableDate({ ...q, from: "2030-01-07", days: 60 })).toBe("2030-01-09");
    const off: DayException = { date: "2030-01-09", startMinutes: null, endMinutes: null };
    expect(nextAvailableDate({ ...q, exceptions: [off], from: "2030-01-07", days: 60 })).toBe("2030-01-16");
    expect(nextAvailableDate({ ...q, from: "2030-01-10", days: 5 })).toBeNull();
  });
});

describe("nextAvailability (the next free date kept on the doctor's row)", () => {
  const monday = new Date("2030-01-07T00:00:00Z");
  const weekly: WeeklyWindow[] = [
    { isoDay: 1, startMinutes: 600, endMinutes: 630, slotMinutes: 30 },
    { isoDay: 2, startMinutes: 600, endMinutes: 630, slotMinutes: 30 },
  ];
  const q = {
    timeZone: "UTC",
    weekly,
    exceptions: [] as DayException[],
    busy: [] as BusyRange[],
    notBefore: new Date(monday.getTime() + 3_600_000),
    now: monday,
    leadMs: 3_600_000,
    from: "2030-01-07",
    days: 60,
  };

  it("holds until the first free slot comes within the lead time", () => {
    expect(nextAvailability(q)).toEqual({ date: "2030-01-07", until: new Date("2030-01-07T09:00:00Z") });
  });

  it("holds until an unpaid hold that takes a slot lapses, when the date may come earlier", () => {
    const held: BusyRange = {
      startsAt: new Date("2030-01-07T10:00:00Z"),
      endsAt: new Date("2030-01-07T10:30:00Z"),
      freedAt: new Date("2030-01-07T00:15:00Z"),
    };
    const paid: BusyRange = { ...held, freedAt: null };
    expect(nextAvailability({ ...q, busy: [held] })).toEqual({
      date: "2030-01-08",
      until: new Date("2030-01-07T00:15:00Z"),
    });
    expect(nextAvailability({ ...q, busy: [paid] })).toEqual({
      date: "2030-01-08",
      until: new Date("2030-01-08T09:00:00Z"),
    });
  });

  it("with no free date, holds until midnight in the doctor's zone (the horizon moves on)", () => {
    expect(nextAvailability({ ...q, weekly: [] })).toEqual({
      date: null,
      until: new Date("2030-01-08T00:00:00Z"),
    });
    expect(nextAvailability({ ...q, weekly: [], timeZone: "Asia/Kolkata" })).toEqual({
      date: null,
      until: new Date("2030-01-07T18:30:00Z"),
    });
  });
});

const ZONES = [NY, "Europe/London", "Australia/Sydney", "Asia/Kolkata", "UTC", "America/Santiago"];

const windowArb = fc
  .record({
    isoDay: fc.integer({ min: 1, max: 7 }),
    start: fc.integer({ min: 0, max: 1439 }),
    length: fc.integer({ min: 5, max: 600 }),
    slotMinutes: fc.integer({ min: 5, max: 240 }),
  })
  .map((w) => ({
    isoDay: w.isoDay,
    startMinutes: w.start,
    endMinutes: Math.min(1440, w.start + w.length),
    slotMinutes: w.slotMinutes,
  }));

/** An exception without its date: the whole day (null) or a part of it. */
const exceptionArb = fc.oneof(
  fc.constant(null),
  fc
    .tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 600 }))
    .map(([s, l]) => ({ startMinutes: s, endMinutes: Math.min(1440, s + l) })),
);

// Dates around the DST changes of the zones above, and ordinary ones.
const dateArb = fc.constantFrom<string>(
  "2030-03-10",
  "2030-11-03",
  "2030-03-31",
  "2030-10-27",
  "2030-04-07",
  "2030-10-06",
  "2030-09-08",
  "2030-04-06",
  "2030-01-07",
  "2030-06-15",
);

describe("slot properties (any zone, any windows, DST days included)", () => {
  it("slots never overlap, lie inside a window, avoid exceptions, busy ranges and the past", () => {
    fc.assert(
      fc.property(
        dateArb,
        fc.constantFrom(...ZONES),
        fc.array(windowArb, { maxLength: 4 }),
        fc.array(exceptionArb, { maxLength: 2 }),
        fc.array(fc.tuple(fc.integer({ min: -120, max: 1560 }), fc.integer({ min: 5, max: 180 })), {
          maxLength: 4,
        }),
        fc.integer({ min: -1440, max: 2 * 1440 }),
        (date, timeZone, weekly0, exceptions0, busy0, nowOffset) => {
          // Put every window on this date's weekday so they matter.
          const dayStart = resolveWallTime(date, 0, timeZone).at;
          const isoDay = instantToZoned(new Date(dayStart), timeZone).isoDay;
          const weekly = weekly0.map((w) => ({ ...w, isoDay }));
          const exceptions: DayException[] = exceptions0.map((e) =>
            e === null ? { date, startMinutes: null, endMinutes: null } : { date, ...e },
          );
          const busy = busy0.map(([s, l]) => ({
            startsAt: new Date(dayStart + s * 60_000),
            endsAt: new Date(dayStart + (s + l) * 60_000),
          }));
          const notBefore = new Date(dayStart + nowOffset * 60_000);
          const slots = freeSlots({ date, timeZone, weekly, exceptions, busy, notBefore });

          for (let i = 1; i < slots.length; i++) {
            expect(slots[i]!.startsAt.getTime()).toBeGreaterThanOrEqual(slots[i - 1]!.endsAt.getTime());
          }
          for (const s of slots) {
            const a = s.startsAt.getTime();
            const b = s.endsAt.getTime();
            expect(b).toBeGreaterThan(a);
            // Its wall time is what it says, on the right date.
            const wall = instantToZoned(s.startsAt, timeZone);
            expect(wall.date).toBe(date);
            expect(wall.minutes).toBe(s.minutes);
            // Inside a window whose grid it is on.
            const inWindow = weekly.some(
              (w) =>
                s.minutes >= w.startMinutes &&
                (s.minutes - w.startMinutes) % w.slotMinutes === 0 &&
                b - a === w.slotMinutes * 60_000 &&
                a >= resolveWallTime(date, w.startMinutes, timeZone).at &&
                b <= resolveWallTime(date, w.endMinutes, timeZone).at,
            );
            expect(inWindow).toBe(true);
            for (const e of exceptions) {
              const r = exceptionRange(e, timeZone);
              expect(a < r.end && r.start < b).toBe(false);
            }
            for (const r of busy) {
              expect(a < r.endsAt.getTime() && r.startsAt.getTime() < b).toBe(false);
            }
            expect(a).toBeGreaterThanOrEqual(notBefore.getTime());
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("every free slot is bookable at its wall time, and the next available date has one", () => {
    fc.assert(
      fc.property(
        dateArb,
        fc.constantFrom(...ZONES),
        fc.array(windowArb, { minLength: 1, maxLength: 3 }),
        (date, timeZone, weekly) => {
          const q = { date, timeZone, weekly, exceptions: [], busy: [], notBefore: longAgo };
          for (const s of freeSlots(q)) {
            expect(findBookableSlot(q, s.minutes)?.startsAt.getTime()).toBe(s.startsAt.getTime());
          }
          const next = nextAvailableDate({ ...q, from: date, days: 14 });
          if (next !== null) {
            expect(freeSlots({ ...q, date: next }).length).toBeGreaterThan(0);
            for (let d = date; d < next; d = addDays(d, 1)) expect(freeSlots({ ...q, date: d })).toEqual([]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

import { describe, expect, it } from "vitest";
import { doseTimes, scheduleDoses } from "./schedule.js";

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

describe("doseTimes", () => {
  it("uses the standard times for one to four doses a day", () => {
    expect(doseTimes(1)).toEqual([540]);
    expect(doseTimes(2)).toEqual([540, 1260]);
    expect(doseTimes(3)).toEqual([480, 840, 1200]);
    expect(doseTimes(4)).toEqual([480, 720, 960, 1200]);
  });

  it("spaces more than four doses evenly and keeps times fixed by the wording", () => {
    expect(doseTimes(6)).toEqual([0, 240, 480, 720, 960, 1200]);
    expect(doseTimes(1, [1260])).toEqual([1260]);
  });
});

describe("scheduleDoses", () => {
  it("places doses at local times in the patient's zone", () => {
    const doses = scheduleDoses({
      startDate: "2030-01-07",
      zone: "Asia/Kolkata",
      times: [540, 1260],
      count: 4,
      notBefore: new Date("2030-01-07T00:00:00Z"),
    });
    expect(iso(doses)).toEqual([
      "2030-01-07T03:30:00.000Z",
      "2030-01-07T15:30:00.000Z",
      "2030-01-08T03:30:00.000Z",
      "2030-01-08T15:30:00.000Z",
    ]);
  });

  it("starts the course at the next dose time after issue, keeping the full count", () => {
    const doses = scheduleDoses({
      startDate: "2030-01-07",
      zone: "UTC",
      times: [540, 1260],
      count: 3,
      notBefore: new Date("2030-01-07T12:00:00Z"),
    });
    expect(iso(doses)).toEqual([
      "2030-01-07T21:00:00.000Z",
      "2030-01-08T09:00:00.000Z",
      "2030-01-08T21:00:00.000Z",
    ]);
  });

  it("keeps the local time across a daylight-saving change", () => {
    const doses = scheduleDoses({
      startDate: "2030-03-09",
      zone: "America/New_York",
      times: [540],
      count: 3,
      notBefore: new Date("2030-03-09T00:00:00Z"),
    });
    // EST (UTC-5) before 10 March 2030, EDT (UTC-4) from then.
    expect(iso(doses)).toEqual([
      "2030-03-09T14:00:00.000Z",
      "2030-03-10T13:00:00.000Z",
      "2030-03-11T13:00:00.000Z",
    ]);
  });

  it("gives nothing for a course of no doses", () => {
    expect(
      scheduleDoses({ startDate: "2030-01-07", zone: "UTC", times: [540], count: 0, notBefore: new Date(0) }),
    ).toEqual([]);
  });
});

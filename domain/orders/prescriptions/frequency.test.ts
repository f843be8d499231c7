import { describe, expect, it } from "vitest";
import { parseFrequency } from "./frequency.js";

describe("parseFrequency", () => {
  it.each([
    ["once daily", 1],
    ["Once a day", 1],
    ["OD", 1],
    ["twice daily", 2],
    ["BD", 2],
    ["b.i.d.", 2],
    ["BID", 2],
    ["thrice daily", 3],
    ["TDS", 3],
    ["TID", 3],
    ["three times a day", 3],
    ["QID", 4],
    ["every 8 hours", 3],
    ["q12h", 2],
    ["every 6 hrs", 4],
    ["every 4 hours", 6],
    ["3 times daily", 3],
  ])("reads %s as %i doses a day", (text, n) => {
    expect(parseFrequency(text)).toMatchObject({ timesPerDay: n, prn: false });
  });

  it("reads 1-0-1 as morning and night, and 0-0-1 as night only", () => {
    expect(parseFrequency("1-0-1")).toEqual({ timesPerDay: 2, prn: false, times: [540, 1260] });
    expect(parseFrequency("0 - 0 - 1")).toEqual({ timesPerDay: 1, prn: false, times: [1260] });
    expect(parseFrequency("1-1-1-1")?.timesPerDay).toBe(4);
    expect(parseFrequency("½-0-½")?.timesPerDay).toBe(2);
  });

  it("reads at night and HS as one dose at night", () => {
    expect(parseFrequency("at night")).toEqual({ timesPerDay: 1, prn: false, times: [1260] });
    expect(parseFrequency("HS")).toEqual({ timesPerDay: 1, prn: false, times: [1260] });
  });

  it("reads as needed and PRN as one a day with no schedule", () => {
    expect(parseFrequency("as needed")).toEqual({ timesPerDay: 1, prn: true });
    expect(parseFrequency("PRN")).toEqual({ timesPerDay: 1, prn: true });
    expect(parseFrequency("SOS")).toEqual({ timesPerDay: 1, prn: true });
  });

  it.each(["whenever", "every 5 hours", "every 1 hour", "0-0-0", "1-x-1", "", "weekly", "1-0"])(
    "refuses %j",
    (text) => {
      expect(parseFrequency(text)).toBeUndefined();
    },
  );
});

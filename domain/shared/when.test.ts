import { describe, expect, it } from "vitest";
import { formatDate, formatDateTime } from "./when.js";

describe("the one date and time format", () => {
  it("writes a calendar date as weekday, day and month", () => {
    expect(formatDate("2030-01-12")).toBe("Sat 12 Jan");
  });
  it("writes an instant on the person's own clock", () => {
    const at = new Date("2030-01-12T04:30:00Z");
    expect(formatDateTime(at, "Asia/Kolkata")).toBe("Sat 12 Jan, 10:00 AM");
    expect(formatDateTime(at, "America/New_York")).toBe("Fri 11 Jan, 11:30 PM");
  });
});

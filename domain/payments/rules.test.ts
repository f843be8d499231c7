import { describe, expect, it } from "vitest";
import { doctorShare, platformFee, refundFor } from "./rules.js";

const policy = { fullBeforeHours: 24, lateSharePercent: 50 };
const start = new Date("2030-01-10T10:00:00Z");

describe("payment rules", () => {
  it("takes the platform fee rounded down and gives the doctor the rest", () => {
    expect(platformFee(50_000, 10)).toBe(5_000);
    expect(platformFee(999, 12.5)).toBe(124);
    expect(doctorShare(999, 12.5)).toBe(875);
    expect(platformFee(999, 12.5) + doctorShare(999, 12.5)).toBe(999);
  });

  it("refunds everything when the doctor or the system calls it off, whenever it happens", () => {
    expect(refundFor("doctor", 50_000, start, new Date("2030-01-10T09:59:00Z"), policy)).toBe(50_000);
    expect(refundFor("system", 50_000, start, new Date("2030-01-10T09:59:00Z"), policy)).toBe(50_000);
  });

  it("refunds a patient everything more than the configured hours before the start, the late share after", () => {
    expect(refundFor("patient", 50_000, start, new Date("2030-01-09T09:59:00Z"), policy)).toBe(50_000);
    expect(refundFor("patient", 50_000, start, new Date("2030-01-09T10:00:00Z"), policy)).toBe(25_000);
    expect(refundFor("patient", 999, start, new Date("2030-01-10T09:00:00Z"), policy)).toBe(499);
  });
});

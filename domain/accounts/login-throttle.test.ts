import { describe, expect, it } from "vitest";
import { MemoryCache } from "../../infra/cache.js";
import { ManualClock } from "../shared/clock.js";
import { LoginThrottle } from "./login-throttle.js";

const settings = { freeFailures: 5, maxDelaySeconds: 900, perAddressPerHour: 100, perAccountPerHour: 30 };
const start = new Date("2030-01-07T00:00:00Z");

describe("login throttle", () => {
  it("locks an account only when many addresses together pass its hourly cap, until the hour ends", async () => {
    const clock = new ManualClock(start);
    const throttle = new LoginThrottle(new MemoryCache(), clock, settings);
    // 30 failures from 10 addresses, 3 each (no address ever waits).
    for (let a = 0; a < 10; a++)
      for (let i = 0; i < 3; i++) {
        await throttle.check("owner@example.test", `203.0.113.${a}`);
        await throttle.failed("owner@example.test", `203.0.113.${a}`);
      }
    clock.advance(15 * 60_000);
    await expect(throttle.check("owner@example.test", "192.0.2.1")).rejects.toMatchObject({
      code: "TOO_MANY_ATTEMPTS",
      retryAfterSeconds: 45 * 60,
    });
    await expect(throttle.check("someone.else@example.test", "203.0.113.1")).resolves.toBeUndefined();
    clock.advance(45 * 60_000);
    await expect(throttle.check("owner@example.test", "192.0.2.1")).resolves.toBeUndefined();
  });

  it("lets one attempt through per opening once waits apply, however many arrive at once", async () => {
    const clock = new ManualClock(start);
    const throttle = new LoginThrottle(new MemoryCache(), clock, settings);
    for (let i = 0; i < 5; i++) await throttle.failed("owner@example.test", "198.51.100.7");
    clock.advance(1000);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => throttle.check("owner@example.test", "198.51.100.7")),
    );
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
  });
});

import { describe, expect, it } from "vitest";
import { assertAllowed, hostMatches, isPublicAddress, type FetchPolicy } from "./safe-fetch.js";

const policy = (resolve: (host: string) => Promise<string[]>): FetchPolicy => ({
  trustedOrigin: "http://127.0.0.1:4010/v1",
  publicHosts: ["api.twilio.com", "*.twiliocdn.com"],
  resolve,
});
const publicDns = () => Promise.resolve(["54.172.60.1", "2600:1f18::1"]);

describe("safe fetch policy", () => {
  it.each([
    "127.0.0.1",
    "127.255.0.9",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "0.0.0.0",
    "0.1.2.3",
    "100.64.0.1",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "[::1]",
    "not an address",
  ])("treats %s as not public", (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(["8.8.8.8", "54.172.60.1", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])(
    "treats %s as public",
    (address) => {
      expect(isPublicAddress(address)).toBe(true);
    },
  );

  it("matches exact host names and *.suffix ones, not look-alikes", () => {
    const names = ["api.twilio.com", "*.twiliocdn.com"];
    expect(hostMatches("API.twilio.com", names)).toBe(true);
    expect(hostMatches("mms.twiliocdn.com", names)).toBe(true);
    expect(hostMatches("twiliocdn.com", names)).toBe(false);
    expect(hostMatches("eviltwiliocdn.com", names)).toBe(false);
    expect(hostMatches("mms.twiliocdn.com.attacker.example", names)).toBe(false);
    expect(hostMatches("api.twilio.com.attacker.example", names)).toBe(false);
  });

  it("allows the configured origin exactly, and public media hosts over https at public addresses only", async () => {
    const ok = policy(publicDns);
    await expect(assertAllowed(new URL("http://127.0.0.1:4010/media/1"), ok)).resolves.toBeUndefined();
    await expect(assertAllowed(new URL("https://mms.twiliocdn.com/x"), ok)).resolves.toBeUndefined();
    const refused = async (url: string, p: FetchPolicy = ok) =>
      assertAllowed(new URL(url), p).then(
        () => "allowed",
        (err: { reason: string }) => err.reason,
      );
    expect(await refused("http://127.0.0.1:4011/media/1")).toBe("url");
    expect(await refused("https://127.0.0.1:4010/media/1")).toBe("host");
    expect(await refused("http://mms.twiliocdn.com/x")).toBe("url");
    expect(await refused("https://user:pw@mms.twiliocdn.com/x")).toBe("url");
    expect(await refused("https://10.0.0.1/x")).toBe("host");
    expect(await refused("https://[::1]/x")).toBe("host");
    expect(await refused("https://attacker.example/x")).toBe("host");
    // An allowed name whose DNS answer includes a private address (one is enough).
    const rebound = policy(() => Promise.resolve(["54.172.60.1", "127.0.0.1"]));
    expect(await refused("https://mms.twiliocdn.com/x", rebound)).toBe("address");
    const mapped = policy(() => Promise.resolve(["::ffff:169.254.169.254"]));
    expect(await refused("https://mms.twiliocdn.com/x", mapped)).toBe("address");
    const unresolvable = policy(() => Promise.reject(new Error("ENOTFOUND")));
    expect(await refused("https://mms.twiliocdn.com/x", unresolvable)).toBe("address");
  });

  it("resolves host names with node:dns by default (localhost is loopback: refused)", async () => {
    const p: FetchPolicy = { trustedOrigin: "http://127.0.0.1:4010", publicHosts: ["localhost"] };
    await expect(assertAllowed(new URL("https://localhost/x"), p)).rejects.toMatchObject({
      reason: "address",
    });
  });
});

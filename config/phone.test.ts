import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./index.js";

const base = {
  LOG_LEVEL: "silent",
  JWT_SECRET: "j".repeat(40),
  STORAGE_ENCRYPTION_KEY: "ab".repeat(32),
};

describe("DEFAULT_PHONE_REGION", () => {
  it("is IN by default and takes any region libphonenumber knows, in either case", () => {
    expect(loadConfig(base).phone.defaultRegion).toBe("IN");
    expect(loadConfig({ ...base, DEFAULT_PHONE_REGION: "gb" }).phone.defaultRegion).toBe("GB");
  });

  it("stops the boot, naming the variable, for what is not a region", () => {
    for (const bad of ["UK", "India", "X"])
      expect(() => loadConfig({ ...base, DEFAULT_PHONE_REGION: bad }), bad).toThrow(
        new ConfigError(
          "Invalid configuration: DEFAULT_PHONE_REGION: an ISO 3166 alpha-2 region like IN, US or GB",
        ),
      );
  });
});

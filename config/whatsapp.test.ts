import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./index.js";

const base = {
  LOG_LEVEL: "silent",
  JWT_SECRET: "j".repeat(40),
  STORAGE_ENCRYPTION_KEY: "ab".repeat(32),
};
const whatsapp = {
  WHATSAPP_ACCESS_TOKEN: "EAAtoken",
  WHATSAPP_PHONE_NUMBER_ID: "106540352242922",
  WHATSAPP_APP_SECRET: "app-secret",
  WHATSAPP_VERIFY_TOKEN: "verify",
};

describe("WhatsApp configuration", () => {
  it("is off when its variables are unset", () => {
    expect(loadConfig(base).whatsapp).toBeUndefined();
  });

  it("is on with all four credentials, the default Graph API base and the templates", () => {
    const config = loadConfig({
      ...base,
      ...whatsapp,
      WHATSAPP_TEMPLATES: JSON.stringify({
        "payment.link": { name: "payment_link", language: "en_US", params: ["amount", "checkout_url"] },
      }),
    });
    expect(config.whatsapp).toEqual({
      accessToken: "EAAtoken",
      phoneNumberId: "106540352242922",
      appSecret: "app-secret",
      verifyToken: "verify",
      graphApiBase: "https://graph.facebook.com/v21.0",
      templates: {
        "payment.link": { name: "payment_link", language: "en_US", params: ["amount", "checkout_url"] },
      },
    });
  });

  it("refuses a partial setup, naming what is missing, and malformed templates", () => {
    expect(() => loadConfig({ ...base, WHATSAPP_ACCESS_TOKEN: "x" })).toThrow(
      /missing: WHATSAPP_PHONE_NUMBER_ID/,
    );
    expect(() => loadConfig({ ...base, ...whatsapp, WHATSAPP_TEMPLATES: "{not json" })).toThrow(ConfigError);
    expect(() =>
      loadConfig({ ...base, ...whatsapp, WHATSAPP_TEMPLATES: JSON.stringify({ x: { name: "Bad Name" } }) }),
    ).toThrow(/WHATSAPP_TEMPLATES/);
    expect(() => loadConfig({ ...base, ...whatsapp, WHATSAPP_GRAPH_API_BASE: "not a url" })).toThrow(
      /WHATSAPP_GRAPH_API_BASE/,
    );
  });
});

import { describe, expect, it } from "vitest";
import { loadConfig } from "../../config/index.js";
import { contentVariables } from "./client.js";
import { parseMessage, parseStatus } from "./inbound.js";
import { renderText, TWILIO_BODY_LIMIT } from "./render.js";
import { computeSignature, verifySignature } from "./signature.js";

// Twilio's documented example (security docs and twilio-node's tests): auth token 12345.
const DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2";
const DOC_PARAMS: [string, string][] = [
  ["CallSid", "CA1234567890ABCDE"],
  ["Caller", "+14158675309"],
  ["Digits", "1234"],
  ["From", "+14158675309"],
  ["To", "+18005551212"],
];
const DOC_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

describe("X-Twilio-Signature", () => {
  it("matches Twilio's documented example, whatever the order the parameters come in", () => {
    expect(computeSignature("12345", DOC_URL, DOC_PARAMS)).toBe(DOC_SIGNATURE);
    expect(computeSignature("12345", DOC_URL, [...DOC_PARAMS].reverse())).toBe(DOC_SIGNATURE);
    expect(verifySignature(DOC_SIGNATURE, "12345", DOC_URL, new URLSearchParams(DOC_PARAMS))).toBe(true);
  });

  it("refuses a missing, empty or wrong signature, another token, URL or parameter", () => {
    const ok = (header: unknown, token = "12345", url = DOC_URL, params = DOC_PARAMS) =>
      verifySignature(header, token, url, params);
    expect(ok(undefined)).toBe(false);
    expect(ok("")).toBe(false);
    expect(ok(["RSOYDt4T1cUTdK1PDd93/VVr8B8="])).toBe(false);
    expect(ok(DOC_SIGNATURE.slice(0, -2) + "A=")).toBe(false);
    expect(ok(DOC_SIGNATURE + "=")).toBe(false);
    expect(ok(DOC_SIGNATURE, "12346")).toBe(false);
    expect(ok(DOC_SIGNATURE, "12345", "https://mycompany.com/myapp.php?foo=1&bar=3")).toBe(false);
    expect(ok(DOC_SIGNATURE, "12345", DOC_URL, [...DOC_PARAMS, ["Body", ""]])).toBe(false);
    expect(ok(DOC_SIGNATURE, "12345", DOC_URL, DOC_PARAMS.slice(1))).toBe(false);
  });
});

describe("renderText (SMS and WhatsApp bodies)", () => {
  it("numbers the choices with a reply hint and puts each link's URL on its own line", () => {
    const [body] = renderText({
      text: "Pick one:",
      choices: [
        { id: "a", label: "Alpha" },
        { id: "b", label: "Beta" },
        { id: "c", label: "Gamma" },
      ],
      links: [{ label: "Pay", url: "https://healthlink.test/pay/abc" }],
    });
    expect(body).toBe(
      "Pick one:\n\n1. Alpha\n2. Beta\n3. Gamma\nReply 1, 2 or 3.\n\nPay:\nhttps://healthlink.test/pay/abc",
    );
    expect(renderText({ text: "Sure?", choices: [{ id: "y", label: "Yes" }] })).toEqual([
      "Sure?\n\n1. Yes\nReply 1.",
    ]);
    expect(renderText({ text: "Hello" })).toEqual(["Hello"]);
  });

  it("keeps a message of exactly the limit whole and splits a longer one at words, numbered, each within the limit", () => {
    expect(renderText({ text: "x".repeat(TWILIO_BODY_LIMIT) })).toHaveLength(1);
    const words = Array.from({ length: 120 }, (_, i) => `w${i}`).join(" ");
    const parts = renderText({ text: words }, 100);
    expect(parts.length).toBeGreaterThan(3);
    parts.forEach((p, i) => {
      expect(p.length).toBeLessThanOrEqual(100);
      expect(p.endsWith(` (${i + 1}/${parts.length})`)).toBe(true);
    });
    expect(parts.map((p) => p.replace(/ \(\d+\/\d+\)$/, "")).join(" ")).toBe(words);
  });

  it("never cuts a URL that fits in a part", () => {
    const url = "https://healthlink.test/pay/" + "t".repeat(40);
    const parts = renderText({ text: "word ".repeat(30).trim(), links: [{ label: "Pay", url }] }, 100);
    expect(parts.some((p) => p.split("\n").includes(url) || p.startsWith(url))).toBe(true);
  });
});

describe("parseMessage / parseStatus", () => {
  const at = new Date("2030-01-07T00:00:00Z");
  const sid = "SM0123456789abcdef0123456789abcdef";
  const fields = (o: Record<string, string>) => new Map(Object.entries(o));

  it("takes the number as the identity, the MessageSid as the provider id and the media as attachments", () => {
    const parsed = parseMessage(
      "whatsapp",
      fields({
        MessageSid: sid,
        From: "whatsapp:+919876500001",
        Body: "  my report ",
        NumMedia: "2",
        MediaUrl0: "https://api.twilio.com/m/0",
        MediaContentType0: "image/jpeg",
        MediaUrl1: "https://api.twilio.com/m/1",
        MediaContentType1: "application/pdf",
      }),
      at,
    );
    expect(parsed).toEqual({
      kind: "turn",
      inbound: {
        channel: "whatsapp",
        externalUserId: "+919876500001",
        text: "my report",
        attachments: [
          { url: "https://api.twilio.com/m/0", mimeType: "image/jpeg" },
          { url: "https://api.twilio.com/m/1", mimeType: "application/pdf" },
        ],
        providerMessageId: sid,
        receivedAt: at,
      },
    });
  });

  it("takes a WhatsApp quick-reply button's payload as the choice", () => {
    const parsed = parseMessage(
      "whatsapp",
      fields({ MessageSid: sid, From: "whatsapp:+919876500001", Body: "Confirm", ButtonPayload: "confirm" }),
      at,
    );
    expect(parsed).toMatchObject({ kind: "turn", inbound: { text: "Confirm", choice: "confirm" } });
  });

  it("ignores a bad sid, a sender of the other kind, a non-E.164 sender and an empty message", () => {
    expect(
      parseMessage("sms", fields({ MessageSid: "x", From: "+919876500001", Body: "hi" }), at),
    ).toMatchObject({ kind: "ignored" });
    expect(
      parseMessage("sms", fields({ MessageSid: sid, From: "whatsapp:+919876500001", Body: "hi" }), at),
    ).toMatchObject({ kind: "ignored" });
    expect(
      parseMessage("whatsapp", fields({ MessageSid: sid, From: "+919876500001", Body: "hi" }), at),
    ).toMatchObject({ kind: "ignored" });
    expect(parseMessage("sms", fields({ MessageSid: sid, From: "Alice", Body: "hi" }), at)).toMatchObject({
      kind: "ignored",
    });
    expect(
      parseMessage("sms", fields({ MessageSid: sid, From: "+919876500001", Body: " " }), at),
    ).toMatchObject({ kind: "ignored" });
  });

  it("reads a status callback's channel from the whatsapp: prefix", () => {
    expect(parseStatus(fields({ MessageSid: sid, MessageStatus: "delivered", To: "+919876500001" }))).toEqual(
      {
        channel: "sms",
        providerMessageId: sid,
        status: "delivered",
      },
    );
    expect(
      parseStatus(fields({ MessageSid: sid, MessageStatus: "read", To: "whatsapp:+919876500001" })),
    ).toMatchObject({
      channel: "whatsapp",
    });
    expect(parseStatus(fields({ MessageSid: sid, MessageStatus: "<script>" }))).toBeUndefined();
  });
});

/** A server-mode configuration (no embedded secrets written) with these variables. */
const config = (env: Record<string, string>) =>
  loadConfig({
    DATABASE_URL: "postgres://unused",
    JWT_SECRET: "x".repeat(32),
    STORAGE_ENCRYPTION_KEY: "0".repeat(64),
    ...env,
  });

describe("Twilio configuration", () => {
  const base = { TWILIO_ACCOUNT_SID: "AC0123456789abcdef0123456789abcdef", TWILIO_AUTH_TOKEN: "token" };
  it("is off without a number, on with one; refuses half a credential and a bad template map", () => {
    expect(config({ ...base }).twilio).toBeUndefined();
    expect(config({ ...base, TWILIO_PHONE_NUMBER: "+14155550100" }).twilio).toMatchObject({
      phoneNumber: "+14155550100",
      whatsappNumber: undefined,
      apiBaseUrl: "https://api.twilio.com",
    });
    expect(() => config({ TWILIO_ACCOUNT_SID: base.TWILIO_ACCOUNT_SID })).toThrow(/together/);
    expect(() => config({ ...base, TWILIO_PHONE_NUMBER: "4155550100" })).toThrow(/E\.164/);
    expect(() =>
      config({ ...base, TWILIO_PHONE_NUMBER: "+14155550100", TWILIO_WHATSAPP_TEMPLATES: "{" }),
    ).toThrow(/TWILIO_WHATSAPP_TEMPLATES/);
    const cfg = config({
      ...base,
      TWILIO_WHATSAPP_NUMBER: "+14155550199",
      TWILIO_WHATSAPP_TEMPLATES: JSON.stringify({ "a.b": "HX0123456789abcdef0123456789abcdef" }),
    });
    expect(cfg.twilio?.whatsappTemplates["a.b"]).toEqual({
      contentSid: "HX0123456789abcdef0123456789abcdef",
      variables: [],
    });
  });

  it("maps a notification's data to Content variables by the configured order, else by name", () => {
    const data = { doctor: "Dr Rao", time: "10:00", n: 3 };
    expect(contentVariables({ contentSid: "HX", variables: ["doctor", "time"] }, data)).toEqual({
      1: "Dr Rao",
      2: "10:00",
    });
    expect(contentVariables({ contentSid: "HX", variables: [] }, data)).toEqual({
      doctor: "Dr Rao",
      time: "10:00",
      n: "3",
    });
  });
});

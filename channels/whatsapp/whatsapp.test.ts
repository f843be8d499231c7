import { describe, expect, it } from "vitest";
import { ManualClock } from "../../domain/shared/clock.js";
import type { WhatsAppSettings } from "./client.js";
import { graphSendError, WhatsAppClient, windowOpen } from "./client.js";
import {
  parseWebhook,
  SHARE_CONTACT_ID,
  signBody,
  toWaId,
  verifyChallenge,
  verifySignature,
} from "./inbound.js";
import {
  BUTTON_TITLE_LIMIT,
  INTERACTIVE_BODY_LIMIT,
  render,
  renderTemplate,
  ROW_DESCRIPTION_LIMIT,
  ROW_TITLE_LIMIT,
  WHATSAPP_TEXT_LIMIT,
  type ButtonsPayload,
  type ListPayload,
  type TextPayload,
} from "./render.js";

const SECRET = "app-secret-0123456789";
const now = new Date("2030-01-07T00:00:00Z");
const choices = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ id: `c${i + 1}`, label: `Choice ${i + 1}` }));

describe("verifySignature", () => {
  const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');

  it("accepts only sha256= and the hex HMAC of the exact raw body with the app secret", () => {
    const good = signBody(body, SECRET);
    expect(verifySignature(body, good, SECRET)).toBe(true);
    expect(verifySignature(body, good.toUpperCase().replace("SHA256=", "sha256="), SECRET)).toBe(true);
  });

  it("refuses missing, malformed, wrong-key, wrong-body and truncated signatures", () => {
    const good = signBody(body, SECRET);
    const tampered = Buffer.from(body.toString().replace("[]", "[ ]"));
    for (const h of [
      undefined,
      "",
      ["x"],
      good.slice("sha256=".length),
      good.replace("sha256=", "sha1="),
      good.slice(0, -2),
      `${good}00`,
      signBody(body, "another-secret"),
      "sha256=" + "z".repeat(64),
    ])
      expect(verifySignature(body, h, SECRET)).toBe(false);
    expect(verifySignature(tampered, good, SECRET)).toBe(false);
  });
});

describe("verifyChallenge", () => {
  it("echoes the challenge only for mode=subscribe and the right token", () => {
    const q = { "hub.mode": "subscribe", "hub.verify_token": "tok-123", "hub.challenge": "1158201444" };
    expect(verifyChallenge(q, "tok-123")).toBe("1158201444");
    expect(verifyChallenge({ ...q, "hub.verify_token": "tok-124" }, "tok-123")).toBeUndefined();
    expect(verifyChallenge({ ...q, "hub.verify_token": "tok-1234" }, "tok-123")).toBeUndefined();
    expect(verifyChallenge({ ...q, "hub.mode": "unsubscribe" }, "tok-123")).toBeUndefined();
    expect(verifyChallenge({ "hub.mode": "subscribe", "hub.challenge": "1" }, "tok-123")).toBeUndefined();
    expect(verifyChallenge({ ...q, "hub.challenge": "<script>" + "x".repeat(300) }, "tok-123")).toBe(
      undefined,
    );
  });
});

describe("phone numbers", () => {
  it("turns our E.164 address into Meta's digits (inbound ids go through domain/shared/phone.ts)", () => {
    expect(toWaId("+919876500001")).toBe("919876500001");
    expect(toWaId("919876500001")).toBeUndefined();
  });
});

describe("parseWebhook", () => {
  const envelope = (value: Record<string, unknown>, phoneNumberId = "555") => ({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "1",
        changes: [{ field: "messages", value: { metadata: { phone_number_id: phoneNumberId }, ...value } }],
      },
    ],
  });

  it("reads every message and status of every entry and change", () => {
    const json = {
      object: "whatsapp_business_account",
      entry: [
        {
          id: "1",
          changes: [
            {
              field: "messages",
              value: {
                metadata: { phone_number_id: "555" },
                messages: [
                  { from: "919876500001", id: "wamid.A", type: "text", text: { body: "hi" } },
                  {
                    from: "919876500002",
                    id: "wamid.B",
                    type: "interactive",
                    interactive: { type: "button_reply", button_reply: { id: "agree", title: "I agree" } },
                  },
                ],
              },
            },
          ],
        },
        {
          id: "2",
          changes: [
            {
              field: "messages",
              value: {
                metadata: { phone_number_id: "555" },
                messages: [
                  {
                    from: "919876500003",
                    id: "wamid.C",
                    type: "interactive",
                    interactive: { type: "list_reply", list_reply: { id: "doc:7", title: "Dr Rao" } },
                  },
                ],
                statuses: [
                  { id: "wamid.OUT1", status: "delivered", timestamp: "1893974400", recipient_id: "91" },
                  { id: "wamid.OUT2", status: "read", timestamp: "1893974460", recipient_id: "91" },
                  { id: "wamid.OUT3", status: "deleted", timestamp: "1893974460", recipient_id: "91" },
                  { id: "wamid.OUT4", status: "failed", timestamp: "1893974460", errors: [{ code: 131026 }] },
                  { id: "wamid.OUT5", status: "failed", timestamp: "1893974460", errors: [{ code: 130429 }] },
                ],
              },
            },
          ],
        },
      ],
    };
    const p = parseWebhook(json, now, "555");
    expect(p.messages).toEqual([
      {
        channel: "whatsapp",
        externalUserId: "+919876500001",
        text: "hi",
        providerMessageId: "wamid.A",
        receivedAt: now,
      },
      {
        channel: "whatsapp",
        externalUserId: "+919876500002",
        text: "I agree",
        choice: "agree",
        providerMessageId: "wamid.B",
        receivedAt: now,
      },
      {
        channel: "whatsapp",
        externalUserId: "+919876500003",
        text: "Dr Rao",
        choice: "doc:7",
        providerMessageId: "wamid.C",
        receivedAt: now,
      },
    ]);
    expect(p.statuses).toEqual([
      { providerMessageId: "wamid.OUT1", status: "delivered", at: new Date(1893974400_000) },
      { providerMessageId: "wamid.OUT2", status: "read", at: new Date(1893974460_000) },
      // Undeliverable (final: the notification moves on); a rate limit (not final: it does not).
      {
        providerMessageId: "wamid.OUT4",
        status: "failed",
        at: new Date(1893974460_000),
        permanentError: "131026",
      },
      { providerMessageId: "wamid.OUT5", status: "failed", at: new Date(1893974460_000) },
    ]);
    expect(p.ignored).toEqual(["status_type"]);
  });

  it("turns documents and images into attachments referring to the media id, with the mime type", () => {
    const p = parseWebhook(
      envelope({
        messages: [
          {
            from: "919876500001",
            id: "wamid.D",
            type: "document",
            document: {
              id: "1234567890",
              mime_type: "application/pdf",
              filename: "report.pdf",
              caption: "my report",
            },
          },
          {
            from: "919876500001",
            id: "wamid.E",
            type: "image",
            image: { id: "998877", mime_type: "image/jpeg" },
          },
        ],
      }),
      now,
      "555",
    );
    expect(p.messages[0]).toMatchObject({
      text: "my report",
      attachments: [{ url: "wa-media:1234567890", mimeType: "application/pdf", name: "report.pdf" }],
    });
    expect(p.messages[1]).toMatchObject({
      text: "",
      attachments: [{ url: "wa-media:998877", mimeType: "image/jpeg" }],
    });
  });

  it("shares the sender's own number when the contact button is tapped", () => {
    const p = parseWebhook(
      envelope({
        messages: [
          {
            from: "919876500001",
            id: "wamid.F",
            type: "interactive",
            interactive: {
              type: "button_reply",
              button_reply: { id: SHARE_CONTACT_ID, title: "Use this number" },
            },
          },
        ],
      }),
      now,
    );
    expect(p.messages[0]).toMatchObject({ text: "", contact: { phone: "+919876500001", proven: true } });
    expect(p.messages[0]!.choice).toBeUndefined();
  });

  it("skips what it cannot handle and other phone numbers' changes, and never throws", () => {
    const other = parseWebhook(
      envelope({ messages: [{ from: "91987650000", id: "x", type: "text", text: { body: "hi" } }] }, "999"),
      now,
      "555",
    );
    expect(other.messages).toEqual([]);
    for (const json of [
      null,
      "text",
      { entry: "x" },
      envelope({ messages: [{ from: "919876500001", id: "s", type: "sticker", sticker: {} }] }),
      envelope({ messages: [{ from: "abc", id: "t", type: "text", text: { body: "hi" } }] }),
      envelope({ messages: [{ from: "919876500001", id: "t", type: "text", text: { body: "  " } }] }),
      envelope({ messages: [{ id: "t" }] }),
    ]) {
      const p = parseWebhook(json, now, "555");
      expect(p.messages).toEqual([]);
      expect(p.ignored.length).toBeGreaterThan(0);
    }
  });
});

describe("render", () => {
  it("puts up to 3 choices on reply buttons", () => {
    const [p] = render({ text: "Pick one", choices: choices(3) }) as [ButtonsPayload];
    expect(p.type).toBe("interactive");
    expect(p.interactive.type).toBe("button");
    expect(p.interactive.body.text).toBe("Pick one");
    expect(p.interactive.action.buttons).toEqual(
      choices(3).map((c) => ({ type: "reply", reply: { id: c.id, title: c.label } })),
    );
  });

  it("puts 4 to 10 choices in a list message", () => {
    for (const n of [4, 10]) {
      const out = render({ text: "Pick one", choices: choices(n) });
      expect(out).toHaveLength(1);
      const p = out[0] as ListPayload;
      expect(p.interactive.type).toBe("list");
      expect(p.interactive.action.button.length).toBeLessThanOrEqual(20);
      expect(p.interactive.action.sections[0]!.rows.map((r) => r.id)).toEqual(choices(n).map((c) => c.id));
    }
  });

  it("lists more than 10 choices as numbered text (the engine maps the number back)", () => {
    const out = render({ text: "Pick one", choices: choices(11) }) as TextPayload[];
    expect(out).toHaveLength(1);
    expect(out[0]!.type).toBe("text");
    expect(out[0]!.text.body).toContain("1. Choice 1\n");
    expect(out[0]!.text.body).toContain("11. Choice 11");
  });

  it("cuts button titles to 20 characters and row titles to 24, keeping the full labels readable", () => {
    const long = [
      { id: "doc:1", label: "Dr Meera Shah (Dentist), ₹500.00, rating 4.5" },
      { id: "doc:2", label: "Dr Meera Shah (Dentist), ₹600.00, rating 4.9" },
    ];
    const [b] = render({ text: "Doctors:", choices: long }) as [ButtonsPayload];
    const titles = b.interactive.action.buttons.map((x) => x.reply.title);
    expect(titles.every((t) => [...t].length <= BUTTON_TITLE_LIMIT)).toBe(true);
    expect(new Set(titles).size).toBe(2);
    expect(b.interactive.body.text).toContain("1. Dr Meera Shah (Dentist), ₹500.00, rating 4.5");

    const many = [...long, ...choices(3)];
    const [l] = render({ text: "Doctors:", choices: many }) as [ListPayload];
    const rows = l.interactive.action.sections[0]!.rows;
    expect(rows.every((r) => [...r.title].length <= ROW_TITLE_LIMIT)).toBe(true);
    expect(rows[0]!.title.endsWith("…")).toBe(true);
    expect(rows[0]!.description).toBe("Dr Meera Shah (Dentist), ₹500.00, rating 4.5");
    expect(rows[0]!.description!.length).toBeLessThanOrEqual(ROW_DESCRIPTION_LIMIT);
    expect(rows[2]).toEqual({ id: "c1", title: "Choice 1" });
  });

  it("splits long text at 4096 characters, and keeps an interactive body within 1024", () => {
    const plain = render({ text: "word ".repeat(2000) }) as TextPayload[];
    expect(plain).toHaveLength(3);
    expect(plain.every((p) => p.type === "text" && p.text.body.length <= WHATSAPP_TEXT_LIMIT)).toBe(true);

    const withButtons = render({ text: "word ".repeat(1000), choices: choices(2) });
    const last = withButtons.at(-1) as ButtonsPayload;
    expect(last.interactive.type).toBe("button");
    expect(last.interactive.body.text.length).toBeLessThanOrEqual(INTERACTIVE_BODY_LIMIT);
    expect(withButtons.slice(0, -1).every((p) => p.type === "text")).toBe(true);
    const total = withButtons
      .map((p) => (p.type === "text" ? p.text.body : (p as ButtonsPayload).interactive.body.text))
      .join(" ");
    expect(total.split("word").length - 1).toBe(1000);
  });

  it("sends a payment link as a tappable text link with a preview, never a payment or order message", () => {
    const out = render({
      text: "Request sent to the doctor.",
      links: [{ label: "Pay ₹500.00", url: "https://healthlink.test/pay/tok" }],
    });
    expect(out).toEqual([
      {
        type: "text",
        text: {
          body: "Request sent to the doctor.\n\nPay ₹500.00: https://healthlink.test/pay/tok",
          preview_url: true,
        },
      },
    ]);
    const types = JSON.stringify(out);
    for (const native of ["order_details", "order_status", "payment", "catalog", "product"])
      expect(types).not.toContain(native);
  });

  it("offers a 'use this number' button when the engine asks for the contact, and documents by link", () => {
    const [p] = render({ text: "Your mobile number?", requestContact: true }) as [ButtonsPayload];
    expect(p.interactive.action.buttons).toEqual([
      { type: "reply", reply: { id: SHARE_CONTACT_ID, title: "Use this number" } },
    ]);
    const doc = render({
      text: "Your invoice",
      attachments: [{ url: "https://x.test/a.pdf", name: "a.pdf" }],
    });
    expect(doc[1]).toEqual({
      type: "document",
      document: { link: "https://x.test/a.pdf", filename: "a.pdf" },
    });
  });

  it("fills a template's body parameters from the notification data, in order, cleaned", () => {
    const t = renderTemplate(
      {
        name: "appointment_reminder",
        language: "en_US",
        params: ["doctor_name", "appointment_date", "missing"],
      },
      { doctor_name: "Dr  Rao\nMD", appointment_date: "2030-01-09" },
    );
    expect(t).toEqual({
      type: "template",
      template: {
        name: "appointment_reminder",
        language: { code: "en_US" },
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: "Dr Rao MD" },
              { type: "text", text: "2030-01-09" },
              { type: "text", text: "-" },
            ],
          },
        ],
      },
    });
  });
});

describe("the 24-hour window and Graph errors", () => {
  const settings: WhatsAppSettings = {
    accessToken: "t",
    phoneNumberId: "555",
    appSecret: SECRET,
    verifyToken: "v",
    graphApiBase: "http://127.0.0.1:1/v21.0",
    templates: { "appointment.reminder": { name: "reminder", language: "en", params: ["doctor_name"] } },
  };
  const clock = new ManualClock(now);
  const client = new WhatsAppClient(settings, clock, 1024);
  const hour = 3600_000;

  it("is open for 24 hours after the person's last message", () => {
    expect(windowOpen(new Date(now.getTime() - 23 * hour), now)).toBe(true);
    expect(windowOpen(new Date(now.getTime() - 24 * hour), now)).toBe(false);
    expect(windowOpen(null, now)).toBe(false);
  });

  it("sends free-form inside the window, the template outside it, and refuses the rest", () => {
    const msg = { text: "Reminder", choices: choices(2) };
    const inside = client.payloadsFor(msg, {
      idempotencyKey: "k",
      lastInboundAt: new Date(now.getTime() - hour),
    });
    expect(inside[0]!.type).toBe("interactive");
    const notification = { template: "appointment.reminder", data: { doctor_name: "Dr Rao" } };
    const outside = client.payloadsFor(msg, {
      idempotencyKey: "k",
      lastInboundAt: new Date(now.getTime() - 30 * hour),
      notification,
    });
    expect(outside).toEqual([renderTemplate(settings.templates["appointment.reminder"]!, notification.data)]);
    for (const ctx of [
      { idempotencyKey: "k", lastInboundAt: null, notification: { template: "lab.results_ready", data: {} } },
      { idempotencyKey: "k", lastInboundAt: new Date(now.getTime() - 30 * hour) },
    ])
      expect(() => client.payloadsFor(msg, ctx)).toThrow(
        expect.objectContaining({ code: "WHATSAPP_WINDOW_CLOSED", retryable: false }),
      );
  });

  it("retries 429 and 5xx, treats 131047 as the closed window, and keeps other codes permanent", () => {
    expect(graphSendError(429, { error: { code: 130429 } })).toMatchObject({
      code: "WHATSAPP_429",
      retryable: true,
    });
    expect(graphSendError(503, null)).toMatchObject({ code: "WHATSAPP_503", retryable: true });
    expect(graphSendError(400, { error: { code: 131047 } })).toMatchObject({
      code: "WHATSAPP_WINDOW_CLOSED",
      retryable: false,
    });
    expect(graphSendError(400, { error: { code: 131026 } })).toMatchObject({
      code: "WHATSAPP_131026",
      retryable: false,
    });
    expect(graphSendError(401, { error: { code: 190, message: "token EAAB..." } })).toMatchObject({
      code: "WHATSAPP_190",
      retryable: false,
    });
  });
});

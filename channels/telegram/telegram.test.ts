import { describe, expect, it } from "vitest";
import { commandWord, parseUpdate, verifySecret } from "./inbound.js";
import { render, SHARE_CONTACT_LABEL, TELEGRAM_TEXT_LIMIT } from "./render.js";
import { failureCode } from "./client.js";

const now = new Date("2030-01-07T00:00:00Z");
const from = { id: 42, is_bot: false, first_name: "Mei" };
const chat = { id: 42, type: "private" };

describe("verifySecret", () => {
  it("accepts only the exact secret", () => {
    expect(verifySecret("s3cret-s3cret-s3cret", "s3cret-s3cret-s3cret")).toBe(true);
    for (const h of [undefined, "", "s3cret", "s3cret-s3cret-s3creT", "s3cret-s3cret-s3cret!", ["x"]])
      expect(verifySecret(h, "s3cret-s3cret-s3cret")).toBe(false);
  });
});

describe("parseUpdate", () => {
  it("turns a text message into an inbound message of the sender, keyed by the update id", () => {
    const u = parseUpdate({ update_id: 5, message: { message_id: 1, from, chat, text: "hello" } }, now);
    expect(u).toEqual({
      kind: "turn",
      chatId: 42,
      inbound: {
        channel: "telegram",
        externalUserId: "42",
        text: "hello",
        providerMessageId: "tg:5",
        receivedAt: now,
      },
    });
  });

  it("turns a button press into a choice, to be answered", () => {
    const u = parseUpdate(
      { update_id: 6, callback_query: { id: "cb1", from, data: "agree", message: { message_id: 2, chat } } },
      now,
    );
    expect(u).toMatchObject({ kind: "turn", callbackQueryId: "cb1", inbound: { choice: "agree" } });
  });

  it("accepts a shared contact only when it is the sender's own", () => {
    const own = parseUpdate(
      {
        update_id: 7,
        message: { message_id: 3, from, chat, contact: { phone_number: "919876543210", user_id: 42 } },
      },
      now,
    );
    expect(own).toMatchObject({
      kind: "turn",
      inbound: { contact: { phone: "+919876543210", proven: true } },
    });
    const other = parseUpdate(
      {
        update_id: 8,
        message: { message_id: 4, from, chat, contact: { phone_number: "919876543210", user_id: 43 } },
      },
      now,
    );
    expect(other).toEqual({ kind: "foreign_contact", chatId: 42 });
    const noOwner = parseUpdate(
      { update_id: 9, message: { message_id: 5, from, chat, contact: { phone_number: "919876543210" } } },
      now,
    );
    expect(noOwner.kind).toBe("foreign_contact");
  });

  it("ignores what it cannot handle: stickers, edits, group chats, bots, junk", () => {
    for (const json of [
      { update_id: 1, message: { message_id: 1, from, chat, sticker: {} } },
      { update_id: 1, edited_message: { message_id: 1, from, chat, text: "x" } },
      { update_id: 1, message: { message_id: 1, from, chat: { id: -5, type: "group" }, text: "x" } },
      { update_id: 1, message: { message_id: 1, from: { id: 9, is_bot: true }, chat, text: "x" } },
      { nonsense: true },
      null,
      "text",
    ])
      expect(parseUpdate(json, now).kind).toBe("ignored");
  });

  it("reads bot commands as the engine's keywords", () => {
    expect(commandWord("/start")).toBe("menu");
    expect(commandWord("/help@HealthLinkBot")).toBe("help");
    expect(commandWord("/start now")).toBe("/start now");
  });
});

describe("render", () => {
  it("puts choices on inline keyboard buttons and https links on URL buttons", () => {
    const [p] = render({
      text: "Pick one",
      choices: [
        { id: "find", label: "Find a doctor" },
        { id: "human", label: "Talk to a human" },
      ],
      links: [
        { label: "Pay now", url: "https://pay.example/cs_1" },
        { label: "Terms", url: "http://localhost/terms" },
      ],
    });
    expect(p!.reply_markup).toEqual({
      inline_keyboard: [
        [{ text: "1. Find a doctor", callback_data: "find" }],
        [{ text: "2. Talk to a human", callback_data: "human" }],
        [{ text: "Pay now", url: "https://pay.example/cs_1" }],
      ],
    });
    expect(p!.text).toContain("Terms: http://localhost/terms");
  });

  it("never puts more than 64 bytes in callback_data: such a choice is listed in the text instead", () => {
    const long = "x".repeat(65);
    const [p] = render({ text: "Pick", choices: [{ id: long, label: "Long one" }] });
    expect(p!.reply_markup).toBeUndefined();
    expect(p!.text).toContain("1. Long one");
  });

  it("splits long text at 4096 characters, with the buttons on the last part", () => {
    const parts = render({ text: "word ".repeat(2000), choices: [{ id: "a", label: "A" }] });
    expect(parts.length).toBe(3);
    expect(parts.every((p) => p.text.length <= TELEGRAM_TEXT_LIMIT)).toBe(true);
    expect(parts.slice(0, -1).every((p) => p.reply_markup === undefined)).toBe(true);
    expect(parts.at(-1)!.reply_markup).toBeDefined();
  });

  it("asks for the contact with a one-time reply keyboard when the engine asks for it", () => {
    const [p] = render({ text: "Your mobile number?", requestContact: true });
    expect(p!.reply_markup).toEqual({
      keyboard: [[{ text: SHARE_CONTACT_LABEL, request_contact: true }]],
      one_time_keyboard: true,
      resize_keyboard: true,
    });
  });
});

describe("failureCode", () => {
  it("keeps a code and never the message (which may carry the token)", () => {
    expect(failureCode({ code: 403, message: "bot123:abc" })).toBe("TELEGRAM_403");
    expect(failureCode(new Error("request to https://api.telegram.org/bot123:abc failed"))).toBe(
      "TELEGRAM_UNREACHABLE",
    );
  });
});

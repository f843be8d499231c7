import { describe, expect, it } from "vitest";
import { parseFrame, toInbound, visitorExternalId } from "./inbound.js";
import { render, renderMine, WEB_TEXT_LIMIT } from "./render.js";
import { escapeHtml, sitePage } from "./style.js";

describe("web inbound", () => {
  it("parses message and resume frames, and nothing else", () => {
    const id = "8a6e0804-2bd0-4672-b79d-d97027f9071a";
    expect(parseFrame(JSON.stringify({ type: "message", id, text: "hi" }))).toEqual({
      type: "message",
      id,
      text: "hi",
    });
    expect(parseFrame(JSON.stringify({ type: "message", id, choice: "find" }))).toEqual({
      type: "message",
      id,
      text: "",
      choice: "find",
    });
    expect(parseFrame(JSON.stringify({ type: "resume", after: 12 }))).toEqual({ type: "resume", after: 12 });
    for (const junk of [
      "",
      "{",
      "null",
      "[]",
      '{"type":"message","id":"x","text":"hi"}',
      '{"type":"resume","after":-1}',
      '{"type":"other"}',
      "x".repeat(9000),
    ])
      expect(parseFrame(junk)).toBeUndefined();
  });

  it("maps a frame to an InboundMessage with the client's id as the provider message id", () => {
    const m = toInbound(
      { type: "message", id: "abc", text: "1" },
      { externalUserId: "user:7", verifiedUserId: 7 },
      new Date(0),
    );
    expect(m).toEqual({
      channel: "web",
      externalUserId: "user:7",
      text: "1",
      providerMessageId: "abc",
      receivedAt: new Date(0),
    });
  });

  it("keeps only a hash of a visitor token", () => {
    const id = visitorExternalId("secret-token");
    expect(id).toMatch(/^visitor:[0-9a-f]{64}$/);
    expect(id).not.toContain("secret-token");
  });
});

describe("web render", () => {
  it("numbers the buttons and puts them, with the links, on the last part", () => {
    const long = "A sentence that goes on. ".repeat(100);
    const frames = render({
      id: 5,
      text: long,
      choices: [
        { id: "a", label: "First" },
        { id: "b", label: "Second" },
      ],
      links: [{ label: "Pay", url: "https://pay.example/x" }],
    });
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.every((f) => f.text.length <= WEB_TEXT_LIMIT && f.id === 5)).toBe(true);
    expect(frames.map((f) => f.part)).toEqual(frames.map((_, i) => i));
    expect(frames.at(-1)!.buttons).toEqual([
      { id: "a", label: "1. First" },
      { id: "b", label: "2. Second" },
    ]);
    expect(frames[0]!.buttons).toEqual([]);
    expect(frames.at(-1)!.links).toHaveLength(1);
  });
});

describe("web history and pages", () => {
  it("sends the person's own message back as a mine frame carrying the page's id for it", () => {
    expect(renderMine(9, "menu", "8a6e0804-2bd0-4672-b79d-d97027f9071a")).toEqual({
      type: "mine",
      id: 9,
      ref: "8a6e0804-2bd0-4672-b79d-d97027f9071a",
      text: "menu",
    });
  });

  it("escapes text for HTML, and a site page escapes its title", () => {
    expect(escapeHtml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;",
    );
    const html = sitePage({ title: "<b>x</b>", main: "<p>ok</p>" });
    expect(html).toContain("<title>&lt;b&gt;x&lt;/b&gt;</title>");
    expect(html).toContain('<html lang="en">');
  });
});

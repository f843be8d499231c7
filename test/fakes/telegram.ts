import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface TelegramCall {
  method: string;
  /** The token in the path (/bot<token>/<method>). */
  token: string;
  params: Record<string, unknown>;
}

export interface FakeTelegram {
  /** e.g. http://127.0.0.1:54321 — use as TELEGRAM_API_ROOT. */
  readonly url: string;
  /** Every Bot API call received, in order. */
  readonly calls: TelegramCall[];
  /** The calls of one method. */
  sent(method: "sendMessage" | "answerCallbackQuery" | "setWebhook"): TelegramCall[];
  /** The next sendMessage calls answer 403 "bot was blocked by the user". */
  behaviour: { blocked: boolean };
  close(): Promise<void>;
}

/**
 * A small Bot API: sendMessage, answerCallbackQuery and setWebhook answer as Telegram does ({ok, result});
 * every call is recorded. JSON and form bodies are both read.
 */
export async function startFakeTelegram(): Promise<FakeTelegram> {
  const calls: TelegramCall[] = [];
  const behaviour = { blocked: false };
  let messageId = 0;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://fake-telegram");
      const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (!m) return send(404, { ok: false, error_code: 404, description: "Not Found" });
      let params: Record<string, unknown> = {};
      try {
        params = (req.headers["content-type"] ?? "").includes("json")
          ? (JSON.parse(raw || "{}") as Record<string, unknown>)
          : Object.fromEntries(new URLSearchParams(raw));
      } catch {
        return send(400, { ok: false, error_code: 400, description: "Bad Request: can't parse JSON" });
      }
      const call: TelegramCall = { token: m[1]!, method: m[2]!, params };
      calls.push(call);
      switch (call.method) {
        case "sendMessage":
          if (behaviour.blocked)
            return send(403, {
              ok: false,
              error_code: 403,
              description: "Forbidden: bot was blocked by the user",
            });
          return send(200, {
            ok: true,
            result: {
              message_id: ++messageId,
              date: Math.floor(Date.now() / 1000),
              chat: { id: params.chat_id, type: "private" },
              text: params.text,
            },
          });
        case "answerCallbackQuery":
        case "setWebhook":
          return send(200, { ok: true, result: true });
        default:
          return send(404, { ok: false, error_code: 404, description: "Not Found: method not found" });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    calls,
    behaviour,
    sent: (method) => calls.filter((c) => c.method === method),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

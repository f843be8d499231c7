import { Telegram } from "telegraf";
import type { OutboundMessage } from "../../bot/types.js";
import { render } from "./render.js";

export interface TelegramSettings {
  botToken: string;
  webhookSecret: string;
  apiRoot: string;
}

/** Where delivery outcomes are written (the engine's store: conversation_messages). */
export interface DeliveryRecorder {
  recordDelivery(ids: number[], outcome: { deliveredAt: Date } | { error: string }): Promise<void>;
}

/** A failure as a short code: never the error's message (a network error's carries the URL, and so the token). */
export function failureCode(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "number") return `TELEGRAM_${code}`;
  if (typeof code === "string" && /^[A-Z_]{2,40}$/.test(code)) return `TELEGRAM_${code}`;
  return "TELEGRAM_UNREACHABLE";
}

/**
 * Sends through the Bot API (telegraf's client, at the configured apiRoot). Each stored message is sent
 * part by part; its outcome (delivered_at, or send_error) is recorded on its conversation_messages row.
 * Direct sends, never inside a transaction; a failed message is recorded, not retried.
 */
export class TelegramClient {
  readonly api: Telegram;

  constructor(settings: TelegramSettings) {
    this.api = new Telegram(settings.botToken, { apiRoot: settings.apiRoot, webhookReply: false });
  }

  async sendText(chatId: number, text: string): Promise<void> {
    await this.api.sendMessage(chatId, text);
  }

  /** Sends the messages in order; returns how many were delivered. Stops at the first failure. */
  async send(
    chatId: number,
    messages: OutboundMessage[],
    recorder: DeliveryRecorder,
    now: () => Date,
  ): Promise<number> {
    let delivered = 0;
    for (const [i, m] of messages.entries()) {
      try {
        for (const part of render(m)) {
          await this.api.sendMessage(chatId, part.text, {
            ...(part.reply_markup ? { reply_markup: part.reply_markup } : {}),
          });
        }
        if (m.id !== undefined) await recorder.recordDelivery([m.id], { deliveredAt: now() });
        delivered += 1;
      } catch (err) {
        // Later messages would arrive out of order: they are marked failed too.
        const ids = messages.slice(i).flatMap((x) => (x.id === undefined ? [] : [x.id]));
        await recorder.recordDelivery(ids, { error: failureCode(err) });
        break;
      }
    }
    return delivered;
  }

  async answerCallback(id: string): Promise<void> {
    await this.api.answerCbQuery(id);
  }

  async setWebhook(url: string, secret: string): Promise<void> {
    await this.api.setWebhook(url, {
      secret_token: secret,
      allowed_updates: ["message", "callback_query"],
      drop_pending_updates: false,
    });
  }
}

import { Telegram } from "telegraf";
import type { OutboundMessage } from "../../bot/types.js";
import {
  httpSendError,
  SendError,
  type ChannelAdapter,
  type SendContext,
  type SendResult,
} from "../contract.js";
import { render } from "./render.js";

export interface TelegramSettings {
  botToken: string;
  webhookSecret: string;
  apiRoot: string;
}

/** A failure as a short code: never the error's message (a network error's carries the URL, and so the token). */
export function failureCode(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "number") return `TELEGRAM_${code}`;
  if (typeof code === "string" && /^[A-Z_]{2,40}$/.test(code)) return `TELEGRAM_${code}`;
  return "TELEGRAM_UNREACHABLE";
}

/** Telegram's answer as a SendError: 429, 5xx and network failures are retried; 400/403 (blocked) are not. */
export function sendError(err: unknown): SendError {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "number") return httpSendError("TELEGRAM", code);
  return new SendError(failureCode(err), true);
}

/**
 * The Telegram channel's sender (telegraf's client at the configured apiRoot). The address is the chat id
 * (a private chat's id is the user's id). Each message is sent part by part (render.ts).
 */
export class TelegramClient implements ChannelAdapter {
  readonly channel = "telegram";
  readonly api: Telegram;

  constructor(settings: TelegramSettings) {
    this.api = new Telegram(settings.botToken, { apiRoot: settings.apiRoot, webhookReply: false });
  }

  async sendText(chatId: number, text: string): Promise<void> {
    await this.api.sendMessage(chatId, text);
  }

  async send(address: string, message: OutboundMessage, _ctx: SendContext): Promise<SendResult> {
    const ids: string[] = [];
    try {
      for (const part of render(message)) {
        const sent = await this.api.sendMessage(address, part.text, {
          ...(part.reply_markup ? { reply_markup: part.reply_markup } : {}),
        });
        ids.push(`${address}:${sent.message_id}`);
      }
    } catch (err) {
      throw sendError(err);
    }
    return { providerMessageIds: ids };
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

import { z } from "zod";
import type { InboundMessage } from "../../bot/types.js";
import { sameSecret } from "../shared/compare.js";
import { LOCATION_TEXT, sharedLocation } from "../shared/location.js";
import { cleanDeep } from "../shared/text.js";
import { phoneFromProvider } from "../../domain/shared/phone.js";

/** The header Telegram sends the webhook's secret_token back in. */
export const SECRET_HEADER = "x-telegram-bot-api-secret-token";

/** True when the header carries the configured secret (constant time, channels/shared/compare.ts). */
export function verifySecret(header: unknown, secret: string): boolean {
  return sameSecret(header, secret);
}

const User = z.object({ id: z.number().int().positive(), is_bot: z.boolean().optional() });
const Chat = z.object({ id: z.number().int(), type: z.string() });
const Message = z.object({
  message_id: z.number().int(),
  from: User.optional(),
  chat: Chat,
  text: z.string().max(4096).optional(),
  contact: z
    .object({
      phone_number: z.string().max(32),
      user_id: z.number().int().optional(),
    })
    .optional(),
  location: z.object({ latitude: z.number(), longitude: z.number() }).optional(),
  venue: z.object({ title: z.string().max(256).optional() }).optional(),
});
const Update = z.object({
  update_id: z.number().int().min(0),
  message: Message.optional(),
  callback_query: z
    .object({
      id: z.string().min(1).max(100),
      from: User,
      message: z.object({ message_id: z.number().int(), chat: Chat }).optional(),
      data: z.string().max(64).optional(),
    })
    .optional(),
});

/** What an authentic update means for us. */
export type TelegramUpdate =
  | {
      kind: "turn";
      chatId: number;
      inbound: InboundMessage;
      /** A button press: answered (answerCallbackQuery) so the client stops its spinner. */
      callbackQueryId?: string | undefined;
    }
  /** Someone shared a contact that is not their own: refused, never linked. */
  | { kind: "foreign_contact"; chatId: number }
  /** Anything else (a sticker, an edited message, a group chat, a bot…): acknowledged and ignored. */
  | { kind: "ignored"; reason: string; callbackQueryId?: string | undefined };

/** Bot commands mean the engine's keywords: "/start" and "/menu" → "menu", "/help" → "help", "/stop" → "stop". */
export function commandWord(text: string): string {
  const m = /^\/(start|menu|help|stop)(@\w+)?$/i.exec(text.trim());
  if (!m) return text;
  const word = m[1]!.toLowerCase();
  return word === "start" ? "menu" : word;
}

/** Parses an update's JSON (already verified; control characters removed first); never throws. */
export function parseUpdate(json: unknown, receivedAt: Date): TelegramUpdate {
  const parsed = Update.safeParse(cleanDeep(json));
  if (!parsed.success) return { kind: "ignored", reason: "unparsable" };
  const update = parsed.data;
  const providerMessageId = `tg:${update.update_id}`;

  const cb = update.callback_query;
  if (cb) {
    if (!cb.message || cb.message.chat.type !== "private" || cb.from.is_bot || !cb.data)
      return { kind: "ignored", reason: "callback", callbackQueryId: cb.id };
    return {
      kind: "turn",
      chatId: cb.message.chat.id,
      callbackQueryId: cb.id,
      inbound: {
        channel: "telegram",
        externalUserId: String(cb.from.id),
        text: cb.data,
        choice: cb.data,
        providerMessageId,
        receivedAt,
      },
    };
  }

  const m = update.message;
  if (!m) return { kind: "ignored", reason: "update_type" };
  if (!m.from || m.from.is_bot || m.chat.type !== "private") return { kind: "ignored", reason: "chat" };
  const base = {
    channel: "telegram" as const,
    externalUserId: String(m.from.id),
    providerMessageId,
    receivedAt,
  };
  if (m.contact) {
    if (m.contact.user_id !== m.from.id) return { kind: "foreign_contact", chatId: m.chat.id };
    // Telegram's phone numbers come without "+" (sometimes with): E.164 through the one parser.
    const phone = phoneFromProvider(m.contact.phone_number);
    if (!phone) return { kind: "ignored", reason: "contact" };
    // Shared by its own user: Telegram vouches that this number is the sender's (no code needed).
    return {
      kind: "turn",
      chatId: m.chat.id,
      inbound: { ...base, text: "", contact: { phone, proven: true } },
    };
  }
  if (m.location) {
    const location = sharedLocation(m.location.latitude, m.location.longitude, m.venue?.title);
    if (!location) return { kind: "ignored", reason: "location" };
    return { kind: "turn", chatId: m.chat.id, inbound: { ...base, text: LOCATION_TEXT, location } };
  }
  if (m.text !== undefined && m.text.trim() !== "")
    return {
      kind: "turn",
      chatId: m.chat.id,
      inbound: { ...base, text: commandWord(m.text).slice(0, 2000) },
    };
  return { kind: "ignored", reason: "message_type" };
}

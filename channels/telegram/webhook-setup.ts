import type { Config } from "../../config/index.js";
import { TelegramClient } from "./client.js";

/** The URL Telegram is told to call. */
export function webhookUrl(config: Config): string {
  return `${config.publicBaseUrl}/webhooks/telegram`;
}

/** Registers `${PUBLIC_BASE_URL}/webhooks/telegram` with the secret token (setWebhook). Returns the URL. */
export async function registerTelegramWebhook(config: Config): Promise<string> {
  const settings = config.telegram;
  if (!settings) throw new Error("Telegram is off: set TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET");
  const url = webhookUrl(config);
  await new TelegramClient(settings).setWebhook(url, settings.webhookSecret);
  return url;
}

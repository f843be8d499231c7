import { loadConfig } from "../../config/index.js";
import { registerTelegramWebhook } from "./webhook-setup.js";

/** `npm run telegram:set-webhook`: tells Telegram to call ${PUBLIC_BASE_URL}/webhooks/telegram with the secret. */
try {
  const url = await registerTelegramWebhook(loadConfig());
  if (!url.startsWith("https://")) console.warn("warning: Telegram only calls https:// webhooks");
  process.stdout.write(`Telegram webhook set to ${url}\n`);
} catch (err) {
  console.error(
    `Could not set the Telegram webhook: ${(err as Error).message.replace(/bot[^/\s]+/g, "bot***")}`,
  );
  process.exitCode = 1;
}

import type { Config } from "../config/index.js";
import type { Clock } from "../domain/shared/clock.js";
import type { PubSub } from "../domain/shared/pubsub.js";
import type { ChannelAdapter } from "./contract.js";
import { TelegramClient } from "./telegram/client.js";
import { TwilioClient } from "./twilio/client.js";
import { VoiceClient } from "./voice/client.js";
import { WebClient } from "./web/client.js";
import { WhatsAppClient } from "./whatsapp/client.js";

/**
 * One adapter per configured channel, the web chat always. Unconfigured channels are simply absent (their
 * webhooks do not exist and nothing is sent on them).
 */
export function createAdapters(config: Config, clock: Clock, pubsub: PubSub): ChannelAdapter[] {
  const adapters: ChannelAdapter[] = [new WebClient(pubsub)];
  if (config.telegram) adapters.push(new TelegramClient(config.telegram));
  const { twilio, publicBaseUrl, storage } = config;
  if (twilio) {
    const now = () => clock.now();
    if (twilio.phoneNumber)
      adapters.push(new TwilioClient("sms", twilio, publicBaseUrl, storage.maxBytes, now));
    // WhatsApp over Twilio only when the WhatsApp Cloud API channel is not configured (that one sends then).
    if (twilio.whatsappNumber && !config.whatsapp)
      adapters.push(new TwilioClient("whatsapp", twilio, publicBaseUrl, storage.maxBytes, now));
  }
  if (config.voice) adapters.push(new VoiceClient());
  if (config.whatsapp) adapters.push(new WhatsAppClient(config.whatsapp, clock, storage.maxBytes));
  return adapters;
}

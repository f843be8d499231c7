import type { InboundMessage } from "../../bot/types.js";

/** The text stored for a shared location (the admin review reads it; the point itself is on the message). */
export const LOCATION_TEXT = "Shared a location";

/**
 * A location shared on a channel (Telegram message.location, WhatsApp's location message, Twilio's
 * Latitude/Longitude), checked for range: undefined when absent or not a point on earth.
 */
export function sharedLocation(lat: unknown, lng: unknown, name?: string): InboundMessage["location"] {
  const la = typeof lat === "string" ? Number(lat) : lat;
  const lo = typeof lng === "string" ? Number(lng) : lng;
  if (typeof la !== "number" || typeof lo !== "number" || !Number.isFinite(la) || !Number.isFinite(lo))
    return undefined;
  if (Math.abs(la) > 90 || Math.abs(lo) > 180) return undefined;
  const label = name?.trim().slice(0, 60);
  return { lat: la, lng: lo, ...(label ? { name: label } : {}) };
}

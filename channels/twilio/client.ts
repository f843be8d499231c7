import type { OutboundMessage } from "../../bot/types.js";
import type { TwilioContentTemplate } from "../../config/index.js";
import {
  httpSendError,
  SendError,
  type ChannelAdapter,
  type SendContext,
  type SendResult,
} from "../contract.js";
import { readCapped, safeFetch, UnsafeUrlError, type FetchPolicy } from "../shared/safe-fetch.js";
import { renderText } from "./render.js";

export interface TwilioSettings {
  accountSid: string;
  authToken: string;
  phoneNumber: string | undefined;
  whatsappNumber: string | undefined;
  apiBaseUrl: string;
  whatsappTemplates: Readonly<Record<string, TwilioContentTemplate>>;
}

/** WhatsApp's customer-service window: free-form messages only within 24 hours of the person's last message. */
export const WHATSAPP_WINDOW_MS = 24 * 3600 * 1000;
const TIMEOUT_MS = 10_000;

/**
 * Where Twilio's media URLs may lead: the API itself redirects a MediaUrl to a short-lived signed URL on its
 * media CDN. Nothing else is fetched (channels/shared/safe-fetch.ts).
 */
export const TWILIO_MEDIA_HOSTS: readonly string[] = ["api.twilio.com", "*.twiliocdn.com"];

/** The prefix Twilio puts before WhatsApp addresses. */
export const WHATSAPP_PREFIX = "whatsapp:";

/** Twilio's answer to a failed call: its numeric code (e.g. 21610: the recipient replied STOP), never its message. */
async function failure(res: Response): Promise<SendError> {
  let code: unknown;
  try {
    code = ((await res.json()) as { code?: unknown }).code;
  } catch {
    code = undefined;
  }
  const byStatus = httpSendError("TWILIO", res.status);
  return typeof code === "number" && Number.isInteger(code)
    ? new SendError(`TWILIO_${code}`, byStatus.retryable)
    : byStatus;
}

/**
 * Sends SMS or WhatsApp messages through Twilio's Messages API (one adapter per channel), form-encoded with
 * basic auth, asking for delivery status callbacks at PUBLIC_BASE_URL/webhooks/twilio/status. The address is
 * the person's E.164 number. WhatsApp outside the 24-hour window can only carry a configured Content
 * template (a notification); anything else is refused with WHATSAPP_WINDOW_CLOSED.
 */
export class TwilioClient implements ChannelAdapter {
  private readonly from: string;
  private readonly auth: string;
  private readonly messagesUrl: string;
  private readonly statusCallback: string;

  constructor(
    readonly channel: "sms" | "whatsapp",
    private readonly settings: TwilioSettings,
    publicBaseUrl: string,
    private readonly maxMediaBytes: number,
    private readonly now: () => Date = () => new Date(),
  ) {
    const number = channel === "sms" ? settings.phoneNumber : settings.whatsappNumber;
    if (number === undefined) throw new Error(`Twilio ${channel} needs its number`);
    this.from = channel === "sms" ? number : WHATSAPP_PREFIX + number;
    this.auth = "Basic " + Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString("base64");
    this.messagesUrl = `${settings.apiBaseUrl}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`;
    this.statusCallback = `${publicBaseUrl}/webhooks/twilio/status`;
  }

  private to(address: string): string {
    return this.channel === "sms" ? address : WHATSAPP_PREFIX + address;
  }

  async send(address: string, message: OutboundMessage, ctx: SendContext): Promise<SendResult> {
    if (this.channel === "whatsapp" && ctx.notification && !this.windowOpen(ctx.lastInboundAt)) {
      const template = this.settings.whatsappTemplates[ctx.notification.template];
      if (!template) throw new SendError("WHATSAPP_WINDOW_CLOSED", false);
      const sid = await this.create(address, {
        ContentSid: template.contentSid,
        ContentVariables: JSON.stringify(contentVariables(template, ctx.notification.data)),
      });
      return { providerMessageIds: [sid] };
    }
    const ids: string[] = [];
    for (const body of renderText(message)) ids.push(await this.create(address, { Body: body }));
    return { providerMessageIds: ids };
  }

  private windowOpen(lastInboundAt: Date | null | undefined): boolean {
    if (!lastInboundAt) return false;
    return this.now().getTime() - new Date(lastInboundAt).getTime() < WHATSAPP_WINDOW_MS;
  }

  /** POST …/Messages.json; the new message's sid ("SM…"/"MM…"). */
  private async create(address: string, fields: Record<string, string>): Promise<string> {
    const form = new URLSearchParams({
      To: this.to(address),
      From: this.from,
      StatusCallback: this.statusCallback,
      ...fields,
    });
    let res: Response;
    try {
      res = await fetch(this.messagesUrl, {
        method: "POST",
        headers: { authorization: this.auth, "content-type": "application/x-www-form-urlencoded" },
        body: form.toString(),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw new SendError("TWILIO_UNREACHABLE", true);
    }
    if (!res.ok) throw await failure(res);
    let sid: unknown;
    try {
      sid = ((await res.json()) as { sid?: unknown }).sid;
    } catch {
      sid = undefined;
    }
    // Sent (2xx) but unreadable: not retried (it would send twice); recorded without an id.
    return typeof sid === "string" && /^[A-Z]{2}[0-9a-f]{32}$/i.test(sid) ? sid : "unknown";
  }

  /**
   * Downloads a media file the person sent (MediaUrlN of an inbound message) with the account's credentials.
   * Only URLs on the configured API's origin are fetched (they come from a signed webhook, but an attachment
   * must never make us fetch an arbitrary address); its redirects are followed by hand, only to Twilio's
   * media hosts at public addresses, and the credentials go to the API only (safe-fetch.ts). Larger than
   * the cap → refused while streaming.
   */
  readonly fetchMedia = async (url: string): Promise<{ bytes: Buffer; mimeType: string }> => {
    if (!URL.canParse(url) || new URL(url).origin !== new URL(this.settings.apiBaseUrl).origin)
      throw new SendError("TWILIO_MEDIA_URL", false);
    const policy: FetchPolicy = { trustedOrigin: this.settings.apiBaseUrl, publicHosts: TWILIO_MEDIA_HOSTS };
    let res: Response;
    try {
      res = await safeFetch(
        url,
        { headers: { authorization: this.auth }, signal: AbortSignal.timeout(TIMEOUT_MS * 3) },
        policy,
      );
    } catch (err) {
      if (err instanceof UnsafeUrlError)
        throw new SendError(
          err.reason === "redirects" ? "TWILIO_MEDIA_REDIRECTS" : "TWILIO_MEDIA_URL",
          false,
        );
      throw new SendError("TWILIO_UNREACHABLE", true);
    }
    if (!res.ok || !res.body) throw httpSendError("TWILIO_MEDIA", res.status);
    const bytes = await readCapped(res, this.maxMediaBytes);
    if (bytes === undefined) throw new SendError("MEDIA_TOO_LARGE", false);
    const mimeType = (res.headers.get("content-type") ?? "application/octet-stream").split(";")[0]!.trim();
    return { bytes, mimeType };
  };
}

/** A template's variables from a notification's data: by the configured order ({{1}}, {{2}}…), else by name. */
export function contentVariables(
  template: TwilioContentTemplate,
  data: Record<string, unknown>,
): Record<string, string> {
  const text = (v: unknown) =>
    v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v);
  if (template.variables.length)
    return Object.fromEntries(template.variables.map((key, i) => [String(i + 1), text(data[key])]));
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, text(v)]));
}

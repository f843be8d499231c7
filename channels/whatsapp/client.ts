import type { Config } from "../../config/index.js";
import type { OutboundMessage } from "../../bot/types.js";
import type { Clock } from "../../domain/shared/clock.js";
import {
  httpSendError,
  SendError,
  type ChannelAdapter,
  type SendContext,
  type SendResult,
} from "../contract.js";
import { readCapped, safeFetch, UnsafeUrlError, type FetchPolicy } from "../shared/safe-fetch.js";
import { MEDIA_REF_PREFIX, toWaId } from "./inbound.js";
import { render, renderTemplate, type WhatsAppPayload } from "./render.js";

export type WhatsAppSettings = NonNullable<Config["whatsapp"]>;

/** The customer-service window: free-form messages only within 24 hours of the person's last message. */
export const WINDOW_MS = 24 * 3600 * 1000;
export const WINDOW_CLOSED = "WHATSAPP_WINDOW_CLOSED";

/** Graph error codes: the re-engagement (window) error, and throughput limits worth another try later. */
const REENGAGEMENT = 131047;
const RATE_LIMITED = new Set([4, 80007, 130429, 131048, 131056]);
const TIMEOUT_MS = 15_000;

/**
 * Where a media URL from the Graph API may point: Meta's own media hosts (lookaside.fbsbx.com today).
 * Nothing else is fetched, and the access token goes nowhere else (channels/shared/safe-fetch.ts).
 */
export const META_MEDIA_HOSTS: readonly string[] = [
  "graph.facebook.com",
  "lookaside.fbsbx.com",
  "*.fbsbx.com",
  "*.fbcdn.net",
  "*.whatsapp.net",
];

/** A Graph API error answer as a SendError; only a short code, never Meta's message (it may echo content). */
export function graphSendError(status: number, body: unknown): SendError {
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
  if (code === REENGAGEMENT) return new SendError(WINDOW_CLOSED, false);
  if (status === 408 || status === 429 || status >= 500) return httpSendError("WHATSAPP", status);
  if (typeof code === "number" && Number.isInteger(code)) {
    return new SendError(`WHATSAPP_${code}`, RATE_LIMITED.has(code));
  }
  return httpSendError("WHATSAPP", status);
}

/** True while the 24-hour customer-service window opened by the person's last message is open. */
export function windowOpen(lastInboundAt: Date | null | undefined, now: Date): boolean {
  if (!lastInboundAt) return false;
  const age = now.getTime() - lastInboundAt.getTime();
  return age >= -60_000 && age < WINDOW_MS;
}

/**
 * The WhatsApp Cloud API (Meta) sender: POST {base}/{phone-number-id}/messages with the bearer token.
 * Inside the 24-hour window it sends the rendered message (render.ts); outside it, a notification goes as
 * its configured approved template, and anything else is refused with WHATSAPP_WINDOW_CLOSED (permanent).
 * Also fetches the media a person sent (fetchMedia), capped at the storage limit.
 */
export class WhatsAppClient implements ChannelAdapter {
  readonly channel = "whatsapp";

  constructor(
    private readonly settings: WhatsAppSettings,
    private readonly clock: Clock,
    private readonly maxMediaBytes: number,
  ) {}

  /** The Cloud API messages to send for this message, or the window refusal. */
  payloadsFor(message: OutboundMessage, ctx: SendContext): WhatsAppPayload[] {
    if (windowOpen(ctx.lastInboundAt, this.clock.now())) return render(message);
    const template = ctx.notification && this.settings.templates[ctx.notification.template];
    if (!template || !ctx.notification) throw new SendError(WINDOW_CLOSED, false);
    return [renderTemplate(template, ctx.notification.data)];
  }

  async send(address: string, message: OutboundMessage, ctx: SendContext): Promise<SendResult> {
    const to = toWaId(address);
    if (!to) throw new SendError("WHATSAPP_BAD_ADDRESS", false);
    const ids: string[] = [];
    for (const payload of this.payloadsFor(message, ctx)) ids.push(await this.post(to, payload));
    return { providerMessageIds: ids };
  }

  /** Sends one message; returns its wamid. */
  private async post(to: string, payload: WhatsAppPayload): Promise<string> {
    const url = `${this.settings.graphApiBase}/${this.settings.phoneNumberId}/messages`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: {
          authorization: `Bearer ${this.settings.accessToken}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ messaging_product: "whatsapp", recipient_type: "individual", to, ...payload }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw new SendError("WHATSAPP_UNREACHABLE", true);
    }
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) throw graphSendError(res.status, body);
    const id = (body as { messages?: { id?: unknown }[] } | null)?.messages?.[0]?.id;
    if (typeof id !== "string") throw new SendError("WHATSAPP_BAD_RESPONSE", true);
    return id;
  }

  /** GET on the Graph API or a Meta media host with the bearer token, redirects checked (safe-fetch.ts). */
  private async graphGet(url: string): Promise<Response> {
    const policy: FetchPolicy = {
      trustedOrigin: this.settings.graphApiBase,
      publicHosts: META_MEDIA_HOSTS,
      // Every hop the policy allows is Meta's: the token is what its media hosts ask for.
      sendHeadersTo: () => true,
    };
    try {
      return await safeFetch(
        url,
        {
          headers: { authorization: `Bearer ${this.settings.accessToken}` },
          signal: AbortSignal.timeout(TIMEOUT_MS),
        },
        policy,
      );
    } catch (err) {
      if (err instanceof UnsafeUrlError) throw new SendError("WHATSAPP_MEDIA_URL", false);
      throw new SendError("WHATSAPP_MEDIA_UNREACHABLE", true);
    }
  }

  /**
   * A document or image the person sent (url "wa-media:<id>"): GET {base}/{id} for its short-lived URL and
   * type, then GET that URL with the bearer token. Only the Graph API's own origin and Meta's media hosts
   * (at public addresses) are fetched, redirects included. Over the storage size limit → error, without
   * reading the rest.
   */
  async fetchMedia(url: string): Promise<{ bytes: Buffer; mimeType: string }> {
    const id = url.startsWith(MEDIA_REF_PREFIX) ? url.slice(MEDIA_REF_PREFIX.length) : "";
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(id)) throw new SendError("WHATSAPP_MEDIA_REF", false);
    const metaRes = await this.graphGet(`${this.settings.graphApiBase}/${id}`);
    if (!metaRes.ok) throw httpSendError("WHATSAPP_MEDIA", metaRes.status);
    const meta = (await metaRes.json().catch(() => null)) as {
      url?: unknown;
      mime_type?: unknown;
      file_size?: unknown;
    } | null;
    const mediaUrl = typeof meta?.url === "string" && URL.canParse(meta.url) ? meta.url : undefined;
    if (!mediaUrl) throw new SendError("WHATSAPP_MEDIA_URL", false);
    if (Number(meta?.file_size ?? 0) > this.maxMediaBytes)
      throw new SendError("WHATSAPP_MEDIA_TOO_LARGE", false);

    const res = await this.graphGet(mediaUrl);
    if (!res.ok || !res.body) throw httpSendError("WHATSAPP_MEDIA", res.status);
    const bytes = await readCapped(res, this.maxMediaBytes);
    if (bytes === undefined) throw new SendError("WHATSAPP_MEDIA_TOO_LARGE", false);
    const mimeType =
      typeof meta?.mime_type === "string"
        ? meta.mime_type
        : (res.headers.get("content-type") ?? "application/octet-stream");
    return { bytes, mimeType };
  }
}

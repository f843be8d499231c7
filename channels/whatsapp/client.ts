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

  private async graphGet(url: string): Promise<Response> {
    try {
      return await fetch(url, {
        headers: { authorization: `Bearer ${this.settings.accessToken}` },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch {
      throw new Error("WHATSAPP_MEDIA_UNREACHABLE");
    }
  }

  /**
   * A document or image the person sent (url "wa-media:<id>"): GET {base}/{id} for its short-lived URL and
   * type, then GET that URL with the bearer token. The token only goes to https URLs or the Graph API's own
   * origin. Over the storage size limit → error, without reading the rest.
   */
  async fetchMedia(url: string): Promise<{ bytes: Buffer; mimeType: string }> {
    const id = url.startsWith(MEDIA_REF_PREFIX) ? url.slice(MEDIA_REF_PREFIX.length) : "";
    if (!/^[A-Za-z0-9_.-]{1,128}$/.test(id)) throw new Error("WHATSAPP_MEDIA_REF");
    const metaRes = await this.graphGet(`${this.settings.graphApiBase}/${id}`);
    if (!metaRes.ok) throw new Error(`WHATSAPP_MEDIA_${metaRes.status}`);
    const meta = (await metaRes.json().catch(() => null)) as {
      url?: unknown;
      mime_type?: unknown;
      file_size?: unknown;
    } | null;
    const mediaUrl = typeof meta?.url === "string" && URL.canParse(meta.url) ? new URL(meta.url) : undefined;
    const graphOrigin = new URL(this.settings.graphApiBase).origin;
    if (!mediaUrl || (mediaUrl.protocol !== "https:" && mediaUrl.origin !== graphOrigin))
      throw new Error("WHATSAPP_MEDIA_URL");
    if (Number(meta?.file_size ?? 0) > this.maxMediaBytes) throw new Error("WHATSAPP_MEDIA_TOO_LARGE");

    const res = await this.graphGet(mediaUrl.toString());
    if (!res.ok || !res.body) throw new Error(`WHATSAPP_MEDIA_${res.status}`);
    const reader = res.body.getReader();
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > this.maxMediaBytes) {
        await reader.cancel().catch(() => undefined);
        throw new Error("WHATSAPP_MEDIA_TOO_LARGE");
      }
      chunks.push(Buffer.from(value));
    }
    const mimeType =
      typeof meta?.mime_type === "string"
        ? meta.mime_type
        : (res.headers.get("content-type") ?? "application/octet-stream");
    return { bytes: Buffer.concat(chunks), mimeType };
  }
}

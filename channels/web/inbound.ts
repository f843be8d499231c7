import { z } from "zod";
import { sha256 } from "../../domain/accounts/secrets.js";
import type { InboundMessage } from "../../bot/types.js";

/** Who is on the socket: a signed-in patient (proven by their access token) or a visitor session. */
export interface WebPrincipal {
  externalUserId: string;
  verifiedUserId?: number | undefined;
}

/** A visitor session token is opaque; only its hash is kept (as the channel identity's external id). */
export function visitorExternalId(token: string): string {
  return `visitor:${sha256(token)}`;
}

export { userExternalId } from "../../domain/conversations/service.js";

const MessageFrame = z.object({
  type: z.literal("message"),
  /** A client-generated uuid per message: the provider message id (a resend of it is answered once). */
  id: z.string().uuid(),
  text: z.string().max(2000).default(""),
  choice: z.string().min(1).max(100).optional(),
});
const ResumeFrame = z.object({
  type: z.literal("resume"),
  /** The last message id the client has shown; everything after it is sent again. */
  after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
const ClientFrame = z.discriminatedUnion("type", [MessageFrame, ResumeFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;

/** Parses a client frame; undefined when it is not one (never throws on junk). */
export function parseFrame(raw: string): ClientFrame | undefined {
  if (raw.length > 8192) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = ClientFrame.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

export function toInbound(
  frame: z.infer<typeof MessageFrame>,
  principal: WebPrincipal,
  receivedAt: Date,
): InboundMessage {
  return {
    channel: "web",
    externalUserId: principal.externalUserId,
    text: frame.text,
    ...(frame.choice !== undefined ? { choice: frame.choice } : {}),
    providerMessageId: frame.id,
    receivedAt,
  };
}

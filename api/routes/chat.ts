import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { OutboundMessage } from "../../bot/types.js";
import { newOpaqueToken } from "../../domain/accounts/secrets.js";
import type { TokenClaims } from "../../domain/accounts/auth-service.js";
import { sendPage } from "../plugins/security.js";
import { WebClient, type WebSocketLike } from "../../channels/web/client.js";
import { toOutbound } from "../../domain/conversations/messages.js";
import {
  parseFrame,
  toInbound,
  userExternalId,
  visitorExternalId,
  type WebPrincipal,
} from "../../channels/web/inbound.js";
import { render, renderMine } from "../../channels/web/render.js";
import { CHAT_PAGE } from "../../channels/web/page.js";
import { DomainError } from "../../domain/shared/errors.js";
import { errorsIn } from "../schemas.js";

/** The error responses of these routes (see errorsIn). */
const errors = errorsIn("api/routes/chat.ts", "domain/conversations/");

interface Socket extends WebSocketLike {
  on(event: "message", listener: (data: Buffer | string) => void): void;
  on(event: "close", listener: () => void): void;
}

const SESSIONS_PER_HOUR = 60;

const VisitorSession = Type.Object({
  token: Type.String({ description: "Opaque visitor token: pass it as visitor_token to /chat/ws." }),
});

/**
 * The web chat: a plain page (GET /chat), visitor sessions (POST /chat/session) and the socket
 * (GET /chat/ws?access_token=… or ?visitor_token=…). Frames in: {type:"message", id:uuid, text, choice?}
 * and {type:"resume", after:id}. Frames out: {type:"message", id, part, text, buttons, links},
 * {type:"mine", id, ref, text} (the person's own message, on resume), {type:"ack", id:uuid} (a message frame
 * is stored), {type:"typing"}, {type:"ready"}, {type:"error", code}.
 */
export const chatRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const conversations = app.services.conversations;
  const client = app.hub.registry.get("web");
  if (!(client instanceof WebClient)) throw new Error("the web chat adapter is not registered");

  app.get("/chat", { schema: { hide: true } }, async (_request, reply) => {
    return sendPage(reply, CHAT_PAGE);
  });

  app.post(
    "/chat/session",
    {
      schema: {
        tags: ["chat"],
        operationId: "openChatSession",
        summary: "Opens a visitor chat session",
        description: "For people who are not signed in. The token is shown once; only its hash is stored.",
        response: { 201: VisitorSession, ...errors(400, 429) },
      },
    },
    async (request, reply) => {
      // Opening sessions costs a row each: a generous cap per address and hour.
      if ((await app.deps.cache.incr(`chat:session:${request.ip}`, 3600)) > SESSIONS_PER_HOUR)
        throw new DomainError(
          "rate_limited",
          "TOO_MANY_SESSIONS",
          "Too many chat sessions. Try again later.",
        );
      const { token } = newOpaqueToken();
      await conversations.identity("web", visitorExternalId(token));
      return reply.code(201).header("cache-control", "no-store").send({ token });
    },
  );

  /** The sender, or undefined: a valid access token of an open session, or a known visitor token. */
  async function principalOf(
    query: Record<string, unknown>,
    requestId: string,
  ): Promise<WebPrincipal | undefined> {
    const access = typeof query.access_token === "string" ? query.access_token : undefined;
    const visitor = typeof query.visitor_token === "string" ? query.visitor_token : undefined;
    if (access) {
      try {
        const claims = app.jwt.verify<TokenClaims>(access);
        const actor = await app.services.auth.actorFor(claims, "web", requestId);
        return { externalUserId: userExternalId(actor.userId), verifiedUserId: actor.userId };
      } catch {
        return undefined;
      }
    }
    if (visitor && visitor.length <= 200) {
      const externalId = visitorExternalId(visitor);
      return (await conversations.findIdentity("web", externalId))
        ? { externalUserId: externalId }
        : undefined;
    }
    return undefined;
  }

  app.get("/chat/ws", { websocket: true, schema: { hide: true } }, (raw, request) => {
    const socket = raw as unknown as Socket;
    let address: string | undefined;
    // Frames are handled one after another, in the order they came (listeners attach synchronously).
    let queue: Promise<unknown> = Promise.resolve();
    const query = request.query as Record<string, unknown>;
    const ready = (async () => {
      const principal = await principalOf(query, request.id);
      if (!principal) {
        client.sendFrame(socket, { type: "error", code: "UNAUTHENTICATED" });
        socket.close(4401, "unauthenticated");
        return undefined;
      }
      address = principal.externalUserId;
      await client.attach(address, socket);
      client.sendFrame(socket, { type: "ready" });
      return principal;
    })();

    const handle = async (data: string): Promise<void> => {
      const principal = await ready;
      if (!principal) return;
      // A signed-in session can end (logout, expiry) while the socket is open: checked on every frame.
      if (principal.verifiedUserId !== undefined && !(await principalOf(query, request.id))) {
        client.sendFrame(socket, { type: "error", code: "UNAUTHENTICATED" });
        return socket.close(4401, "unauthenticated");
      }
      const frame = parseFrame(data);
      if (!frame) return void client.sendFrame(socket, { type: "error", code: "BAD_FRAME" });
      if (frame.type === "resume") return resume(principal, frame.after);
      client.sendFrame(socket, { type: "typing" });
      // Stored in the inbox like every channel's message; the reply comes back through the outbox drain.
      await app.hub.accept(toInbound(frame, principal, app.deps.clock.now()), {
        verifiedUserId: principal.verifiedUserId,
        requestId: request.id,
      });
      // Stored: the page may forget it (until then it sends it again after a reconnect; a resend is answered once).
      client.sendFrame(socket, { type: "ack", id: frame.id });
    };

    /**
     * Both sides of the conversation after the page's last seen message (the newest 50: a page that reloads
     * with after=0 shows its recent history). The person's own messages come as "mine" frames.
     */
    const resume = async (principal: WebPrincipal, after: number): Promise<void> => {
      const identity = await conversations.identity("web", principal.externalUserId);
      const conversation = await conversations.conversationFor(identity, "web");
      const history = await conversations.historyAfter(conversation.id, after);
      const delivered: number[] = [];
      for (const m of history) {
        if (m.direction === "in") {
          if (m.text) client.sendFrame(socket, renderMine(m.id, m.text, m.providerMessageId));
        } else if (
          render(toOutbound(m) as OutboundMessage & { id: number }).every((f) => client.sendFrame(socket, f))
        ) {
          delivered.push(m.id);
        }
      }
      await conversations.recordDelivery(delivered, { deliveredAt: app.deps.clock.now() });
    };

    socket.on("message", (data) => {
      queue = queue
        .then(() => handle(typeof data === "string" ? data : data.toString("utf8")))
        .catch((err: unknown) => {
          request.log.error(
            { err: { name: (err as Error).name, code: (err as { code?: string }).code } },
            "chat frame failed",
          );
          client.sendFrame(socket, { type: "error", code: "TURN_FAILED" });
        });
    });
    socket.on("close", () => {
      if (address !== undefined) client.detach(address, socket);
    });
  });
};

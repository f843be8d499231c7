import type { OutboundMessage } from "../../bot/types.js";
import type { PubSub } from "../../domain/shared/pubsub.js";
import { SendError, type ChannelAdapter, type SendContext, type SendResult } from "../contract.js";
import { render, type WebFrame } from "./render.js";

/** The part of a WebSocket this channel uses. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

const OPEN = 1;

/**
 * Sends to the connected sockets of a chat identity (a signed-in user or a visitor session), in whichever API
 * process holds them: a send publishes the rendered frames on the identity's topic, and each process with a
 * socket for that identity subscribes to it (the worker that sends holds no sockets when ROLE=worker). A
 * message no socket took stays in the conversation: the page asks for everything after its last seen id when it
 * reconnects.
 */
export class WebClient implements ChannelAdapter {
  readonly channel = "web";

  private readonly sockets = new Map<
    string,
    { set: Set<WebSocketLike>; unsubscribe: Promise<() => Promise<void>> }
  >();

  constructor(private readonly pubsub: PubSub) {}

  /** Resolves once this process hears the identity's topic (a reply sent anywhere reaches the socket). */
  async attach(address: string, socket: WebSocketLike): Promise<void> {
    let entry = this.sockets.get(address);
    if (!entry) {
      const set = new Set<WebSocketLike>();
      const unsubscribe = this.pubsub.subscribe(topic(address), (message) => {
        const frames = JSON.parse(message) as WebFrame[];
        for (const s of set) for (const f of frames) this.sendFrame(s, f);
      });
      entry = { set, unsubscribe };
      this.sockets.set(address, entry);
    }
    entry.set.add(socket);
    await entry.unsubscribe;
  }

  detach(address: string, socket: WebSocketLike): void {
    const entry = this.sockets.get(address);
    if (!entry?.set.delete(socket) || entry.set.size > 0) return;
    this.sockets.delete(address);
    void entry.unsubscribe.then((unsubscribe) => unsubscribe()).catch(() => undefined);
  }

  sendFrame(socket: WebSocketLike, frame: object): boolean {
    if (socket.readyState !== OPEN) return false;
    try {
      socket.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The adapter's send (the outbox drain): published to the identity's open sockets in every process; with none
   * open the message waits in the conversation and the page fetches it when it reconnects. (Published frames
   * are not stored anywhere: Redis pub/sub keeps nothing.)
   */
  async send(address: string, message: OutboundMessage, _ctx: SendContext): Promise<SendResult> {
    if (message.id === undefined) return { providerMessageIds: [] };
    const frames: WebFrame[] = render({ ...message, id: message.id });
    const processes = await this.pubsub.publish(topic(address), JSON.stringify(frames)).catch(() => {
      throw new SendError("WEB_PUBSUB_UNAVAILABLE", true);
    });
    if (processes === 0) throw new SendError("WEB_OFFLINE", false);
    return { providerMessageIds: [] };
  }
}

function topic(address: string): string {
  return `web:${address}`;
}

import type { OutboundMessage } from "../../bot/types.js";
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
 * Sends to the connected sockets of a conversation (this process's). A message no socket took stays in the
 * conversation: the page asks for everything after its last seen id when it reconnects.
 */
export class WebClient implements ChannelAdapter {
  readonly channel = "web";

  private readonly sockets = new Map<number, Set<WebSocketLike>>();

  attach(conversationId: number, socket: WebSocketLike): void {
    let set = this.sockets.get(conversationId);
    if (!set) {
      set = new Set();
      this.sockets.set(conversationId, set);
    }
    set.add(socket);
  }

  detach(conversationId: number, socket: WebSocketLike): void {
    const set = this.sockets.get(conversationId);
    set?.delete(socket);
    if (set?.size === 0) this.sockets.delete(conversationId);
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
   * The adapter's send (a notification posted into a web conversation): pushed to the conversation's open
   * sockets; with none open the message waits in the conversation and the page fetches it on reconnect.
   */
  send(_address: string, message: OutboundMessage, _ctx: SendContext): Promise<SendResult> {
    if (message.conversationId === undefined || this.push(message.conversationId, [message]) === 0)
      return Promise.reject(new SendError("WEB_OFFLINE", false));
    return Promise.resolve({ providerMessageIds: [] });
  }

  /** Pushes stored messages to every open socket of the conversation; returns how many sockets took them. */
  push(conversationId: number, messages: OutboundMessage[]): number {
    const frames: WebFrame[] = messages.flatMap((m) =>
      m.id === undefined ? [] : render({ ...m, id: m.id }),
    );
    let delivered = 0;
    for (const socket of this.sockets.get(conversationId) ?? []) {
      if (frames.every((f) => this.sendFrame(socket, f))) delivered += 1;
    }
    return delivered;
  }
}

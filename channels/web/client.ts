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
 * Sends to the connected sockets of a chat identity (a signed-in user or a visitor session), this process's.
 * A message no socket took stays in the conversation: the page asks for everything after its last seen id
 * when it reconnects.
 */
export class WebClient implements ChannelAdapter {
  readonly channel = "web";

  private readonly sockets = new Map<string, Set<WebSocketLike>>();

  attach(address: string, socket: WebSocketLike): void {
    let set = this.sockets.get(address);
    if (!set) {
      set = new Set();
      this.sockets.set(address, set);
    }
    set.add(socket);
  }

  detach(address: string, socket: WebSocketLike): void {
    const set = this.sockets.get(address);
    set?.delete(socket);
    if (set?.size === 0) this.sockets.delete(address);
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
   * The adapter's send (the outbox drain): pushed to the identity's open sockets; with none open the message
   * waits in the conversation and the page fetches it when it reconnects.
   */
  send(address: string, message: OutboundMessage, _ctx: SendContext): Promise<SendResult> {
    if (this.push(address, [message]) === 0) return Promise.reject(new SendError("WEB_OFFLINE", false));
    return Promise.resolve({ providerMessageIds: [] });
  }

  /** Pushes stored messages to every open socket of the identity; returns how many sockets took them. */
  push(address: string, messages: OutboundMessage[]): number {
    const frames: WebFrame[] = messages.flatMap((m) =>
      m.id === undefined ? [] : render({ ...m, id: m.id }),
    );
    let delivered = 0;
    for (const socket of this.sockets.get(address) ?? []) {
      if (frames.every((f) => this.sendFrame(socket, f))) delivered += 1;
    }
    return delivered;
  }
}

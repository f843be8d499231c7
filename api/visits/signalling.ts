import { randomBytes } from "node:crypto";
import type { SignallingClaims } from "../../domain/consultations/index.js";

/** What the hub needs of a socket (the `ws` WebSocket). */
export interface SignalSocket {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

interface Peer {
  id: string;
  claims: SignallingClaims;
  socket: SignalSocket;
}

const OPEN = 1;
/** A visit is two people and perhaps the doctor's nurse: a small mesh. */
export const MAX_PEERS_PER_ROOM = 4;

/**
 * The WebRTC visits' signalling rooms, in this process: who is connected to which visit, and the relay of
 * offers, answers and ICE candidates between them (addressed by peer id). Media never passes here: it goes
 * peer to peer (or through the TURN servers of ICE_SERVERS).
 *
 * One process holds a room: with several API replicas, the load balancer must send /api/visits/signal of one
 * visit to one replica (sticky on the path's visit, or a single signalling replica).
 */
export class SignallingHub {
  private readonly rooms = new Map<number, Map<string, Peer>>();

  /**
   * Adds a connection. A person's earlier connection to the same visit (a reloaded page) is replaced.
   * Returns the new peer's id, the peers already there, and whether this person was already connected.
   */
  join(
    claims: SignallingClaims,
    socket: SignalSocket,
  ): { id: string; others: { id: string; role: string }[]; replaced: boolean } | undefined {
    let room = this.rooms.get(claims.visitId);
    if (!room) {
      room = new Map();
      this.rooms.set(claims.visitId, room);
    }
    const previous = [...room.values()].find((p) => p.claims.userId === claims.userId);
    if (!previous && room.size >= MAX_PEERS_PER_ROOM) return undefined;
    if (previous) {
      room.delete(previous.id);
      this.broadcast(claims.visitId, { type: "peer-left", id: previous.id, role: previous.claims.role });
      previous.socket.close(4409, "replaced");
    }
    const id = randomBytes(8).toString("hex");
    const others = [...room.values()].map((p) => ({ id: p.id, role: p.claims.role }));
    room.set(id, { id, claims, socket });
    this.broadcast(claims.visitId, { type: "peer-joined", id, role: claims.role }, id);
    return { id, others, replaced: previous !== undefined };
  }

  /** Removes a connection; true when it was that person's current one (they have left the room). */
  leave(visitId: number, id: string): boolean {
    const room = this.rooms.get(visitId);
    const peer = room?.get(id);
    if (!room || !peer) return false;
    room.delete(id);
    if (room.size === 0) this.rooms.delete(visitId);
    this.broadcast(visitId, { type: "peer-left", id, role: peer.claims.role });
    return true;
  }

  /** Relays a frame to one peer of the same room; false when there is no such peer. */
  relay(visitId: number, from: string, to: string, frame: Record<string, unknown>): boolean {
    const peer = this.rooms.get(visitId)?.get(to);
    if (!peer || peer.socket.readyState !== OPEN) return false;
    peer.socket.send(JSON.stringify({ ...frame, from }));
    return true;
  }

  broadcast(visitId: number, frame: Record<string, unknown>, except?: string): void {
    const room = this.rooms.get(visitId);
    if (!room) return;
    const data = JSON.stringify(frame);
    for (const p of room.values()) if (p.id !== except && p.socket.readyState === OPEN) p.socket.send(data);
  }

  /** Closes every connection of a visit (it ended). */
  closeRoom(visitId: number): void {
    const room = this.rooms.get(visitId);
    if (!room) return;
    this.rooms.delete(visitId);
    for (const p of room.values()) p.socket.close(4410, "ended");
  }
}

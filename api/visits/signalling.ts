import { randomBytes } from "node:crypto";
import type { SignallingClaims } from "../../domain/consultations/index.js";
import type { PubSub } from "../../domain/shared/pubsub.js";

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
  /** Welcomed: it knows whom it calls. Until then it is joining (collecting the room from the other processes). */
  welcomed: boolean;
  /** The peers this one calls (its welcome's `peers`): they must not call it too. */
  calls: Set<string>;
  /** Newcomers this (joining) peer told about itself: they call it, so it does not call them. */
  calledBy: Set<string>;
  /** Newcomers this (joining) peer heard of and will call (the tie-break of two people joining at once). */
  heard: Map<string, RemotePeer>;
}

interface RemotePeer {
  id: string;
  userId: number;
  role: string;
}

interface Room {
  peers: Map<string, Peer>;
  /** This process's subscription to the room's topic (resolves once subscribed). */
  subscribed: Promise<() => Promise<void>>;
}

/** What a newcomer's process collects from the others before it welcomes the newcomer. */
interface Roster {
  expected: number | undefined;
  replies: number;
  peers: Map<string, RemotePeer>;
  replaced: boolean;
  done: () => void;
}

/** The frames between the API processes, on the room's topic (`visit:<visit id>`). */
type Wire =
  | { t: "hello"; o: string; peer: RemotePeer }
  | { t: "here"; o: string; re: string; peers: RemotePeer[]; replaced: boolean }
  | { t: "relay"; o: string; to: string; frame: Record<string, unknown> }
  | { t: "bcast"; o: string; except?: string | undefined; frame: Record<string, unknown> }
  | { t: "end"; o: string };

const OPEN = 1;
/** A visit is two people and perhaps the doctor's nurse: a small mesh. */
export const MAX_PEERS_PER_ROOM = 4;

/**
 * The WebRTC visits' signalling rooms across the API processes of a deployment: who is connected to which
 * visit, and the relay of offers, answers, ICE candidates, chat and presence between them (addressed by peer
 * id). Media never passes here: it goes peer to peer (or through the TURN servers of ICE_SERVERS).
 *
 * Each process holds its own sockets and subscribes to the room's topic on the PubSub port (Redis pub/sub;
 * in memory when embedded) while it holds one. A newcomer's process publishes `hello` and waits for one `here`
 * from every other subscribed process (PUBLISH answers how many there are; a process that vanished is waited
 * for `rosterTimeoutMs` at most): that is the room the newcomer is welcomed into. Two people joining at the
 * same moment see each other once: the joining peer with the smaller id reports itself, the other calls it.
 * Nothing is stored: a page that lost its socket rejoins and is welcomed again.
 */
export class SignallingHub {
  private readonly rooms = new Map<number, Room>();
  private readonly rosters = new Map<string, Roster>();
  /** This process, on the wire (its own frames come back to it and are ignored). */
  private readonly origin = randomBytes(6).toString("hex");

  constructor(
    private readonly pubsub: PubSub,
    private readonly rosterTimeoutMs = 1500,
  ) {}

  /**
   * Adds a connection. A person's earlier connection to the same visit (a reloaded page), in any process, is
   * replaced. Returns the new peer's id, the peers it calls, and whether this person was already connected;
   * undefined when the room is full. Rejects when the PubSub cannot be reached.
   */
  async join(
    claims: SignallingClaims,
    socket: SignalSocket,
  ): Promise<{ id: string; others: { id: string; role: string }[]; replaced: boolean } | undefined> {
    const room = this.room(claims.visitId);
    try {
      await room.subscribed;
    } catch (err) {
      if (room.peers.size === 0 && this.rooms.get(claims.visitId) === room) this.rooms.delete(claims.visitId);
      throw err;
    }
    // The room's last socket here left while this one subscribed: start again with a fresh subscription.
    if (this.rooms.get(claims.visitId) !== room) return this.join(claims, socket);
    let replaced = this.replaceLocal(claims.visitId, claims.userId);
    const id = randomBytes(8).toString("hex");
    const me: Peer = {
      id,
      claims,
      socket,
      welcomed: false,
      calls: new Set(),
      calledBy: new Set(),
      heard: new Map(),
    };
    room.peers.set(id, me);
    const peer: RemotePeer = { id, userId: claims.userId, role: claims.role };
    // The others here hear of the newcomer now; those in other processes when the hello reaches them.
    this.deliverLocal(claims.visitId, { type: "peer-joined", id, role: claims.role }, id);

    const roster = await this.collect(claims.visitId, peer);
    replaced ||= roster.replaced;
    const found = new Map<string, { id: string; role: string }>();
    const add = (p: { id: string; role: string; userId: number }) => {
      if (p.id !== id && p.userId !== claims.userId && !me.calledBy.has(p.id))
        found.set(p.id, { id: p.id, role: p.role });
    };
    for (const p of roster.peers.values()) add(p);
    for (const p of me.heard.values()) add(p);
    for (const p of room.peers.values()) {
      if (p.id === id) continue;
      const calls = p.welcomed ? !p.calls.has(id) : p.id < id;
      if (calls) add({ id: p.id, role: p.claims.role, userId: p.claims.userId });
    }
    if (!room.peers.has(id)) return undefined; // replaced or closed while joining
    if (found.size >= MAX_PEERS_PER_ROOM) {
      this.leave(claims.visitId, id);
      return undefined;
    }
    me.welcomed = true;
    for (const p of found.keys()) me.calls.add(p);
    return { id, others: [...found.values()], replaced };
  }

  /** Removes a connection; true when it was that person's current one (they have left the room). */
  leave(visitId: number, id: string): boolean {
    const room = this.rooms.get(visitId);
    const peer = room?.peers.get(id);
    if (!room || !peer) return false;
    room.peers.delete(id);
    this.broadcast(visitId, { type: "peer-left", id, role: peer.claims.role });
    this.release(visitId, room);
    return true;
  }

  /** Relays a frame to one peer of the same room, in whichever process holds it. */
  relay(visitId: number, from: string, to: string, frame: Record<string, unknown>): void {
    const full = { ...frame, from };
    const room = this.rooms.get(visitId);
    const local = room?.peers.get(to);
    if (local) return void send(local.socket, JSON.stringify(full));
    if (room) this.publish(visitId, { t: "relay", o: this.origin, to, frame: full });
  }

  /** To every peer of the room (but `except`), in every process. */
  broadcast(visitId: number, frame: Record<string, unknown>, except?: string): void {
    this.deliverLocal(visitId, frame, except);
    this.publish(visitId, { t: "bcast", o: this.origin, except, frame });
  }

  /** Closes every connection of a visit (it ended), in every process. */
  closeRoom(visitId: number): void {
    this.publish(visitId, { t: "end", o: this.origin });
    this.endLocal(visitId);
  }

  private room(visitId: number): Room {
    let room = this.rooms.get(visitId);
    if (!room) {
      const peers = new Map<string, Peer>();
      const subscribed = this.pubsub.subscribe(topic(visitId), (message) => this.onWire(visitId, message));
      subscribed.catch(() => undefined);
      room = { peers, subscribed };
      this.rooms.set(visitId, room);
    }
    return room;
  }

  /** Unsubscribes from a room this process no longer holds a socket of. */
  private release(visitId: number, room: Room): void {
    if (room.peers.size > 0 || this.rooms.get(visitId) !== room) return;
    this.rooms.delete(visitId);
    void room.subscribed.then((unsubscribe) => unsubscribe()).catch(() => undefined);
  }

  private publish(visitId: number, wire: Wire): void {
    void this.pubsub.publish(topic(visitId), JSON.stringify(wire)).catch(() => undefined);
  }

  /** Publishes the newcomer's hello and waits for every other process's answer (or the timeout). */
  private collect(visitId: number, peer: RemotePeer): Promise<Roster> {
    return new Promise((resolve) => {
      const roster: Roster = {
        expected: undefined,
        replies: 0,
        peers: new Map(),
        replaced: false,
        done: () => {},
      };
      const finish = () => {
        clearTimeout(timer);
        this.rosters.delete(peer.id);
        resolve(roster);
      };
      const timer = setTimeout(finish, this.rosterTimeoutMs);
      roster.done = () => {
        if (roster.expected !== undefined && roster.replies >= roster.expected) finish();
      };
      this.rosters.set(peer.id, roster);
      const hello: Wire = { t: "hello", o: this.origin, peer };
      this.pubsub.publish(topic(visitId), JSON.stringify(hello)).then(
        (processes) => {
          // This process is one of the subscribers; the others each answer once.
          roster.expected = Math.max(0, processes - 1);
          roster.done();
        },
        () => finish(),
      );
    });
  }

  private onWire(visitId: number, message: string): void {
    let wire: Wire;
    try {
      wire = JSON.parse(message) as Wire;
    } catch {
      return;
    }
    if (wire.o === this.origin) return;
    switch (wire.t) {
      case "hello":
        return this.onHello(visitId, wire.peer);
      case "here": {
        const roster = this.rosters.get(wire.re);
        if (!roster) return;
        for (const p of wire.peers) roster.peers.set(p.id, p);
        roster.replaced ||= wire.replaced;
        roster.replies += 1;
        return roster.done();
      }
      case "relay": {
        const peer = this.rooms.get(visitId)?.peers.get(wire.to);
        if (peer) send(peer.socket, JSON.stringify(wire.frame));
        return;
      }
      case "bcast":
        return this.deliverLocal(visitId, wire.frame, wire.except);
      case "end":
        return this.endLocal(visitId);
    }
  }

  /** Another process's newcomer: replace this person's earlier socket here, tell it who is here, announce it. */
  private onHello(visitId: number, newcomer: RemotePeer): void {
    const room = this.rooms.get(visitId);
    const replaced = this.replaceLocal(visitId, newcomer.userId, newcomer.id);
    if (room) this.release(visitId, room);
    const here: RemotePeer[] = [];
    for (const p of room?.peers.values() ?? []) {
      if (p.welcomed) {
        if (!p.calls.has(newcomer.id)) here.push(remote(p));
      } else if (p.id < newcomer.id) {
        // Both joining: the smaller id is called by the other.
        p.calledBy.add(newcomer.id);
        here.push(remote(p));
      } else {
        p.heard.set(newcomer.id, newcomer);
      }
    }
    this.publish(visitId, { t: "here", o: this.origin, re: newcomer.id, peers: here, replaced });
    this.deliverLocal(visitId, { type: "peer-joined", id: newcomer.id, role: newcomer.role });
  }

  /** Drops this person's earlier socket in this process (a reloaded page); true when there was one. */
  private replaceLocal(visitId: number, userId: number, newcomer?: string): boolean {
    const room = this.rooms.get(visitId);
    const previous = [...(room?.peers.values() ?? [])].find((p) => p.claims.userId === userId);
    if (!room || !previous) return false;
    // Removed before the close, so the socket's close handler finds nothing to leave (the person stays in).
    room.peers.delete(previous.id);
    this.broadcast(visitId, { type: "peer-left", id: previous.id, role: previous.claims.role }, newcomer);
    previous.socket.close(4409, "replaced");
    return true;
  }

  private deliverLocal(visitId: number, frame: Record<string, unknown>, except?: string): void {
    const room = this.rooms.get(visitId);
    if (!room) return;
    const data = JSON.stringify(frame);
    for (const p of room.peers.values()) if (p.id !== except) send(p.socket, data);
  }

  private endLocal(visitId: number): void {
    const room = this.rooms.get(visitId);
    if (!room) return;
    const peers = [...room.peers.values()];
    room.peers.clear();
    this.release(visitId, room);
    for (const p of peers) p.socket.close(4410, "ended");
  }
}

function topic(visitId: number): string {
  return `visit:${visitId}`;
}

function remote(p: Peer): RemotePeer {
  return { id: p.id, userId: p.claims.userId, role: p.claims.role };
}

function send(socket: SignalSocket, data: string): void {
  if (socket.readyState !== OPEN) return;
  try {
    socket.send(data);
  } catch {
    // A socket closing under us: its close handler removes it.
  }
}

import type { Config } from "../config/index.js";
import type { UserWithProfile } from "../domain/accounts/repository.js";
import type { Services } from "../domain/index.js";
import type { Actor } from "../domain/shared/actor.js";
import type { Clock } from "../domain/shared/clock.js";
import type { AgentFailure } from "./agent/failure.js";
import type { ConversationService, ConversationRow, IdentityRow } from "../domain/conversations/service.js";
import type { ConversationState } from "./state.js";
import type { Tools } from "./tools.js";
import type { InboundMessage, OutboundMessage, TurnContext } from "./types.js";

/** Downloads an inbound attachment through its channel (channels/contract.ts ChannelAdapter.fetchMedia). */
/** The engine's log: warnings and errors, each an object of ids and codes plus a message. */
export interface EngineLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type MediaFetcher = (url: string) => Promise<{ bytes: Buffer; mimeType: string }>;

export interface EngineDeps {
  services: Services;
  clock: Clock;
  config: Config;
  conversations: ConversationService;
  brain: Brain;
  /** Where the engine logs (classes and codes only, never message text). */
  log: EngineLog;
  /** The media fetcher of a channel, when it has one (inbound attachments added to the records). */
  media?: ((channel: string) => MediaFetcher | undefined) | undefined;
}

/** One turn of a conversation as the middleware see it. */
export interface Turn {
  readonly inbound: InboundMessage;
  readonly ctx: TurnContext;
  readonly deps: EngineDeps;
  conversation: ConversationRow;
  identity: IdentityRow;
  state: ConversationState;
  /** The person's input: the text, and the choice id when they picked one (by button, number or label). */
  input: { text: string; choice?: string | undefined };
  inboundMessageId?: number | undefined;
  /** Set by the identity middleware once the person is a verified patient. */
  user?: UserWithProfile | undefined;
  /**
   * The identity's account, read while the conversation was being leased (the identity middleware's first
   * question, asked one round trip earlier); undefined when the identity has no account.
   */
  account?: Promise<UserWithProfile | undefined> | undefined;
  actor?: Actor | undefined;
  tools: Tools;
  /** The person's user id to store on the conversation (set when identified during this turn). */
  userId?: number | undefined;
  flagged?: boolean | undefined;
  /** The agent failed this turn (the guided brain answered): flagged for review with this class and code. */
  agentFailure?: AgentFailure | undefined;
  out: OutboundMessage[];
  /** The conversation's lease for this turn; persist releases it with the final save (lockReleased). */
  lockToken?: string | undefined;
  lockReleased?: boolean | undefined;
  /** Middleware that stopped the chain (for the logs and tests). */
  handledBy?: string | undefined;
  /** A live channel (the phone) hearing the answer as it is produced; absent on message channels. */
  stream?: TurnStream | undefined;
}

/**
 * The port a live channel gives a turn to hear the answer as the model produces it (channels never import
 * the model's library). The brain calls `token` for each piece of text, `tool` when a tool is about to run;
 * when the person interrupts, `signal` aborts and `heard()` says how much of the answer reached them (only
 * that is kept in the conversation).
 */
export interface TurnStream {
  readonly signal: AbortSignal;
  token(text: string): void;
  tool(name: string): void;
  heard(): string | undefined;
}

/**
 * What answers once the middleware have had their say: the guided menus, or the AI agent with the guided
 * menus as its fallback (bot/brain.ts). A brain reads turn.input and turn.state, calls turn.tools, prepares
 * pending actions (it never executes a consequential action itself) and pushes to turn.out.
 */
export interface Brain {
  readonly name: string;
  respond(turn: Turn): Promise<void>;
}

export type Next = () => Promise<void>;
export type Middleware = (turn: Turn, next: Next) => Promise<void>;

export function say(turn: Turn, text: string, extra: Omit<OutboundMessage, "text"> = {}): void {
  turn.out.push({ text, ...extra });
}

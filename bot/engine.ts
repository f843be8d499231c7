import type { ReplayRunner } from "../domain/prompts/service.js";
import type { Config } from "../config/index.js";
import type { Services } from "../domain/index.js";
import type { Clock } from "../domain/shared/clock.js";
import { AgentBrain } from "./agent/brain.js";
import { FallbackBrain, type Brain } from "./brain.js";
import { GuidedBrain } from "./guided/machine.js";
import { MIDDLEWARE, runMiddleware } from "./middleware/index.js";
import type { ConversationService } from "../domain/conversations/service.js";
import type { ConversationState } from "./state.js";
import { Tools } from "./tools.js";
import type { EngineDeps, EngineLog, Turn, TurnStream } from "./turn.js";

export type { EngineLog };
import type { Choice, InboundMessage, OutboundMessage, TurnContext } from "./types.js";

export interface EngineOptions {
  services: Services;
  clock: Clock;
  config: Config;
  /** Defaults to the guided mode. The agent (later) comes in as FallbackBrain(agent, guided). */
  brain?: Brain | undefined;
  /** How to download a channel's inbound attachments (the hub's adapters); without it none are stored. */
  media?: EngineDeps["media"];
  /** Where a failed agent turn is logged (its error class and code only). */
  log?: EngineLog | undefined;
}

/**
 * Picks the brain: the guided mode without an LLM; with one, the agent first and the guided menu whenever
 * the agent fails (model down, timeout, a refused reply).
 */
/**
 * An admin's "replay this conversation against a draft prompt", run by the agent; undefined without an LLM
 * (the replay endpoint then answers 409 LLM_NOT_CONFIGURED).
 */
export function replayRunner(config: Config, services: Services): ReplayRunner | undefined {
  if (!config.llm) return undefined;
  const agent = AgentBrain.fromConfig(config.llm);
  return { run: (promptText, messages) => agent.replay(services, promptText, messages) };
}

export function chooseBrain(config: Config, prompt?: () => Promise<string>, log?: EngineLog): Brain {
  if (!config.llm) return new GuidedBrain();
  return new FallbackBrain(
    AgentBrain.fromConfig(config.llm, prompt),
    new GuidedBrain(),
    (_err, failure, turn) =>
      // The class and code only: an error's message may quote the person or the model's text.
      log?.warn(
        { err_class: failure.errorClass, code: failure.code, conversation_id: turn.conversation.id },
        "agent turn failed; the guided menu answered",
      ),
  );
}

/** The offered choice this input means: a picked id, a number ("2"), or a label typed out. */
export function resolveInput(inbound: InboundMessage, offered: Choice[] | undefined): Turn["input"] {
  const text = inbound.text.trim();
  const list = offered ?? [];
  if (inbound.choice !== undefined) {
    return list.some((c) => c.id === inbound.choice) ? { text, choice: inbound.choice } : { text };
  }
  if (/^\d{1,2}$/.test(text)) {
    const c = list[Number(text) - 1];
    if (c) return { text, choice: c.id };
  }
  const byLabel = list.find((c) => c.label.toLowerCase() === text.toLowerCase());
  return byLabel ? { text, choice: byLabel.id } : { text };
}

const silent: EngineLog = { warn: () => undefined, error: () => undefined };

/**
 * The conversation engine: one turn at a time per conversation, through the middleware list, with no
 * knowledge of any channel. Channels parse to InboundMessage and render the OutboundMessage[] it returns.
 */
export class Engine {
  readonly deps: EngineDeps;

  constructor(opts: EngineOptions) {
    this.deps = {
      services: opts.services,
      clock: opts.clock,
      config: opts.config,
      conversations: opts.services.conversations,
      brain:
        opts.brain ??
        chooseBrain(opts.config, async () => (await opts.services.prompts.active()).text, opts.log),
      media: opts.media,
      log: opts.log ?? silent,
    };
  }

  get conversations(): ConversationService {
    return this.deps.conversations;
  }

  async handleTurn(
    inbound: InboundMessage,
    ctx: TurnContext = {},
    stream?: TurnStream,
  ): Promise<OutboundMessage[]> {
    const { conversations: store, clock } = this.deps;
    let identity = await store.identity(inbound.channel, inbound.externalUserId);
    if (
      ctx.verifiedUserId !== undefined &&
      (identity.userId !== ctx.verifiedUserId || identity.verifiedAt === null)
    ) {
      await store.linkIdentity(identity.id, ctx.verifiedUserId, clock.now());
      identity = { ...identity, userId: ctx.verifiedUserId, verifiedAt: clock.now() };
    }
    // The account is read while the conversation is leased (a rejection is handled where it is awaited).
    const account = identity.userId === null ? undefined : store.userById(identity.userId);
    void account?.catch(() => undefined);
    // Usually one statement picks, locks and loads the conversation; a new or busy one takes the long way.
    let locked = await store.lockCurrent(identity);
    if (!locked) {
      const found = await store.conversationFor(identity, inbound.channel);
      locked = await store.lockAndLoad(found.id);
    }
    const { token, conversation } = locked;
    let turn: Turn | undefined;
    try {
      const state = structuredClone(conversation.state) as ConversationState;
      turn = {
        inbound,
        ctx,
        deps: this.deps,
        conversation,
        identity,
        account,
        state,
        input: resolveInput(inbound, state.choices),
        tools: new Tools(
          this.deps.services,
          store,
          clock,
          conversation.id,
          () => turn?.inboundMessageId ?? null,
        ),
        out: [],
        lockToken: token,
        stream,
      };
      await runMiddleware(MIDDLEWARE, turn);
      return turn.out;
    } finally {
      // Tool calls of a turn that did not reach persist's write are still recorded.
      if (turn) await turn.tools.flush().catch(() => undefined);
      if (!turn?.lockReleased) await store.unlock(conversation.id, token);
    }
  }
}

import { ChatOpenAI } from "@langchain/openai";
import { loggableError } from "../../domain/shared/errors.js";
import {
  AIMessage,
  AIMessageChunk,
  createAgent,
  HumanMessage,
  SystemMessage,
  toolCallLimitMiddleware,
  type BaseMessage,
} from "langchain";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { Config } from "../../config/index.js";
import type { Services } from "../../domain/index.js";
import type { Channel } from "../../domain/shared/actor.js";
import type { Brain, TurnStream } from "../turn.js";
import { GuidedBrain } from "../guided/machine.js";
import { languageOf } from "../language.js";
import { say, type Turn } from "../turn.js";
import { openItems, recentMessages } from "./context.js";
import { DEFAULT_PROMPT } from "./default-prompt.js";
import { checkReply } from "./output.js";
import { LlmTelemetry } from "./telemetry.js";
import { agentTools } from "./tools/index.js";
import { replayTools } from "./tools/replay.js";
import type { AgentToolContext } from "./tools/shared.js";

export type LlmConfig = NonNullable<Config["llm"]>;

/**
 * Tool calls the model may make in one turn (all steps together). A person's request needs a handful (search,
 * details, slots, prepare); past this the extra calls are refused with a tool error the model sees, so one
 * runaway answer cannot fan out into dozens of effects, and the turn still gets its answer.
 */
export const MAX_TOOL_CALLS_PER_TURN = 8;

export interface AgentBrainOptions {
  /** The model: ChatOpenAI from the configuration, or any tool-calling chat model (tests). */
  model: BaseChatModel;
  /** The system prompt's text (the admin-managed prompt once wired); defaults to DEFAULT_PROMPT. */
  prompt?: (() => Promise<string>) | undefined;
  /** Answers picked choices (menu buttons, Confirm / Change follow-ups); the guided brain by default. */
  guided?: Brain | undefined;
  /** Model round trips (model + tool steps) allowed per turn. */
  recursionLimit?: number | undefined;
}

/** The OpenAI-compatible chat model from the configuration (OPENAI_BASE_URL, LLM_MODEL, timeout, retries). */
export function chatModel(llm: LlmConfig): ChatOpenAI {
  return new ChatOpenAI({
    model: llm.model,
    apiKey: llm.apiKey,
    temperature: 0,
    timeout: llm.timeoutMs,
    maxRetries: llm.maxRetries,
    callbacks: [new LlmTelemetry(llm.model)],
    ...(llm.baseUrl ? { configuration: { baseURL: llm.baseUrl } } : {}),
  });
}

type CompiledAgent = ReturnType<typeof createAgent>;

/** Added to the system prompt on the phone: the answer is spoken (the voice render profile). */
export const VOICE_STYLE = [
  "You are speaking with the person on the phone; your words are read aloud.",
  "Use short, plain sentences. Never use markdown, lists, links, web addresses or internal ids.",
  "Say numbers, dates, times and amounts of money as a person would say them.",
  "A payment or visit link is sent to the caller's phone by text message: say so instead of reading it.",
  "When you offer choices, number them and say: say one, two or three, or press the number.",
].join(" ");

/** The final text of an agent run: the last AI message's text content. */
function finalText(messages: BaseMessage[]): string {
  const lastAi = [...messages].reverse().find((m) => AIMessage.isInstance(m));
  if (!lastAi) return "";
  const c = lastAi.content;
  if (typeof c === "string") return c;
  return c
    .map((part) =>
      typeof part === "object" && "text" in part && typeof part.text === "string" ? part.text : "",
    )
    .join("");
}

/**
 * The AI agent (LangChain createAgent). It sees the conversation's recent messages and a summary of the
 * person's open items, and acts only through tools bound to the session's patient; booking and cancelling
 * are prepared for the person's confirmation (the pending middleware executes). Any failure of the model
 * throws, so FallbackBrain answers with the guided menu. Its reply is checked before it is sent.
 */
export class AgentBrain implements Brain {
  readonly name = "agent";
  private readonly prompt: () => Promise<string>;
  private readonly guided: Brain;
  private readonly recursionLimit: number;
  /**
   * Compiled agents, built once: the patient's tools (each call reads its turn from the run's context) and
   * the replay tools per Services. The system prompt (which holds the person's open items) is the first
   * message of each run, so one compiled graph serves every prompt version, channel and person.
   */
  private patientAgent: CompiledAgent | undefined;
  private readonly replayAgents = new WeakMap<Services, CompiledAgent>();

  constructor(private readonly opts: AgentBrainOptions) {
    this.prompt = opts.prompt ?? (() => Promise.resolve(DEFAULT_PROMPT));
    this.guided = opts.guided ?? new GuidedBrain();
    // Graph steps, not tool calls: each model call and tool call is a step, and the tool-call limit adds one
    // per model call. MAX_TOOL_CALLS_PER_TURN bounds the work; this only stops a runaway loop.
    this.recursionLimit = opts.recursionLimit ?? 4 * (MAX_TOOL_CALLS_PER_TURN + 2);
  }

  static fromConfig(llm: LlmConfig, prompt?: () => Promise<string>): AgentBrain {
    return new AgentBrain({ model: chatModel(llm), prompt });
  }

  async respond(turn: Turn): Promise<void> {
    // Buttons and numbers picked from an offered list are the guided dialog's; so is a person not yet a patient.
    if (!turn.actor || turn.input.choice !== undefined) return this.guided.respond(turn);
    const text = turn.input.text.trim();
    if (text === "") return this.guided.respond(turn);

    const before = { pending: turn.state.pending, actionSeq: turn.state.actionSeq };
    try {
      const voice = turn.inbound.channel === "voice" ? `\n\n${VOICE_STYLE}` : "";
      // The prompt, the open items and the history are independent reads: one round trip's wait, not three.
      const [prompt, items, history] = await Promise.all([
        this.prompt(),
        openItems(turn),
        recentMessages(turn),
      ]);
      const chosen = languageOf(turn.state.language);
      const language = chosen
        ? `\n\nThe person speaks ${chosen.name}: answer only in ${chosen.name}, whatever language the context is in.`
        : "";
      const system = `${prompt}${voice}${language}\n\n${items}`;
      const { stream } = turn;
      let reply: string;
      try {
        this.patientAgent ??= this.compile(agentTools());
        reply = await this.run(this.patientAgent, system, [...history, new HumanMessage(text)], {
          stream,
          context: { turn },
        });
      } catch (err) {
        // The person talked over the answer: what they heard of it is the answer kept in the conversation.
        if (!stream?.signal.aborted) throw err;
        reply = "";
      }
      if (stream?.signal.aborted) {
        turn.state.pending = before.pending;
        turn.state.actionSeq = before.actionSeq;
        const heard = stream.heard()?.trim();
        if (heard) say(turn, `${heard}…`);
        return;
      }
      // A prepared action already showed its summary with Confirm / Change: that is the answer.
      if (turn.state.pending !== before.pending && turn.state.pending !== undefined) return;
      say(turn, checkReply(reply, turn.inbound.channel));
      turn.state.guided = { step: "menu" };
    } catch (err) {
      // Nothing half-prepared survives a failed turn: the fallback starts from the state as it was.
      turn.state.pending = before.pending;
      turn.state.actionSeq = before.actionSeq;
      throw err;
    }
  }

  /**
   * Runs a list of user messages, one after another in one conversation, against the given prompt text and
   * returns the answers (the admin "replay" of a prompt version). Only the read-only search tools are live;
   * nothing is prepared or booked and no person's data is reachable.
   */
  async replay(
    services: Services,
    promptText: string,
    messages: string[],
    channel: Channel = "web",
  ): Promise<string[]> {
    const answers: string[] = [];
    const history: BaseMessage[] = [];
    let agent = this.replayAgents.get(services);
    if (!agent) {
      agent = this.compile(replayTools(services));
      this.replayAgents.set(services, agent);
    }
    for (const m of messages) {
      history.push(new HumanMessage(m));
      let answer: string;
      try {
        answer = checkReply(await this.run(agent, promptText, history), channel);
      } catch (err) {
        answer = `[no answer: ${loggableError(err).message}]`;
      }
      history.push(new AIMessage(answer));
      answers.push(answer);
    }
    return answers;
  }

  private compile(tools: ReturnType<typeof agentTools> | ReturnType<typeof replayTools>) {
    return createAgent({
      model: this.opts.model,
      tools,
      middleware: [toolCallLimitMiddleware({ runLimit: MAX_TOOL_CALLS_PER_TURN, exitBehavior: "continue" })],
    });
  }

  private async run(
    agent: CompiledAgent,
    systemPrompt: string,
    history: BaseMessage[],
    opts: { stream?: TurnStream | undefined; context?: AgentToolContext } = {},
  ): Promise<string> {
    const { stream, context } = opts;
    const messages = [new SystemMessage(systemPrompt), ...history];
    if (!stream) {
      const result = (await agent.invoke({ messages }, { recursionLimit: this.recursionLimit, context })) as {
        messages: BaseMessage[];
      };
      return finalText(result.messages);
    }
    // A live channel hears the answer as the model writes it: LangGraph's "messages" mode yields each model
    // chunk as it arrives (the model streams), "values" the state after each step (the final messages).
    let last: BaseMessage[] = [];
    const announced = new Set<string>();
    const chunks = await agent.stream(
      { messages },
      {
        recursionLimit: this.recursionLimit,
        streamMode: ["messages", "values"],
        signal: stream.signal,
        context,
      },
    );
    for await (const [mode, payload] of chunks as AsyncIterable<[string, unknown]>) {
      if (mode === "values") {
        last = (payload as { messages: BaseMessage[] }).messages;
        continue;
      }
      const [message] = payload as [BaseMessage, unknown];
      if (!AIMessageChunk.isInstance(message)) continue;
      for (const call of message.tool_call_chunks ?? []) {
        const key = `${call.index ?? 0}:${call.id ?? ""}`;
        if (call.name && !announced.has(key)) {
          announced.add(key);
          stream.tool(call.name);
        }
      }
      const piece = typeof message.content === "string" ? message.content : "";
      if (piece) stream.token(piece);
    }
    return finalText(last);
  }
}

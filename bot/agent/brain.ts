import { ChatOpenAI } from "@langchain/openai";
import { loggableError } from "../../domain/shared/errors.js";
import type { AIMessageChunk } from "langchain";
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from "langchain";
import { ToolInputParsingException, type StructuredToolInterface } from "@langchain/core/tools";
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
  /** Model calls allowed per turn (each answer or request for tools is one); past it the turn fails. */
  maxModelCalls?: number | undefined;
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

/** Added to the system prompt on the phone: the answer is spoken (the voice render profile). */
export const VOICE_STYLE = [
  "You are speaking with the person on the phone; your words are read aloud.",
  "Use short, plain sentences. Never use markdown, lists, links, web addresses or internal ids.",
  "Say numbers, dates, times and amounts of money as a person would say them.",
  "A payment or visit link is sent to the caller's phone by text message: say so instead of reading it.",
  "When you offer choices, number them and say: say one, two or three, or press the number.",
].join(" ");

/** The text of the model's answer (its text parts, when the content is a list). */
function textOf(answer: BaseMessage): string {
  const c = answer.content;
  if (typeof c === "string") return c;
  return c
    .map((part) =>
      typeof part === "object" && "text" in part && typeof part.text === "string" ? part.text : "",
    )
    .join("");
}

/**
 * The AI agent: a LangChain chat model with LangChain tools, in a tool loop of its own (see run). It sees the conversation's recent messages and a summary of the
 * person's open items, and acts only through tools bound to the session's patient; booking and cancelling
 * are prepared for the person's confirmation (the pending middleware executes). Any failure of the model
 * throws, so FallbackBrain answers with the guided menu. Its reply is checked before it is sent.
 */
export class AgentBrain implements Brain {
  readonly name = "agent";
  private readonly prompt: () => Promise<string>;
  private readonly guided: Brain;
  private readonly maxModelCalls: number;
  /**
   * Tools, built once: the patient's (each call reads its turn from the run's context) and the replay tools
   * per Services, each list bound to the model once. The system prompt (which holds the person's open items)
   * is the first message of each run, so one bound model serves every prompt version, channel and person.
   */
  private patientTools: AgentTools | undefined;
  private readonly replayToolsOf = new WeakMap<Services, AgentTools>();
  private readonly bound = new WeakMap<AgentTools, BoundModel>();

  constructor(private readonly opts: AgentBrainOptions) {
    this.prompt = opts.prompt ?? (() => Promise.resolve(DEFAULT_PROMPT));
    this.guided = opts.guided ?? new GuidedBrain();
    // MAX_TOOL_CALLS_PER_TURN bounds the work; this only stops a model that keeps asking for refused tools.
    this.maxModelCalls = opts.maxModelCalls ?? MAX_TOOL_CALLS_PER_TURN + 2;
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
        this.patientTools ??= agentTools();
        reply = await this.run(this.patientTools, system, [...history, new HumanMessage(text)], {
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
    let tools = this.replayToolsOf.get(services);
    if (!tools) {
      tools = replayTools(services);
      this.replayToolsOf.set(services, tools);
    }
    for (const m of messages) {
      history.push(new HumanMessage(m));
      let answer: string;
      try {
        answer = checkReply(await this.run(tools, promptText, history), channel);
      } catch (err) {
        answer = `[no answer: ${loggableError(err).message}]`;
      }
      history.push(new AIMessage(answer));
      answers.push(answer);
    }
    return answers;
  }

  /** The model with these tools bound, once per tool list. */
  private bind(tools: AgentTools): BoundModel {
    let bound = this.bound.get(tools);
    if (!bound) {
      if (!this.opts.model.bindTools) throw new Error("The agent's model cannot call tools.");
      bound = this.opts.model.bindTools(tools);
      this.bound.set(tools, bound);
    }
    return bound;
  }

  /**
   * The agent loop: the model answers or asks for tools; the tools run (each with the turn as its runtime
   * context) and their results go back to the model; until it answers in text. This is what LangChain's
   * createAgent graph does, written out: the graph's per-step machinery (its channels, checkpoints and
   * callback bookkeeping) cost about 6 ms of CPU per model call, on a phone line whose whole budget for the
   * platform is 50 ms, and this loop is the part of it we use. The graph's behaviour is kept: the tools of one
   * model message run together, a tool's failure or bad arguments go back to the model as an error it can
   * correct, calls past MAX_TOOL_CALLS_PER_TURN are refused the same way, and the model's text and tool names
   * stream to a live channel as they arrive.
   */
  private async run(
    tools: AgentTools,
    systemPrompt: string,
    history: BaseMessage[],
    opts: { stream?: TurnStream | undefined; context?: AgentToolContext } = {},
  ): Promise<string> {
    const { stream, context } = opts;
    const model = this.bind(tools);
    const byName = new Map<string, AgentTool>(tools.map((t) => [t.name, t]));
    const messages: BaseMessage[] = [new SystemMessage(systemPrompt), ...history];
    const signal = stream?.signal;
    let used = 0;
    for (let call = 0; call < this.maxModelCalls; call++) {
      const answer = stream ? await this.streamed(model, messages, stream) : await model.invoke(messages);
      messages.push(answer);
      const calls = answer.tool_calls ?? [];
      if (calls.length === 0) return textOf(answer);
      const results = await Promise.all(
        calls.map((toolCall) =>
          used++ < MAX_TOOL_CALLS_PER_TURN
            ? runTool(byName, toolCall, context, signal)
            : Promise.resolve(toolError(toolCall, TOOL_LIMIT_EXCEEDED)),
        ),
      );
      messages.push(...results);
    }
    throw new Error(`The agent did not answer within ${this.maxModelCalls} model calls.`);
  }

  /** One model call whose text and tool names reach the channel as they arrive; the whole message returned. */
  private async streamed(
    model: BoundModel,
    messages: BaseMessage[],
    stream: TurnStream,
  ): Promise<AIMessageChunk> {
    const announced = new Set<string>();
    let whole: AIMessageChunk | undefined;
    for await (const chunk of await model.stream(messages, { signal: stream.signal })) {
      whole = whole ? whole.concat(chunk) : chunk;
      for (const call of chunk.tool_call_chunks ?? []) {
        const key = `${call.index ?? 0}:${call.id ?? ""}`;
        if (call.name && !announced.has(key)) {
          announced.add(key);
          stream.tool(call.name);
        }
      }
      const piece = typeof chunk.content === "string" ? chunk.content : "";
      if (piece) stream.token(piece);
    }
    if (!whole) throw new Error("The model's stream ended without a message.");
    return whole;
  }
}

type AgentTools = ReturnType<typeof agentTools> | ReturnType<typeof replayTools>;
type AgentTool = StructuredToolInterface;
type ToolCall = NonNullable<AIMessage["tool_calls"]>[number];
type BoundModel = ReturnType<NonNullable<BaseChatModel["bindTools"]>>;

/** What the model is told for a tool call past the turn's limit (the words LangChain's limit middleware used). */
const TOOL_LIMIT_EXCEEDED = "Tool call limit exceeded. Do not make additional tool calls.";

function toolError(call: ToolCall, content: string): ToolMessage {
  return new ToolMessage({ content, tool_call_id: call.id ?? "", name: call.name, status: "error" });
}

/**
 * Runs one tool call with the turn as its runtime context. A call the model got wrong (an unknown tool,
 * arguments its schema refuses, a failure) answers with an error the model sees and can correct, as
 * LangChain's ToolNode does, but never with a stack trace; a cancelled turn (the caller talked over it) stops.
 */
async function runTool(
  byName: Map<string, AgentTool>,
  call: ToolCall,
  context: AgentToolContext | undefined,
  signal: AbortSignal | undefined,
): Promise<ToolMessage> {
  const tool = byName.get(call.name);
  if (!tool) {
    return toolError(
      call,
      `Error: ${call.name} is not a valid tool, try one of [${[...byName.keys()].join(", ")}].`,
    );
  }
  try {
    const output: unknown = await tool.invoke(
      { ...call, type: "tool_call" },
      { context, toolCallId: call.id, ...(signal ? { signal } : {}) },
    );
    if (ToolMessage.isInstance(output)) return output;
    return new ToolMessage({
      name: call.name,
      content: typeof output === "string" ? output : JSON.stringify(output),
      tool_call_id: call.id ?? "",
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    if (err instanceof ToolInputParsingException) {
      return toolError(
        call,
        `Error: the arguments of ${call.name} are not valid: ${err.message}\n Please fix your mistakes.`,
      );
    }
    return toolError(call, `${String(err)}\n Please fix your mistakes.`);
  }
}

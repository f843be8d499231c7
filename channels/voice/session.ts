import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { TurnStream } from "../../bot/turn.js";
import type { Choice, InboundMessage, OutboundMessage, TurnContext } from "../../bot/types.js";
import { phoneFromProvider } from "../../domain/shared/phone.js";
import { loggableError } from "../../domain/shared/errors.js";
import { parseRelayMessage, type HandoffData, type RelayOut } from "./protocol.js";
import { hasLinks, SpeechFilter, spoken, spokenChoice } from "./render.js";
import { languageOf, sameLanguage } from "../../bot/language.js";
import { phrasesFor } from "../../bot/phrases.js";

/** A tool still running this long after the model asked for it gets a short spoken filler first. */
export const FILLER_AFTER_MS = 700;
/** The filler in English (bot/phrases.ts has it in each language), a space before the words that follow. */
export const FILLER = `${phrasesFor("en").filler} `;
/** Keys pressed with no choices on offer (a code, a date) are collected until # or this long a pause. */
export const DIGITS_PAUSE_MS = 2000;

/** Where the phone's latency figures go (the lead wires a Prometheus histogram; channels import no client). */
export interface VoiceMetrics {
  /** Seconds from the caller's prompt to the first text token sent back; tool: a tool ran before it. */
  firstToken(seconds: number, labels: { tool: boolean }): void;
}

/** What a call needs from the platform: the engine's turns (through the hub) and a way to text the caller. */
export interface VoicePorts {
  /** One turn through the engine (ChannelHub.runTurn): stored like every channel's, streamed when given. */
  runTurn(inbound: InboundMessage, ctx: TurnContext, stream?: TurnStream): Promise<OutboundMessage[]>;
  /** Texts a message (its links) to the caller's number by SMS; key makes a retry harmless. */
  textCaller(phone: string, message: OutboundMessage, key: string): Promise<void>;
  /** The caller talked over a finished answer: its stored messages keep only what was heard (`heard…`). */
  keepHeard(conversationId: number, messageIds: number[], heard: string): Promise<void>;
  now(): Date;
  /** The language a call starts in (VOICE_LANGUAGE, BCP-47). */
  language?: string | undefined;
  metrics?: VoiceMetrics | undefined;
  log: { warn(obj: object, msg: string): void };
}

export interface CallInfo {
  callSid: string;
  /** The caller's E.164 number (undefined: withheld or not a phone number). */
  caller: string | undefined;
}

/** The caller's number as Twilio gives it → E.164, or undefined ("anonymous", a SIP address…). */
export function callerOf(from: string): string | undefined {
  return from.startsWith("+") ? phoneFromProvider(from) : undefined;
}

/** What the call says after a turn (beyond what was streamed), and whether it is handed to a person. */
export interface AfterTurn {
  speech: string;
  handoff: HandoffData["reason"] | undefined;
  choices: Choice[];
}

/**
 * After the engine answered: links are texted to the caller (the call says so), a hand-off is noted, and the
 * messages not already streamed are rendered for the ear in the call's language (their choices read out
 * unless the call is handed on).
 */
export async function afterTurn(
  ports: VoicePorts,
  call: CallInfo,
  out: OutboundMessage[],
  streamed: string,
  language?: string,
): Promise<AfterTurn> {
  const handoff = out.find((m) => m.handoff !== undefined)?.handoff;
  const speech: string[] = [];
  for (const m of out) {
    if (hasLinks(m) && call.caller !== undefined) {
      await ports
        .textCaller(
          call.caller,
          { text: m.text, links: m.links, attachments: m.attachments },
          `voice:${call.callSid}:${m.id ?? randomUUID()}`,
        )
        .catch((err: unknown) =>
          ports.log.warn({ err: loggableError(err).name }, "voice: the link was not texted"),
        );
    }
    // Streamed already: the answer began with it, or it is among what was streamed (a line said before the
    // answer, like "you're verified"). Compared on letters only: speech renders numbers and drops links.
    const said = letters(streamed);
    const own = letters(m.text);
    const isStreamed =
      said !== "" && own !== "" && (own.startsWith(said.slice(0, 40)) || said.includes(own.slice(0, 40)));
    const text = spoken(isStreamed ? { ...m, text: "" } : m, { choices: handoff === undefined, language });
    if (text) speech.push(text);
  }
  const choices = [...out].reverse().find((m) => m.choices?.length)?.choices ?? [];
  return { speech: speech.join(" "), handoff, choices: handoff ? [] : choices };
}

const letters = (s: string): string => s.toLowerCase().replace(/[^\p{L}]+/gu, "");

/** What a caller heard is shorter than what was said (ignoring spacing and the final punctuation). */
export function cutShort(heard: string, said: string): boolean {
  const norm = (s: string) =>
    s
      .replace(/\s+/g, " ")
      .replace(/[\s.,!?…]+$/u, "")
      .trim();
  return norm(heard).length < norm(said).length;
}

/** The stored messages of a turn's answer (ids in order) and their conversation, when they were stored. */
function storedIds(out: OutboundMessage[]): { conversationId: number; ids: number[] } | undefined {
  const ids = out.flatMap((m) => (m.id !== undefined ? [m.id] : []));
  const conversationId = out.find((m) => m.conversationId !== undefined)?.conversationId;
  return conversationId !== undefined && ids.length > 0 ? { conversationId, ids } : undefined;
}

/**
 * One ConversationRelay session (one call): Twilio's speech-to-text sends the caller's words, we answer with
 * text tokens as the engine produces them, Twilio speaks them. Turns run one at a time in arrival order; an
 * interrupt aborts the running one (the engine keeps only what the caller heard). A DTMF key answers the
 * choices on offer. An answer that hands the call on (an emergency, "talk to a person") ends the session with
 * handoffData; the <Connect action> callback then dials a person.
 */
export class RelaySession {
  private call: CallInfo | undefined;
  private queue: Promise<void> = Promise.resolve();
  private current: { controller: AbortController; heard: string | undefined } | undefined;
  /** The last answer fully sent (its audio may still be playing): trimmed if the caller talks over it. */
  private lastAnswer: { conversationId: number; ids: number[]; spoken: string } | undefined;
  private choices: Choice[] = [];
  private digits = "";
  private digitTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private ended = false;
  /** The language Twilio is listening and speaking in (BCP-47); changed with a `language` message. */
  private language: string;

  constructor(
    private readonly send: (frame: RelayOut) => void,
    private readonly ports: VoicePorts,
  ) {
    this.language = ports.language ?? "en-US";
  }

  /** One frame from Twilio. */
  receive(raw: string): void {
    const msg = parseRelayMessage(raw);
    if (!msg || this.ended) return;
    switch (msg.type) {
      case "setup":
        this.call ??= { callSid: msg.callSid, caller: callerOf(msg.from) };
        return;
      case "interrupt":
        return this.interrupt(msg.utteranceUntilInterrupt);
      case "error":
        // Twilio's description may quote the caller: only that it happened is logged.
        return this.ports.log.warn(
          { call: this.call?.callSid },
          "voice: conversation relay reported an error",
        );
      case "dtmf":
        return this.dtmf(msg.digit);
      case "prompt": {
        if (!msg.last) return;
        const at = performance.now();
        // Heard in another language we speak: Twilio listens and speaks in it from now on.
        if (msg.lang !== undefined && languageOf(msg.lang) && !sameLanguage(msg.lang, this.language))
          this.switchLanguage(msg.lang);
        return this.enqueue(msg.voicePrompt, at, msg.lang);
      }
    }
  }

  /** The socket closed: whatever runs stops. */
  close(): void {
    this.ended = true;
    clearTimeout(this.digitTimer);
    this.current?.controller.abort();
  }

  private enqueue(text: string, at: number, lang?: string): void {
    this.queue = this.queue.then(() => this.turn(text, at, lang));
  }

  private switchLanguage(tag: string): void {
    this.language = tag;
    this.send({ type: "language", ttsLanguage: tag, transcriptionLanguage: tag });
  }

  private interrupt(utterance: string): void {
    const c = this.current;
    if (c && !c.controller.signal.aborted) {
      c.heard = utterance;
      c.controller.abort();
      return;
    }
    // The answer was all sent but its audio was still playing: what the caller did not hear is not kept.
    const last = this.lastAnswer;
    this.lastAnswer = undefined;
    if (!last || !cutShort(utterance, last.spoken)) return;
    this.queue = this.queue.then(() => this.keepHeard(last.conversationId, last.ids, utterance));
  }

  private async keepHeard(conversationId: number, ids: number[], heard: string): Promise<void> {
    if (ids.length === 0) return;
    await this.ports
      .keepHeard(conversationId, ids, heard.trim())
      .catch((err: unknown) =>
        this.ports.log.warn({ err: loggableError(err).name }, "voice: the heard answer was not kept"),
      );
  }

  private dtmf(digit: string): void {
    const flush = () => {
      clearTimeout(this.digitTimer);
      const keys = this.digits;
      this.digits = "";
      if (keys) this.enqueue(keys, performance.now());
    };
    if (digit === "#" || digit === "*") return flush();
    // A key answering the choices on offer is an answer at once; otherwise keys make up a code or a date.
    if (this.choices.length > 0 && this.digits === "") return this.enqueue(digit, performance.now());
    this.digits += digit;
    clearTimeout(this.digitTimer);
    this.digitTimer = setTimeout(flush, DIGITS_PAUSE_MS);
  }

  private async turn(said: string, at: number, lang?: string): Promise<void> {
    const call = this.call;
    if (!call || this.ended || said.trim() === "") return;
    this.lastAnswer = undefined;
    const controller = new AbortController();
    const current = { controller, heard: undefined as string | undefined };
    this.current = current;
    const filter = new SpeechFilter();
    let streamed = "";
    let first = true;
    let usedTool = false;
    let filler: NodeJS.Timeout | undefined;
    let sent = "";
    const emit = (token: string, last = false) => {
      if (controller.signal.aborted || this.ended || (token === "" && !last)) return;
      sent += token;
      if (first && token !== "") {
        first = false;
        this.ports.metrics?.firstToken((performance.now() - at) / 1000, { tool: usedTool });
      }
      this.send({ type: "text", token, last });
    };
    const stream: TurnStream = {
      signal: controller.signal,
      token: (t) => {
        clearTimeout(filler);
        filler = undefined;
        const piece = filter.push(t);
        if (piece) {
          streamed += piece;
          emit(piece);
        }
      },
      tool: () => {
        usedTool = true;
        filler ??= setTimeout(() => emit(`${phrasesFor(this.language).filler} `), FILLER_AFTER_MS);
      },
      heard: () => current.heard,
    };
    const inbound: InboundMessage = {
      channel: "voice",
      externalUserId: call.callSid,
      text: spokenChoice(said.trim(), lang ?? this.language).slice(0, 2000),
      ...(lang !== undefined ? { language: lang } : {}),
      providerMessageId: `${call.callSid}:${++this.seq}`,
      receivedAt: this.ports.now(),
    };
    try {
      const out = await this.ports.runTurn(inbound, { callerPhone: call.caller }, stream);
      clearTimeout(filler);
      const stored = storedIds(out);
      if (controller.signal.aborted) {
        // Interrupted once the engine had answered (the brain kept the whole answer): keep what was heard.
        const heard = current.heard?.trim();
        if (
          heard !== undefined &&
          stored &&
          out[0]?.text !== `${heard}…` &&
          cutShort(heard, out[0]?.text ?? "")
        )
          await this.keepHeard(stored.conversationId, stored.ids, heard);
        return;
      }
      const rest = filter.flush();
      if (rest) {
        streamed += rest;
        emit(rest);
      }
      // The conversation switched language: Twilio changes its voice before saying the confirmation.
      const switched = out.find((m) => m.language !== undefined)?.language;
      if (switched !== undefined && switched !== this.language) this.switchLanguage(switched);
      const after = await afterTurn(this.ports, call, out, streamed, this.language);
      this.choices = after.choices;
      if (after.speech) emit(streamed ? ` ${after.speech}` : after.speech);
      emit("", true);
      if (stored) this.lastAnswer = { ...stored, spoken: sent };
      if (after.handoff) this.end(after.handoff);
    } catch (err) {
      this.ports.log.warn({ err: loggableError(err).name, call: call.callSid }, "voice: turn failed");
      emit(phrasesFor(this.language).sorry, true);
    } finally {
      clearTimeout(filler);
      if (this.current === current) this.current = undefined;
    }
  }

  private end(reason: HandoffData["reason"]): void {
    this.ended = true;
    this.send({
      type: "end",
      handoffData: JSON.stringify({ reason, language: this.language } satisfies HandoffData),
    });
  }
}

import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { computeSignature } from "../channels/twilio/signature.js";

/**
 * A local stand-in for Twilio ConversationRelay: a real WebSocket to /voice/relay, signed as Twilio signs it
 * (the relay's wss/ws URL under PUBLIC_BASE_URL, no parameters), speaking its messages.
 */

export interface RelayFrame {
  type: string;
  token?: string;
  last?: boolean;
  handoffData?: string;
  ttsLanguage?: string;
  transcriptionLanguage?: string;
}

export function callSid(): string {
  return "CA" + randomBytes(16).toString("hex");
}

export class RelayCaller {
  readonly frames: RelayFrame[] = [];
  private waiters: (() => void)[] = [];
  readonly sid = callSid();
  /** The language speech recognition listens in (changed by a `language` message, as Twilio does). */
  lang = "en-US";

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString("utf8")) as RelayFrame;
      if (frame.type === "language" && frame.transcriptionLanguage) this.lang = frame.transcriptionLanguage;
      this.frames.push(frame);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Opens the relay socket as Twilio does (or with a forged or missing signature) and sends setup. */
  static async dial(
    origin: string,
    authToken: string,
    from: string,
    opts: { relayUrl?: string; signature?: string | null } = {},
  ): Promise<RelayCaller> {
    const signed = opts.relayUrl ?? "ws://healthlink.test/voice/relay";
    const signature = opts.signature === undefined ? computeSignature(authToken, signed, []) : opts.signature;
    const ws = new WebSocket(
      `${origin.replace(/^http/, "ws")}/voice/relay`,
      signature === null ? {} : { headers: { "x-twilio-signature": signature } },
    );
    await new Promise<void>((resolve, reject) => {
      ws.on("open", () => resolve());
      ws.on("unexpected-response", (_req, res) => reject(new Error(`refused ${res.statusCode}`)));
      ws.on("error", reject);
    });
    const caller = new RelayCaller(ws);
    caller.send({
      type: "setup",
      sessionId: "VX" + randomBytes(16).toString("hex"),
      accountSid: "AC0123456789abcdef0123456789abcdef",
      callSid: caller.sid,
      from,
      to: "+14155550100",
      direction: "inbound",
      callType: "PSTN",
      callStatus: "RINGING",
      customParameters: {},
    });
    return caller;
  }

  send(message: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  /** Waits for a frame matching `pred` among those from index `from` on; returns its index. */
  async waitFor(pred: (f: RelayFrame) => boolean, from = 0, timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex((f, j) => j >= from && pred(f));
      if (i >= 0) return i;
      if (Date.now() > deadline)
        throw new Error(`no such frame; got ${JSON.stringify(this.frames.slice(from))}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  /**
   * The caller says something (heard in `lang`, by default the language recognition listens in); resolves with
   * the whole answer (its text tokens up to last: true).
   */
  async say(text: string, lang = this.lang): Promise<string> {
    const from = this.frames.length;
    this.send({ type: "prompt", voicePrompt: text, lang, last: true });
    return this.answerFrom(from);
  }

  /** The caller presses a key; resolves with the answer. */
  async press(digit: string): Promise<string> {
    const from = this.frames.length;
    this.send({ type: "dtmf", digit });
    return this.answerFrom(from);
  }

  async answerFrom(from: number, timeoutMs = 10_000): Promise<string> {
    const end = await this.waitFor((f) => f.type === "text" && f.last === true, from, timeoutMs);
    return this.tokens(from, end + 1).join("");
  }

  tokens(from = 0, to = this.frames.length): string[] {
    return this.frames.slice(from, to).flatMap((f) => (f.type === "text" && f.token ? [f.token] : []));
  }

  close(): void {
    this.ws.close();
  }
}

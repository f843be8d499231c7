import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One scripted answer of the fake model. */
export type FakeReply =
  | ({ text: string } & Pacing)
  | ({ toolCalls: { name: string; args: Record<string, unknown> }[] } & Pacing)
  | { status: number }
  /** Never answers (the client's timeout fires). */
  | { hang: true };

/**
 * How a streamed answer (a request with `stream: true`) is paced: the first chunk after `firstTokenMs`, then
 * one word per chunk every `tokenMs`. Unstreamed requests ignore it.
 */
export interface Pacing {
  firstTokenMs?: number | undefined;
  tokenMs?: number | undefined;
}

export interface ChatRequest {
  model: string;
  messages: { role: string; content: unknown; tool_calls?: unknown; tool_call_id?: string }[];
  tools?: { type: string; function: { name: string } }[];
  [k: string]: unknown;
}

/**
 * A local OpenAI-compatible `/v1/chat/completions` server for tests: it answers from a script (tool calls,
 * texts, failures) one reply per request and records every request it received.
 */
export class FakeOpenAI {
  readonly requests: ChatRequest[] = [];
  private script: FakeReply[] = [];
  /** Answers a request when the script is empty (a reply computed from what was asked). */
  private responder: ((request: ChatRequest) => FakeReply) | undefined;
  private readonly open = new Set<ServerResponse>();
  private seq = 0;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeOpenAI> {
    const server = createServer();
    const fake = new FakeOpenAI(server);
    server.on("request", (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  /** Replaces the script: the next requests get these replies in order (then a 500 when it runs out). */
  answer(...replies: FakeReply[]): void {
    this.script = [...replies];
  }

  /** Answers every request the script does not cover by calling `fn` with it. */
  respondWith(fn: ((request: ChatRequest) => FakeReply) | undefined): void {
    this.responder = fn;
  }

  reset(): void {
    this.script = [];
    this.responder = undefined;
    this.requests.length = 0;
  }

  /** The tool names the person's last request offered, and the tool results sent back so far. */
  toolResults(request: ChatRequest): string[] {
    return request.messages.filter((m) => m.role === "tool").map((m) => String(m.content));
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequest;
    this.requests.push(body);
    const reply = this.script.shift() ?? this.responder?.(body) ?? { status: 500 };
    if ("hang" in reply) {
      this.open.add(res);
      res.on("close", () => this.open.delete(res));
      return;
    }
    if ("status" in reply) {
      res.writeHead(reply.status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "scripted failure", type: "server_error" } }));
      return;
    }
    const n = ++this.seq;
    if (body.stream === true) return this.stream(res, body, reply, n);
    const message =
      "text" in reply
        ? { role: "assistant", content: reply.text }
        : {
            role: "assistant",
            content: null,
            tool_calls: reply.toolCalls.map((c, i) => ({
              id: `call_${n}_${i}`,
              type: "function",
              function: { name: c.name, arguments: JSON.stringify(c.args) },
            })),
          };
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id: `chatcmpl-${n}`,
        object: "chat.completion",
        created: 1_900_000_000,
        model: body.model,
        choices: [
          { index: 0, message, finish_reason: "text" in reply ? "stop" : "tool_calls", logprobs: null },
        ],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      }),
    );
  }

  /** The same answer as server-sent events (`chat.completion.chunk`s, then `[DONE]`), word by word. */
  private async stream(
    res: ServerResponse,
    body: ChatRequest,
    reply: Exclude<FakeReply, { status: number } | { hang: true }>,
    n: number,
  ): Promise<void> {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    this.open.add(res);
    res.on("close", () => this.open.delete(res));
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({
        id: `chatcmpl-${n}`,
        object: "chat.completion.chunk",
        created: 1_900_000_000,
        model: body.model,
        choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      })}\n\n`;
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    if (reply.firstTokenMs) await sleep(reply.firstTokenMs);
    if (res.destroyed) return;
    if ("text" in reply) {
      const words = reply.text.match(/\S+\s*/g) ?? [""];
      for (let i = 0; i < words.length; i++) {
        if (i > 0 && reply.tokenMs) await sleep(reply.tokenMs);
        if (res.destroyed) return;
        res.write(chunk(i === 0 ? { role: "assistant", content: words[i] } : { content: words[i] }));
      }
      res.write(chunk({}, "stop"));
    } else {
      res.write(
        chunk({
          role: "assistant",
          content: null,
          tool_calls: reply.toolCalls.map((c, i) => ({
            index: i,
            id: `call_${n}_${i}`,
            type: "function",
            function: { name: c.name, arguments: JSON.stringify(c.args) },
          })),
        }),
      );
      res.write(chunk({}, "tool_calls"));
    }
    res.end("data: [DONE]\n\n");
  }
}

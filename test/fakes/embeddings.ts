import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface EmbeddingsRequest {
  model: string;
  input: string[];
  [k: string]: unknown;
}

/** A word's slot in the fake's vectors (FNV-1a), and its sign. */
function slot(word: string, dims: number): { i: number; sign: number } {
  let h = 0x811c9dc5;
  for (let k = 0; k < word.length; k++) {
    h ^= word.charCodeAt(k);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return { i: h % dims, sign: h & 0x80000000 ? -1 : 1 };
}

/**
 * The fake's "meaning": a bag of its words (lower case, a plural's s dropped, words under 3 letters left out),
 * hashed into `dims` slots. Texts sharing words are near; texts sharing none are orthogonal or nearly so.
 */
export function fakeEmbedding(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const raw of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (raw.length < 3 || STOP.has(raw)) continue;
    const word = raw.length > 4 && raw.endsWith("s") ? raw.slice(0, -1) : raw;
    const { i, sign } = slot(word, dims);
    v[i]! += sign;
  }
  return v;
}

const STOP = new Set(
  "the and for with what did about was were has have had she her his him you your they that this from when last time doctor say said".split(
    " ",
  ),
);

/**
 * A local OpenAI-compatible `POST /v1/embeddings` server for tests: deterministic bag-of-words vectors, every
 * request recorded (the canary tests read them), and scripted failures.
 */
export class FakeEmbeddings {
  readonly requests: EmbeddingsRequest[] = [];
  /** The next requests answer this status instead (then back to normal). */
  private failures: number[] = [];

  private constructor(
    private readonly server: Server,
    readonly dims: number,
  ) {}

  static async start(dims = 256): Promise<FakeEmbeddings> {
    const server = createServer();
    const fake = new FakeEmbeddings(server, dims);
    server.on("request", (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  fail(...statuses: number[]): void {
    this.failures = [...statuses];
  }

  reset(): void {
    this.requests.length = 0;
    this.failures = [];
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (req.method !== "POST" || !req.url?.endsWith("/embeddings")) {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as EmbeddingsRequest;
    const input = Array.isArray(body.input) ? body.input : [String(body.input)];
    this.requests.push({ ...body, input });
    const failure = this.failures.shift();
    if (failure !== undefined) {
      res.writeHead(failure, { "content-type": "application/json" }).end('{"error":{"message":"scripted"}}');
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        object: "list",
        model: body.model,
        data: input.map((text, index) => ({
          object: "embedding",
          index,
          embedding: fakeEmbedding(text, this.dims),
        })),
        usage: { prompt_tokens: 1, total_tokens: 1 },
      }),
    );
  }
}

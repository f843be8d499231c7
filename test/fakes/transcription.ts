import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeSegment {
  start: number;
  end: number;
  text: string;
  no_speech_prob?: number;
  avg_logprob?: number;
}

export interface TranscriptionRequest {
  model: string | undefined;
  responseFormat: string | undefined;
  authorization: string | undefined;
  bytes: number;
}

/**
 * A local OpenAI-compatible `POST /v1/audio/transcriptions` server for tests. Audio made by `wav(marker)`
 * carries its marker in its samples; the fake answers each file with the segments scripted for the marker it
 * finds (verbose_json), so two tracks transcribed in any order get their own text.
 */
export class FakeTranscription {
  readonly requests: TranscriptionRequest[] = [];
  private readonly script = new Map<string, FakeSegment[] | { status: number }>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeTranscription> {
    const server = createServer();
    const fake = new FakeTranscription(server);
    server.on("request", (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        if (req.method !== "POST" || !req.url?.endsWith("/audio/transcriptions")) {
          res.writeHead(404).end();
          return;
        }
        const field = (name: string) =>
          new RegExp(`name="${name.replace(/[[\]]/g, "\\$&")}"\\r\\n\\r\\n([^\\r]*)\\r\\n`).exec(
            body.toString("latin1"),
          )?.[1];
        fake.requests.push({
          model: field("model"),
          responseFormat: field("response_format"),
          authorization: req.headers.authorization,
          bytes: body.length,
        });
        const text = body.toString("latin1");
        const marker = [...fake.script.keys()].find((k) => text.includes(`MARK:${k}:`));
        const answer = marker === undefined ? undefined : fake.script.get(marker);
        if (answer === undefined || !Array.isArray(answer)) {
          res.writeHead(answer?.status ?? 400, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: { message: "scripted failure" } }));
          return;
        }
        const segments = answer.map((s, id) => ({
          id,
          seek: 0,
          tokens: [],
          temperature: 0,
          compression_ratio: 1,
          avg_logprob: s.avg_logprob ?? -0.2,
          no_speech_prob: s.no_speech_prob ?? 0.01,
          start: s.start,
          end: s.end,
          text: s.text,
        }));
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            task: "transcribe",
            language: "english",
            duration: answer.at(-1)?.end ?? 0,
            text: answer.map((s) => s.text).join(" "),
            segments,
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return fake;
  }

  get baseUrl(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  /** The segments (or a failure status) for audio made with `wav(marker)`. */
  answer(marker: string, reply: FakeSegment[] | { status: number }): void {
    this.script.set(marker, reply);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A small real WAV file (8 kHz mono PCM) whose samples carry `MARK:<marker>:` for the fake to find. */
export function wav(marker: string): Buffer {
  const data = Buffer.concat([Buffer.from(`MARK:${marker}:`, "latin1"), Buffer.alloc(1600)]);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

import { z } from "zod";
import type { Config } from "../config/index.js";
import type { Embedder } from "../domain/rag/ports.js";
import { DomainError } from "../domain/shared/errors.js";

const EmbeddingsResponse = z.object({
  data: z.array(z.object({ index: z.number().int().min(0), embedding: z.array(z.number()) })),
});

/**
 * Embeddings through any OpenAI-compatible server (`POST {base}/embeddings`, batched): OpenAI, vLLM, Ollama,
 * llama.cpp, text-embeddings-inference. Errors carry the HTTP status only, never the server's body (it can echo
 * what was sent, which is a patient's record).
 */
export class OpenAiEmbedder implements Embedder {
  readonly model: string;

  constructor(private readonly cfg: NonNullable<Config["embeddings"]>) {
    this.model = cfg.model;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += this.cfg.batchSize)
      out.push(...(await this.batch(texts.slice(i, i + this.cfg.batchSize))));
    return out;
  }

  private async batch(input: string[]): Promise<Float32Array[]> {
    if (input.length === 0) return [];
    let res: Response;
    try {
      res = await fetch(`${this.cfg.baseUrl}/embeddings`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.cfg.apiKey ? { authorization: `Bearer ${this.cfg.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: this.cfg.model,
          input,
          encoding_format: "float",
          ...(this.cfg.dimensions !== undefined ? { dimensions: this.cfg.dimensions } : {}),
        }),
        signal: AbortSignal.timeout(this.cfg.timeoutMs),
      });
    } catch {
      throw new DomainError("unavailable", "EMBEDDINGS_UNREACHABLE", "The embeddings server is unreachable.");
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new DomainError(
        "unavailable",
        "EMBEDDINGS_FAILED",
        `The embeddings server answered ${res.status}.`,
      );
    }
    const parsed = EmbeddingsResponse.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success || parsed.data.data.length !== input.length) {
      throw new DomainError(
        "unavailable",
        "EMBEDDINGS_MALFORMED",
        "The embeddings server's answer is malformed.",
      );
    }
    const vectors: Float32Array[] = new Array<Float32Array>(input.length);
    for (const d of parsed.data.data) vectors[d.index] = Float32Array.from(d.embedding);
    if (vectors.some((v) => v === undefined))
      throw new DomainError(
        "unavailable",
        "EMBEDDINGS_MALFORMED",
        "The embeddings server's answer is malformed.",
      );
    return vectors;
  }
}

export function createEmbedder(config: Config): Embedder | undefined {
  return config.embeddings ? new OpenAiEmbedder(config.embeddings) : undefined;
}

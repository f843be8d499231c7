import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { z } from "zod";
import type { Config } from "../config/index.js";
import type { SpokenSegment, Transcriber } from "../domain/consultations/transcripts.js";
import { DomainError } from "../domain/shared/errors.js";
import { metrics } from "../domain/shared/metrics.js";

const tracer = trace.getTracer("healthlink-transcription");

const VerboseJson = z.object({
  text: z.string().optional(),
  segments: z
    .array(
      z.object({
        start: z.number(),
        end: z.number(),
        text: z.string(),
        no_speech_prob: z.number().optional(),
        avg_logprob: z.number().optional(),
      }),
    )
    .default([]),
});

/**
 * Speech to text through any OpenAI-compatible server (`POST {base}/audio/transcriptions`, multipart, with
 * `response_format=verbose_json` for timed segments): OpenAI, a local whisper server, vLLM… Segments Whisper
 * itself judges silence (high no-speech probability and low confidence) are dropped. Errors carry the HTTP
 * status only, never the server's body (it can echo what was said).
 */
export class OpenAiTranscriber implements Transcriber {
  readonly model: string;

  constructor(private readonly cfg: NonNullable<Config["transcription"]>) {
    this.model = cfg.model;
  }

  /**
   * One call, measured: a span (`transcribe <model>`, with the audio's size and the segments' count, never the
   * words) and healthlink_transcription_duration_seconds.
   */
  async transcribe(audio: { bytes: Buffer; mimeType: string; filename: string }): Promise<SpokenSegment[]> {
    const started = performance.now();
    return tracer.startActiveSpan(
      `transcribe ${this.model}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          "gen_ai.operation.name": "transcription",
          "gen_ai.request.model": this.model,
          "healthlink.audio.bytes": audio.bytes.length,
        },
      },
      async (span) => {
        const seconds = () => (performance.now() - started) / 1000;
        try {
          const segments = await this.call(audio);
          span.setAttribute("healthlink.transcript.segments", segments.length);
          metrics.transcription(this.model, "ok", seconds());
          return segments;
        } catch (err) {
          span.setStatus({
            code: SpanStatusCode.ERROR,
            message: err instanceof DomainError ? err.code : "TRANSCRIPTION_ERROR",
          });
          metrics.transcription(this.model, "error", seconds());
          throw err;
        } finally {
          span.end();
        }
      },
    );
  }

  private async call(audio: { bytes: Buffer; mimeType: string; filename: string }): Promise<SpokenSegment[]> {
    const form = new FormData();
    form.append("file", new Blob([new Uint8Array(audio.bytes)], { type: audio.mimeType }), audio.filename);
    form.append("model", this.cfg.model);
    form.append("response_format", "verbose_json");
    form.append("timestamp_granularities[]", "segment");
    let res: Response;
    try {
      res = await fetch(`${this.cfg.baseUrl}/audio/transcriptions`, {
        method: "POST",
        body: form,
        headers: this.cfg.apiKey ? { authorization: `Bearer ${this.cfg.apiKey}` } : {},
        signal: AbortSignal.timeout(this.cfg.timeoutMs),
      });
    } catch {
      throw new DomainError(
        "unavailable",
        "TRANSCRIPTION_UNREACHABLE",
        "The transcription server is unreachable.",
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new DomainError(
        "unavailable",
        "TRANSCRIPTION_FAILED",
        `The transcription server answered ${res.status}.`,
      );
    }
    const parsed = VerboseJson.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) {
      throw new DomainError(
        "unavailable",
        "TRANSCRIPTION_MALFORMED",
        "The transcription server's answer is malformed.",
      );
    }
    return parsed.data.segments
      .filter((s) => !((s.no_speech_prob ?? 0) > 0.6 && (s.avg_logprob ?? 0) < -1))
      .map((s) => ({ start: s.start, end: s.end, text: s.text }));
  }
}

export function createTranscriber(config: Config): Transcriber | undefined {
  return config.transcription ? new OpenAiTranscriber(config.transcription) : undefined;
}

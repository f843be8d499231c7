import { randomUUID } from "node:crypto";
import WebSocket from "ws";

/** A frame the web chat socket sends (channels/web). */
export interface Frame {
  type: string;
  id?: number;
  ref?: string | null;
  part?: number;
  text?: string;
  code?: string;
  buttons?: { id: string; label: string }[];
  links?: { label: string; url: string }[];
}

/** A browser tab: connects, collects frames, sends messages and waits for the replies. */
export class Tab {
  frames: Frame[] = [];
  private waiters: (() => void)[] = [];
  readonly ws: WebSocket;
  closed = false;

  /** `base` is the listening app's host:port; `query` carries access_token or visitor_token. */
  constructor(base: string, query: string) {
    this.ws = new WebSocket(`ws://${base}/chat/ws?${query}`);
    this.ws.on("message", (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString("utf8")) as Frame);
      for (const w of this.waiters.splice(0)) w();
    });
    this.ws.on("close", () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  async until(pred: (frames: Frame[]) => boolean, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.frames)) {
      if (Date.now() > deadline)
        throw new Error(`timed out; frames: ${JSON.stringify(this.frames.slice(-3))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  ready(): Promise<void> {
    return this.until((f) => f.some((x) => x.type === "ready"));
  }

  /** Sends a message; resolves with the message frames of its reply. */
  async say(text: string, choice?: string, id = randomUUID()): Promise<Frame[]> {
    const from = this.frames.length;
    this.ws.send(JSON.stringify({ type: "message", id, text, ...(choice ? { choice } : {}) }));
    await this.until((f) => f.slice(from).some((x) => x.type === "message"));
    await new Promise((r) => setTimeout(r, 60)); // the rest of the turn's frames
    return this.frames.slice(from).filter((x) => x.type === "message");
  }

  close(): void {
    this.ws.close();
  }
}

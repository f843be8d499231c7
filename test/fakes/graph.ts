import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { signBody } from "../../channels/whatsapp/inbound.js";

/** One POST {base}/{phone-number-id}/messages received by the fake. */
export interface GraphMessageCall {
  phoneNumberId: string;
  authorization: string | undefined;
  /** The JSON body as sent: messaging_product, to, type and the type's object. */
  body: Record<string, unknown> & { to?: string; type?: string };
  /** The wamid answered (undefined when the call was refused). */
  wamid?: string | undefined;
}

export interface FakeGraph {
  /** e.g. http://127.0.0.1:54321/v21.0 — use as WHATSAPP_GRAPH_API_BASE. */
  readonly url: string;
  /** Every messages call, in order (refused ones too). */
  readonly calls: GraphMessageCall[];
  /** The accepted messages sent to one recipient (digits, as Meta's `to`). */
  sentTo(waId: string): GraphMessageCall[];
  /**
   * The next messages calls answer: 429 (rate limited), 500, or Meta's 400 with error 131047 (more than 24
   * hours since the person last wrote). `failTimes` limits how many calls fail (Infinity = until reset).
   */
  behaviour: { fail: "none" | "429" | "500" | "131047"; failTimes: number };
  /** Media the fake serves: GET {base}/{id} → {url, mime_type, …}; GET that url → the bytes. */
  addMedia(id: string, bytes: Buffer, mimeType: string): void;
  /** Media whose URL (in GET {base}/{id}) is this one, wherever it points. */
  addMediaAt(id: string, url: string, mimeType: string): void;
  /** Media whose URL is the fake's own, answering 302 to `location`. */
  addRedirectedMedia(id: string, location: string, mimeType: string): void;
  /** Authorization headers seen on media requests. */
  readonly mediaAuth: (string | undefined)[];
  close(): Promise<void>;
}

const VERSION = "v21.0";

/** A small Graph API: the messages endpoint and the media endpoints of the WhatsApp Cloud API. */
export async function startFakeGraph(): Promise<FakeGraph> {
  const calls: GraphMessageCall[] = [];
  const mediaAuth: (string | undefined)[] = [];
  const media = new Map<string, { bytes: Buffer; mimeType: string; url?: string; location?: string }>();
  const behaviour: FakeGraph["behaviour"] = { fail: "none", failTimes: Infinity };
  let seq = 0;
  let origin = "";

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://fake-graph");
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const graphError = (status: number, code: number, message: string) =>
        send(status, { error: { message, type: "OAuthException", code, fbtrace_id: "Afake" } });

      const messages = new RegExp(`^/${VERSION}/(\\d+)/messages$`).exec(url.pathname);
      if (req.method === "POST" && messages) {
        let body: GraphMessageCall["body"];
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as GraphMessageCall["body"];
        } catch {
          return graphError(400, 100, "(#100) Invalid JSON");
        }
        const call: GraphMessageCall = {
          phoneNumberId: messages[1]!,
          authorization: req.headers.authorization,
          body,
        };
        calls.push(call);
        if (behaviour.fail !== "none" && behaviour.failTimes > 0) {
          behaviour.failTimes--;
          if (behaviour.fail === "429") return graphError(429, 130429, "(#130429) Rate limit hit");
          if (behaviour.fail === "500") return graphError(500, 131000, "(#131000) Something went wrong");
          return graphError(400, 131047, "(#131047) Re-engagement message");
        }
        if (body.messaging_product !== "whatsapp" || typeof body.to !== "string")
          return graphError(400, 100, "(#100) Invalid parameter");
        call.wamid = `wamid.FAKE${String(++seq).padStart(8, "0")}`;
        return send(200, {
          messaging_product: "whatsapp",
          contacts: [{ input: body.to, wa_id: body.to }],
          messages: [{ id: call.wamid }],
        });
      }

      const file = /^\/files\/([A-Za-z0-9_.-]+)$/.exec(url.pathname);
      if (req.method === "GET" && file) {
        mediaAuth.push(req.headers.authorization);
        const m = media.get(file[1]!);
        if (!m) return graphError(404, 100, "Not found");
        if (m.location !== undefined) {
          res.writeHead(302, { location: m.location });
          return res.end();
        }
        res.writeHead(200, { "content-type": m.mimeType, "content-length": m.bytes.length });
        return res.end(m.bytes);
      }
      const mediaMeta = new RegExp(`^/${VERSION}/([A-Za-z0-9_.-]+)$`).exec(url.pathname);
      if (req.method === "GET" && mediaMeta) {
        mediaAuth.push(req.headers.authorization);
        const id = mediaMeta[1]!;
        const m = media.get(id);
        if (!m) return graphError(400, 100, "(#100) Unsupported get request");
        return send(200, {
          messaging_product: "whatsapp",
          url: m.url ?? `${origin}/files/${id}`,
          mime_type: m.mimeType,
          sha256: "0".repeat(64),
          file_size: m.bytes.length,
          id,
        });
      }
      return graphError(404, 100, "Unknown path");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/${VERSION}`,
    calls,
    behaviour,
    mediaAuth,
    sentTo: (waId) => calls.filter((c) => c.body.to === waId && c.wamid !== undefined),
    addMedia: (id, bytes, mimeType) => void media.set(id, { bytes, mimeType }),
    addMediaAt: (id, url, mimeType) => void media.set(id, { bytes: Buffer.alloc(0), mimeType, url }),
    addRedirectedMedia: (id, location, mimeType) =>
      void media.set(id, { bytes: Buffer.alloc(0), mimeType, location }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Builds webhook bodies as Meta sends them, and signs them (X-Hub-Signature-256). */
export class MetaWebhooks {
  private seq = 0;

  constructor(
    readonly appSecret: string,
    readonly phoneNumberId: string,
  ) {}

  /** A fresh wamid for an inbound message. */
  wamid(): string {
    return `wamid.IN${Date.now().toString(36)}${String(++this.seq).padStart(6, "0")}`;
  }

  /** The envelope around messages and statuses of one change. */
  envelope(value: { messages?: unknown[]; statuses?: unknown[]; contacts?: unknown[] }): unknown {
    return {
      object: "whatsapp_business_account",
      entry: [
        {
          id: "102290129340398",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: "15550783881", phone_number_id: this.phoneNumberId },
                ...value,
              },
            },
          ],
        },
      ],
    };
  }

  /** A message object from `from` (digits, no "+"). */
  message(from: string, type: string, content: Record<string, unknown>, id = this.wamid()): unknown {
    return { from, id, timestamp: "1893974400", type, ...content };
  }

  text(from: string, body: string, id?: string): unknown {
    return this.messages(from, [this.message(from, "text", { text: { body } }, id)]);
  }

  button(from: string, replyId: string, title = replyId): unknown {
    return this.messages(from, [
      this.message(from, "interactive", {
        interactive: { type: "button_reply", button_reply: { id: replyId, title } },
      }),
    ]);
  }

  listReply(from: string, replyId: string, title = replyId): unknown {
    return this.messages(from, [
      this.message(from, "interactive", {
        interactive: { type: "list_reply", list_reply: { id: replyId, title, description: "" } },
      }),
    ]);
  }

  document(from: string, mediaId: string, mimeType: string, filename: string, caption?: string): unknown {
    return this.messages(from, [
      this.message(from, "document", {
        document: {
          id: mediaId,
          mime_type: mimeType,
          sha256: "0".repeat(44),
          filename,
          ...(caption !== undefined ? { caption } : {}),
        },
      }),
    ]);
  }

  messages(from: string, messages: unknown[]): unknown {
    return this.envelope({ contacts: [{ profile: { name: "Patient" }, wa_id: from }], messages });
  }

  status(wamid: string, status: string, recipient: string, at = 1893974400): unknown {
    return this.envelope({
      statuses: [{ id: wamid, status, timestamp: String(at), recipient_id: recipient }],
    });
  }

  /** The raw body and headers of a signed POST. */
  signed(json: unknown): { payload: string; headers: Record<string, string> } {
    const payload = JSON.stringify(json);
    return {
      payload,
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": signBody(payload, this.appSecret),
      },
    };
  }
}

import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

/** One email the fake server accepted, with its text part decoded. */
export interface ReceivedEmail {
  from: string;
  to: string[];
  subject: string;
  messageId: string;
  /** The text/plain part, transfer-decoded. */
  text: string;
  /** The text/html part, transfer-decoded ("" when there is none). */
  html: string;
  raw: string;
}

export interface FakeSmtp {
  /** smtp://127.0.0.1:<port> — use as SMTP_URL. */
  readonly url: string;
  readonly received: ReceivedEmail[];
  /** Mail to these addresses is refused with 550 (a permanent failure). */
  readonly reject: Set<string>;
  /** Emails to one address, oldest first. */
  to(address: string): ReceivedEmail[];
  close(): Promise<void>;
}

/** A local SMTP server (the `smtp-server` package): accepts everything but `reject`, keeps what it got. */
export async function startFakeSmtp(): Promise<FakeSmtp> {
  const received: ReceivedEmail[] = [];
  const reject = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (reject.has(address.address.toLowerCase())) {
        const err = Object.assign(new Error("No such user here"), { responseCode: 550 });
        return callback(err);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        received.push({
          ...readMessage(raw),
          from,
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    reject,
    to: (address) => received.filter((m) => m.to.includes(address)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Headers (unfolded) and body of one MIME entity. */
function split(entity: string): { headers: Map<string, string>; body: string } {
  const at = entity.search(/\r?\n\r?\n/);
  const head = at < 0 ? entity : entity.slice(0, at);
  const body = at < 0 ? "" : entity.slice(at).replace(/^\r?\n\r?\n/, "");
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, " ").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { headers, body };
}

function decode(body: string, encoding: string | undefined): string {
  switch ((encoding ?? "").toLowerCase()) {
    case "quoted-printable":
      return Buffer.from(
        body
          .replace(/=\r?\n/g, "")
          .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        "latin1",
      ).toString("utf8");
    case "base64":
      return Buffer.from(body.replace(/\s/g, ""), "base64").toString("utf8");
    default:
      return body;
  }
}

/** Reads the subject and the text and HTML parts of a (multipart/alternative or single-part) message. */
function readMessage(raw: string): Pick<ReceivedEmail, "subject" | "messageId" | "text" | "html"> {
  const { headers, body } = split(raw);
  const parts: { type: string; content: string }[] = [];
  const walk = (h: Map<string, string>, b: string) => {
    const type = h.get("content-type") ?? "text/plain";
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (type.toLowerCase().startsWith("multipart/") && boundary) {
      for (const chunk of b.split(`--${boundary}`).slice(1)) {
        if (chunk.startsWith("--")) break;
        const part = split(chunk.replace(/^\r?\n/, ""));
        walk(part.headers, part.body);
      }
      return;
    }
    parts.push({
      type: type.split(";")[0]!.trim().toLowerCase(),
      content: decode(b, h.get("content-transfer-encoding")).replace(/\r\n/g, "\n").trim(),
    });
  };
  walk(headers, body);
  return {
    subject: headers.get("subject") ?? "",
    messageId: headers.get("message-id") ?? "",
    text: parts.find((p) => p.type === "text/plain")?.content ?? "",
    html: parts.find((p) => p.type === "text/html")?.content ?? "",
  };
}

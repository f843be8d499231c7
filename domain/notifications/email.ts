import nodemailer from "nodemailer";
import type { Config } from "../../config/index.js";
import { renderNotification, type RecipientRole } from "./templates.js";

/** One email, already rendered: plain text and the same as simple HTML. */
export interface EmailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * A failed send: `retryable` for the server's 4xx and network trouble (the delivery job tries again), not for a
 * 5xx rejection (a bad address: recorded and dropped). The code never carries the server's text (it may echo
 * the address or the message).
 */
export class EmailError extends Error {
  override readonly name = "EmailError";
  constructor(
    readonly code: string,
    readonly retryable: boolean,
  ) {
    super(code);
  }
}

/** The notifications module's port for email (SmtpMailer in production, the same over a local server in tests). */
export interface Mailer {
  /** Sends one email; `idempotencyKey` becomes its Message-ID, so a retried send is recognisable downstream. */
  send(message: EmailMessage, idempotencyKey: string): Promise<{ messageId: string }>;
  close(): void;
}

/** Email through nodemailer's SMTP transport over SMTP_URL (pooled connections). */
export class SmtpMailer implements Mailer {
  private readonly transport: nodemailer.Transporter;
  private readonly domain: string;

  constructor(private readonly settings: { smtpUrl: string; from: string }) {
    this.transport = nodemailer.createTransport(settings.smtpUrl, { from: settings.from });
    this.domain = /@([^>\s]+)>?\s*$/.exec(settings.from)?.[1] ?? "healthlink.invalid";
  }

  async send(message: EmailMessage, idempotencyKey: string): Promise<{ messageId: string }> {
    const messageId = `<${idempotencyKey.replace(/[^A-Za-z0-9._-]/g, "-")}@${this.domain}>`;
    try {
      const info = (await this.transport.sendMail({
        from: this.settings.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        messageId,
      })) as { messageId?: string };
      return { messageId: info.messageId ?? messageId };
    } catch (err) {
      const code = (err as { responseCode?: unknown }).responseCode;
      if (typeof code === "number" && code >= 500) throw new EmailError(`SMTP_${code}`, false);
      if (typeof code === "number") throw new EmailError(`SMTP_${code}`, true);
      throw new EmailError("SMTP_UNAVAILABLE", true);
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** The configured mailer, or undefined when SMTP_URL is unset. */
export function createMailer(config: Config): Mailer | undefined {
  return config.email ? new SmtpMailer(config.email) : undefined;
}

/** Addresses that only stand in for a phone-only account (users.email is required): nobody receives them. */
export function isDeliverableEmail(address: string | null | undefined): address is string {
  return typeof address === "string" && address.includes("@") && !/\.invalid$/i.test(address);
}

const SUBJECTS: Record<string, string> = {
  "auth.password_reset": "Reset your HealthLink password",
  "chat.verification_code": "Your HealthLink code",
};
const FAMILY_SUBJECTS: Record<string, string> = {
  appointment: "Your HealthLink appointment",
  reminder: "A reminder from HealthLink",
  payment: "Your HealthLink payment",
  pharmacy_order: "Your HealthLink medicine order",
  lab_booking: "Your HealthLink lab test",
  lab: "HealthLink lab results",
  prescription: "Your HealthLink prescription",
  plan: "Your HealthLink care plan",
  doctor: "Your HealthLink doctor profile",
  support: "HealthLink support",
};

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/**
 * A notification as an email: the channel-neutral words (templates.ts), a subject, its links written out,
 * and — where the message expects an answer (buttons on a chat) — a pointer to the chat, where the answer is
 * given.
 */
export function renderEmail(
  template: string,
  data: Record<string, unknown>,
  role: RecipientRole,
  chatUrl: string,
): Omit<EmailMessage, "to"> {
  const message = renderNotification(template, data, role);
  const family = template.split(".")[0] ?? "";
  const subject = SUBJECTS[template] ?? FAMILY_SUBJECTS[family] ?? "An update from HealthLink";
  const links = message.links ?? [];
  const answer = message.choices?.length ? `To answer, open your HealthLink chat: ${chatUrl}` : undefined;
  const text = [
    message.text,
    ...links.map((l) => `${l.label}: ${l.url}`),
    ...(answer ? [answer] : []),
    "— HealthLink",
  ].join("\n\n");
  const html = [
    `<p>${escapeHtml(message.text)}</p>`,
    ...links.map((l) => `<p><a href="${escapeHtml(l.url)}">${escapeHtml(l.label)}</a></p>`),
    ...(answer ? [`<p>To answer, open <a href="${escapeHtml(chatUrl)}">your HealthLink chat</a>.</p>`] : []),
    "<p>— HealthLink</p>",
  ].join("\n");
  return { subject, text, html };
}

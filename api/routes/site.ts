import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyReply } from "fastify";
import { escapeHtml, sitePage, STATIC_PAGE_CSP } from "../../channels/web/style.js";

function landing(consoleLink: boolean): string {
  return sitePage({
    title: "HealthLink",
    main: `<h1>Care that starts with a conversation</h1>
<p>HealthLink is a telemedicine service. In one chat you can find a doctor near you or online, book and pay for
a visit, join a video consultation, reorder medicines your doctor prescribed, book lab tests (also at home) and
read your own results and records.</p>
<p>The same assistant answers on the web, WhatsApp, Telegram, SMS and the phone: what you start in one place
you can finish in another. Nothing is booked, paid, cancelled or ordered until you confirm it.</p>
<p><a class="button" href="/chat">Open the chat</a>${
      consoleLink ? ' <a class="button secondary" href="/console">Doctors’ console</a>' : ""
    }</p>
<h2>Before you start</h2>
<p>HealthLink is not an emergency service. If you or someone near you is in danger, call your local emergency
number now.</p>
<p>Read how we handle your information in our <a href="/terms">terms of service and privacy notice</a>.</p>`,
  });
}

function terms(version: string): string {
  const v = escapeHtml(version);
  return sitePage({
    title: "Terms of service and privacy notice — HealthLink",
    main: `<h1>Terms of service and privacy notice</h1>
<p><strong>Version ${v}</strong>. This is the version you agree to when you start using HealthLink in a chat;
we record the version and the time with your agreement.</p>
<h2 id="service">What HealthLink does</h2>
<p>HealthLink connects you with doctors, pharmacies and laboratories. It helps you find a doctor, book and pay
for visits, hold video consultations, order prescribed medicines and lab tests, and read your own records.
Doctors, not HealthLink, give medical advice. An automated assistant answers in the chat; it never books, pays,
cancels or orders anything until you confirm that exact action.</p>
<h2 id="emergencies">Not for emergencies</h2>
<p>HealthLink is not an emergency service. If you describe an emergency, the chat gives you the local
emergency number and offers to reach a person, but you should call the emergency number yourself.</p>
<h2 id="data">What we collect</h2>
<ul>
<li>Who you are: your name, date of birth, phone number or email address.</li>
<li>What you tell us: the messages you send in any chat, and files you share.</li>
<li>Your care: appointments, consultation notes, prescriptions, lab results and payments.</li>
</ul>
<h2 id="use">How we use it</h2>
<p>Only to provide the service: to answer you, to arrange and run your care with the doctors, pharmacies and
laboratories you choose, to take payments, to send you reminders and results on the channel you prefer, and
to keep the service safe. Messages may be processed by an AI model to understand your request; they are not
used to advertise to you.</p>
<h2 id="sharing">Who sees it</h2>
<p>The doctors, pharmacies and laboratories involved in your care, and our staff who need it to help you.
Payment processors receive the amount and a reference, never clinical details. Every access to your health
information is recorded.</p>
<h2 id="rights">Your choices and rights</h2>
<ul>
<li>Reply <strong>STOP</strong> on SMS or WhatsApp to stop messages; <strong>HELP</strong> tells you how to
reach a person.</li>
<li>You can ask for a copy of your records, ask us to correct them, or ask us to delete your account where
the law allows.</li>
<li>You can ask for a person at any time in the chat.</li>
</ul>
<h2 id="changes">Changes</h2>
<p>When these terms change, the version above changes and we ask for your agreement again.</p>`,
  });
}

const send = (reply: FastifyReply, html: string) =>
  reply
    .type("text/html; charset=utf-8")
    .header("content-security-policy", STATIC_PAGE_CSP)
    .header("referrer-policy", "no-referrer")
    .header("x-content-type-options", "nosniff")
    .send(html);

/** The public pages: a landing page at / and the terms and privacy notice (the version consent records). */
export const siteRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const version = app.deps.config.bot.termsVersion;
  app.get("/", { schema: { hide: true } }, async (_request, reply) =>
    // The console link only when a console is served.
    send(reply, landing(app.hasRoute({ method: "GET", url: "/console" }))),
  );
  app.get("/terms", { schema: { hide: true } }, async (_request, reply) => send(reply, terms(version)));
};

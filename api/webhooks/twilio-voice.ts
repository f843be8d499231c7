import { languageOf } from "../../bot/language.js";
import { phrasesFor } from "../../bot/phrases.js";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { SIGNATURE_HEADER, verifySignature } from "../../channels/twilio/signature.js";
import { gatherTurn } from "../../channels/voice/gather.js";
import { parseHandoffData } from "../../channels/voice/protocol.js";
import { callerOf, RelaySession, type VoiceMetrics, type VoicePorts } from "../../channels/voice/session.js";
import {
  gatherTwiml,
  handoffTwiml,
  outboundTwiml,
  refusedTwiml,
  relayTwiml,
  relayUrl,
} from "../../channels/voice/twiml.js";
import { DomainError, loggableError } from "../../domain/shared/errors.js";
import { errorBody } from "../plugins/errors.js";

const CALL_SID = /^CA[0-9a-fA-F]{32}$/;

interface Socket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  readonly readyState: number;
  on(event: "message", listener: (data: Buffer | string) => void): void;
  on(event: "close", listener: () => void): void;
}

export interface VoiceWebhookOptions {
  /** Where first-token latencies go (the lead wires the Prometheus histogram here). */
  metrics?: VoiceMetrics | undefined;
}

/**
 * The phone line (docs/voice.md), only when Twilio has a phone number (otherwise 404):
 * - POST /webhooks/twilio/voice: an incoming call → TwiML: <Connect action><ConversationRelay/></Connect>
 *   (relay mode) or the first <Gather> (gather mode).
 * - GET /voice/relay: ConversationRelay's WebSocket; the upgrade is refused (403) unless X-Twilio-Signature
 *   signs the relay's wss:// URL (no parameters).
 * - POST /webhooks/twilio/voice/action: the relay session ended → <Dial> a person when its handoffData asks
 *   for one (and VOICE_HANDOFF_NUMBER is set), else goodbye.
 * - POST /webhooks/twilio/voice/gather: one gather-mode turn → <Say> + the next <Gather> (or the hand-off).
 * - POST /webhooks/twilio/voice/status: call status callbacks, kept on the call's conversation.
 * Every form webhook is checked with the one signature function of all Twilio webhooks; forged → 403.
 */
export const twilioVoiceWebhook: FastifyPluginAsync<VoiceWebhookOptions> = async (app, opts) => {
  const voice = app.deps.config.voice;
  const twilio = app.deps.config.twilio;
  if (!voice || !twilio) return;
  const { publicBaseUrl } = app.deps.config;
  const { authToken } = twilio;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: 64 * 1024 }, (_req, body, done) =>
    done(null, body),
  );

  const ports: VoicePorts = {
    runTurn: (inbound, ctx, stream) => app.hub.runTurn(inbound, ctx, stream),
    textCaller: async (phone, message, key) => {
      const identity = await app.services.conversations.identity("sms", phone);
      await app.hub.post(identity, [message], { key });
    },
    keepHeard: (conversationId, ids, heard) =>
      app.services.conversations.keepHeard(conversationId, ids, heard),
    now: () => app.deps.clock.now(),
    language: voice.language,
    metrics: opts.metrics,
    log: app.log,
  };

  /** The verified form, or undefined after answering 403. */
  const verified = (request: FastifyRequest, reply: FastifyReply): URLSearchParams | undefined => {
    const raw = Buffer.isBuffer(request.body) ? request.body.toString("utf8") : "";
    const form = (request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")
      ? new URLSearchParams(raw)
      : new URLSearchParams();
    if (!verifySignature(request.headers[SIGNATURE_HEADER], authToken, publicBaseUrl + request.url, form)) {
      void reply.status(403).send(errorBody("FORBIDDEN", "The request signature is invalid."));
      return undefined;
    }
    return form;
  };
  const twiml = (reply: FastifyReply, xml: string) => reply.status(200).type("text/xml").send(xml);
  const gatherUrl = `${publicBaseUrl}/webhooks/twilio/voice/gather`;
  // Gather mode keeps no call in memory: a language other than the line's rides on the next <Gather>'s
  // action URL (Twilio signs the whole URL, query included), and anything but a language we speak is ignored.
  const gatherAt = (language: string) =>
    language === voice.language ? gatherUrl : `${gatherUrl}?lang=${encodeURIComponent(language)}`;
  const gatherLanguage = (request: FastifyRequest): string => {
    const lang = (request.query as { lang?: unknown } | undefined)?.lang;
    return typeof lang === "string" && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(lang) && languageOf(lang)
      ? lang
      : voice.language;
  };
  const handoff = (reason: "emergency" | "person" | undefined, say?: string, language = voice.language) =>
    handoffTwiml({
      say:
        reason === undefined
          ? (say ?? phrasesFor(language).goodbye)
          : voice.handoffNumber
            ? say
            : `${say ?? ""} ${phrasesFor(language).noPerson}`.trim(),
      dial: reason !== undefined ? voice.handoffNumber : undefined,
      callerId: voice.callerId,
      language,
    });

  app.post("/webhooks/twilio/voice", { schema: { hide: true } }, async (request, reply) => {
    const form = verified(request, reply);
    if (!form) return reply;
    if (voice.mode === "gather")
      return twiml(
        reply,
        gatherTwiml({ say: voice.welcomeGreeting, actionUrl: gatherUrl, language: voice.language }),
      );
    return twiml(
      reply,
      relayTwiml({
        relayUrl: relayUrl(publicBaseUrl),
        actionUrl: `${publicBaseUrl}/webhooks/twilio/voice/action`,
        welcomeGreeting: voice.welcomeGreeting,
        language: voice.language,
      }),
    );
  });

  app.post("/webhooks/twilio/voice/action", { schema: { hide: true } }, async (request, reply) => {
    const form = verified(request, reply);
    if (!form) return reply;
    const data = parseHandoffData(form.get("HandoffData") ?? undefined);
    // The relay's language rides on its hand-off data; one we do not speak is the line's.
    const language = languageOf(data?.language) ? data!.language! : voice.language;
    return twiml(
      reply,
      handoff(data?.reason, data ? phrasesFor(language).holdConnecting : undefined, language),
    );
  });

  app.post("/webhooks/twilio/voice/gather", { schema: { hide: true } }, async (request, reply) => {
    const form = verified(request, reply);
    if (!form) return reply;
    const callSid = form.get("CallSid") ?? "";
    const language = gatherLanguage(request);
    if (!CALL_SID.test(callSid)) return twiml(reply, handoff(undefined, undefined, language));
    try {
      const turn = await gatherTurn(
        ports,
        { callSid, caller: callerOf(form.get("From") ?? "") },
        { speech: form.get("SpeechResult") ?? undefined, digits: form.get("Digits") ?? undefined },
        language,
      );
      if (turn.handoff) return twiml(reply, handoff(turn.handoff, turn.say, turn.language));
      return twiml(
        reply,
        gatherTwiml({ say: turn.say, actionUrl: gatherAt(turn.language), language: turn.language }),
      );
    } catch (err) {
      request.log.error({ err: loggableError(err).name }, "voice: gather turn failed");
      return twiml(
        reply,
        gatherTwiml({
          say: phrasesFor(language).sorry,
          actionUrl: gatherAt(language),
          language,
        }),
      );
    }
  });

  app.post("/webhooks/twilio/voice/status", { schema: { hide: true } }, async (request, reply) => {
    const form = verified(request, reply);
    if (!form) return reply;
    const callSid = form.get("CallSid") ?? "";
    const status = (form.get("CallStatus") ?? "").toLowerCase();
    if (!CALL_SID.test(callSid) || !/^[a-z-]{2,20}$/.test(status)) return reply.status(204).send();
    const duration = Number.parseInt(form.get("CallDuration") ?? "", 10);
    try {
      await app.services.conversations.recordCall(
        callSid,
        { status, durationSeconds: Number.isFinite(duration) ? duration : undefined },
        app.deps.clock.now(),
      );
    } catch (err) {
      request.log.error({ err: loggableError(err).message }, "voice: call status not recorded");
      return reply.status(503).send(errorBody("UNAVAILABLE", "Try again later."));
    }
    return reply.status(204).send();
  });

  /**
   * A doctor's (or nurse's) browser call (TwiML app's voice URL): From is "client:staff_<user id>" (the token's
   * identity), appointment_id the page's parameter. Dials the appointment's patient from the clinic number when
   * that staff member may see the appointment; anything else is refused with a spoken sentence.
   */
  app.post("/webhooks/twilio/voice/outbound", { schema: { hide: true } }, async (request, reply) => {
    const form = verified(request, reply);
    if (!form) return reply;
    const refuse = () => twiml(reply, refusedTwiml("This call cannot be placed."));
    const staff = /^client:staff_(\d{1,9})$/.exec(form.get("From") ?? "");
    const appointmentId = Number.parseInt(form.get("appointment_id") ?? "", 10);
    if (!staff || !Number.isSafeInteger(appointmentId) || appointmentId <= 0) return refuse();
    const user = await app.services.conversations.userById(Number(staff[1]));
    if (!user?.active || (user.role !== "doctor" && user.role !== "nurse")) return refuse();
    try {
      const phone = await app.services.scheduling.patientPhoneForCall(
        {
          userId: user.id,
          role: user.role,
          doctorId: user.doctorId ?? undefined,
          channel: "api",
          requestId: request.id,
        },
        appointmentId,
      );
      if (!phone) return refuse();
      return twiml(reply, outboundTwiml({ to: phone, callerId: voice.callerId }));
    } catch (err) {
      if (err instanceof DomainError) return refuse();
      throw err;
    }
  });

  /** Twilio signs the relay's URL as configured (wss://…/voice/relay), with no parameters. */
  const verifyUpgrade = async (request: FastifyRequest, reply: FastifyReply) => {
    const url = relayUrl(publicBaseUrl) + request.url.slice("/voice/relay".length);
    if (!verifySignature(request.headers[SIGNATURE_HEADER], authToken, url, []))
      return reply.status(403).send(errorBody("FORBIDDEN", "The request signature is invalid."));
  };

  app.get(
    "/voice/relay",
    { websocket: true, preValidation: verifyUpgrade, schema: { hide: true } },
    (raw) => {
      const socket = raw as unknown as Socket;
      const session = new RelaySession((frame) => {
        if (socket.readyState === 1) socket.send(JSON.stringify(frame));
      }, ports);
      socket.on("message", (data) =>
        session.receive(typeof data === "string" ? data : data.toString("utf8")),
      );
      socket.on("close", () => session.close());
    },
  );
};

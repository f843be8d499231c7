import {
  senderPhoneIsProven,
  type ContactPoint,
  type ProvenOutcome,
} from "../../domain/conversations/signup.js";
import { ONE_TIME_CODE_LENGTH } from "../../domain/shared/one-time-code.js";
import { normalizePhone, type PhoneRegion } from "../../domain/shared/phone.js";
import { parseSpokenDate } from "../../domain/shared/spoken-date.js";
import { showMenu } from "../guided/menu.js";
import { turnPhrases } from "../phrases.js";
import { say, type Middleware, type Turn } from "../turn.js";

export { CODE_TTL_MS } from "../../domain/conversations/signup.js";
export const CODE_MAX_ATTEMPTS = 5;
const MAX_CODES = 5;

const AGREE = /^(i agree|agree|yes|y|ok|okay|accept|i accept)$/i;

/**
 * Who is this? A verified identity of a patient passes with an Actor (always the session's patient).
 * Anyone else is onboarded here: consent to the terms and privacy notice, name, date of birth, phone or
 * email, then a one-time code sent through the notifications outbox. No patient data is shown before that.
 */
export const identity: Middleware = async (turn, next) => {
  const { identity: id } = turn;
  if (id.userId !== null && id.verifiedAt !== null) {
    const user = await (turn.account ?? turn.deps.conversations.userById(id.userId));
    if (!user?.active) return void say(turn, "This account is not active. Please contact support.");
    if (user.patientId === null)
      return void say(
        turn,
        "This chat is for patients. Please use the HealthLink console for your account.",
        {
          links: [{ label: "Open the console", url: `${turn.deps.config.publicBaseUrl}/console` }],
        },
      );
    turn.user = user;
    turn.userId = user.id;
    turn.actor = {
      userId: user.id,
      role: "patient",
      patientId: user.patientId,
      channel: turn.inbound.channel,
      requestId: turn.ctx.requestId,
    };
    return next();
  }
  turn.handledBy = "identity";
  // On the phone a person is one transfer away, even before the caller is known.
  if (
    turn.inbound.channel === "voice" &&
    (turn.input.choice === "human" || ASKS_FOR_PERSON.test(turn.input.text))
  )
    return void say(turn, turnPhrases(turn).connecting, { handoff: "person" });
  const checked = await callerCheck(turn);
  // A caller verified just now goes on with the request they made before the date of birth.
  if (checked === "replay") return next();
  if (checked) return;
  await onboard(turn);
};

/** "Talk to a person", "speak to someone", "operator", "a human please"… */
export const ASKS_FOR_PERSON =
  /\b(?:(?:talk|speak|connect me|put me through)\b.{0,20}\b(?:person|human|someone|somebody|agent|operator|receptionist|staff)|operator|representative|real person|a human)\b/i;

/** A greeting is not a request to carry out after verification (in the languages of bot/language.ts too). */
const GREETING =
  /^(?:hi|hello|hey|hallo|good (?:morning|afternoon|evening)|namaste|namaskar|yes|ok|okay|नमस्ते|नमस्कार|हेलो|हैलो|हाँ|हां|जी|السلام علیکم|سلام|ہیلو|ہاں|ਸਤ ਸ੍ਰੀ ਅਕਾਲ|ਹੈਲੋ|ਹਾਂ|வணக்கம்|ஹலோ|ஆமாம்|నమస్కారం|నమస్తే|హలో|అవును)(?![\p{L}\p{M}\p{N}])[\s.,!?।۔]*(?:there|जी)?[\s.,!?।۔]*$/iu;

/** Wrong dates of birth a caller may give before only a person can help. */
export const CALLER_DOB_ATTEMPTS = 3;

/**
 * The phone line: a caller id is not proof (it can be spoofed), so a number that belongs to a patient only
 * tells us whose date of birth to ask for. Nothing of the patient is said, and no tool runs, until the caller
 * says the date of birth on file; three wrong dates → only a person can help. Returns false when this is not
 * a known patient's call (the usual onboarding then runs, its code sent by SMS to the calling number).
 */
async function callerCheck(turn: Turn): Promise<boolean | "replay"> {
  const phone = turn.ctx.callerPhone;
  if (turn.inbound.channel !== "voice" || phone === undefined) return false;
  const { conversations, clock } = turn.deps;
  const ob = turn.state.onboarding;
  if (ob && ob.step !== "caller_dob") return false;
  const user = await conversations.signup.accountOf({ kind: "phone", value: phone });
  if (!user?.active || user.patientId === null) return false;
  const p = turnPhrases(turn);
  const offerPerson = [{ id: "human", label: p.talkToPerson }];
  if (!ob) {
    const said = turn.input.choice === undefined ? turn.input.text.normalize("NFC").trim() : "";
    // A request made before the date of birth ("I want to book a dentist tomorrow") is kept for afterwards.
    const request =
      said !== "" && !GREETING.test(said) && parseSpokenDate(said) === undefined ? said : undefined;
    turn.state.onboarding = { step: "caller_dob", userId: user.id, attempts: 0, request };
    say(turn, p.dobFirst);
    return true;
  }
  const attempts = ob.attempts ?? 0;
  if (attempts >= CALLER_DOB_ATTEMPTS) {
    say(turn, p.cannotVerify, { choices: offerPerson });
    return true;
  }
  const dob = parseSpokenDate(turn.input.text);
  if (dob !== undefined && (await conversations.signup.dateOfBirthMatches(user.id, dob))) {
    await conversations.linkIdentity(turn.identity.id, user.id, clock.now());
    if (ob.request === undefined) {
      verified(turn, user.id, `${p.verified} ${p.howCanIHelp}`);
      return true;
    }
    // The caller asked something first: it is answered now, as if asked again, by whatever comes next.
    const profile = await conversations.userById(user.id);
    turn.identity = { ...turn.identity, userId: user.id, verifiedAt: clock.now() };
    turn.userId = user.id;
    turn.state.onboarding = undefined;
    turn.user = profile;
    turn.actor = {
      userId: user.id,
      role: "patient",
      patientId: user.patientId,
      channel: turn.inbound.channel,
      requestId: turn.ctx.requestId,
    };
    say(turn, p.verified);
    // A live call hears it before the answer that streams next.
    turn.stream?.token(`${p.verified} `);
    turn.input = { text: ob.request };
    return "replay";
  }
  ob.attempts = attempts + 1;
  if (ob.attempts >= CALLER_DOB_ATTEMPTS) {
    say(turn, p.dobLastMismatch, { choices: offerPerson });
    return true;
  }
  say(turn, dob === undefined ? p.dobNotCaught : p.dobMismatch);
  return true;
}

function parseDate(text: string): string | undefined {
  return parseSpokenDate(text);
}

/** An email, or a phone in E.164 (a number typed without "+" is one of DEFAULT_PHONE_REGION). */
function parseContact(text: string, region: PhoneRegion): ContactPoint | undefined {
  const t = text.trim();
  if (/^[^\s@]{1,64}@[^\s@]{1,200}\.[a-z]{2,}$/i.test(t)) return { kind: "email", value: t.toLowerCase() };
  const phone = normalizePhone(t, region);
  return phone === undefined ? undefined : { kind: "phone", value: phone };
}

/** Sends a one-time code to the contact (ChatSignup) and asks for it. */
async function sendCode(turn: Turn, contact: ContactPoint, userId: number | undefined): Promise<void> {
  const ob = turn.state.onboarding!;
  const sent = (ob.codesSent ?? 0) + 1;
  const issued = await turn.deps.conversations.signup.issueCode({
    conversationId: turn.conversation.id,
    identityId: turn.identity.id,
    contact,
    userId,
    sequence: sent,
  });
  ob.userId = userId;
  ob.contact = contact;
  ob.codeHash = issued.codeHash;
  ob.codeExpiresAt = issued.expiresAt.toISOString();
  ob.attempts = 0;
  ob.codesSent = sent;
  ob.step = "code";
  say(
    turn,
    `I've sent a ${ONE_TIME_CODE_LENGTH}-digit code to ${contact.value}. Please type it here. It is valid for 10 minutes.`,
    {
      choices: [{ id: "resend", label: "Send a new code" }],
    },
  );
}

/** The sender's own phone when the channel proved it (a WhatsApp sender), else undefined. */
function senderPhone(turn: Turn): string | undefined {
  return senderPhoneIsProven(turn.inbound.channel) ? turn.inbound.externalUserId : undefined;
}

/** The person is verified and linked: onboarding ends with the menu. */
function verified(turn: Turn, userId: number, text: string): void {
  turn.identity = { ...turn.identity, userId, verifiedAt: turn.deps.clock.now() };
  turn.userId = userId;
  turn.state.onboarding = undefined;
  return showMenu(turn, text);
}

const STAFF_CONTACT = "That contact belongs to a staff account. Please use another one.";

/** A channel-proven phone's outcome, said: verified (menu) or refused (a staff number: ask for another contact). */
function afterProven(turn: Turn, outcome: ProvenOutcome): void {
  if ("userId" in outcome)
    return verified(
      turn,
      outcome.userId,
      outcome.existing
        ? "Thank you, you're verified and linked to your HealthLink account. How can I help you today?"
        : "Thank you, you're verified. How can I help you today?",
    );
  const ob = turn.state.onboarding!;
  turn.state.onboarding = { ...ob, step: "contact" };
  say(turn, `${STAFF_CONTACT} Type an email address instead.`);
}

async function onboard(turn: Turn): Promise<void> {
  const { conversations, clock, config } = turn.deps;
  const ob = turn.state.onboarding;
  const text = turn.input.text.trim();

  if (!ob || ob.step === "consent") {
    if (ob && (turn.input.choice === "agree" || (turn.input.choice === undefined && AGREE.test(text)))) {
      await conversations.recordConsent(turn.identity.id, null, config.bot.termsVersion, clock.now());
      // A WhatsApp sender's number is proven: a patient account with that number is linked at once.
      const sender = senderPhone(turn);
      if (sender !== undefined) {
        const outcome = await conversations.signup.verifyProvenPhone({
          identityId: turn.identity.id,
          phone: sender,
        });
        if (outcome && "userId" in outcome)
          return verified(
            turn,
            outcome.userId,
            "Thank you, you're verified and linked to your HealthLink account. How can I help you today?",
          );
      }
      turn.state.onboarding = { step: "name" };
      return void say(turn, "Thank you. What is your full name?");
    }
    if (ob && turn.input.choice === "decline") {
      return void say(
        turn,
        "Without your consent I can't help in this chat. You can still call the emergency number if you need urgent help.",
        {
          choices: [{ id: "agree", label: "I agree" }],
        },
      );
    }
    turn.state.onboarding = { step: "consent" };
    return void say(
      turn,
      "Welcome to HealthLink. I can help you find a doctor and book an appointment. " +
        `To continue, please agree to our terms of service and privacy notice (version ${config.bot.termsVersion}): ` +
        "we keep this conversation and your details to provide care, and never share them without your consent.",
      {
        choices: [
          { id: "agree", label: "I agree" },
          { id: "decline", label: "No, thanks" },
        ],
        links: [{ label: "Terms and privacy", url: `${config.publicBaseUrl}/terms` }],
      },
    );
  }

  switch (ob.step) {
    case "caller_dob": {
      // The calling number no longer leads to a patient (callerCheck passed it on): start over as anyone would.
      turn.state.onboarding = undefined;
      return onboard(turn);
    }
    case "name": {
      if (text.length < 2 || text.length > 100 || !/\p{L}/u.test(text) || /\d/.test(text))
        return void say(turn, "Please type your full name (letters only).");
      turn.state.onboarding = { step: "dob", name: text.replace(/\s+/g, " ") };
      return void say(turn, "Thanks. What is your date of birth? (e.g. 1990-05-31 or 31/05/1990)");
    }
    case "dob": {
      const dob = parseDate(text);
      const today = clock.now().toISOString().slice(0, 10);
      if (!dob || dob > today || dob < "1900-01-01")
        return void say(turn, "I couldn't read that date. Please type it like 1990-05-31 or 31/05/1990.");
      turn.state.onboarding = { ...ob, step: "contact", dateOfBirth: dob };
      // A caller gets the code by SMS at the number they call from, and reads it back.
      const caller = turn.inbound.channel === "voice" ? turn.ctx.callerPhone : undefined;
      if (caller !== undefined) {
        const account = await conversations.signup.accountOf({ kind: "phone", value: caller });
        if (account && account.patientId === null) return void say(turn, STAFF_CONTACT);
        return sendCode(turn, { kind: "phone", value: caller }, account?.id);
      }
      // A WhatsApp sender needs no code: the number the messages come from is theirs.
      const sender = senderPhone(turn);
      if (sender !== undefined) {
        const outcome = await conversations.signup.verifyProvenPhone({
          identityId: turn.identity.id,
          phone: sender,
          newAccount: { name: ob.name ?? "Patient", dateOfBirth: dob },
        });
        return afterProven(turn, outcome!);
      }
      return void say(
        turn,
        "What is your mobile number (with country code, e.g. +91 98765 43210) or email address?",
        { requestContact: true },
      );
    }
    case "contact": {
      if ((ob.codesSent ?? 0) >= MAX_CODES * 2)
        return void say(
          turn,
          'Too many codes were sent in this conversation. Please pick "Talk to a human" or try later.',
        );
      // A contact the channel proved is the sender's own (Telegram's own contact, WhatsApp's "use this
      // number"): verified with no code — an existing account with that phone linked, not duplicated.
      const shared = turn.inbound.contact;
      if (shared?.phone !== undefined && shared.proven === true) {
        const outcome = await conversations.signup.verifyProvenPhone({
          identityId: turn.identity.id,
          phone: shared.phone,
          newAccount: { name: ob.name ?? "Patient", dateOfBirth: ob.dateOfBirth ?? "1900-01-01" },
        });
        return afterProven(turn, outcome!);
      }
      // Any other shared contact counts as typed; its phone is the provider's, already E.164
      // (channels/*/inbound.ts), and a code proves it.
      const sharedPhone = shared?.phone;
      const contact: ContactPoint | undefined =
        sharedPhone !== undefined
          ? { kind: "phone", value: sharedPhone }
          : parseContact(turn.inbound.contact?.email ?? text, config.phone.defaultRegion);
      if (!contact)
        return void say(
          turn,
          "I couldn't read that. Please type your mobile number (e.g. +91 98765 43210) or an email address.",
        );
      const user = await conversations.signup.accountOf(contact);
      if (user && user.patientId === null) return void say(turn, STAFF_CONTACT);
      return sendCode(turn, contact, user?.id);
    }
    case "code": {
      const expired = !ob.codeExpiresAt || new Date(ob.codeExpiresAt) <= clock.now();
      if (turn.input.choice === "resend" || /^(resend|new code)$/i.test(text)) {
        if ((ob.codesSent ?? 0) >= MAX_CODES || ob.contact === undefined) {
          turn.state.onboarding = {
            step: "contact",
            name: ob.name,
            dateOfBirth: ob.dateOfBirth,
            codesSent: ob.codesSent,
          };
          return void say(turn, "Too many codes. Please type your mobile number or email again.");
        }
        return sendCode(turn, ob.contact, ob.userId);
      }
      if (expired)
        return void say(turn, 'That code has expired. Type "resend" for a new one.', {
          choices: [{ id: "resend", label: "Send a new code" }],
        });
      const attempts = (ob.attempts ?? 0) + 1;
      ob.attempts = attempts;
      const ok = conversations.signup.codeMatches({
        conversationId: turn.conversation.id,
        identityId: turn.identity.id,
        typed: turn.inbound.channel === "voice" ? spokenDigits(text) : text,
        codeHash: ob.codeHash ?? "",
      });
      if (!ok) {
        if (attempts >= CODE_MAX_ATTEMPTS) {
          turn.state.onboarding = {
            step: "contact",
            name: ob.name,
            dateOfBirth: ob.dateOfBirth,
            codesSent: ob.codesSent,
          };
          return void say(
            turn,
            "That code was wrong too many times. Please type your mobile number or email again.",
          );
        }
        return void say(turn, `That code is not right. ${CODE_MAX_ATTEMPTS - attempts} attempts left.`);
      }
      // Proven: now the person gets their account (or is linked to the one the contact belongs to).
      const userId = await conversations.signup.complete({
        identityId: turn.identity.id,
        userId: ob.userId,
        contact: ob.contact!,
        name: ob.name ?? "Patient",
        dateOfBirth: ob.dateOfBirth ?? "1900-01-01",
      });
      return verified(turn, userId, "Thank you, you're verified. How can I help you today?");
    }
  }
}

const DIGIT_WORDS: Record<string, string> = {
  zero: "0",
  oh: "0",
  o: "0",
  one: "1",
  two: "2",
  to: "2",
  too: "2",
  three: "3",
  four: "4",
  for: "4",
  five: "5",
  six: "6",
  seven: "7",
  eight: "8",
  nine: "9",
};

/** A code read aloud ("one two three, 4 5 6") as the digits it spells; anything else left as it was. */
export function spokenDigits(text: string): string {
  const words = text
    .toLowerCase()
    .replace(/[^a-z0-9 ]/g, " ")
    .split(/\s+/)
    .filter(Boolean);
  const digits = words.map((w) => (/^\d+$/.test(w) ? w : DIGIT_WORDS[w]));
  return digits.every((d) => d !== undefined) && digits.length > 0 ? digits.join("") : text;
}

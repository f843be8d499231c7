import { DomainError } from "../../domain/shared/errors.js";
import { say, type Middleware } from "../turn.js";

/** At most this many files of one message are offered (and downloaded) at once. */
export const MAX_OFFERED_FILES = 5;
const YES = /^(yes|y|yeah|yep|ok|okay|sure|add|add it)$/i;
const NO = /^(no|n|nope|don't|do not|skip)$/i;

export const ADD_CHOICES = [
  { id: "doc_add", label: "Yes, add it" },
  { id: "doc_skip", label: "No" },
];

const hasFiles = (files: unknown[] | undefined): boolean => (files?.length ?? 0) > 0;

/**
 * Before identity: a file from someone not yet verified is not kept; they are told to verify first, and the
 * onboarding asks its question again (the message's caption is not taken as an answer: it is no name, date
 * or code). At the code step the question is asked here, so no code attempt is spent.
 */
export const attachmentsUnverified: Middleware = async (turn, next) => {
  const verified = turn.identity.userId !== null && turn.identity.verifiedAt !== null;
  if (verified || !hasFiles(turn.inbound.attachments)) return next();
  turn.state.attachmentOffer = undefined;
  say(
    turn,
    "I can add documents to your records once you're verified. I haven't kept this file: please send it again after verifying.",
  );
  if (turn.state.onboarding?.step === "code") {
    turn.handledBy = "attachments";
    return void say(turn, "Please type the 6-digit code I sent you.", {
      choices: [{ id: "resend", label: "Send a new code" }],
    });
  }
  turn.input = { text: "" };
  await next();
};

/**
 * After identity (a verified patient): a message with files asks "Add this document to your records?"
 * (Yes / No); only the "yes" that answers it downloads the files through their channel and stores them with
 * the records service (type sniffed from the bytes: PDF, PNG, JPEG; size capped). Any other answer drops the
 * offer and goes on.
 */
export const attachments: Middleware = async (turn, next) => {
  const files = turn.inbound.attachments ?? [];
  if (turn.actor && files.length > 0) {
    turn.handledBy = "attachments";
    const offered = files.slice(0, MAX_OFFERED_FILES).map((f) => ({ url: f.url, mimeType: f.mimeType }));
    const caption = turn.inbound.text.trim().slice(0, 200);
    turn.state.attachmentOffer = {
      channel: turn.inbound.channel,
      files: offered,
      ...(caption ? { caption } : {}),
    };
    const question =
      offered.length === 1
        ? "Add this document to your records?"
        : `Add these ${offered.length} documents to your records?`;
    return void say(turn, question, { choices: ADD_CHOICES });
  }
  const offer = turn.state.attachmentOffer;
  if (!offer || !turn.actor) return next();
  turn.state.attachmentOffer = undefined;
  const word = turn.input.text.trim().replace(/[.!]+$/, "");
  const { choice } = turn.input;
  const yes = choice === "doc_add" || (choice === undefined && YES.test(word));
  const no = choice === "doc_skip" || (choice === undefined && NO.test(word));
  if (no) {
    turn.handledBy = "attachments";
    return void say(turn, "OK, I didn't add it to your records.");
  }
  if (!yes) return next();
  turn.handledBy = "attachments";

  const fetch = turn.deps.media?.(offer.channel);
  if (!fetch) return void say(turn, "Sorry, I can't fetch files from that channel right now.");
  let added = 0;
  const problems = new Set<string>();
  for (const file of offer.files) {
    try {
      const { bytes } = await fetch(file.url);
      await turn.deps.services.records.uploadDocument(turn.actor, {
        bytes,
        title: offer.caption ?? `Sent by ${offer.channel}`,
      });
      added++;
    } catch (err) {
      const code = err instanceof DomainError ? err.code : (err as { code?: unknown }).code;
      problems.add(
        code === "UNSUPPORTED_DOCUMENT_TYPE"
          ? "Only PDF, PNG and JPEG files can be added."
          : code === "PAYLOAD_TOO_LARGE" || code === "MEDIA_TOO_LARGE"
            ? "A file was too large."
            : "A file could not be fetched; please send it again.",
      );
    }
  }
  const done =
    added === 0
      ? "I couldn't add that to your records."
      : added === 1
        ? "Added to your records. You (and your doctors) can see it with your documents."
        : `Added ${added} documents to your records.`;
  say(turn, [done, ...problems].join(" "));
};

import { DomainError } from "../../domain/shared/errors.js";
import { parseRatingChoice, RATING_CHOICE } from "../../domain/ratings/service.js";
import { say, type Middleware } from "../turn.js";

/**
 * A reply of a rating: "5", "4 great doctor", "3/5 ok", "5 stars, very kind" → the rating and the comment.
 * Undefined for anything else ("45", "2.5", "book a visit").
 */
export function parseRatingReply(text: string): { rating: number; comment?: string } | undefined {
  const m = /^\s*([1-5])(?![\d.,]\d)\s*(?:\/\s*5|out of 5|stars?|★+)?(?:[\s,.:;!)-]+([\s\S]*))?$/i.exec(text);
  if (!m) return undefined;
  const comment = m[2]?.trim();
  return comment ? { rating: Number(m[1]), comment } : { rating: Number(m[1]) };
}

/**
 * Answers to the rating request sent after a completed visit (domain/ratings, template review.request): a
 * button or a bare number picks a rating; "4 great doctor" is a rating with a comment. Only while the last
 * choices offered in this conversation were that request's (so "2" in a menu is never taken for a rating),
 * only for the verified patient (after `identity`); the same in guided and agent modes, since it runs first.
 */
export const ratings: Middleware = async (turn, next) => {
  const actor = turn.actor;
  const offered = turn.state.choices?.find((c) => c.id.startsWith(RATING_CHOICE));
  if (!actor || actor.role !== "patient" || !offered) return next();
  const request = parseRatingChoice(offered.id);
  if (!request) return next();
  const picked = parseRatingChoice(turn.input.choice);
  const reply = picked ? { rating: picked.rating } : parseRatingReply(turn.input.text);
  if (!reply) return next();
  turn.handledBy = "ratings";
  try {
    await turn.deps.services.ratings.answer(actor, request.appointmentId, reply);
  } catch (err) {
    if (err instanceof DomainError && (err.code === "ALREADY_RATED" || err.kind === "not_found"))
      return void say(turn, "Thank you, this visit has been rated already.");
    throw err;
  }
  say(
    turn,
    reply.rating >= 4
      ? "Thank you for your rating. We're glad the visit went well."
      : "Thank you for your rating. We're sorry it was not better; your comment helps us improve.",
  );
};

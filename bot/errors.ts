import { DomainError } from "../domain/shared/errors.js";

/**
 * The one place that turns an error into what the person reads. Domain codes become plain sentences;
 * anything else is an apology (the details go to the logs without message text).
 */
export function replyForError(err: unknown): string {
  if (err instanceof DomainError) {
    switch (err.code) {
      case "SLOT_UNAVAILABLE":
      case "SLOT_TAKEN":
        return "Sorry, that time is no longer available. Please pick another one.";
      case "PATIENTS_ONLY":
        return "Only patients can book appointments in this chat.";
      default:
        break;
    }
    switch (err.kind) {
      case "not_found":
      case "forbidden":
        return "I couldn't find that.";
      case "conflict":
        return "That can't be done right now: something changed in the meantime. Please try again.";
      case "unprocessable":
      case "invalid":
        return `That can't be done: ${err.message}`;
      case "rate_limited":
        return "Too many attempts. Please wait a little and try again.";
      case "unauthenticated":
        return "Please sign in again.";
      case "unavailable":
        return "Something went wrong on our side. Please try again in a moment.";
    }
  }
  return "Something went wrong on our side. Please try again in a moment.";
}

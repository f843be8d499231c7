/**
 * Every notification's words, channel-neutral: template name + data + the recipient's role → a message
 * (short text, links, choices where an answer is expected). Each channel's render.ts turns it into its own
 * form (buttons, numbered lines, split SMS). No internal ids in a patient's text except appointment
 * references ("Appointment #12"), which the chat already shows.
 */

import { formatMoney, toMinor } from "../shared/money.js";
import { formatDate, formatDateTime } from "../shared/when.js";

/** The shape of the engine's OutboundMessage (bot/types.ts) that notifications use. */
export interface NotificationMessage {
  text: string;
  choices?: { id: string; label: string }[] | undefined;
  links?: { label: string; url: string }[] | undefined;
}

export type RecipientRole = "patient" | "doctor" | "nurse" | "admin" | "unknown";

type Data = Record<string, unknown>;

export const REMINDER_TEMPLATES = {
  appointment: "reminder.appointment",
  medication: "reminder.medication",
  refill: "reminder.refill",
  labPrep: "reminder.lab_prep",
} as const;

/** Choice ids of the answers to reminders (handled by bot/middleware/reminders.ts). */
export const REMINDER_CHOICES = {
  confirm: "reminder.confirm:",
  cancel: "reminder.cancel:",
  taken: "dose.taken:",
  skip: "dose.skip:",
} as const;

/** Choice ids of a secure message's notification (handled by bot/middleware/consultation.ts). */
export const MESSAGE_CHOICES = { reply: "message.reply:" } as const;

const str = (v: unknown): string | undefined =>
  typeof v === "string" && v.trim() ? v.trim() : typeof v === "number" ? String(v) : undefined;

/**
 * "₹500.00" for a payload's amount: payment payloads carry the API's major-unit number and the currency,
 * read back into minor units (exactly) and formatted by the money module. Empty when either is unusable.
 */
function money(d: Data, key: string): string {
  const currency = str(d.currency);
  const major = d[key];
  if (currency === undefined || typeof major !== "number") return "";
  try {
    return formatMoney(toMinor(major, currency), currency);
  } catch {
    return "";
  }
}

/**
 * When an appointment is, in the one format (domain/shared/when.ts): on the recipient's own clock when their
 * zone is known ("Tue 8 Jan, 10:00 AM"), else as the appointment view shows it (the doctor's zone, named).
 */
function when(d: Data, zone?: string): string {
  const startsAt = str(d.starts_at);
  if (zone && startsAt) return formatDateTime(startsAt, zone);
  const date = str(d.appointment_date);
  const time = str(d.appointment_time);
  const doctorZone = str(d.time_zone);
  if (!date) return "";
  return `${formatDate(date)}${time ? `, ${time}` : ""}${doctorZone && doctorZone !== "UTC" ? ` (${doctorZone.replace(/_/g, " ")})` : ""}`;
}

function withWhom(d: Data, role: RecipientRole): string {
  if (role === "doctor") return str(d.patient_name) ?? "a patient";
  const name = str(d.doctor_name);
  return name ? (/^dr\.?\s/i.test(name) ? name : `Dr ${name}`) : "your doctor";
}

function ref(d: Data): string {
  const id = str(d.appointment_id);
  return id ? ` (Appointment #${id})` : "";
}

/** The recipient's visit link (added at delivery for online appointments) as a link button. */
function visitLinks(d: Data): Pick<NotificationMessage, "links"> {
  const url = str(d.visit_url);
  return url ? { links: [{ label: "Join the visit", url }] } : {};
}

const MODE_WORDS: Record<string, string> = { video: "video visit", audio: "audio call", chat: "chat visit" };

function appointment(event: string, d: Data, role: RecipientRole, zone?: string): NotificationMessage {
  return { ...appointmentText(event, d, role, zone), ...visitLinks(d) };
}

function appointmentText(event: string, d: Data, role: RecipientRole, zone?: string): NotificationMessage {
  const who = withWhom(d, role);
  const at = when(d, zone);
  const modeWords = typeof d.mode === "string" ? MODE_WORDS[d.mode] : undefined;
  const online = modeWords !== undefined;
  switch (event) {
    case "requested":
      return { text: `New appointment request from ${who} for ${at}.${ref(d)}` };
    case "booked":
      return {
        text:
          role === "doctor"
            ? `New appointment: ${who} on ${at}.${ref(d)}`
            : `Your appointment with ${who} on ${at} is booked.${ref(d)}`,
      };
    case "accepted":
    case "proposal_accepted":
      return {
        text:
          role === "doctor"
            ? `${who} accepted the new time: ${at}.${ref(d)}`
            : `Confirmed: your appointment with ${who} on ${at}${online ? ` (${modeWords}: ${str(d.visit_url) ? "join with the link below" : "the link comes before the start"})` : ""}.${ref(d)}`,
      };
    case "rejected":
      return {
        text: `${who} could not take your appointment on ${at}. Any payment will be refunded. Write "menu" to book another time.${ref(d)}`,
      };
    case "proposed":
      return {
        text: `${who} proposed another time for your appointment: ${at}. Write "menu" and open your appointments to accept or decline.${ref(d)}`,
      };
    case "proposal_declined":
      return { text: `${who} declined the proposed time; the appointment is cancelled.${ref(d)}` };
    case "rescheduled": {
      const before = str(d.previous_appointment_date);
      return {
        text: `Your appointment with ${who} was moved to ${at}${before ? ` (was ${before}${str(d.previous_appointment_time) ? ` at ${str(d.previous_appointment_time)}` : ""})` : ""}.${ref(d)}`,
      };
    }
    case "cancelled":
      return { text: `Your appointment with ${who} on ${at} was cancelled.${ref(d)}` };
    case "completed":
      return { text: `Your visit with ${who} is complete. Your summary will follow here.${ref(d)}` };
    case "no_show":
      return { text: `Your appointment with ${who} on ${at} was marked as missed.${ref(d)}` };
    case "paid":
      return { text: `An appointment was paid.${ref(d)}` };
    case "payment_expired":
      return {
        text: `The time to pay for your appointment with ${who} on ${at} ran out, so the slot was released and nothing was charged. Write "menu" to book again.${ref(d)}`,
      };
    default:
      return { text: `Your appointment${ref(d)} was updated.` };
  }
}

const ORDER_STATUS: Record<string, string> = {
  paid: "Payment received for your medicine order",
  pending: "Your medicine order was received",
  confirmed: "Your medicine order is confirmed by the pharmacy",
  dispatched: "Your medicine order has been dispatched",
  out_for_delivery: "Your medicine order is out for delivery",
  delivered: "Your medicine order was delivered",
  cancelled: "Your medicine order was cancelled",
};

const LAB_EVENT: Record<string, string> = {
  scheduled: "Your lab test is booked",
  paid: "Payment received for your lab test",
  sample_collected: "Your lab sample was collected",
  processing: "Your lab sample is being processed",
  resulted: "Your lab results are ready",
  results_ready: "Your lab results are ready",
  cancelled: "Your lab test booking was cancelled",
};

/** The message for a template; an unknown template gets a neutral line rather than nothing. */
export function renderNotification(
  template: string,
  data: Data,
  role: RecipientRole,
  /** The recipient's IANA zone (patients): times are written on their clock. */
  zone?: string,
): NotificationMessage {
  const [family, event = ""] = template.split(/\.(.*)/s) as [string, string?];
  switch (family) {
    case "appointment":
      return appointment(event, data, role, zone);
    case "reminder":
      return reminder(event, data, role, zone);
    case "review": {
      // After a completed visit (domain/ratings): 1–5 as choices; "5" or "4 great doctor" is understood too.
      const id = Number(data.appointment_id);
      const who = str(data.doctor_name) ?? "your doctor";
      return {
        text:
          `How was your visit with ${who}? Reply with a number from 1 (poor) to 5 (excellent), ` +
          `and a comment if you like, for example "5 very kind".`,
        choices: [1, 2, 3, 4, 5].map((n) => ({
          id: `rating:${id}:${n}`,
          label: n === 1 ? "1 (poor)" : n === 5 ? "5 (excellent)" : String(n),
        })),
      };
    }
    case "payment": {
      const what = str(data.description) ?? "your booking";
      const amount = money(data, "amount");
      if (event === "link") {
        const url = str(data.checkout_url);
        return {
          text: `Please pay ${amount} for ${what}.`,
          ...(url ? { links: [{ label: `Pay ${amount}`, url }] } : {}),
        };
      }
      if (event === "receipt") return { text: `Payment received: ${amount} for ${what}. Thank you.` };
      if (event === "refunded") {
        const refunded = money(data, "refunded_amount") || amount;
        return { text: `Refund of ${refunded} for ${what} is on its way to your payment method.` };
      }
      return { text: `There is an update about your payment for ${what}.` };
    }
    case "pharmacy_order":
      return { text: `${ORDER_STATUS[event] ?? "Your medicine order was updated"}.` };
    case "lab_booking": {
      const test = str(data.test_name);
      let text = `${LAB_EVENT[event] ?? "Your lab booking was updated"}${test ? `: ${test}` : ""}.`;
      if (event === "scheduled") {
        const date = str(data.appointment_date);
        const prep = str(data.preparation);
        text = `${text.slice(0, -1)}${date ? ` on ${formatDate(date)}` : ""}.${prep ? ` Preparation: ${prep}` : ""}`;
      }
      if (event === "payment_expired")
        text = `The time to pay for your lab test${test ? ` (${test})` : ""} ran out, so the booking was cancelled and nothing was charged. Write "menu" to book again.`;
      return { text };
    }
    case "lab": {
      const test = str(data.test_name) ?? "a lab test";
      if (event === "results_ready")
        return { text: `Your lab results are ready: ${test}. Ask me to show them.` };
      if (event === "critical_value")
        return {
          text: `URGENT: a critical value in a patient's ${test} result. Please review it in the console now.`,
        };
      if (event === "abnormal_result")
        return { text: `An abnormal value in a patient's ${test} result. Please review it in the console.` };
      return { text: `There is an update about ${test}.` };
    }
    case "prescription": {
      const who = withWhom(data, "patient");
      if (event === "issued")
        return {
          text: `${who} issued you a prescription. Ask me "my medicines" to see it, or order it to your door.`,
        };
      if (event === "cancelled")
        return { text: `${who} withdrew a prescription; its reminders have stopped.` };
      return { text: "Your prescription was updated." };
    }
    case "plan":
      return { text: "Your doctor shared a care plan with you. Ask me to show it." };
    case "visit": {
      if (event === "summary") {
        const who = str(data.doctor_name) ?? "your doctor";
        return {
          text: `Your visit summary from ${who}:\n\n${str(data.summary) ?? ""}\n\nA PDF copy is in your documents.`,
        };
      }
      if (event === "chat_opened")
        return {
          text: `${withWhom(data, "patient")} is here for your chat visit. You can write now: your messages in this chat go to your doctor until the visit ends.`,
        };
      if (event === "chat_message") {
        const who = withWhom(data, "patient");
        const text = str(data.text) ?? "";
        return {
          text:
            data.opened === true
              ? `${who} is here for your chat visit (write here to answer).\n\n${who}: ${text}`
              : `${who}: ${text}`,
        };
      }
      if (event === "chat_ended")
        return {
          text: `Your chat visit with ${withWhom(data, "patient")} has ended. Messages here go to the HealthLink assistant again. Write "menu" to see what I can do.`,
        };
      if (event === "note_drafted")
        return { text: "The draft note of your visit is ready to review and sign in the console." };
      if (event === "note_not_drafted")
        return {
          text:
            str(data.reason) === "TOO_LITTLE_SPEECH"
              ? "No draft note was made for your visit: too little speech was recorded. Please write the note in the console."
              : "No draft note was made for your visit. Please write the note in the console.",
        };
      return { text: "There is an update about a visit." };
    }
    case "message": {
      if (event !== "received") return { text: "You have a new message on HealthLink." };
      // Doctors and nurses: no patient data in the notification (it may go by SMS or email).
      if (role !== "patient")
        return { text: "New message from a patient on HealthLink. Read it in the console." };
      const id = str(data.thread_id) ?? "";
      return {
        text: `${withWhom(data, "patient")} sent you a message: ${str(data.text) ?? ""}`,
        choices: [{ id: `${MESSAGE_CHOICES.reply}${id}`, label: "Reply" }],
      };
    }
    case "care_team":
      return { text: "You were added to a patient's care team." };
    case "doctor":
      return {
        text:
          event === "verified"
            ? "Your HealthLink doctor profile is verified: patients can now find and book you."
            : `Your HealthLink doctor verification: ${event.replace(/_/g, " ")}.${str(data.note) ? ` Note: ${str(data.note)}` : ""}`,
      };
    case "support":
      return {
        text: `Our team answered your request${str(data.answer) ? `: ${str(data.answer)}` : ". Reply here to continue."}`,
      };
    case "auth":
      if (event === "password_reset") {
        const url = str(data.reset_url);
        return {
          text: "Someone asked to reset your HealthLink password. If it was you, use the link (valid for a short time).",
          ...(url ? { links: [{ label: "Reset password", url }] } : {}),
        };
      }
      return { text: "There is a security update on your HealthLink account." };
    case "chat":
      if (event === "verification_code")
        return { text: `Your HealthLink code is ${str(data.code) ?? ""}. It is valid for 10 minutes.` };
      return { text: "HealthLink: there is an update in your chat." };
    default:
      return { text: "You have a new update in HealthLink." };
  }
}

function reminder(kind: string, d: Data, role: RecipientRole, zone?: string): NotificationMessage {
  switch (kind) {
    case "appointment": {
      const id = str(d.appointment_id) ?? "";
      const modeWords = typeof d.mode === "string" ? MODE_WORDS[d.mode] : undefined;
      return {
        text: `Reminder: your ${modeWords ?? "appointment"} with ${withWhom(d, role)} is on ${when(d, zone)}.${ref(d)}${str(d.visit_url) ? " Join with the link below when it is time." : ""} Will you come?`,
        ...visitLinks(d),
        choices: [
          { id: `${REMINDER_CHOICES.confirm}${id}`, label: "Confirm" },
          { id: `${REMINDER_CHOICES.cancel}${id}`, label: "Cancel" },
        ],
      };
    }
    case "medication": {
      const id = str(d.dose_id) ?? "";
      const name = str(d.medicine_name) ?? "your medicine";
      const dose = str(d.dose);
      return {
        text: `Time for ${name}${dose ? ` (${dose})` : ""}${str(d.local_time) ? ` at ${str(d.local_time)}` : ""}. Did you take it?`,
        choices: [
          { id: `${REMINDER_CHOICES.taken}${id}`, label: "Taken" },
          { id: `${REMINDER_CHOICES.skip}${id}`, label: "Skip" },
        ],
      };
    }
    case "refill":
      return {
        // No chat command orders medicine yet: the reminder points to the pharmacy in the app.
        text: `Your ${str(d.medicine_name) ?? "medicine"} runs out around ${str(d.runs_out_on) ?? "soon"}. Your prescription has refills left: order more from the HealthLink pharmacy.`,
      };
    case "lab_prep":
      return {
        text: `Reminder: your ${str(d.test_name) ?? "lab test"} is on ${str(d.appointment_date) ? formatDate(str(d.appointment_date)!) : "soon"}.${str(d.preparation) ? ` Preparation: ${str(d.preparation)}` : ""}`,
      };
    default:
      return { text: "Reminder from HealthLink." };
  }
}

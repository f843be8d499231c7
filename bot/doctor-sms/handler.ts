import { DateTime } from "luxon";
import type { Services } from "../../domain/index.js";
import type { SmsDoctor } from "../../domain/doctors/sms.js";
import type { AppointmentView } from "../../domain/scheduling/views.js";
import type { Actor, Channel } from "../../domain/shared/actor.js";
import type { Clock } from "../../domain/shared/clock.js";
import { DomainError } from "../../domain/shared/errors.js";
import { formatMoney, minorDigits, parseMoney, toMajor } from "../../domain/shared/money.js";
import { addDays, isIsoDate, minutesToTime, todayIn } from "../../domain/shared/time.js";
import { say, type Middleware, type Turn } from "../turn.js";
import type { InboundMessage } from "../types.js";
import { HELP_TEXT, parseCommand, type DateSpec, type DoctorCommand } from "./commands.js";

/** Items a list reply shows before "+N more" (one SMS holds about five lines). */
const LIST_CAP = 5;
/** How many appointments are read to build TODAY (more than a day ever holds). */
const DAY_PAGE = 100;
const NAME_MAX = 20;

type Log = { error: (obj: object, msg: string) => void };

export interface DoctorSmsDeps {
  services: Services;
  clock: Clock;
  log: Log;
}

/** The doctor whose verified phone sent this SMS (looked up once per turn), or undefined. */
export async function smsDoctorOf(turn: Turn): Promise<SmsDoctor | undefined> {
  if (turn.inbound.channel !== "sms") return undefined;
  if (!doctorOfTurn.has(turn))
    doctorOfTurn.set(turn, await turn.deps.services.doctorSms.doctorForPhone(turn.inbound.externalUserId));
  return doctorOfTurn.get(turn);
}
const doctorOfTurn = new WeakMap<Turn, SmsDoctor | undefined>();

/**
 * Doctors' SMS commands: an SMS from a doctor's verified phone is a command, answered here before the message
 * is recorded (it may carry a PIN; the answer is stored as usual); any other number goes on to the patient
 * assistant. SMS only: WhatsApp numbers are not doctors' command lines.
 */
export const doctorCommands: Middleware = async (turn, next) => {
  const doctor = await smsDoctorOf(turn);
  if (!doctor) return next();
  turn.handledBy = "doctor-sms";
  const { services, clock, log } = turn.deps;
  say(turn, await handleDoctorSms({ services, clock, log }, doctor, turn.inbound));
};

/**
 * Runs one command as the doctor and returns the reply. Never throws. The channel is "sms" for the SMS command
 * line; the Teams channel (bot/doctor-teams) runs the same commands as "teams".
 */
export async function handleDoctorSms(
  deps: DoctorSmsDeps,
  doctor: SmsDoctor,
  inbound: Pick<InboundMessage, "text" | "providerMessageId">,
  channel: Extract<Channel, "sms" | "teams"> = "sms",
): Promise<string> {
  const parsed = parseCommand(inbound.text);
  if (!parsed.ok) return parsed.unknown ? HELP_TEXT : parsed.error;
  const actor: Actor = { userId: doctor.userId, role: "doctor", doctorId: doctor.doctorId, channel };
  const command = parsed.command;
  try {
    return await run(deps.services, actor, doctor, command, {
      now: deps.clock.now(),
      providerMessageId: inbound.providerMessageId,
    });
  } catch (err) {
    if (err instanceof DomainError) return errorReply(err, command);
    // The command's kind only: never the text (it may carry a PIN or a patient's name).
    deps.log.error({ err: errorName(err), command: command.kind }, "doctor sms command failed");
    return "Sorry, that did not work. Please try again, or use the console.";
  }
}

async function run(
  services: Services,
  actor: Actor,
  doctor: SmsDoctor,
  command: DoctorCommand,
  { now, providerMessageId }: { now: Date; providerMessageId: string },
): Promise<string> {
  const { scheduling, payouts } = services;
  const zone = doctor.timeZone;
  switch (command.kind) {
    case "help":
      return HELP_TEXT;
    case "today": {
      const day = todayIn(zone, now);
      const page = await scheduling.listForDoctor(actor, { scope: "upcoming", page: 1, perPage: DAY_PAGE });
      const items = page.appointments.filter((a) => a.appointment_date === day);
      const header = `Today ${shortDate(day)}`;
      if (items.length === 0) return `${header}: no more appointments.`;
      return list(
        `${header}, ${items.length}${page.has_more && items.length === page.appointments.length ? "+" : ""}:`,
        items.map((a) => `#${a.id} ${shortTime(a)} ${name(a.patient_name)}${tag(a)}`),
      );
    }
    case "next": {
      const page = await scheduling.listForDoctor(actor, { scope: "upcoming", page: 1, perPage: 20 });
      const next = page.appointments.find((a) => a.status === "confirmed");
      if (!next) return "No upcoming confirmed appointments. REQUESTS lists what awaits you.";
      return `Next: #${next.id} ${when(next)}, ${name(next.patient_name)}${next.mode === "video" ? ", video" : ""}${next.reason ? `. Reason: ${clip(next.reason, 60)}` : ""}.`;
    }
    case "requests": {
      const rows = await scheduling.requests(actor, { page: 1, perPage: 50 });
      const pending = rows.filter((r) => r.status === "pending");
      if (pending.length === 0) return "No pending requests.";
      return list(
        `Requests, ${pending.length}${rows.length === 50 && pending.length === 50 ? "+" : ""}:`,
        pending.map(
          (r) =>
            `#${r.appointment_id} ${shortDate(r.appointment_date)} ${r.appointment_time} ${name(r.patient_name)}`,
        ),
        "Reply ACCEPT <id>, REJECT <id> or PROPOSE <id> <date> <time>.",
      );
    }
    case "accept": {
      const a = await scheduling.accept(actor, command.id);
      return `Accepted #${a.id}: ${name(a.patient_name)}, ${when(a)}. The patient is told.`;
    }
    case "reject": {
      const a = await scheduling.reject(actor, command.id, command.reason);
      return `Rejected #${a.id} (${name(a.patient_name)}, ${when(a)}). The patient is told.`;
    }
    case "cancel": {
      const a = await scheduling.cancel(actor, command.id, command.reason);
      return `Cancelled #${a.id} (${name(a.patient_name)}, ${when(a)}). The patient is told.`;
    }
    case "propose": {
      const date = resolveDate(command.date, todayIn(zone, now));
      if (date === undefined) return "That date does not exist. Use YYYY-MM-DD or DD/MM.";
      const a = await scheduling.propose(actor, command.id, {
        appointmentDate: date,
        appointmentTime: minutesToTime(command.minutes),
      });
      return `Proposed ${when(a)} for #${a.id} (${name(a.patient_name)}). The patient is asked to confirm.`;
    }
    case "earnings": {
      const e = await payouts.earnings(actor, undefined);
      return (
        `Withdrawable: ${money(e.withdrawable_minor, e.currency)}. Pending: ${money(e.pending_minor, e.currency)}. ` +
        `Withdrawn: ${money(e.withdrawn_minor, e.currency)}. Total earned: ${money(e.total_earnings_minor, e.currency)}. ` +
        "To withdraw: WITHDRAW <amount> <PIN>."
      );
    }
    case "withdraw": {
      // Read in the doctor's currency before the PIN is tried: a typo costs no attempt.
      const amountMinor = parseMoney(command.amount, doctor.currency);
      if (amountMinor === undefined || amountMinor <= 0) {
        const digits = minorDigits(doctor.currency);
        return `That is not an amount in ${doctor.currency} (${digits === 0 ? "no decimals" : `at most ${digits} decimals`}). Usage: WITHDRAW <amount> <PIN>.`;
      }
      const pin = await services.doctorSms.checkPin(doctor.doctorId, command.pin);
      if (!pin.ok) {
        switch (pin.reason) {
          case "not_set":
            return "Set an SMS PIN in the console first.";
          case "locked":
            return `PIN locked after too many wrong tries, until ${clock(pin.lockedUntil, zone)}. Set a new PIN in the console to unlock.`;
          case "wrong":
            return `Wrong PIN. ${pin.attemptsLeft} ${pin.attemptsLeft === 1 ? "try" : "tries"} left before it locks for an hour.`;
        }
      }
      // A redelivered SMS carries the same provider id: the same key, one withdrawal.
      const result = await payouts.withdraw(actor, {
        amount: toMajor(amountMinor, doctor.currency),
        idempotencyKey: `sms:${providerMessageId}`.slice(0, 255),
      });
      const w = result.withdrawal;
      return `Withdrawal #${w.id} of ${money(w.amount_minor, w.currency)}: ${w.status.replace(/_/g, " ")}.`;
    }
  }
}

/** One line for a refused command, from the domain's code. */
function errorReply(err: DomainError, command: DoctorCommand): string {
  const ref = "id" in command ? `#${command.id}` : "";
  switch (err.code) {
    case "NOT_FOUND":
      return ref ? `No appointment ${ref}. REQUESTS or TODAY shows your ids.` : clip(err.message, 300);
    case "INVALID_TRANSITION": {
      const from = typeof err.details?.from === "string" ? err.details.from : "";
      return `${ref} is ${from === "confirmed" ? "already confirmed" : from.replace(/_/g, " ")}: ${command.kind.toUpperCase()} does not apply.`;
    }
    case "SLOT_UNAVAILABLE":
      return "That time is not one of your free slots (or is too soon). Check the date and time.";
    case "SLOT_TAKEN":
      return "That time was just taken. Try another.";
    case "PATIENT_BUSY":
      return "The patient has another appointment at that time. Try another.";
    case "INSUFFICIENT_WITHDRAWABLE_BALANCE": {
      const have = err.details?.withdrawable_minor;
      const currency = err.details?.currency;
      return typeof have === "number" && typeof currency === "string"
        ? `Balance too low. Withdrawable: ${money(have, currency)}.`
        : "Balance too low.";
    }
    case "PAYOUT_ACCOUNT_REQUIRED":
      return "Set up your payout account in the console first.";
    default:
      return clip(err.message, 300);
  }
}

/** The date a DateSpec means, from today in the doctor's zone (DD/MM: this year's, or next year's if past). */
export function resolveDate(spec: DateSpec, today: string): string | undefined {
  switch (spec.kind) {
    case "iso":
      return spec.date;
    case "relative":
      return addDays(today, spec.days);
    case "day_month": {
      const year = Number(today.slice(0, 4));
      const mmdd = `${String(spec.month).padStart(2, "0")}-${String(spec.day).padStart(2, "0")}`;
      for (const y of [year, year + 1]) {
        const date = `${y}-${mmdd}`;
        if (isIsoDate(date) && date >= today) return date;
      }
      // 29/02 when neither this year nor next is a leap year (or has passed).
      return undefined;
    }
  }
}

function list(header: string, lines: string[], footer?: string): string {
  const shown = lines.slice(0, LIST_CAP);
  const more = lines.length - shown.length;
  return [header, ...shown, ...(more > 0 ? [`+${more} more`] : []), ...(footer ? [footer] : [])].join("\n");
}

function name(value: string): string {
  return clip(value.trim(), NAME_MAX);
}

function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max - 3)}...`;
}

function tag(a: AppointmentView): string {
  const bits = [
    a.status === "pending" ? "request" : a.status === "proposed" ? "proposed" : "",
    a.mode === "video" ? "video" : "",
  ].filter((b) => b !== "");
  return bits.length > 0 ? ` (${bits.join(", ")})` : "";
}

/** "Tue 8 Jan" */
function shortDate(date: string): string {
  return DateTime.fromISO(date, { zone: "UTC" }).toFormat("ccc d LLL");
}

/** "10:30 AM" → "10:30 AM" without a leading zero. */
function shortTime(a: Pick<AppointmentView, "appointment_time">): string {
  return a.appointment_time.replace(/^0/, "");
}

/** "Tue 8 Jan 10:30 AM" in the doctor's zone. */
function when(a: AppointmentView): string {
  return `${shortDate(a.appointment_date)} ${shortTime(a)}`;
}

function clock(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat("h:mm a");
}

/** "INR 1,250.50": the code rather than a symbol (GSM-7 has no ₹), the currency's own decimals. */
function money(amountMinor: number, currency: string): string {
  return formatMoney(amountMinor, currency, "code");
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

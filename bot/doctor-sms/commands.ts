import { isIsoDate, parseClockTime } from "../../domain/shared/time.js";

/**
 * The doctors' SMS commands: a pure parser from the text of one SMS to a command, or to the one line that
 * says what was wrong with it. No model, no guessing: case-insensitive, tolerant of extra spaces, nothing
 * else. It never throws, and an error never repeats a PIN.
 */

/** A date as typed: a full ISO date, a day and month (the year is the next one from today), or relative. */
export type DateSpec =
  | { kind: "iso"; date: string }
  | { kind: "day_month"; day: number; month: number }
  | { kind: "relative"; days: 0 | 1 };

export type DoctorCommand =
  | { kind: "today" }
  | { kind: "next" }
  | { kind: "requests" }
  | { kind: "earnings" }
  | { kind: "help" }
  | { kind: "accept"; id: number }
  | { kind: "reject"; id: number; reason?: string | undefined }
  | { kind: "cancel"; id: number; reason?: string | undefined }
  | { kind: "propose"; id: number; date: DateSpec; minutes: number }
  /** The amount as typed ("1,250.50"): the handler reads it in the doctor's currency (domain/shared/money.ts). */
  | { kind: "withdraw"; amount: string; pin: string };

export type ParseResult =
  | { ok: true; command: DoctorCommand }
  /** `unknown`: not a command at all (the reply is the help text); otherwise `error` is the reply. */
  | { ok: false; unknown: true }
  | { ok: false; unknown: false; error: string };

export const HELP_TEXT =
  "HealthLink doctor commands: TODAY, NEXT, REQUESTS, ACCEPT <id>, REJECT <id> [reason], " +
  "PROPOSE <id> <YYYY-MM-DD or DD/MM> <HH:MM>, CANCEL <id> [reason], EARNINGS, WITHDRAW <amount> <PIN>, HELP.";

const USAGE = {
  accept: "Usage: ACCEPT <id>, e.g. ACCEPT 1042.",
  reject: "Usage: REJECT <id> [reason], e.g. REJECT 1042 on leave.",
  cancel: "Usage: CANCEL <id> [reason], e.g. CANCEL 1042 clinic closed.",
  propose:
    "Usage: PROPOSE <id> <date> <time>, e.g. PROPOSE 1042 2030-03-05 16:30 or PROPOSE 1042 05/03 4:30 PM.",
  withdraw: "Usage: WITHDRAW <amount> <PIN>, e.g. WITHDRAW 500 <your PIN>.",
} as const;

const MAX_ID = 2_147_483_647;
const MAX_REASON = 500;

/** Splits on any whitespace; the reason keeps the doctor's own words (and case), spaces collapsed. */
function tokens(text: string): string[] {
  return text
    .trim()
    .split(/\s+/u)
    .filter((t) => t !== "");
}

function parseId(token: string | undefined): number | undefined {
  if (token === undefined) return undefined;
  const m = /^#?(\d{1,10})$/.exec(token);
  if (!m) return undefined;
  const id = Number(m[1]);
  return id >= 1 && id <= MAX_ID ? id : undefined;
}

function reasonOf(rest: string[]): string | undefined {
  const reason = rest.join(" ").slice(0, MAX_REASON).trim();
  return reason === "" ? undefined : reason;
}

/** YYYY-MM-DD, DD/MM, DD/MM/YYYY (also with - or .), TODAY, TOMORROW. */
export function parseDateSpec(token: string): DateSpec | undefined {
  const t = token.toLowerCase();
  if (t === "today") return { kind: "relative", days: 0 };
  if (t === "tomorrow") return { kind: "relative", days: 1 };
  if (isIsoDate(token)) return { kind: "iso", date: token };
  const m = /^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{4}))?$/.exec(token);
  if (!m) return undefined;
  const day = Number(m[1]);
  const month = Number(m[2]);
  if (m[3] !== undefined) {
    const iso = `${m[3]}-${m[2]!.padStart(2, "0")}-${m[1]!.padStart(2, "0")}`;
    return isIsoDate(iso) ? { kind: "iso", date: iso } : undefined;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  // 29/02 exists in a leap year; the handler resolves the year and checks the date again.
  if (!isIsoDate(`2000-${m[2]!.padStart(2, "0")}-${m[1]!.padStart(2, "0")}`)) return undefined;
  return { kind: "day_month", day, month };
}

/** "16:30", "4:30 PM", "4:30pm", "4pm" → minutes after midnight. */
export function parseTimeWords(words: string[]): number | undefined {
  const joined = words.join(" ").trim();
  if (joined === "" || joined.length > 12) return undefined;
  const bareHour = /^(\d{1,2})\s*([AaPp][Mm])$/.exec(joined);
  return parseClockTime(bareHour ? `${bareHour[1]}:00 ${bareHour[2]}` : joined);
}

/**
 * "500", "1,250.50", "12.125": a positive decimal with at most three decimals (KWD and BHD have three).
 * Only the shape: the currency's own decimals are checked where the currency is known.
 */
function parseAmount(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  if (!/^[\d,]{1,13}(\.\d{1,3})?$/.test(token) || !/[1-9]/.test(token)) return undefined;
  return token;
}

function fail(error: string): ParseResult {
  return { ok: false, unknown: false, error };
}

function ok(command: DoctorCommand): ParseResult {
  return { ok: true, command };
}

export function parseCommand(text: string): ParseResult {
  const words = tokens(typeof text === "string" ? text.slice(0, 1000) : "");
  const [head, ...rest] = words;
  if (head === undefined) return { ok: false, unknown: true };
  switch (head.toUpperCase()) {
    case "TODAY":
      return rest.length === 0 ? ok({ kind: "today" }) : fail("Usage: TODAY (nothing after it).");
    case "NEXT":
      return rest.length === 0 ? ok({ kind: "next" }) : fail("Usage: NEXT (nothing after it).");
    case "REQUESTS":
    case "REQUEST":
      return rest.length === 0 ? ok({ kind: "requests" }) : fail("Usage: REQUESTS (nothing after it).");
    case "EARNINGS":
    case "BALANCE":
      return rest.length === 0 ? ok({ kind: "earnings" }) : fail("Usage: EARNINGS (nothing after it).");
    case "HELP":
    case "COMMANDS":
      return ok({ kind: "help" });
    case "ACCEPT": {
      const id = parseId(rest[0]);
      return id !== undefined && rest.length === 1 ? ok({ kind: "accept", id }) : fail(USAGE.accept);
    }
    case "REJECT":
    case "CANCEL": {
      const kind = head.toUpperCase() === "REJECT" ? "reject" : "cancel";
      const id = parseId(rest[0]);
      if (id === undefined) return fail(USAGE[kind]);
      return ok({ kind, id, reason: reasonOf(rest.slice(1)) });
    }
    case "PROPOSE": {
      const id = parseId(rest[0]);
      const date = rest[1] === undefined ? undefined : parseDateSpec(rest[1]);
      const minutes = parseTimeWords(rest.slice(2));
      if (id === undefined || date === undefined || minutes === undefined) return fail(USAGE.propose);
      return ok({ kind: "propose", id, date, minutes });
    }
    case "WITHDRAW": {
      const amount = parseAmount(rest[0]);
      const pin = rest[1];
      if (amount === undefined || pin === undefined || rest.length !== 2 || !/^\d{4,8}$/.test(pin))
        return fail(USAGE.withdraw);
      return ok({ kind: "withdraw", amount, pin });
    }
    default:
      return { ok: false, unknown: true };
  }
}

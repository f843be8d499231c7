import type { Services } from "../../domain/index.js";
import type { TeamsDoctor } from "../../domain/teams/service.js";
import type { Clock } from "../../domain/shared/clock.js";
import { DomainError } from "../../domain/shared/errors.js";
import { handleDoctorSms } from "../doctor-sms/handler.js";
import { HELP_TEXT, parseCommand } from "../doctor-sms/commands.js";

type Log = { error: (obj: object, msg: string) => void };

export interface DoctorTeamsDeps {
  services: Services;
  clock: Clock;
  log: Log;
}

/** One Teams message or card submission, as the channel parsed it (no SDK types past the channel). */
export interface TeamsTurn {
  /** The Teams user's stable id (Entra object id, else the channel account id). */
  teamsUserId: string;
  tenantId: string | null;
  /** The typed text (mentions of the bot removed); empty for a card submission. */
  text: string;
  /** Action.Submit data of an Adaptive Card button, if this is one. */
  value?: unknown;
  /** The activity id: the idempotency key of anything it does. */
  activityId: string;
}

/** A pending request as the requests card lists it. */
export interface RequestItem {
  appointmentId: number;
  date: string;
  time: string;
  patientName: string;
  reason: string | null;
}

/** What to answer: a line of text, or the requests list (rendered as an Adaptive Card by the channel). */
export type TeamsAnswer =
  { kind: "text"; text: string } | { kind: "requests"; items: RequestItem[]; more: boolean };

export const LINK_INSTRUCTIONS =
  "This is HealthLink for clinicians. To use it, link your account: open the HealthLink console, go to " +
  "Microsoft Teams, choose Get a link code, and send the code here.";
const TEAMS_HELP = `${HELP_TEXT.replace(/, WITHDRAW <amount> <PIN>/, "")} Withdrawals: from the console or by SMS.`;
const CARD_LIMIT = 10;

/** The Action.Submit data our request cards carry. */
export function submitData(action: "accept" | "reject", appointmentId: number) {
  return { hl_action: action, appointment_id: appointmentId };
}

function parseSubmit(value: unknown): { action: "accept" | "reject"; id: number } | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const v = value as { hl_action?: unknown; appointment_id?: unknown };
  const id = typeof v.appointment_id === "number" ? v.appointment_id : Number(v.appointment_id);
  if ((v.hl_action !== "accept" && v.hl_action !== "reject") || !Number.isSafeInteger(id) || id < 1)
    return undefined;
  return { action: v.hl_action, id };
}

/**
 * The doctors' Teams channel: nothing but the linking instructions until the Teams user is linked (a one-time
 * code from the console); then the SMS commands (same parser, same domain calls, acting with channel "teams"),
 * with REQUESTS answered as a card whose Accept / Reject buttons come back as card submissions. Never throws.
 */
export async function handleTeamsTurn(deps: DoctorTeamsDeps, turn: TeamsTurn): Promise<TeamsAnswer> {
  const text = (s: string): TeamsAnswer => ({ kind: "text", text: s });
  const { teamsLinks } = deps.services;
  const doctor = await teamsLinks.doctorFor(turn.teamsUserId);
  if (!doctor) {
    const r = await teamsLinks.redeem(turn.teamsUserId, turn.tenantId, turn.text);
    switch (r.outcome) {
      case "linked":
        return text(`Linked: you can now use HealthLink here. ${TEAMS_HELP}`);
      case "limited":
        return text("Too many wrong codes. Try again in an hour with a new code from the console.");
      case "wrong":
        return text("That code is not valid or has expired. Get a new one in the console (Microsoft Teams).");
      case "not_a_code":
        return text(LINK_INSTRUCTIONS);
    }
  }
  const submit = parseSubmit(turn.value);
  const typed = submit ? `${submit.action.toUpperCase()} ${submit.id}` : turn.text;
  const parsed = parseCommand(typed);
  if (parsed.ok && parsed.command.kind === "withdraw")
    return text("Withdrawals are made in the console or by SMS, not in Teams.");
  if (!parsed.ok && parsed.unknown) return text(TEAMS_HELP);
  if (parsed.ok && parsed.command.kind === "help") return text(TEAMS_HELP);
  if (parsed.ok && parsed.command.kind === "requests") return requests(deps, doctor);
  return text(
    await handleDoctorSms(deps, doctor, { text: typed, providerMessageId: turn.activityId }, "teams"),
  );
}

async function requests(deps: DoctorTeamsDeps, doctor: TeamsDoctor): Promise<TeamsAnswer> {
  const actor = {
    userId: doctor.userId,
    role: "doctor" as const,
    doctorId: doctor.doctorId,
    channel: "teams" as const,
  };
  try {
    const rows = await deps.services.scheduling.requests(actor, { page: 1, perPage: 50 });
    const pending = rows.filter((r) => r.status === "pending");
    if (pending.length === 0) return { kind: "text", text: "No pending requests." };
    return {
      kind: "requests",
      more: pending.length > CARD_LIMIT,
      items: pending.slice(0, CARD_LIMIT).map((r) => ({
        appointmentId: r.appointment_id,
        date: r.appointment_date,
        time: r.appointment_time,
        patientName: r.patient_name,
        reason: r.reason ?? null,
      })),
    };
  } catch (err) {
    if (err instanceof DomainError) return { kind: "text", text: err.message };
    deps.log.error({ err: err instanceof Error ? err.name : typeof err }, "teams requests failed");
    return { kind: "text", text: "Sorry, that did not work. Please try again, or use the console." };
  }
}

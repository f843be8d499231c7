import type { Brain } from "../turn.js";
import { prepareAction } from "../actions.js";
import { formatMoney } from "../../domain/shared/money.js";
import { formatDay } from "../format.js";
import { say, type Turn } from "../turn.js";
import type { Choice } from "../types.js";
import { prepareCancel } from "../cancel.js";
import { guidedLabs } from "./labs.js";
import { guidedMedicines } from "./medicines.js";
import { openTicket, showMenu } from "./menu.js";

const APPOINTMENT_REF = /(?:#|\bappointment\s*(?:id|no\.?|number)?\s*#?)\s*(\d{1,9})\b/i;

/**
 * The guided mode: a deterministic menu dialog over the same tools and pending actions the agent will use.
 * Steps live in conversations.state.guided; a choice id is only accepted when it was offered (the engine
 * resolves numbers and labels to the offered ids).
 */
export class GuidedBrain implements Brain {
  readonly name = "guided";

  async respond(turn: Turn): Promise<void> {
    const g = turn.state.guided ?? { step: "menu" };
    const { choice, text } = turn.input;

    // Global choices, whatever the step.
    if (choice === "find") return this.askQuery(turn);
    if (choice === "appointments") return this.listAppointments(turn);
    if (choice === "human") return openTicket(turn, false);
    if (await guidedLabs(turn)) return;
    // Medicines, results, payment links and doses (bot/guided/medicines.ts).
    if (await guidedMedicines(turn)) return;

    // "#123" / "appointment 123": shown only if it is the person's own (the domain decides, 404 otherwise).
    const ref = choice === undefined ? APPOINTMENT_REF.exec(text) : null;
    if (ref) return this.showAppointment(turn, Number(ref[1]));

    switch (g.step) {
      case "find_query": {
        const q = text.trim();
        if (q.length < 2 || q.length > 100)
          return void say(turn, "Which specialty, or what symptom? (e.g. dentist, fever)");
        turn.state.guided = { step: "find_city", query: q };
        return void say(turn, "In which city?");
      }
      case "find_city": {
        const city = text.trim();
        if (city.length < 2 || city.length > 60)
          return void say(turn, "Please type a city name, e.g. Delhi.");
        return this.search(turn, g.query ?? "", city);
      }
      case "pick_doctor":
        if (choice?.startsWith("doc:")) return this.pickDoctor(turn, Number(choice.slice(4)), g.rescheduleOf);
        break;
      case "pick_day":
        if (choice?.startsWith("day:") && g.doctorId !== undefined)
          return this.pickDay(turn, g.doctorId, choice.slice(4));
        break;
      case "pick_slot":
        if (choice?.startsWith("slot:") && g.doctorId !== undefined && g.date !== undefined)
          return this.pickSlot(turn, g.doctorId, g.date, choice.slice(5));
        break;
      case "my_appointments":
        if (choice?.startsWith("appt:")) return this.showAppointment(turn, Number(choice.slice(5)));
        break;
      case "appointment_action":
        if (g.appointmentId !== undefined) {
          if (choice === "cancel") return this.prepareCancel(turn, g.appointmentId);
          if (choice === "reschedule") return this.startReschedule(turn, g.appointmentId);
        }
        break;
      case "menu":
      case "lab_query":
      case "lab_pick_test":
      case "lab_pick_day":
      case "lab_collection":
      case "lab_address":
      case "meds_pick":
      case "meds_address":
      case "meds_typed_address":
        break;
    }
    showMenu(
      turn,
      text.trim() === "" ||
        /^(hi|hello|hey|namaste|salaam|good (morning|afternoon|evening))\b/i.test(text.trim())
        ? "Hello! How can I help you today?"
        : "Sorry, I didn't get that. Please pick an option.",
    );
  }

  private askQuery(turn: Turn): void {
    turn.state.guided = { step: "find_query" };
    say(turn, "Which specialty do you need, or what is the problem? (e.g. dentist, skin rash, fever)");
  }

  private async search(turn: Turn, q: string, city: string): Promise<void> {
    const doctors = await turn.tools.searchDoctors({ q, city });
    if (doctors.length === 0) {
      turn.state.guided = { step: "find_query" };
      return void say(turn, `I found no doctors for "${q}" in ${city}. Try another specialty or symptom.`);
    }
    turn.state.guided = { step: "pick_doctor", query: q, city };
    const choices: Choice[] = doctors.map((d) => ({
      id: `doc:${d.id}`,
      label:
        `${d.doctor_name} (${d.specialization}), ${formatMoney(d.consultation_fees_minor, d.currency)}, ` +
        `rating ${d.rating.toFixed(1)}, ` +
        (d.next_available_date ? `first free ${formatDay(d.next_available_date)}` : "no free slots soon"),
    }));
    say(turn, `Doctors for "${q}" in ${city}:`, {
      choices: [...choices, { id: "menu", label: "Main menu" }],
    });
  }

  private async pickDoctor(turn: Turn, doctorId: number, rescheduleOf: number | undefined): Promise<void> {
    const days = await turn.tools.freeDays(doctorId);
    if (days.length === 0) {
      showMenu(turn, "This doctor has no free slots in the next weeks. What would you like to do?");
      return;
    }
    turn.state.guided = { step: "pick_day", doctorId, rescheduleOf };
    say(turn, "Which day?", { choices: days.map((d) => ({ id: `day:${d}`, label: formatDay(d) })) });
  }

  private async pickDay(turn: Turn, doctorId: number, date: string): Promise<void> {
    const { slots } = await turn.tools.daySlots(doctorId, date);
    const g = turn.state.guided;
    if (slots.length === 0) return this.pickDoctor(turn, doctorId, g?.rescheduleOf);
    turn.state.guided = { step: "pick_slot", doctorId, date, rescheduleOf: g?.rescheduleOf };
    say(turn, `Free times on ${formatDay(date)}:`, {
      choices: slots
        .slice(0, 10)
        .map((s) => ({ id: `slot:${s.appointment_time}`, label: s.appointment_time })),
    });
  }

  private async pickSlot(turn: Turn, doctorId: number, date: string, time: string): Promise<void> {
    const g = turn.state.guided;
    const doctor = await turn.tools.doctor(doctorId);
    if (g?.rescheduleOf !== undefined) {
      return prepareAction(turn, {
        kind: "reschedule",
        appointmentId: g.rescheduleOf,
        doctorId,
        appointmentDate: date,
        appointmentTime: time,
        summary: `Move your appointment with ${doctor.name} to ${formatDay(date)} at ${time}.`,
      });
    }
    prepareAction(turn, {
      kind: "book",
      doctorId,
      appointmentDate: date,
      appointmentTime: time,
      priceMinor: doctor.feeMinor,
      currency: doctor.currency,
      summary:
        `Book ${doctor.name} on ${formatDay(date)} (${date}) at ${time}. ` +
        `Fee: ${formatMoney(doctor.feeMinor, doctor.currency)}.`,
    });
  }

  private async listAppointments(turn: Turn): Promise<void> {
    const list = await turn.tools.upcomingAppointments(turn.actor!);
    if (list.length === 0) return showMenu(turn, "You have no upcoming appointments.");
    turn.state.guided = { step: "my_appointments" };
    say(turn, "Your upcoming appointments:", {
      choices: [
        ...list.map((a) => ({
          id: `appt:${a.id}`,
          label: `${a.doctor_name}, ${formatDay(a.appointment_date)} ${a.appointment_time} (${a.status})`,
        })),
        { id: "menu", label: "Main menu" },
      ],
    });
  }

  private async showAppointment(turn: Turn, id: number): Promise<void> {
    const a = await turn.tools.appointment(turn.actor!, id);
    turn.state.guided = { step: "appointment_action", appointmentId: a.id };
    const open = !["cancelled", "rejected", "completed", "no_show"].includes(a.status);
    say(
      turn,
      `Appointment #${a.id}: ${a.doctor_name}, ${formatDay(a.appointment_date)} at ${a.appointment_time} (${a.status}).`,
      {
        choices: [
          ...(open
            ? [
                { id: "reschedule", label: "Reschedule" },
                { id: "cancel", label: "Cancel" },
              ]
            : []),
          { id: "menu", label: "Main menu" },
        ],
      },
    );
  }

  private async prepareCancel(turn: Turn, id: number): Promise<void> {
    await prepareCancel(turn, await turn.tools.appointment(turn.actor!, id));
  }

  private async startReschedule(turn: Turn, id: number): Promise<void> {
    const a = await turn.tools.appointment(turn.actor!, id);
    await this.pickDoctor(turn, a.doctor_id, a.id);
  }
}

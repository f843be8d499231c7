import type { Brain } from "../turn.js";
import { prepareAction } from "../actions.js";
import { formatMoney } from "../../domain/shared/money.js";
import { formatDay, formatKm, formatWhen, localWall, replyZone } from "../format.js";
import { patientDaySlots, patientFreeDays } from "../when.js";
import { say, type Turn } from "../turn.js";
import type { Choice } from "../types.js";
import { prepareCancel } from "../cancel.js";
import { guidedLabs } from "./labs.js";
import { guidedMedicines } from "./medicines.js";
import { todayIn } from "../../domain/shared/time.js";
import type { GuidedState } from "../state.js";
import { openTicket, showMenu } from "./menu.js";
import { inPart, parseRequest, slotLabelsFor, type ClockTime, type ParsedRequest } from "./request.js";

// Eight times, "Later times" and "Another day": ten rows, the most a WhatsApp list shows (more would fall back
// to numbered text).
const SLOTS_PER_PAGE = 8;

const clock = (t: ClockTime) =>
  `${t.hour}:${String(t.minute).padStart(2, "0")}${t.meridiem ? ` ${t.meridiem.toLowerCase()}` : ""}`;

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

    // A location shared on the channel: doctors near it (for the specialty asked, if any).
    const location = turn.inbound.location;
    if (location && choice === undefined) return this.searchNearLocation(turn, location);

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
        const parsed = await this.parse(turn, q);
        return this.searchFor(turn, { ...parsed, specialty: parsed.specialty ?? q }, true);
      }
      case "find_city": {
        const typed = text.trim();
        if (typed.length < 2 || typed.length > 60)
          return void say(turn, "Please type a city name, e.g. Delhi.");
        const parsed = await this.parse(turn, typed);
        return this.searchFor(turn, {
          specialty: parsed.specialty ?? g.query,
          city: parsed.near ? undefined : (parsed.city ?? typed),
          near: parsed.near,
          date: parsed.date ?? g.wantDate,
          time: parsed.time ?? g.wantTime,
          part: parsed.part ?? g.part,
        });
      }
      case "pick_doctor":
        if (choice?.startsWith("doc:")) return this.pickDoctor(turn, Number(choice.slice(4)), g.rescheduleOf);
        if (choice === "docs:more") return this.search(turn, { ...g, page: (g.page ?? 1) + 1 });
        if (choice === undefined && (await this.retarget(turn, g, text))) return;
        break;
      case "pick_day":
        if (choice?.startsWith("day:") && g.doctorId !== undefined)
          return this.pickDay(turn, g.doctorId, choice.slice(4));
        if (choice === undefined && g.doctorId !== undefined) return this.typedWhen(turn, g.doctorId, text);
        break;
      case "pick_slot":
        if (choice?.startsWith("slot:") && g.doctorId !== undefined && g.date !== undefined) {
          // "slot:<doctor's date> <doctor's time>" (a choice sent before zones: "slot:<time>" on g.date).
          const m = /^(\d{4}-\d{2}-\d{2}) (.+)$/.exec(choice.slice(5));
          return this.pickSlot(turn, g.doctorId, m?.[1] ?? g.date, m?.[2] ?? choice.slice(5));
        }
        if (choice === "slots:more" && g.doctorId !== undefined && g.date !== undefined)
          return this.pickDay(turn, g.doctorId, g.date, (g.shown ?? 0) + SLOTS_PER_PAGE);
        if (choice === "days" && g.doctorId !== undefined)
          return this.pickDoctor(turn, g.doctorId, g.rescheduleOf);
        if (choice === undefined && g.doctorId !== undefined) return this.typedWhen(turn, g.doctorId, text);
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
        // A whole request typed at the menu: "dentist in Delhi tomorrow", "skin doctor near Vikas Puri".
        if (choice === undefined && (await this.retarget(turn, { step: "menu" }, text))) return;
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

  /** Today in the person's zone (their profile's, else the deployment's UTC day). */
  private async today(turn: Turn): Promise<string> {
    const zone = turn.actor ? (await turn.tools.patientDefaults(turn.actor)).timeZone : null;
    return todayIn(zone ?? "UTC", turn.deps.clock.now());
  }

  private async parse(turn: Turn, text: string): Promise<ParsedRequest> {
    if (text.length > 200) return {};
    return parseRequest(text, await turn.tools.vocabulary(), await this.today(turn));
  }

  /**
   * Free text during a search: a new request ("Mumbai", "dentist near Dwarka tomorrow") searches again with
   * what it changes; false when it names nothing we know.
   */
  private async retarget(turn: Turn, g: GuidedState, text: string): Promise<boolean> {
    const parsed = await this.parse(turn, text.trim());
    const names = parsed.specialty ?? parsed.city ?? parsed.near;
    if (names === undefined) return false;
    if (g.step === "menu" && parsed.specialty === undefined) return false;
    await this.searchFor(
      turn,
      {
        specialty: parsed.specialty ?? g.query,
        city: parsed.near ? undefined : (parsed.city ?? g.city),
        near: parsed.near,
        date: parsed.date ?? g.wantDate,
        time: parsed.time ?? g.wantTime,
        part: parsed.part ?? g.part,
      },
      true,
    );
    return true;
  }

  /** Searches for a parsed request: near a place, in a city, or in the profile's city; else asks the city. */
  private async searchFor(
    turn: Turn,
    r: ParsedRequest & { specialty?: string | undefined },
    profileDefault = false,
  ): Promise<void> {
    const base: GuidedState = {
      step: "find_city",
      query: r.specialty,
      wantDate: r.date,
      wantTime: r.time,
      part: r.part,
    };
    if (r.near !== undefined) {
      // A geocoder that fails (Google down, a refused key) answers like an unknown place: the person can
      // still type a city.
      const place = await turn.tools.geocode(r.near).catch(() => null);
      if (!place) {
        turn.state.guided = base;
        return void say(turn, `I don't know where "${r.near}" is. Please type a locality or a city.`);
      }
      return this.search(turn, { ...base, near: place });
    }
    let city = r.city;
    let fromProfile = false;
    if (city === undefined && profileDefault && turn.actor) {
      city = (await turn.tools.patientDefaults(turn.actor)).city ?? undefined;
      fromProfile = city !== undefined;
    }
    if (city === undefined) {
      turn.state.guided = base;
      return void say(turn, 'In which city? (or "near" a locality, e.g. near Vikas Puri)');
    }
    return this.search(turn, { ...base, city }, fromProfile);
  }

  private async search(turn: Turn, g: GuidedState, fromProfile = false): Promise<void> {
    const q = g.query ?? "";
    const page = g.page ?? 1;
    const where = g.near ? `near ${g.near.name}` : `in ${g.city ?? ""}`;
    const doctors = await turn.tools.searchDoctors({
      q,
      city: g.city,
      near: g.near,
      date: g.wantDate,
      page,
    });
    if (doctors.length === 0) {
      if (page > 1) return showMenu(turn, "There are no more doctors for this search.");
      turn.state.guided = { step: "find_query" };
      const when = g.wantDate ? ` free on ${formatDay(g.wantDate)}` : "";
      return void say(
        turn,
        `I found no doctors for "${q}"${when} ${where}. Try another specialty or symptom.`,
      );
    }
    turn.state.guided = {
      step: "pick_doctor",
      query: q,
      city: g.city,
      near: g.near,
      page,
      wantDate: g.wantDate,
      wantTime: g.wantTime,
      part: g.part,
    };
    const choices: Choice[] = doctors.map((d) => ({
      id: `doc:${d.id}`,
      label:
        `${d.doctor_name} (${d.specialization}), ${formatMoney(d.consultation_fees_minor, d.currency)}, ` +
        `rating ${d.rating.toFixed(1)}, ` +
        (d.distance_km !== undefined ? `${formatKm(d.distance_km)} away, ` : "") +
        (d.next_available_date ? `first free ${formatDay(d.next_available_date)}` : "no free slots soon"),
    }));
    const more = doctors.length === 5 ? [{ id: "docs:more", label: "More doctors" }] : [];
    const note = fromProfile ? " (your city; type another city to change)" : "";
    const when = g.wantDate ? `, free on ${formatDay(g.wantDate)}` : "";
    say(turn, `Doctors for "${q}" ${where}${when}${note}:`, {
      choices: [...choices, ...more, { id: "menu", label: "Main menu" }],
    });
  }

  private async searchNearLocation(turn: Turn, at: { lat: number; lng: number; name?: string | undefined }) {
    const g = turn.state.guided;
    const query = g?.step === "find_query" ? undefined : g?.query;
    return this.search(turn, {
      step: "find_city",
      query,
      near: { name: at.name?.trim().slice(0, 60) || "your location", lat: at.lat, lng: at.lng },
      wantDate: g?.wantDate,
      wantTime: g?.wantTime,
      part: g?.part,
    });
  }

  private async pickDoctor(turn: Turn, doctorId: number, rescheduleOf: number | undefined): Promise<void> {
    const g = turn.state.guided;
    // A day asked for with the request: straight to its times (and the time asked for, if free).
    if (g?.wantDate !== undefined && rescheduleOf === undefined) {
      const slots = await patientDaySlots(turn, doctorId, g.wantDate);
      if (slots.length > 0) {
        turn.state.guided = { step: "pick_day", doctorId, wantTime: g.wantTime, part: g.part };
        return this.pickDay(turn, doctorId, g.wantDate);
      }
    }
    const days = await patientFreeDays(turn, doctorId);
    if (days.length === 0) {
      showMenu(turn, "This doctor has no free slots in the next weeks. What would you like to do?");
      return;
    }
    turn.state.guided = { step: "pick_day", doctorId, rescheduleOf };
    say(turn, "Which day? (or type one, e.g. tomorrow 5 pm)", {
      choices: days.map((d) => ({ id: `day:${d}`, label: formatDay(d) })),
    });
  }

  /**
   * The free times of one of the patient's days, on their clock, a page at a time from `from`; the time asked
   * for is taken at once when free. Each choice's id carries the doctor's date and time, which booking takes.
   */
  private async pickDay(turn: Turn, doctorId: number, date: string, from = 0, note = ""): Promise<void> {
    const slots = await patientDaySlots(turn, doctorId, date);
    const g = turn.state.guided;
    if (slots.length === 0) return this.pickDoctor(turn, doctorId, g?.rescheduleOf);
    const labels = slots.map((s) => s.time);
    if (g?.wantTime !== undefined) {
      const free = slotLabelsFor(g.wantTime)
        .map((l) => slots.find((s) => s.time === l))
        .find((s) => s !== undefined);
      turn.state.guided = { ...g, wantTime: undefined, part: undefined };
      if (free !== undefined) return this.pickSlot(turn, doctorId, free.doctorDate, free.doctorTime);
      note = `${clock(g.wantTime)} is not free on ${formatDay(date)}. `;
    }
    // A part of the day asked for ("evening"): start at its first free time.
    if (g?.part !== undefined && from === 0) {
      const i = labels.findIndex((l) => inPart(l, g.part!));
      if (i > 0) from = i;
    }
    const start = Math.min(Math.max(0, from), Math.max(0, labels.length - 1));
    turn.state.guided = {
      step: "pick_slot",
      doctorId,
      date,
      shown: start,
      rescheduleOf: turn.state.guided?.rescheduleOf,
    };
    const later = start + SLOTS_PER_PAGE < labels.length ? [{ id: "slots:more", label: "Later times" }] : [];
    say(turn, `${note}Free times on ${formatDay(date)}${start > 0 ? " (later)" : ""}:`, {
      choices: [
        ...slots
          .slice(start, start + SLOTS_PER_PAGE)
          .map((s) => ({ id: `slot:${s.doctorDate} ${s.doctorTime}`, label: s.time })),
        ...later,
        { id: "days", label: "Another day" },
      ],
    });
  }

  /**
   * A date and/or time typed while picking ("tomorrow 5 pm", "12:30", "Saturday"): taken when free; else the
   * free times are offered again. The booking so far (the doctor) is kept.
   */
  private async typedWhen(turn: Turn, doctorId: number, text: string): Promise<void> {
    const g = turn.state.guided!;
    const parsed = await this.parse(turn, text.trim());
    const date = parsed.date ?? (g.step === "pick_slot" ? g.date : undefined);
    if (parsed.time === undefined && parsed.date === undefined) {
      // Not a date or time: maybe a new search ("dentist in Mumbai").
      if (await this.retarget(turn, g, text)) return;
      const again = "Sorry, I didn't get that. Pick one, or type a day or time (e.g. tomorrow 5 pm, 12:30).";
      if (g.step === "pick_slot" && g.date !== undefined)
        return this.pickDay(turn, doctorId, g.date, g.shown, `${again}\n`);
      say(turn, again);
      return this.pickDoctor(turn, doctorId, g.rescheduleOf);
    }
    if (date === undefined) {
      // A time with no day yet: the first of the next free days where it is free.
      const days = await patientFreeDays(turn, doctorId, 7);
      for (const day of days) {
        const slots = await patientDaySlots(turn, doctorId, day);
        const free = slotLabelsFor(parsed.time!)
          .map((l) => slots.find((s) => s.time === l))
          .find((s) => s !== undefined);
        if (free !== undefined) return this.pickSlot(turn, doctorId, free.doctorDate, free.doctorTime);
      }
      say(turn, `${clock(parsed.time!)} is not free in the next days.`);
      return this.pickDoctor(turn, doctorId, g.rescheduleOf);
    }
    const slots = await patientDaySlots(turn, doctorId, date);
    if (slots.length === 0) {
      say(turn, `There are no free times on ${formatDay(date)}.`);
      return this.pickDoctor(turn, doctorId, g.rescheduleOf);
    }
    turn.state.guided = { ...g, step: "pick_day", wantTime: parsed.time, part: parsed.part };
    return this.pickDay(turn, doctorId, date);
  }

  private async pickSlot(turn: Turn, doctorId: number, date: string, time: string): Promise<void> {
    const g = turn.state.guided;
    const doctor = await turn.tools.doctor(doctorId);
    // On the patient's own clock (the action keeps the doctor's date and time, which scheduling takes).
    const local = localWall(
      { appointment_date: date, appointment_time: time },
      await replyZone(turn),
      doctor.timeZone,
    );
    const when = `${formatDay(local.date)} at ${local.time}`;
    if (g?.rescheduleOf !== undefined) {
      return prepareAction(turn, {
        kind: "reschedule",
        appointmentId: g.rescheduleOf,
        doctorId,
        appointmentDate: date,
        appointmentTime: time,
        summary: `Move your appointment with ${doctor.name} to ${when}.`,
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
        `Book ${doctor.name} on ${formatDay(local.date)} (${local.date}) at ${local.time}. ` +
        `Fee: ${formatMoney(doctor.feeMinor, doctor.currency)}.`,
    });
  }

  private async listAppointments(turn: Turn): Promise<void> {
    const list = await turn.tools.upcomingAppointments(turn.actor!);
    if (list.length === 0) return showMenu(turn, "You have no upcoming appointments.");
    turn.state.guided = { step: "my_appointments" };
    const zone = await replyZone(turn);
    say(turn, "Your upcoming appointments:", {
      choices: [
        ...list.map((a) => ({
          id: `appt:${a.id}`,
          label: `${a.doctor_name}, ${formatWhen(a, zone).replace(" at ", " ")} (${a.status})`,
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
      `Appointment #${a.id}: ${a.doctor_name}, ${formatWhen(a, await replyZone(turn))} (${a.status}).`,
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

import { tool } from "langchain";
import { z } from "zod";
import { formatMoney } from "../../../domain/shared/money.js";
import { addDays, isoDayOf } from "../../../domain/shared/time.js";
import { formatKm } from "../../format.js";
import { safely, turnOf } from "./shared.js";

const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const;

/** The next date (today included) falling on this weekday. */
export function nextWeekday(today: string, weekday: (typeof WEEKDAYS)[number]): string {
  const want = WEEKDAYS.indexOf(weekday) + 1;
  return addDays(today, (want - isoDayOf(today) + 7) % 7);
}

export function searchDoctorsTool() {
  return tool(
    ({ query, city, near, date, weekday }, runtime) => {
      const turn = turnOf(runtime);
      return safely(async () => {
        const today = turn.deps.clock.now().toISOString().slice(0, 10);
        const day = date ?? (weekday ? nextWeekday(today, weekday) : undefined);
        // A place resolves through the same places service as the guided mode (gazetteer or Google); a
        // geocoder that fails answers like an unknown place.
        const place = near ? await turn.tools.geocode(near).catch(() => null) : undefined;
        if (place === null) return `I don't know where "${near}" is. Ask for a locality or a city instead.`;
        const list = await turn.tools.searchDoctors({
          q: query,
          city: city ?? undefined,
          near: place,
          date: day,
        });
        const where = place ? ` near ${place.name}` : "";
        if (list.length === 0)
          return day ? `No doctors found${where} with a free time on ${day}.` : `No doctors found${where}.`;
        return list
          .map(
            (d) =>
              `doctor ${d.id}: ${d.doctor_name}, ${d.specialization}, ${d.city}, ` +
              (d.distance_km !== undefined
                ? `${formatKm(d.distance_km)} away from ${place?.name ?? "there"}, `
                : "") +
              `fee ${formatMoney(d.consultation_fees_minor, d.currency)}, ` +
              `rating ${d.rating}, ` +
              (day ? `free times on ${day}` : `first free day ${d.next_available_date ?? "none soon"}`),
          )
          .join("\n");
      });
    },
    {
      name: "search_doctors",
      description:
        "Find doctors by specialty or symptom (e.g. dentist, fever), optionally in a city or near a " +
        "place (a locality or landmark, e.g. Vikas Puri; results give the distance), optionally only " +
        "those with a free time on a date (YYYY-MM-DD) or on the coming weekday (e.g. friday).",
      schema: z.object({
        query: z.string().min(2).max(100).describe("specialty or symptom"),
        city: z.string().max(60).nullish().describe("city name"),
        near: z
          .string()
          .min(2)
          .max(60)
          .nullish()
          .describe("a locality or landmark to search near, as the person wrote it (e.g. Vikas Puri)"),
        date: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/)
          .nullish()
          .describe("only doctors free on this date (YYYY-MM-DD)"),
        weekday: z.enum(WEEKDAYS).nullish().describe("only doctors free on the coming weekday"),
      }),
    },
  );
}

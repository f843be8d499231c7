import { tool } from "langchain";
import { z } from "zod";
import type { Services } from "../../../domain/index.js";

/** Read-only tools for replaying a prompt (admin): public doctor search and free times, no person. */
export function replayTools(services: Services) {
  return [
    tool(
      async ({ query, city }) => {
        const r = await services.doctors.search({ q: query, city: city ?? undefined, per_page: 5 });
        if (r.doctors.length === 0) return "No doctors found.";
        return r.doctors
          .slice(0, 5)
          .map((d) => `doctor ${d.id}: ${d.doctor_name}, ${d.specialization}, ${d.city}`)
          .join("\n");
      },
      {
        name: "search_doctors",
        description: "Find doctors by specialty or symptom, optionally in a city.",
        schema: z.object({ query: z.string().min(2).max(100), city: z.string().max(60).nullish() }),
      },
    ),
    tool(
      async ({ doctor_id, date }) => {
        const day = await services.scheduling.daySlots(doctor_id, date);
        return day.slots.map((s) => s.appointment_time).join(", ") || "No free times.";
      },
      {
        name: "free_slots",
        description: "A doctor's free times on a date (YYYY-MM-DD).",
        schema: z.object({ doctor_id: z.number().int().positive(), date: z.string() }),
      },
    ),
    tool(() => "Not available in a replay: nothing is booked, cancelled or looked up for a person.", {
      name: "book_appointment",
      description: "Prepare a booking (not available in a replay).",
      schema: z.object({ doctor_id: z.number().int(), date: z.string(), time: z.string() }),
    }),
  ];
}

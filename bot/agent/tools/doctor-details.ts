import { tool } from "langchain";
import { z } from "zod";
import { formatMoney } from "../../../domain/shared/money.js";
import { safely, turnOf } from "./shared.js";

/** A doctor's public profile (what the doctor page shows). */
export function doctorDetailsTool() {
  return tool(
    ({ doctor_id }, runtime) => {
      const turn = turnOf(runtime);
      return safely(async () => {
        const d = await turn.tools.call("get_doctor_details", { doctor_id }, () =>
          turn.deps.services.doctors.view(doctor_id),
        );
        return [
          `${d.doctor_name}, ${[d.specialization, ...d.specialties.filter((s) => s !== d.specialization)].join(", ")}`,
          `${d.experience_years} years of experience; rating ${d.rating} (${d.reviews_count} reviews)`,
          `Fee ${formatMoney(d.consultation_fees_minor, d.currency)}; languages: ${d.languages.join(", ") || "not listed"}`,
          `Clinic: ${[d.clinic_name, d.clinic_address, d.city].filter(Boolean).join(", ")}`,
          `Qualifications: ${d.qualifications.map((q) => `${q.degree} (${q.institute})`).join("; ") || "not listed"}`,
          `First free day: ${d.next_available_date ?? "none soon"}`,
          ...(d.summary ? [`About: ${d.summary}`] : []),
        ].join("\n");
      });
    },
    {
      name: "doctor_details",
      description: "A doctor's profile: specialties, experience, fee, clinic, languages, first free day.",
      schema: z.object({ doctor_id: z.number().int().positive() }),
    },
  );
}

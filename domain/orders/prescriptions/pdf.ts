import { PDFDocument } from "pdf-lib";
import { PdfPages } from "../../shared/pdf-pages.js";
import { PdfText } from "../../shared/pdf-text.js";
import type { DoctorBasics, PatientBasics, PrescriptionDetail } from "./repository.js";

export interface PrintablePrescription {
  prescription: PrescriptionDetail;
  doctor: DoctorBasics;
  patient: PatientBasics;
  /** The issue date in the patient's zone (YYYY-MM-DD). */
  issuedDate: string;
}

/** Whole years between a date of birth and a date. */
export function ageOn(dateOfBirth: string, on: string): number {
  const [by, bm, bd] = dateOfBirth.split("-").map(Number) as [number, number, number];
  const [y, m, d] = on.split("-").map(Number) as [number, number, number];
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** A printable A4 prescription: prescriber, patient, date, medicines, lab tests, and the id in the footer. */
export async function renderPrescriptionPdf(input: PrintablePrescription): Promise<Uint8Array> {
  const { prescription: p, doctor, patient } = input;
  const doc = await PDFDocument.create();
  doc.setTitle(`Prescription ${p.id}`);
  doc.setCreator("HealthLink");
  doc.setProducer("HealthLink");
  doc.setCreationDate(p.issuedAt);
  const w = new PdfPages(doc, await PdfText.for(doc, input));

  w.text(doctor.name, { size: 16, bold: true });
  w.text(`Registration no.: ${doctor.registrationNumber ?? "not recorded"}`);
  const clinic = [doctor.clinicName, doctor.clinicAddress, doctor.city]
    .filter((s) => s && s.trim())
    .join(", ");
  if (clinic) w.text(clinic);
  if (doctor.phone) w.text(`Phone: ${doctor.phone}`);
  w.rule();

  const age = patient.dateOfBirth ? `${ageOn(patient.dateOfBirth, input.issuedDate)} years` : null;
  w.text(`Patient: ${patient.name}`, { bold: true });
  const facts = [
    age && patient.dateOfBirth ? `Age: ${age} (born ${patient.dateOfBirth})` : "Date of birth: not recorded",
    patient.sex ? `Sex: ${patient.sex}` : null,
  ].filter((s): s is string => s !== null);
  w.text(facts.join("    "));
  w.text(`Date: ${input.issuedDate}    Valid until: ${p.validUntil}`);
  if (p.status === "cancelled") w.text("CANCELLED", { bold: true, size: 12 });
  w.rule();

  if (p.items.length > 0) {
    w.text("Rx", { size: 14, bold: true, gap: 4 });
    p.items.forEach((item, i) => {
      const name = item.strength ? `${item.medicineName} ${item.strength}` : item.medicineName;
      w.text(`${i + 1}. ${name}`, { bold: true, size: 11 });
      w.text(
        `Dose: ${item.dose}    Frequency: ${item.frequency}    Duration: ${item.durationDays} days    Quantity: ${item.quantity}    Refills: ${item.refills}`,
        { indent: 14 },
      );
      if (item.instructions) w.text(`Instructions: ${item.instructions}`, { indent: 14 });
      w.y -= 6;
    });
  }
  if (p.labTests.length > 0) {
    w.text("Lab tests", { size: 12, bold: true, gap: 2 });
    p.labTests.forEach((t, i) => {
      w.text(`${i + 1}. ${t.testName}${t.instructions ? ` - ${t.instructions}` : ""}`, { indent: 4 });
    });
  }
  if (p.notes) {
    w.y -= 6;
    w.text(`Notes: ${p.notes}`);
  }
  w.ensure(60);
  w.y -= 40;
  w.text(`Signed electronically by ${doctor.name}`, { size: 9 });

  w.footers(
    (page, of) =>
      `Prescription #${p.id}  -  issued ${input.issuedDate}  -  HealthLink  -  page ${page} of ${of}`,
  );
  return doc.save({ useObjectStreams: false });
}

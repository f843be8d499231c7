import { describe, expect, it } from "vitest";
import { pdfFontNames, pdfPagesText } from "../../../test/pdf.js";
import { ageOn, renderPrescriptionPdf, type PrintablePrescription } from "./pdf.js";
import type { PrescriptionDetail } from "./repository.js";

const prescription: PrescriptionDetail = {
  id: 7,
  patientId: 1,
  doctorId: 2,
  appointmentId: null,
  recordId: null,
  status: "active",
  issuedAt: new Date("2030-01-07T00:00:00Z"),
  validUntil: "2030-02-13",
  notes: null,
  alerts: [],
  acknowledgedAlertIds: [],
  overrideReason: null,
  createdByUserId: 3,
  doctorName: "Dr Rao",
  items: [],
  labTests: [{ id: 1, prescriptionId: 7, testName: "Lipid profile", testCode: "LIPID", instructions: null }],
};

describe("the printable prescription", () => {
  it("computes age in whole years, turning on the birthday", () => {
    expect(ageOn("1990-04-12", "2030-04-11")).toBe(39);
    expect(ageOn("1990-04-12", "2030-04-12")).toBe(40);
  });

  it("prints a Devanagari patient name with Noto Sans Devanagari embedded", async () => {
    const bytes = await renderPrescriptionPdf(printable("अनुष्का शर्मा"));
    const [text] = await pdfPagesText(bytes);
    // Devanagari extracts in visual order (ि before its consonant): compare the letters, not their order.
    const letters = (s: string) => [...s.replace(/\s/g, "")].sort().join("");
    const line = /Patient: (.+)/.exec(text!)?.[1];
    expect(letters(line!)).toBe(letters("अनुष्का शर्मा"));
    expect(await pdfFontNames(bytes)).toEqual(
      expect.arrayContaining(["NotoSans-Bold", "NotoSans-Regular", "NotoSansDevanagari-Bold"]),
    );
  });

  it("prints a Latin name with its accents, without the Devanagari font", async () => {
    const bytes = await renderPrescriptionPdf(printable("José Müller"));
    const [text] = await pdfPagesText(bytes);
    expect(text).toContain("Patient: José Müller");
    expect(text).toContain("Lipid profile");
    expect(text).toContain("Prescription #7");
    expect((await pdfFontNames(bytes)).some((f) => f.startsWith("NotoSansDevanagari"))).toBe(false);
  });
});

function printable(patientName: string): PrintablePrescription {
  return {
    prescription,
    doctor: {
      id: 2,
      userId: 3,
      name: "Dr Rao",
      registrationNumber: null,
      clinicName: null,
      clinicAddress: null,
      city: "",
      phone: null,
    },
    patient: { id: 1, userId: 4, name: patientName, dateOfBirth: null, sex: null, timeZone: "UTC" },
    issuedDate: "2030-01-07",
  };
}

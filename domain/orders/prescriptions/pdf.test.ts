import { describe, expect, it } from "vitest";
import { ageOn, pdfSafe, renderPrescriptionPdf } from "./pdf.js";
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
  it("folds accents and replaces characters the standard fonts cannot draw", () => {
    expect(pdfSafe("José Müller")).toBe("Jose Muller");
    expect(pdfSafe("आशा\nVerma")).toBe("??? Verma");
  });

  it("computes age in whole years, turning on the birthday", () => {
    expect(ageOn("1990-04-12", "2030-04-11")).toBe(39);
    expect(ageOn("1990-04-12", "2030-04-12")).toBe(40);
  });

  it("renders a PDF for a patient whose name is in another script", async () => {
    const bytes = await renderPrescriptionPdf({
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
      patient: { id: 1, userId: 4, name: "आशा वर्मा", dateOfBirth: null, sex: null, timeZone: "UTC" },
      issuedDate: "2030-01-07",
    });
    expect(Buffer.from(bytes).subarray(0, 5).toString("latin1")).toBe("%PDF-");
  });
});

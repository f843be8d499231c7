import { describe, expect, it } from "vitest";
import { groundedStatements } from "./notes.js";
import { pdfFontNames, pdfPagesText } from "../../test/pdf.js";
import { acceptableSummary, plainSummary, summaryPdf, type NoteSections } from "./summary.js";

const note: NoteSections = {
  subjective: "Headaches for two weeks.",
  objective: "BP 150/95.",
  assessment: "Stage 2 hypertension.",
  plan: "Amlodipine 5 mg once daily. Review in 4 weeks.",
};

describe("drafted statements", () => {
  it("keeps statements citing real segments and drops those citing nothing real", () => {
    const real = new Set([10, 11, 12]);
    const kept = groundedStatements(
      [
        { section: "subjective", text: " Headaches. ", segment_ids: [10, 10] },
        { section: "plan", text: "MRI.", segment_ids: [999] },
        { section: "plan", text: "Rest.", segment_ids: [] },
        { section: "assessment", text: "Hypertension.", segment_ids: [11, 999] },
        { section: "history", text: "Smoker.", segment_ids: [12] },
        { section: "plan", text: "", segment_ids: [12] },
        { section: "plan", text: "Walk.", segment_ids: "12" },
        "not an object",
        null,
      ],
      real,
    );
    expect(kept).toEqual([
      { section: "subjective", text: "Headaches.", segment_ids: [10] },
      { section: "assessment", text: "Hypertension.", segment_ids: [11] },
    ]);
  });
});

describe("the patient's summary", () => {
  it("accepts a plain summary whose numbers are all in the signed note", () => {
    const plain =
      "Your blood pressure is high. Take amlodipine 5 mg once a day. Come back in 4 weeks. Get help at once if you have chest pain.";
    expect(acceptableSummary(plain, note)).toBe(true);
  });

  it("refuses a dose the doctor did not write, and text above reading grade 8", () => {
    expect(acceptableSummary("Take amlodipine 10 mg once a day. Come back in 4 weeks.", note)).toBe(false);
    const dense =
      "Your presentation is consistent with essential hypertension necessitating pharmacological antihypertensive management and longitudinal cardiovascular risk stratification.";
    expect(acceptableSummary(dense, note)).toBe(false);
    expect(acceptableSummary("   ", note)).toBe(false);
  });

  it("without a model, frames the doctor's own assessment and plan", () => {
    const text = plainSummary(note, "Dr Rao");
    expect(text).toContain("visit with Dr Rao");
    expect(text).toContain("What we found: Stage 2 hypertension.");
    expect(text).toContain("What to do: Amlodipine 5 mg once daily.");
    expect(text).not.toContain("BP 150/95");
  });

  it("renders a PDF in any script: a Devanagari doctor's name, a long summary over pages", async () => {
    const pdf = await summaryPdf({
      doctorName: "डॉ. प्रिया राव",
      visitDate: "2030-01-07",
      summary: "Take 1 tablet — twice a day ✓\n".repeat(80),
      now: new Date("2030-01-07T00:00:00Z"),
    });
    const pages = await pdfPagesText(pdf);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages[0]).toContain("Visit summary");
    // A character no font has (✓) prints as "?"; the dash is Noto Sans's own.
    expect(pages[0]).toContain("Take 1 tablet — twice a day ?");
    expect(await pdfFontNames(pdf)).toContain("NotoSansDevanagari-Regular");
  });
});

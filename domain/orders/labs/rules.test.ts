import { describe, expect, it } from "vitest";
import { LAB_TESTS } from "../catalog/index.js";
import { DomainError } from "../../shared/errors.js";
import { assertBookingTransition, flagResults, numericValue, summarize } from "./rules.js";

const CBC = LAB_TESTS.find((t) => t.code === "CBC")!.analytes.map((a) => ({ ...a }));

describe("lab result flags", () => {
  it("computes the flag from the catalog's range for the patient's sex", () => {
    const [hgb] = flagResults(CBC, [{ name: "Hemoglobin", value: 12.5 }], "male");
    expect(hgb).toMatchObject({ flag: "low", analyteCode: "HGB", unit: "g/dL", referenceRange: "13-17" });
    const [female] = flagResults(CBC, [{ name: "hgb", value: 12.5 }], "female");
    expect(female).toMatchObject({ flag: "normal", referenceRange: "12-15.5" });
  });

  it("keeps an explicit critical and raises a value past the critical limit to critical", () => {
    const [kept] = flagResults(CBC, [{ name: "Hemoglobin", value: 14, flag: "critical" }], undefined);
    expect(kept!.flag).toBe("critical");
    const [raised] = flagResults(CBC, [{ name: "Hemoglobin", value: 6.1, flag: "low" }], undefined);
    expect(raised).toMatchObject({ flag: "critical", reportedFlag: "low", direction: "low" });
  });

  it("trusts the lab's flag for analytes it cannot check, and leaves text results unflagged", () => {
    const [unknown] = flagResults(CBC, [{ name: "Reticulocytes", value: "3.1", flag: "high" }], undefined);
    expect(unknown).toMatchObject({ flag: "high", analyteCode: null });
    const [text] = flagResults(CBC, [{ name: "Smear", value: "Normocytic" }], undefined);
    expect(text!.flag).toBeNull();
  });

  it("reads numbers from text values", () => {
    expect(numericValue("9.1")).toBe(9.1);
    expect(numericValue("<0.5")).toBe(0.5);
    expect(numericValue("Not detected")).toBeNull();
  });
});

describe("the record's summary line", () => {
  it("reads Normal, or Abnormal with each out-of-range value", () => {
    expect(summarize([{ name: "Hemoglobin", flag: "normal", direction: null }])).toBe("Normal");
    expect(summarize([{ name: "Hemoglobin", flag: "low", direction: null }])).toBe(
      "Abnormal (Low Hemoglobin)",
    );
    expect(
      summarize([
        { name: "Hemoglobin", flag: "critical", direction: "low" },
        { name: "Platelet count", flag: "high", direction: null },
      ]),
    ).toBe("Abnormal (Critically low Hemoglobin, High Platelet count)");
  });
});

describe("the booking lifecycle", () => {
  it("needs the sample before results, and nothing follows resulted or cancelled", () => {
    const code = (
      from: Parameters<typeof assertBookingTransition>[0],
      to: Parameters<typeof assertBookingTransition>[1],
    ) => {
      try {
        assertBookingTransition(from, to);
        return "ok";
      } catch (err) {
        return err instanceof DomainError ? err.code : "other";
      }
    };
    expect(code("scheduled", "sample_collected")).toBe("ok");
    expect(code("sample_collected", "resulted")).toBe("ok");
    expect(code("processing", "resulted")).toBe("ok");
    expect(code("scheduled", "resulted")).toBe("INVALID_TRANSITION");
    expect(code("resulted", "cancelled")).toBe("INVALID_TRANSITION");
    expect(code("cancelled", "scheduled")).toBe("INVALID_TRANSITION");
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inPart, parseRequest, slotLabelsFor } from "./request.js";

const vocab = {
  specialties: [
    { name: "Dentist", slug: "dentist" },
    { name: "Dermatologist", slug: "dermatologist" },
    { name: "General Physician", slug: "general-physician" },
    { name: "ENT Specialist", slug: "ent-specialist" },
  ],
  cities: ["Delhi", "Vikas Puri", "Mumbai", "Lahore"],
};
// Monday 7 January 2030.
const TODAY = "2030-01-07";

describe("parseRequest (table)", () => {
  it.each([
    ["dentist in Delhi tomorrow", { specialty: "Dentist", city: "Delhi", date: "2030-01-08" }],
    ["Dentists in delhi", { specialty: "Dentist", city: "Delhi" }],
    [
      "toothache since yesterday, need a dentist near Vikas Puri tomorrow evening",
      { specialty: "Dentist", near: "Vikas Puri", date: "2030-01-08", part: "evening" },
    ],
    ["skin doctor in Mumbai on saturday", { specialty: "Dermatologist", city: "Mumbai", date: "2030-01-12" }],
    [
      "general physician Lahore 12 jan 5 pm",
      {
        specialty: "General Physician",
        city: "Lahore",
        date: "2030-01-12",
        time: { hour: 5, minute: 0, meridiem: "PM" },
      },
    ],
    ["tomorrow 5 pm", { date: "2030-01-08", time: { hour: 5, minute: 0, meridiem: "PM" } }],
    ["12:30", { time: { hour: 12, minute: 30 } }],
    ["17:45 today", { date: "2030-01-07", time: { hour: 5, minute: 45, meridiem: "PM" } }],
    ["next monday", { date: "2030-01-14" }],
    ["monday", { date: "2030-01-07" }],
    ["2030-02-01 at 9:30am", { date: "2030-02-01", time: { hour: 9, minute: 30, meridiem: "AM" } }],
    ["5/1", { date: "2031-01-05" }],
    ["ent near Dwarka", { specialty: "ENT Specialist", near: "Dwarka" }],
    ["hello there", {}],
  ])("%s", (text, expected) => {
    expect(parseRequest(text, vocab, TODAY)).toEqual(expected);
  });
});

describe("parseRequest (property)", () => {
  const dates = [
    ["tomorrow", "2030-01-08"],
    ["today", "2030-01-07"],
    ["on friday", "2030-01-11"],
    ["20 jan", "2030-01-20"],
    ["day after tomorrow", "2030-01-09"],
  ] as const;
  const times = [
    ["5 pm", { hour: 5, minute: 0, meridiem: "PM" }],
    ["at 10:30 am", { hour: 10, minute: 30, meridiem: "AM" }],
    ["18:15", { hour: 6, minute: 15, meridiem: "PM" }],
  ] as const;

  it("recovers the specialty, city, date and time of any request, in any order", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...vocab.specialties),
        fc.constantFrom(...vocab.cities),
        fc.option(fc.constantFrom(...dates), { nil: undefined }),
        fc.option(fc.constantFrom(...times), { nil: undefined }),
        fc.constantFrom("", "need a ", "please find a ", "I want "),
        fc.boolean(),
        (spec, city, date, time, lead, cityFirst) => {
          const parts = cityFirst ? [`in ${city}`, spec.name.toLowerCase()] : [spec.name, `in ${city}`];
          if (date) parts.push(date[0]);
          if (time) parts.push(time[0]);
          const parsed = parseRequest(lead + parts.join(" "), vocab, TODAY);
          expect(parsed.specialty).toBe(spec.name);
          expect(parsed.city).toBe(city);
          expect(parsed.date).toBe(date?.[1]);
          expect(parsed.time).toEqual(time?.[1]);
        },
      ),
    );
  });

  it("never throws and only names known specialties and cities, whatever is typed", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        const parsed = parseRequest(text, vocab, TODAY);
        if (parsed.specialty) expect(vocab.specialties.map((s) => s.name)).toContain(parsed.specialty);
        if (parsed.city) expect(vocab.cities).toContain(parsed.city);
        if (parsed.date) expect(parsed.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }),
    );
  });
});

describe("slot labels", () => {
  it("reads a time with no AM/PM the likelier way first", () => {
    expect(slotLabelsFor({ hour: 12, minute: 30 })).toEqual(["12:30 PM", "12:30 AM"]);
    expect(slotLabelsFor({ hour: 5, minute: 0 })).toEqual(["05:00 PM", "05:00 AM"]);
    expect(slotLabelsFor({ hour: 9, minute: 15 })).toEqual(["09:15 AM", "09:15 PM"]);
    expect(slotLabelsFor({ hour: 5, minute: 0, meridiem: "AM" })).toEqual(["05:00 AM"]);
    expect(inPart("06:30 PM", "evening")).toBe(true);
    expect(inPart("10:30 AM", "evening")).toBe(false);
  });
});

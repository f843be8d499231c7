import { describe, expect, it } from "vitest";
import { countryOf, emergencyNumber, redFlags, type RedFlag } from "./redflags.js";

const positives: [string, RedFlag][] = [
  ["I have chest pain and I can't catch my breath", "cardiac"],
  ["my chest feels tight and I'm breathless", "cardiac"],
  ["Chest pressure spreading to my left arm", "cardiac"],
  ["I think my dad is having a heart attack", "cardiac"],
  ["her face is drooping on one side", "stroke"],
  ["he has slurred speech since an hour", "stroke"],
  ["sudden weakness on one side of the body", "stroke"],
  ["one-sided weakness in my arm", "stroke"],
  ["I can't move my arm suddenly", "stroke"],
  ["the bleeding won't stop", "bleeding"],
  ["there is heavy bleeding from the cut", "bleeding"],
  ["she is vomiting blood", "bleeding"],
  ["my baby is not breathing", "not_breathing"],
  ["he collapsed in the kitchen", "not_breathing"],
  ["grandma is unconscious", "not_breathing"],
  ["he passed out and won't wake up", "not_breathing"],
  ["I want to kill myself", "suicide"],
  ["I've been having suicidal thoughts", "suicide"],
  ["I keep cutting myself", "suicide"],
  ["I just want to die", "suicide"],
  ["my son took too many pills", "poisoning"],
  ["I think it's an overdose", "poisoning"],
  ["she swallowed bleach", "poisoning"],
  ["my throat is swelling after a peanut", "anaphylaxis"],
  ["severe allergic reaction to a bee sting", "anaphylaxis"],
  ["anaphylaxis", "anaphylaxis"],
  ["he is having a seizure", "seizure"],
  ["my daughter is convulsing", "seizure"],
  ["I CAN’T BREATHE", "not_breathing"],
  ["My father collapsed and isn't breathing.", "not_breathing"],
];

const negatives = [
  "my father's appointment",
  "I want to book a dentist in Delhi",
  "menu",
  "2",
  "I have a mild headache since yesterday",
  "can I reschedule my appointment?",
  "my skin is itchy",
  "I need a cardiologist for a check-up",
  "what are the clinic's opening hours",
  "fever and cough for three days",
  "Dr Asha Rao",
  "back pain when I sit",
  "yes",
];

describe("red flags", () => {
  it.each(positives)("flags %j as %s", (text, flag) => {
    expect(redFlags(text)).toContain(flag);
  });

  it.each(negatives)("does not flag %j", (text) => {
    expect(redFlags(text)).toEqual([]);
  });

  it("errs on the side of safety for past events told with the same words", () => {
    // Better a needless emergency answer than a missed one.
    expect(redFlags("I had chest pain and shortness of breath last year, am I fine now?")).toContain(
      "cardiac",
    );
  });
});

describe("emergency number", () => {
  const numbers = { IN: "112", PK: "1122", US: "911", DEFAULT: "112" };
  it("comes from the city, else the phone prefix, else the default", () => {
    expect(emergencyNumber(numbers, countryOf({ city: "Lahore" }))).toBe("1122");
    expect(emergencyNumber(numbers, countryOf({ city: null, phone: "+1 415 555 0100" }))).toBe("911");
    expect(emergencyNumber(numbers, countryOf({ city: "Delhi", phone: "+1 415 555 0100" }))).toBe("112");
    expect(emergencyNumber(numbers, countryOf({ city: "Atlantis", phone: null }))).toBe("112");
    expect(emergencyNumber(numbers, countryOf({ phone: "+92 300 1234567" }))).toBe("1122");
    // The region is the number's own (libphonenumber), not a prefix guess: +1 416 is Canada.
    expect(countryOf({ phone: "+1 416 555 0123" })).toBe("CA");
    expect(countryOf({ phone: "98765 43210" })).toBeUndefined();
  });
});

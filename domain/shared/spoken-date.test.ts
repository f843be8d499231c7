import { describe, expect, it } from "vitest";
import { parseSpokenDate } from "./spoken-date.js";

describe("parseSpokenDate", () => {
  it.each([
    ["April 12th, 1988", "1988-04-12"],
    ["april 12 1988", "1988-04-12"],
    ["12 April 1988", "1988-04-12"],
    ["the twelfth of April nineteen eighty-eight", "1988-04-12"],
    ["It's April the twelfth, nineteen eighty eight.", "1988-04-12"],
    ["March 3rd 2001", "2001-03-03"],
    ["twenty-first of June two thousand and five", "2005-06-21"],
    ["June twenty one, two thousand twelve", "2012-06-21"],
    ["1st Sept 1975", "1975-09-01"],
    ["May fifth nineteen oh five", "1905-05-05"],
    ["1988-04-12", "1988-04-12"],
    ["12/04/1988", "1988-04-12"],
    ["4/25/1988", "1988-04-25"],
    ["My date of birth is the 30th of December 1999", "1999-12-30"],
  ])("%s → %s", (input, expected) => {
    expect(parseSpokenDate(input)).toBe(expected);
  });

  it.each([
    "",
    "hello",
    "April",
    "April 1988",
    "31 February 1990",
    "the thirty second of May 1990",
    "book a dentist",
  ])("%s → undefined", (input) => {
    expect(parseSpokenDate(input)).toBeUndefined();
  });

  // What speech recognition writes in the phone's other languages: the numbers as digits (Latin or the
  // script's own), the month by name, words around them.
  describe.each([
    [
      "Hindi",
      [
        ["12 अप्रैल 1988", "1988-04-12"],
        ["मेरी जन्म तिथि है 12 अप्रैल 1988", "1988-04-12"],
        ["मेरी जन्म तिथि 12 अप्रैल 1988 है।", "1988-04-12"],
        ["१२ अप्रैल १९८८", "1988-04-12"],
        ["१२/०४/१९८८", "1988-04-12"],
        // फ़ precomposed (U+095E), फ + nukta, and written without the nukta.
        ["28 \u095eरवरी 1990", "1990-02-28"],
        ["28 \u092b\u093cरवरी 1990", "1990-02-28"],
        ["28 फरवरी 1990", "1990-02-28"],
        ["5 मार्च 1970", "1970-03-05"],
        ["1 मई 2001", "2001-05-01"],
        ["3 सितंबर 1975", "1975-09-03"],
        ["3 सितम्बर 1975", "1975-09-03"],
        ["20 अक्टूबर 1966", "1966-10-20"],
        ["20 अक्तूबर 1966", "1966-10-20"],
        ["30 नवंबर 1999", "1999-11-30"],
        ["25 दिसम्बर 2000", "2000-12-25"],
      ],
    ],
    [
      "Hindi in Latin letters",
      [
        ["12 aprail 1988", "1988-04-12"],
        ["meri janam tithi 12 aprail 1988 hai", "1988-04-12"],
        ["2 janvari 1950", "1950-01-02"],
        ["14 farvari 1990", "1990-02-14"],
        ["15 agast 1947", "1947-08-15"],
        ["4 julai 1980", "1980-07-04"],
        ["9 sitambar 1979", "1979-09-09"],
        ["31 aktubar 1984", "1984-10-31"],
        ["19 navambar 1917", "1917-11-19"],
        ["25 disambar 1995", "1995-12-25"],
      ],
    ],
    [
      "Urdu",
      [
        ["12 اپریل 1988", "1988-04-12"],
        ["میری تاریخ پیدائش 12 اپریل 1988 ہے۔", "1988-04-12"],
        ["١٢ اپریل ١٩٨٨", "1988-04-12"],
        ["۱۲ اپریل ۱۹۸۸", "1988-04-12"],
        ["1 جنوری 1960", "1960-01-01"],
        ["7 دسمبر 1971", "1971-12-07"],
      ],
    ],
    [
      "Punjabi",
      [
        ["12 ਅਪ੍ਰੈਲ 1988", "1988-04-12"],
        ["੧੨ ਅਪ੍ਰੈਲ ੧੯੮੮", "1988-04-12"],
        ["ਮੇਰੀ ਜਨਮ ਤਰੀਕ 13 ਜਨਵਰੀ 1985 ਹੈ", "1985-01-13"],
        ["28 ਫ਼ਰਵਰੀ 1990", "1990-02-28"],
        ["28 ਫਰਵਰੀ 1990", "1990-02-28"],
      ],
    ],
    [
      "Tamil",
      [
        ["12 ஏப்ரல் 1988", "1988-04-12"],
        ["௧௨ ஏப்ரல் ௧௯௮௮", "1988-04-12"],
        ["என் பிறந்த தேதி 1988 ஏப்ரல் 12ஆம் தேதி", "1988-04-12"],
        ["5 ஜூலை 1970", "1970-07-05"],
        ["1 டிசம்பர் 2002", "2002-12-01"],
      ],
    ],
    [
      "Telugu",
      [
        ["12 ఏప్రిల్ 1988", "1988-04-12"],
        ["౧౨ ఏప్రిల్ ౧౯౮౮", "1988-04-12"],
        ["ఏప్రిల్ 12, 1988", "1988-04-12"],
        ["నా పుట్టిన తేదీ 3 ఫిబ్రవరి 1992", "1992-02-03"],
        ["15 ఆగస్టు 1947", "1947-08-15"],
      ],
    ],
  ])("%s", (_language, cases) => {
    it.each(cases)("%s → %s", (input, expected) => {
      expect(parseSpokenDate(input)).toBe(expected);
    });
  });

  it.each([
    // No month, or only words: numbers in words are not read outside English.
    "नमस्ते",
    "मेरी जन्म तिथि",
    "बारह अप्रैल उन्नीस सौ अठासी",
    "12 अप्रैल",
    "अप्रैल 1988",
    "मुझे दांत के डॉक्टर चाहिए",
    // Dates that do not exist.
    "31 फ़रवरी 1990",
    "31 फरवरी 1990",
    "29 farvari 1990",
    "31 ستمبر 1990",
    "31 ਜੂਨ 1990",
    "32 ஜனவரி 1990",
    "31 ఏప్రిల్ 1990",
    // "mai" is also "I" and "in": not read as May.
    "mai 12 1988",
  ])("%s → undefined", (input) => {
    expect(parseSpokenDate(input)).toBeUndefined();
  });
});

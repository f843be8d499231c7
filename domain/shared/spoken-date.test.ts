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
});

import { DateTime } from "luxon";

/**
 * The one way a date or a time is written to a person (chat replies and notifications alike):
 * "Sat 12 Jan" for a calendar date, "Sat 12 Jan, 10:00 AM" for an instant on the person's own clock.
 */
export function formatDate(isoDate: string): string {
  const d = DateTime.fromISO(isoDate, { zone: "UTC", locale: "en-GB" });
  return d.isValid ? d.toFormat("ccc d LLL") : isoDate;
}

/** An instant on the clock of `zone` (the person's IANA zone): "Sat 12 Jan, 10:00 AM". */
export function formatDateTime(at: Date | string, zone: string): string {
  const d = DateTime.fromJSDate(typeof at === "string" ? new Date(at) : at, { zone }).setLocale("en-GB");
  if (!d.isValid) return String(at);
  return `${d.toFormat("ccc d LLL")}, ${d.toFormat("hh:mm a").toUpperCase()}`;
}

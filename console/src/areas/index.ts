import type { Role, User } from "../api";
import { adminArea } from "./admin";
import { claimsArea } from "./claims";
import { analyticsArea } from "./analytics";
import { doctorArea } from "./doctor";
import { doctorVisitsArea } from "./doctor-visits";
import { staffArea } from "./staff";
import { teamsArea } from "./teams";
import type { Area, Screen } from "./types";

/** Every area of the console, in navigation order. */
const AREAS: Area[] = [
  doctorArea,
  doctorVisitsArea,
  teamsArea,
  staffArea,
  adminArea,
  analyticsArea,
  claimsArea,
];

/** A role's navigation: its first screen is its home. */
export function navFor(role: Role): Screen[] {
  return AREAS.flatMap((a) => a.nav[role] ?? []);
}

/** The screen for a path, from the first area that has it for this user. */
export function screenFor(path: string, user: User) {
  for (const area of AREAS) {
    const screen = area.render(path, user);
    if (screen) return screen;
  }
  return null;
}

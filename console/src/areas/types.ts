import type { ReactNode } from "react";
import type { Role, User } from "../api";

/** A screen in the navigation. */
export interface Screen {
  path: string;
  label: string;
}

/**
 * One part of the console (the doctor's day, the admin tool, the staff queues…): the screens it adds to each
 * role's navigation, in order, and what it shows for a path. Each area lives in its own file so parts of the
 * console grow without touching each other.
 */
export interface Area {
  nav: Partial<Record<Role, Screen[]>>;
  /** The screen for a path this user may open, or null when the path is not this area's (or not theirs). */
  render(path: string, user: User): ReactNode | null;
}

/** The paths a role has in an area's navigation. */
export function allowedIn(area: Area, user: User): string[] {
  return (area.nav[user.role] ?? []).map((s) => s.path);
}

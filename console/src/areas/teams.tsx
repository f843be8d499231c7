import { Teams } from "../pages/Teams";
import { allowedIn, type Area } from "./types";

/** The doctor's Microsoft Teams link. */
export const teamsArea: Area = {
  nav: {
    doctor: [{ path: "/teams", label: "Microsoft Teams" }],
  },
  render(path, user) {
    if (!allowedIn(this, user).includes(path)) return null;
    return path === "/teams" ? <Teams /> : null;
  },
};

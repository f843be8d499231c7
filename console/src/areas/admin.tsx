import { Verification } from "../pages/Verification";
import { allowedIn, type Area } from "./types";

/** The admin tool: doctor verification. */
export const adminArea: Area = {
  nav: {
    admin: [{ path: "/verification", label: "Doctor verification" }],
  },
  render(path, user) {
    if (!allowedIn(this, user).includes(path)) return null;
    switch (path) {
      case "/verification":
        return <Verification />;
      default:
        return null;
    }
  },
};

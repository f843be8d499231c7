import { lazy, Suspense } from "react";
import { allowedIn, type Area } from "./types";

const Claims = lazy(() => import("../pages/Claims").then((m) => ({ default: m.Claims })));

/** Insurance claims (admins). */
export const claimsArea: Area = {
  nav: {
    admin: [{ path: "/claims", label: "Claims" }],
  },
  render(path, user) {
    if (!allowedIn(this, user).includes(path)) return null;
    return path === "/claims" ? (
      <Suspense fallback={<p>Loading…</p>}>
        <Claims />
      </Suspense>
    ) : null;
  },
};

import { lazy, Suspense } from "react";
import { allowedIn, type Area } from "./types";

// Charts and tables of every report: loaded when the screen is opened, not in the first load.
const Analytics = lazy(() => import("../pages/Analytics"));

/** The admin's analytics dashboard (issue 15): charts, tables, CSV exports and the PDF report. */
export const analyticsArea: Area = {
  nav: {
    admin: [{ path: "/analytics", label: "Analytics" }],
  },
  render(path, user) {
    if (path !== "/analytics" || !allowedIn(this, user).includes(path)) return null;
    return (
      <Suspense fallback={<p role="status">Loading…</p>}>
        <Analytics />
      </Suspense>
    );
  },
};

import { Chart } from "../pages/Chart";
import { LabQueue } from "../pages/LabQueue";
import { NurseSchedules } from "../pages/NurseSchedules";
import { PharmacyQueue } from "../pages/PharmacyQueue";
import { allowedIn, type Area } from "./types";

/** The other staff: a nurse's assigned doctors' schedules and charts, the pharmacy and lab queues. */
export const staffArea: Area = {
  nav: {
    nurse: [{ path: "/schedules", label: "Schedules" }],
    pharmacist: [{ path: "/orders", label: "Orders" }],
    lab: [{ path: "/lab-bookings", label: "Lab bookings" }],
  },
  render(path, user) {
    const allowed = allowedIn(this, user);
    // A nurse opens the charts of their assigned doctors' patients (the API checks the assignment).
    const chart = /^\/patients\/(\d+)$/.exec(path);
    if (chart && user.role === "nurse") return <Chart patientId={Number(chart[1])} />;
    if (!allowed.includes(path)) return null;
    switch (path) {
      case "/schedules":
        return <NurseSchedules />;
      case "/orders":
        return <PharmacyQueue />;
      case "/lab-bookings":
        return <LabQueue />;
      default:
        return null;
    }
  },
};

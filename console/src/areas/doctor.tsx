import { Today } from "../pages/Today";
import { Requests } from "../pages/Requests";
import { Patients } from "../pages/Patients";
import { Chart } from "../pages/Chart";
import { Schedule } from "../pages/Schedule";
import { allowedIn, type Area } from "./types";

/** The doctor's day: today, requests, the schedule, patients and their charts. */
export const doctorArea: Area = {
  nav: {
    doctor: [
      { path: "/today", label: "Today" },
      { path: "/requests", label: "Requests" },
      { path: "/schedule", label: "Schedule" },
      { path: "/patients", label: "Patients" },
    ],
  },
  render(path, user) {
    const allowed = allowedIn(this, user);
    const chart = /^\/patients\/(\d+)$/.exec(path);
    if (chart && allowed.includes("/patients")) return <Chart patientId={Number(chart[1])} />;
    if (!allowed.includes(path)) return null;
    switch (path) {
      case "/today":
        return <Today />;
      case "/requests":
        return <Requests />;
      case "/schedule":
        return user.doctor_id ? <Schedule doctorId={user.doctor_id} /> : null;
      case "/patients":
        return <Patients />;
      default:
        return null;
    }
  },
};

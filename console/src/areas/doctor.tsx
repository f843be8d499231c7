import { Today } from "../pages/Today";
import { Requests } from "../pages/Requests";
import { Patients } from "../pages/Patients";
import { Chart } from "../pages/Chart";
import { allowedIn, type Area } from "./types";

/** The doctor's day: today, requests, patients and their charts. */
export const doctorArea: Area = {
  nav: {
    doctor: [
      { path: "/today", label: "Today" },
      { path: "/requests", label: "Requests" },
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
      case "/patients":
        return <Patients />;
      default:
        return null;
    }
  },
};

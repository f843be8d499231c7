import { Visits } from "../pages/Visits";
import { Visit } from "../pages/Visit";
import { Messages, Thread } from "../pages/Messages";
import { Earnings } from "../pages/Earnings";
import { Profile } from "../pages/Profile";
import { allowedIn, type Area } from "./types";

/** The doctor's visits and notes, secure messages, calls, earnings and profile. */
export const doctorVisitsArea: Area = {
  nav: {
    doctor: [
      { path: "/visits", label: "Visits" },
      { path: "/messages", label: "Messages" },
      { path: "/earnings", label: "Earnings" },
      { path: "/profile", label: "Profile" },
    ],
  },
  render(path, user) {
    const allowed = allowedIn(this, user);
    const visit = /^\/visits\/(\d+)$/.exec(path);
    if (visit && allowed.includes("/visits")) return <Visit appointmentId={Number(visit[1])} />;
    const thread = /^\/messages\/(\d+)$/.exec(path);
    if (thread && allowed.includes("/messages")) return <Thread threadId={Number(thread[1])} />;
    if (!allowed.includes(path)) return null;
    switch (path) {
      case "/visits":
        return <Visits />;
      case "/messages":
        return <Messages />;
      case "/earnings":
        return <Earnings />;
      case "/profile":
        return <Profile />;
      default:
        return null;
    }
  },
};

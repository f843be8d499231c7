import { lazy, Suspense } from "react";
import { Verification } from "../pages/Verification";
import { AdminUsers } from "../pages/AdminUsers";
import { AdminConversations } from "../pages/AdminConversations";
import { AdminConversation } from "../pages/AdminConversation";
import { AdminTickets } from "../pages/AdminTickets";
import { AdminPayments } from "../pages/AdminPayments";
import { allowedIn, type Area } from "./types";

// The prompt screen carries the diff library: loaded when opened, not on the first load.
const AdminPrompts = lazy(() => import("../pages/AdminPrompts").then((m) => ({ default: m.AdminPrompts })));

/**
 * The admin tool: doctor verification, users, conversation review (with take-over), hand-off tickets, prompt
 * versions, payments and the ledger.
 */
export const adminArea: Area = {
  nav: {
    admin: [
      { path: "/verification", label: "Doctor verification" },
      { path: "/users", label: "Users" },
      { path: "/conversations", label: "Conversations" },
      { path: "/tickets", label: "Tickets" },
      { path: "/prompts", label: "Prompts" },
      { path: "/payments", label: "Payments" },
    ],
  },
  render(path, user) {
    const allowed = allowedIn(this, user);
    const conversation = /^\/conversations\/(\d+)$/.exec(path);
    if (conversation && allowed.includes("/conversations"))
      return <AdminConversation key={conversation[1]} id={Number(conversation[1])} />;
    if (!allowed.includes(path)) return null;
    switch (path) {
      case "/verification":
        return <Verification />;
      case "/users":
        return <AdminUsers />;
      case "/conversations":
        return <AdminConversations />;
      case "/tickets":
        return <AdminTickets />;
      case "/prompts":
        return (
          <Suspense fallback={<p role="status">Loading…</p>}>
            <AdminPrompts />
          </Suspense>
        );
      case "/payments":
        return <AdminPayments />;
      default:
        return null;
    }
  },
};

import { useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { field, useLoad } from "../hooks";
import { Show } from "../Status";
import type { AdminUser } from "../types";

const STAFF_ROLES = ["nurse", "pharmacist", "lab", "admin"];
const ROLE_FILTERS = ["", "patient", "doctor", ...STAFF_ROLES];

function UserRow({ u, done }: { u: AdminUser; done: (message: string) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const act = async (path: string, message: string, body?: unknown) => {
    setBusy(true);
    setError(undefined);
    try {
      await api("POST", `/api/admin/users/${u.id}/${path}`, body);
      done(message);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const setRole = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const role = field(e.currentTarget, "role");
    void act("role", `${u.name} is now ${role}.`, { role });
  };
  return (
    <li className="card">
      <div className="row">
        <div className="grow">
          <h2 className="h3">{u.name}</h2>
          <dl className="facts">
            <dt>Email</dt>
            <dd>{u.email}</dd>
            <dt>Role</dt>
            <dd>{u.role}</dd>
            <dt>Status</dt>
            <dd>
              <span className={`badge ${u.active ? "active" : ""}`}>
                {u.active ? "active" : "deactivated"}
              </span>
            </dd>
          </dl>
        </div>
        <div className="actions">
          {u.active ? (
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() => void act("deactivate", `Deactivated ${u.name}.`)}
            >
              Deactivate <span className="sr">{u.name}</span>
            </button>
          ) : (
            <button
              type="button"
              disabled={busy}
              onClick={() => void act("activate", `Reactivated ${u.name}.`)}
            >
              Reactivate <span className="sr">{u.name}</span>
            </button>
          )}
          {u.active && (
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() => void act("reset-access", `A password reset link is on its way to ${u.name}.`)}
            >
              Reset access <span className="sr">of {u.name}</span>
            </button>
          )}
        </div>
      </div>
      {STAFF_ROLES.includes(u.role) && (
        <form className="row" onSubmit={setRole}>
          <label>
            Role of {u.name}
            <select name="role" defaultValue={u.role}>
              {STAFF_ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" className="secondary" disabled={busy}>
            Change role <span className="sr">of {u.name}</span>
          </button>
        </form>
      )}
      {error && <p role="alert">{error}</p>}
    </li>
  );
}

/** The admin's users: search by name or email, filter by role, deactivate or reactivate, staff roles, reset access. */
export function AdminUsers() {
  const [q, setQ] = useState("");
  const [role, setRole] = useState("");
  const [notice, setNotice] = useState("");
  const [loaded, reload] = useLoad(() => {
    const params = new URLSearchParams({ per_page: "50" });
    if (q.trim()) params.set("q", q.trim());
    if (role) params.set("role", role);
    return api<{ users: AdminUser[] }>("GET", `/api/admin/users?${params.toString()}`);
  }, [q, role]);
  return (
    <section>
      <h1>Users</h1>
      <div className="row">
        <label className="search grow">
          Search by name or email
          <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </label>
        <label className="search">
          Role
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            {ROLE_FILTERS.map((r) => (
              <option key={r} value={r}>
                {r || "any role"}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p role="status" className="notice">
        {notice}
      </p>
      <Show loaded={loaded}>
        {({ users }) =>
          users.length === 0 ? (
            <p>No users match.</p>
          ) : (
            <ul className="list">
              {users.map((u) => (
                <UserRow
                  key={u.id}
                  u={u}
                  done={(m) => {
                    setNotice(m);
                    reload();
                  }}
                />
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

import { useEffect, useRef, useState } from "react";
import { renew, setSignedOutHandler, signOut, type Role, type User } from "./api";
import { Link } from "./Link";
import { navigate, usePath } from "./router";
import { SignIn } from "./pages/SignIn";
import { navFor, screenFor } from "./areas";

const ROLE_NAMES: Record<Role, string> = {
  doctor: "Doctor",
  nurse: "Nurse",
  admin: "Admin",
  pharmacist: "Pharmacist",
  lab: "Lab staff",
  patient: "Patient",
};

function Screen({ user, path }: { user: User; path: string }) {
  const screen = screenFor(path, user);
  if (screen) return screen;
  const nav = navFor(user.role);
  if (user.role === "patient")
    return (
      <section>
        <h1>This console is for care teams</h1>
        <p>
          Patients use the chat: <a href="/chat">open the HealthLink chat</a>.
        </p>
      </section>
    );
  if (nav.length === 0)
    return (
      <section>
        <h1>Welcome, {user.name}</h1>
        <p>
          The {ROLE_NAMES[user.role].toLowerCase()} screens are not in the console yet; the API serves them.
        </p>
      </section>
    );
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no such page. <Link to={nav[0]!.path}>Go to {nav[0]!.label}</Link>.
      </p>
    </section>
  );
}

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const path = usePath();
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    setSignedOutHandler(() => setUser(null));
    renew().then(
      (u) => setUser(u ?? null),
      () => setUser(null),
    );
  }, []);

  // Home is the role's first screen.
  useEffect(() => {
    if (user && path === "/" && navFor(user.role)[0]) navigate(navFor(user.role)[0]!.path);
  }, [user, path]);

  // A new screen: move focus to its content, as a page load would (screen readers announce it).
  useEffect(() => {
    main.current?.focus();
  }, [path]);

  if (user === undefined)
    return (
      <main className="narrow">
        <p role="status">Loading…</p>
      </main>
    );
  if (user === null) return <SignIn onSignedIn={setUser} />;

  const onSignOut = async () => {
    await signOut();
    setUser(null);
  };
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">HealthLink</span>
        <nav aria-label="Main">
          <ul>
            {navFor(user.role).map((s) => (
              <li key={s.path}>
                <Link to={s.path} current={path === s.path || path.startsWith(s.path + "/")}>
                  {s.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span>
            {user.name} <span className="muted">({ROLE_NAMES[user.role]})</span>
          </span>
          <button type="button" className="secondary" onClick={() => void onSignOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Screen user={user} path={path} />
      </main>
    </>
  );
}

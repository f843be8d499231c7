import { useState, type FormEvent } from "react";
import { messageOf, signIn, type User } from "../api";
import { field } from "../hooks";

export function SignIn({ onSignedIn }: { onSignedIn: (user: User) => void }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(field(form, "email"), field(form, "password")));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  return (
    <main className="narrow">
      <h1>Sign in to the HealthLink console</h1>
      <p className="muted">For doctors, nurses, pharmacists, lab staff and administrators.</p>
      <form onSubmit={(e) => void submit(e)} className="card stack">
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        {error && <p role="alert">{error}</p>}
        <button type="submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p className="muted">
        Patients: <a href="/chat">open the chat</a>.
      </p>
    </main>
  );
}

import { useState, type FormEvent } from "react";
import { api, upload } from "../api";
import { field, useLoad } from "../hooks";
import { Show, useSubmit } from "../Status";
import type { DoctorProfile, Qualification, SmsStatus } from "../types";
import { CredentialsSection } from "./Credentials";

/** The doctor's profile: details, photo, qualifications, credential documents, SMS phone and PIN. */
export function Profile() {
  const [loaded, reload] = useLoad(
    () => api<{ doctor: DoctorProfile }>("GET", "/api/doctor/profile/").then((b) => b.doctor),
    [],
  );
  return (
    <section>
      <h1>Profile</h1>
      <Show loaded={loaded}>
        {(doctor) => (
          <>
            <Details doctor={doctor} />
            <Photo doctor={doctor} onChange={reload} />
            <Qualifications doctor={doctor} />
            <CredentialsSection
              verified={(doctor as { verification_status?: string }).verification_status === "verified"}
            />
          </>
        )}
      </Show>
      <Phone />
      <SmsPin />
    </section>
  );
}

function Details({ doctor: d }: { doctor: DoctorProfile }) {
  const { busy, run, notices } = useSubmit();
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = e.currentTarget;
    const text = (name: string) => field(f, name).trim();
    void run(async () => {
      await api("PUT", "/api/doctor/profile/", {
        name: text("name"),
        clinic_name: text("clinic_name") || null,
        clinic_address: text("clinic_address") || null,
        city: text("city"),
        experience_years: Number(text("experience_years") || "0"),
        fee: Number(text("fee") || "0"),
        languages: text("languages")
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean),
        summary: text("summary") || null,
      });
      return "Profile saved.";
    });
  };
  return (
    <section aria-labelledby="profile-details" className="card">
      <h2 id="profile-details">Details</h2>
      <form className="stack" onSubmit={submit}>
        <div className="grid">
          <label>
            Name
            <input name="name" defaultValue={d.name} maxLength={200} required autoComplete="name" />
          </label>
          <label>
            City
            <input name="city" defaultValue={d.city} maxLength={100} required />
          </label>
          <label>
            Clinic name
            <input name="clinic_name" defaultValue={d.clinic_name ?? ""} maxLength={200} />
          </label>
          <label>
            Clinic address
            <input name="clinic_address" defaultValue={d.clinic_address ?? ""} maxLength={500} />
          </label>
          <label>
            Years of experience
            <input name="experience_years" type="number" min="0" max="80" defaultValue={d.experience_years} />
          </label>
          <label>
            Consultation fee ({d.currency})
            <input name="fee" type="number" min="0" step="0.01" defaultValue={d.fee} />
          </label>
          <label>
            Languages (separated by commas)
            <input name="languages" defaultValue={d.languages.join(", ")} />
          </label>
        </div>
        <label>
          About you
          <textarea name="summary" rows={3} maxLength={4000} defaultValue={d.summary ?? ""} />
        </label>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Save the profile
          </button>
        </div>
      </form>
      {notices}
    </section>
  );
}

function Photo({ doctor, onChange }: { doctor: DoctorProfile; onChange: () => void }) {
  const { busy, run, notices } = useSubmit();
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    void run(async () => {
      await upload("/api/doctor/profile/photo", form);
      onChange();
      return "Photo uploaded.";
    });
  };
  return (
    <section aria-labelledby="profile-photo" className="card">
      <h2 id="profile-photo">Photo</h2>
      {doctor.photo_url ? (
        <img className="photo" src={doctor.photo_url} alt={`Profile photo of ${doctor.name}`} width={120} />
      ) : (
        <p className="muted">No photo yet.</p>
      )}
      <form className="stack" onSubmit={submit}>
        <label>
          A new photo (PNG or JPEG, at most 2 MB)
          <input name="photo" type="file" accept="image/png,image/jpeg" required />
        </label>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Upload the photo
          </button>
        </div>
      </form>
      {notices}
    </section>
  );
}

function Qualifications({ doctor }: { doctor: DoctorProfile }) {
  const [rows, setRows] = useState<Qualification[]>(doctor.qualifications);
  const { busy, run, notices } = useSubmit();
  const set = (i: number, patch: Partial<Qualification>) =>
    setRows((r) => r.map((q, j) => (j === i ? { ...q, ...patch } : q)));
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    void run(async () => {
      const qualifications = rows
        .filter((q) => q.degree.trim() && q.institute.trim())
        .map((q) => ({ degree: q.degree.trim(), institute: q.institute.trim(), year: q.year }));
      const { doctor: saved } = await api<{ doctor: DoctorProfile }>("PUT", "/api/doctor/profile/", {
        qualifications,
      });
      setRows(saved.qualifications);
      return "Qualifications saved.";
    });
  };
  return (
    <section aria-labelledby="profile-qualifications" className="card">
      <h2 id="profile-qualifications">Qualifications</h2>
      <form className="stack" onSubmit={submit}>
        {rows.length === 0 && <p className="muted">No qualifications listed.</p>}
        {rows.map((q, i) => (
          <fieldset key={i} className="grid qualification">
            <legend>Qualification {i + 1}</legend>
            <label>
              Degree
              <input value={q.degree} maxLength={100} onChange={(e) => set(i, { degree: e.target.value })} />
            </label>
            <label>
              Institute
              <input
                value={q.institute}
                maxLength={200}
                onChange={(e) => set(i, { institute: e.target.value })}
              />
            </label>
            <label>
              Year
              <input
                type="number"
                min="1940"
                max="2100"
                value={q.year ?? ""}
                onChange={(e) => set(i, { year: e.target.value ? Number(e.target.value) : null })}
              />
            </label>
            <div className="actions">
              <button
                type="button"
                className="secondary"
                onClick={() => setRows((r) => r.filter((_, j) => j !== i))}
              >
                Remove <span className="sr">qualification {i + 1}</span>
              </button>
            </div>
          </fieldset>
        ))}
        <div className="actions">
          <button
            type="button"
            className="secondary"
            onClick={() => setRows((r) => [...r, { degree: "", institute: "", year: null }])}
          >
            Add a qualification
          </button>
          <button type="submit" disabled={busy}>
            Save the qualifications
          </button>
        </div>
      </form>
      {notices}
    </section>
  );
}

function Phone() {
  const [loaded, reload] = useLoad(() => api<SmsStatus>("GET", "/api/doctor/phone"), []);
  const [codeSent, setCodeSent] = useState(false);
  const { busy, run, notices } = useSubmit();
  const setPhone = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const phone = field(e.currentTarget, "phone").trim();
    void run(async () => {
      const out = await api<{ phone: string }>("POST", "/api/doctor/phone", { phone });
      setCodeSent(true);
      reload();
      return `A code was sent to ${out.phone}.`;
    });
  };
  const verify = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const code = field(e.currentTarget, "code").trim();
    void run(async () => {
      await api("POST", "/api/doctor/phone/verify", { code });
      setCodeSent(false);
      reload();
      return "Your phone is verified.";
    });
  };
  return (
    <section aria-labelledby="profile-phone" className="card">
      <h2 id="profile-phone">Phone for SMS commands</h2>
      <Show loaded={loaded}>
        {(s) => (
          <p>
            {s.phone ? (
              <>
                {s.phone} ·{" "}
                <span className={`badge ${s.phone_verified ? "confirmed" : "pending"}`}>
                  {s.phone_verified ? "verified" : "not verified"}
                </span>
              </>
            ) : (
              "No phone set."
            )}
          </p>
        )}
      </Show>
      <form className="stack" onSubmit={setPhone}>
        <label>
          Mobile number
          <input name="phone" type="tel" autoComplete="tel" maxLength={32} required />
        </label>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Send a code
          </button>
        </div>
      </form>
      {codeSent && (
        <form className="stack" onSubmit={verify}>
          <label>
            The code sent to your phone
            <input name="code" inputMode="numeric" autoComplete="one-time-code" maxLength={20} required />
          </label>
          <div className="actions">
            <button type="submit" disabled={busy}>
              Verify the phone
            </button>
          </div>
        </form>
      )}
      {notices}
    </section>
  );
}

function SmsPin() {
  const { busy, run, notices } = useSubmit();
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const body = { pin: field(form, "pin"), password: field(form, "password") };
    void run(async () => {
      await api("PUT", "/api/doctor/sms-pin", body);
      form.reset();
      return "Your SMS PIN is set.";
    });
  };
  return (
    <section aria-labelledby="profile-pin" className="card">
      <h2 id="profile-pin">SMS PIN</h2>
      <p className="muted">
        The PIN confirms withdrawals by SMS and in the console. Setting a new one unlocks it.
      </p>
      <form className="stack" onSubmit={submit}>
        <label>
          New PIN (4 to 8 digits)
          <input
            name="pin"
            type="password"
            inputMode="numeric"
            pattern="[0-9]{4,8}"
            autoComplete="off"
            required
          />
        </label>
        <label>
          Your password
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Set the PIN
          </button>
        </div>
      </form>
      {notices}
    </section>
  );
}

import { useState, type FormEvent } from "react";
import { api, messageOf } from "../api";
import { field, MODES, useLoad } from "../hooks";
import { Show } from "../Status";
import type { Availability, AvailabilityException, WeeklyWindow } from "../types";

const DAYS = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];
const dayName = (d: string) => d[0] + d.slice(1).toLowerCase();
const SLOTS = [10, 15, 20, 30, 45, 60];

interface Range extends WeeklyWindow {
  key: number;
}
let nextKey = 1;

interface ScheduleData {
  availability: Availability;
  modes: string[];
  exceptions: AvailabilityException[];
}

async function loadSchedule(doctorId: number): Promise<ScheduleData> {
  const [availability, profile, exceptions] = await Promise.all([
    api<Availability>("GET", `/api/doctor/availability/?doctor_id=${doctorId}`),
    api<{ doctor: { modes: string[] } }>("GET", "/api/doctor/profile/"),
    api<{ exceptions: AvailabilityException[] }>("GET", "/api/doctor/availability/exceptions/"),
  ]);
  return { availability, modes: profile.doctor.modes, exceptions: exceptions.exceptions };
}

/** Weekly hours (several ranges a day), modes, auto-accept and time zone: saved together. */
function WeeklyHours({ data }: { data: ScheduleData }) {
  const [ranges, setRanges] = useState<Range[]>(() =>
    data.availability.weekly.map((w) => ({ ...w, key: nextKey++ })),
  );
  const [modes, setModes] = useState<string[]>(data.modes);
  const [autoAccept, setAutoAccept] = useState(data.availability.auto_accept);
  const [timezone, setTimezone] = useState(data.availability.timezone);
  const [status, setStatus] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const update = (key: number, patch: Partial<WeeklyWindow>) =>
    setRanges((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  const add = (day: string) =>
    setRanges((rs) => [...rs, { day, start: "09:00", end: "13:00", slot_minutes: 30, key: nextKey++ }]);
  const remove = (key: number) => setRanges((rs) => rs.filter((r) => r.key !== key));

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setStatus("");
    setError("");
    if (modes.length === 0) return setError("Offer at least one consultation mode.");
    const bad = ranges.find((r) => r.start >= r.end);
    if (bad) return setError(`${dayName(bad.day)}: a range must end after it starts.`);
    setBusy(true);
    try {
      await api("PUT", "/api/doctor/availability/", {
        timezone,
        auto_accept: autoAccept,
        weekly: ranges.map(({ day, start, end, slot_minutes }) => ({ day, start, end, slot_minutes })),
      });
      await api("PUT", "/api/doctor/profile/", { modes });
      setStatus("Schedule saved.");
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void save(e)} className="card" aria-labelledby="weekly">
      <h2 id="weekly">Weekly hours</h2>
      {DAYS.map((day) => {
        const mine = ranges.filter((r) => r.day === day).sort((a, b) => a.start.localeCompare(b.start));
        return (
          <fieldset key={day} className="day">
            <legend>{dayName(day)}</legend>
            {mine.length === 0 && <p className="muted">Not working.</p>}
            {mine.map((r, i) => {
              const label = `${dayName(day)} hours ${i + 1}`;
              return (
                <div key={r.key} className="row range" role="group" aria-label={label}>
                  <label>
                    From <span className="sr">({label})</span>
                    <input
                      type="time"
                      value={r.start}
                      required
                      onChange={(e) => update(r.key, { start: e.target.value })}
                    />
                  </label>
                  <label>
                    To <span className="sr">({label})</span>
                    <input
                      type="time"
                      value={r.end}
                      required
                      onChange={(e) => update(r.key, { end: e.target.value })}
                    />
                  </label>
                  <label>
                    Slot <span className="sr">length ({label})</span>
                    <select
                      value={r.slot_minutes}
                      onChange={(e) => update(r.key, { slot_minutes: Number(e.target.value) })}
                    >
                      {SLOTS.map((m) => (
                        <option key={m} value={m}>
                          {m} min
                        </option>
                      ))}
                    </select>
                  </label>
                  <button type="button" className="secondary" onClick={() => remove(r.key)}>
                    Remove <span className="sr">{label}</span>
                  </button>
                </div>
              );
            })}
            <button type="button" className="secondary" onClick={() => add(day)}>
              Add hours <span className="sr">on {dayName(day)}</span>
            </button>
          </fieldset>
        );
      })}
      <fieldset>
        <legend>Consultation modes</legend>
        <div className="row">
          {Object.entries(MODES).map(([mode, label]) => (
            <label key={mode} className="check">
              <input
                type="checkbox"
                checked={modes.includes(mode)}
                onChange={(e) =>
                  setModes((ms) => (e.target.checked ? [...ms, mode] : ms.filter((m) => m !== mode)))
                }
              />{" "}
              {label}
            </label>
          ))}
        </div>
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={autoAccept} onChange={(e) => setAutoAccept(e.target.checked)} />{" "}
        Accept requests automatically
      </label>
      <label>
        Time zone
        <input value={timezone} onChange={(e) => setTimezone(e.target.value)} required maxLength={64} />
      </label>
      <div className="actions">
        <button type="submit" disabled={busy}>
          Save schedule
        </button>
      </div>
      <p role="status" className="notice">
        {status}
      </p>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

/** Days off (or part of a day): added and removed one by one. */
function DaysOff({ exceptions, onChanged }: { exceptions: AvailabilityException[]; onChanged: () => void }) {
  const [status, setStatus] = useState("");
  const [error, setError] = useState("");
  const add = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    setStatus("");
    setError("");
    const date = field(form, "date");
    const start = field(form, "start");
    const end = field(form, "end");
    try {
      await api("POST", "/api/doctor/availability/exceptions/", {
        date,
        ...(start ? { start } : {}),
        ...(end ? { end } : {}),
        ...(field(form, "reason").trim() ? { reason: field(form, "reason").trim() } : {}),
      });
      form.reset();
      setStatus(`Added a day off on ${date}.`);
      onChanged();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const remove = async (x: AvailabilityException) => {
    setStatus("");
    setError("");
    try {
      await api("DELETE", `/api/doctor/availability/exceptions/${x.id}/`);
      setStatus(`Removed the day off on ${x.date}.`);
      onChanged();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <section className="card" aria-labelledby="days-off">
      <h2 id="days-off">Days off</h2>
      {exceptions.length === 0 ? (
        <p className="muted">No days off planned.</p>
      ) : (
        <ul className="list">
          {exceptions.map((x) => (
            <li key={x.id} className="row">
              <span className="grow">
                <strong>{x.date}</strong> {x.start ? `${x.start}–${x.end}` : "all day"}
                {x.reason && <> · {x.reason}</>}
              </span>
              <button type="button" className="secondary" onClick={() => void remove(x)}>
                Remove <span className="sr">the day off on {x.date}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={(e) => void add(e)} className="stack" aria-label="Add a day off">
        <div className="row">
          <label>
            Date
            <input type="date" name="date" required />
          </label>
          <label>
            From (optional)
            <input type="time" name="start" />
          </label>
          <label>
            To (optional)
            <input type="time" name="end" />
          </label>
        </div>
        <label>
          Reason (optional)
          <input name="reason" maxLength={500} />
        </label>
        <div className="actions">
          <button type="submit">Add day off</button>
        </div>
      </form>
      <p role="status" className="notice">
        {status}
      </p>
      {error && <p role="alert">{error}</p>}
    </section>
  );
}

/** The schedule editor: weekly hours, modes, auto-accept and days off. */
export function Schedule({ doctorId }: { doctorId: number }) {
  const [loaded, reload] = useLoad(() => loadSchedule(doctorId), [doctorId]);
  return (
    <section>
      <h1>Schedule</h1>
      <Show loaded={loaded}>
        {(data) => (
          <>
            <WeeklyHours data={data} />
            <DaysOff exceptions={data.exceptions} onChanged={reload} />
          </>
        )}
      </Show>
    </section>
  );
}

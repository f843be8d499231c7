import type { AddressInfo } from "node:net";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../app.js";
import { signUp, verifiedDoctor, type Session } from "../factories.js";

// Two API processes of one deployment share Redis: a person connected to one process signals with a person
// connected to the other (the signalling rooms fan out through Redis pub/sub).

interface Frame {
  type: string;
  id?: string;
  from?: string;
  role?: string;
  text?: string;
  data?: unknown;
  peers?: { id: string; role: string }[];
  code?: string;
}

let one: TestApp;
let two: TestApp;
const ports: number[] = [];
beforeAll(async () => {
  one = await buildTestApp();
  two = await buildTestApp({ sharing: one });
  for (const t of [one, two]) {
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    ports.push((t.app.server.address() as AddressInfo).port);
  }
}, 60_000);
afterAll(async () => {
  await two?.close();
  await one?.close();
});

/** A signalling socket and the frames it received. */
class Client {
  readonly frames: Frame[] = [];
  closed: number | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer) => this.frames.push(JSON.parse(data.toString("utf8")) as Frame));
    ws.on("close", (code?: number) => {
      this.closed = code ?? 1005;
    });
  }
  static async open(port: number, token: string): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/visits/signal`, ["visit.v1", token]);
    const client = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return client;
  }
  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }
  async next(pred: (f: Frame) => boolean): Promise<Frame> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = this.frames.find(pred);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no such frame: ${JSON.stringify(this.frames)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  async closedWith(): Promise<number> {
    const deadline = Date.now() + 10_000;
    while (this.closed === undefined) {
      if (Date.now() > deadline) throw new Error("not closed");
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closed;
  }
}

async function openVisit(): Promise<{ doctor: Session; patient: Session; appointmentId: number }> {
  const doctor = await verifiedDoctor(one, { autoAccept: true, feeMinor: 0 });
  const patient = await signUp(one, "patient");
  const res = await one.app.inject({
    method: "POST",
    url: "/api/book/appointment/",
    headers: patient.headers,
    payload: {
      doctor_id: doctor.doctorId,
      appointment_date: "2030-01-08",
      appointment_time: "10:00 AM",
      mode: "video",
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  const appt = res.json<{ appointment: { id: number; starts_at: string } }>().appointment;
  one.clock.set(new Date(Date.parse(appt.starts_at) - 5 * 60_000));
  return { doctor, patient, appointmentId: appt.id };
}

/** The person's signalling token (joined through either process: they share the secret). */
async function token(t: TestApp, who: Session, appointmentId: number): Promise<string> {
  const res = await t.app.inject({
    method: "POST",
    url: `/api/appointments/${appointmentId}/visit/join`,
    headers: who.headers,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ visit: { token: string } }>().visit.token;
}

describe("visit signalling across two API processes", () => {
  it("relays presence, offer, answer, ICE and chat between people connected to different processes", async () => {
    const { doctor, patient, appointmentId } = await openVisit();
    const d = await Client.open(ports[0]!, await token(one, doctor, appointmentId));
    const dWelcome = await d.next((f) => f.type === "welcome");
    expect(dWelcome.peers).toEqual([]);

    const p = await Client.open(ports[1]!, await token(two, patient, appointmentId));
    const pWelcome = await p.next((f) => f.type === "welcome");
    // The newcomer (on process two) learns of the doctor (on process one) and calls them.
    expect(pWelcome.peers).toEqual([{ id: dWelcome.id, role: "doctor" }]);
    expect(await d.next((f) => f.type === "peer-joined")).toMatchObject({ id: pWelcome.id, role: "patient" });

    p.send({ type: "offer", to: dWelcome.id, data: { type: "offer", sdp: "v=0 patient" } });
    expect(await d.next((f) => f.type === "offer")).toMatchObject({
      from: pWelcome.id,
      role: "patient",
      data: { type: "offer", sdp: "v=0 patient" },
    });
    d.send({ type: "answer", to: pWelcome.id, data: { type: "answer", sdp: "v=0 doctor" } });
    expect(await p.next((f) => f.type === "answer")).toMatchObject({ from: dWelcome.id, role: "doctor" });
    d.send({
      type: "ice",
      to: pWelcome.id,
      data: { candidate: "candidate:1 1 udp 1 127.0.0.1 5000 typ host" },
    });
    p.send({
      type: "ice",
      to: dWelcome.id,
      data: { candidate: "candidate:2 1 udp 1 127.0.0.1 5001 typ host" },
    });
    expect((await p.next((f) => f.type === "ice")).from).toBe(dWelcome.id);
    expect((await d.next((f) => f.type === "ice")).from).toBe(pWelcome.id);

    // The chat line reaches both, whichever process stored it.
    p.send({ type: "chat", text: "Hello doctor" });
    for (const c of [d, p])
      expect(await c.next((f) => f.type === "chat")).toMatchObject({ role: "patient", text: "Hello doctor" });

    // Both are in: the visit log (read through either process) shows it started.
    const log = await one.app.inject({
      method: "GET",
      url: `/api/appointments/${appointmentId}/visit`,
      headers: doctor.headers,
    });
    expect(log.json<{ visit: { started_at: string | null } }>().visit.started_at).not.toBeNull();

    // The patient reloads on process one: the old socket on process two is replaced, the doctor sees it go.
    const p2 = await Client.open(ports[0]!, await token(one, patient, appointmentId));
    const p2Welcome = await p2.next((f) => f.type === "welcome");
    expect(p2Welcome.peers).toEqual([{ id: dWelcome.id, role: "doctor" }]);
    expect(await p.closedWith()).toBe(4409);
    expect(await d.next((f) => f.type === "peer-left")).toMatchObject({ id: pWelcome.id, role: "patient" });

    // The doctor leaves: the patient's new socket hears it (and never heard of its own old socket leaving).
    d.send({ type: "leave" });
    expect(await p2.next((f) => f.type === "peer-left")).toMatchObject({ id: dWelcome.id, role: "doctor" });
    expect(p2.frames.filter((f) => f.type === "peer-left")).toHaveLength(1);
    p2.ws.close();
  });

  it("two people joining at once through different processes: exactly one calls the other", async () => {
    const { doctor, patient, appointmentId } = await openVisit();
    const [dt, pt] = [await token(one, doctor, appointmentId), await token(two, patient, appointmentId)];
    const [d, p] = await Promise.all([Client.open(ports[0]!, dt), Client.open(ports[1]!, pt)]);
    const [dw, pw] = await Promise.all([
      d.next((f) => f.type === "welcome"),
      p.next((f) => f.type === "welcome"),
    ]);
    const calls = [...dw.peers!.map((x) => x.id), ...pw.peers!.map((x) => x.id)].sort();
    expect(calls).toHaveLength(1);
    expect([dw.id, pw.id]).toContain(calls[0]);
    d.ws.close();
    p.ws.close();
  });

  it("a relay to a peer that is in no process goes nowhere, and the sender's socket stays open", async () => {
    const { doctor, appointmentId } = await openVisit();
    const d = await Client.open(ports[1]!, await token(two, doctor, appointmentId));
    await d.next((f) => f.type === "welcome");
    d.send({ type: "offer", to: "0123456789abcdef", data: {} });
    d.send({ type: "nonsense" });
    expect(await d.next((f) => f.type === "error")).toMatchObject({ code: "BAD_FRAME" });
    expect(d.frames.filter((f) => f.type === "offer")).toEqual([]);
    expect(d.closed).toBeUndefined();
    d.ws.close();
  });
});

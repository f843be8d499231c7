import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appointments, teamsLinks } from "../../db/schema/index.js";
import { buildTestApp, TEST_NOW, type TestApp } from "../../test/app.js";
import { signUp, verifiedDoctor, type Session } from "../../test/factories.js";
import { startFakeTeams, type FakeTeams } from "../../test/fakes/teams.js";

const APP_ID = "00000000-aaaa-bbbb-cccc-000000000001";
const TENANT = "00000000-aaaa-bbbb-cccc-0000000000ff";
const DAY = "2030-01-08";

let t: TestApp;
let fake: FakeTeams;
let doctor: Session & { doctorId: number };
let patient: Session;
let seq = 0;

beforeAll(async () => {
  fake = await startFakeTeams(44010);
  t = await buildTestApp({
    env: {
      TEAMS_APP_ID: APP_ID,
      TEAMS_APP_PASSWORD: "fake-app-password",
      TEAMS_TENANT_ID: TENANT,
      TEAMS_OPENID_METADATA_URL: fake.openIdMetadataUrl,
      TEAMS_AUTH_TOKEN_URL: fake.authTokenUrl,
    },
  });
  doctor = await verifiedDoctor(t, { feeMinor: 0 });
  patient = await signUp(t, "patient", { name: "Meera Joshi" });
});
afterAll(async () => {
  await t?.close();
  await fake?.close();
});

function token(opts: { foreignKey?: boolean; aud?: string; serviceUrl?: string } = {}): string {
  const now = Math.floor(TEST_NOW.getTime() / 1000);
  return fake.sign(
    {
      iss: fake.issuer,
      aud: opts.aud ?? APP_ID,
      serviceurl: opts.serviceUrl ?? fake.serviceUrl,
      iat: now - 10,
      nbf: now - 10,
      exp: now + 3600,
    },
    { foreignKey: opts.foreignKey },
  );
}

function activity(user: string, fields: { text?: string; value?: unknown }) {
  seq += 1;
  return {
    type: "message",
    id: `activity-${seq}`,
    channelId: "msteams",
    serviceUrl: fake.serviceUrl,
    from: { id: `29:${user}`, aadObjectId: user },
    recipient: { id: `28:${APP_ID}` },
    conversation: { id: `a:conv-${user}`, tenantId: TENANT, conversationType: "personal" },
    ...fields,
  };
}

async function send(body: object, authorization: string | null = `Bearer ${token()}`) {
  const before = fake.replies.length;
  const res = await t.app.inject({
    method: "POST",
    url: "/api/messages",
    headers: authorization ? { authorization } : {},
    payload: body,
  });
  return { res, replies: fake.replies.slice(before) };
}

describe("the Microsoft Teams channel", () => {
  it("refuses unsigned, wrongly signed and misdirected activities with 401, processing nothing", async () => {
    const code = await t.app.inject({
      method: "POST",
      url: "/api/doctor/teams/link-code",
      headers: doctor.headers,
    });
    expect(code.statusCode, code.body).toBe(201);
    const attempts: [string, string | null][] = [
      ["unsigned", null],
      ["wrong key", `Bearer ${token({ foreignKey: true })}`],
      ["other app", `Bearer ${token({ aud: "someone-else" })}`],
      ["other serviceUrl", `Bearer ${token({ serviceUrl: "https://evil.example/" })}`],
      ["garbage", "Bearer not.a.jwt"],
    ];
    for (const [what, auth] of attempts) {
      const { res, replies } = await send(activity("intruder", { text: code.json().code }), auth);
      expect(res.statusCode, what).toBe(401);
      expect(replies, what).toEqual([]);
    }
    expect(await t.database.db.select().from(teamsLinks)).toEqual([]);
  });

  it("gives an unlinked Teams user only the linking instructions", async () => {
    const { res, replies } = await send(activity("stranger", { text: "today" }));
    expect(res.statusCode).toBe(200);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.path).toBe(
      `/connector/v3/conversations/${encodeURIComponent("a:conv-stranger")}/activities/activity-${seq}`,
    );
    expect(replies[0]!.authorization).toBe("Bearer fake-bot-access-token");
    expect(replies[0]!.body.text).toContain("link your account");
    expect(replies[0]!.body.text).not.toMatch(/Today|appointment/);
    const tokenCall = fake.tokenRequests.at(-1)!;
    expect(tokenCall.get("grant_type")).toBe("client_credentials");
    expect(tokenCall.get("client_id")).toBe(APP_ID);
    expect(tokenCall.get("scope")).toBe("https://api.botframework.com/.default");
  });

  it("links with a one-time code from the console, then accepts a request from an Adaptive Card", async () => {
    const wrong = await send(activity("dr-aad", { text: "ZZZZZZZZ" }));
    expect(wrong.replies[0]!.body.text).toContain("not valid");
    const code = (
      await t.app.inject({ method: "POST", url: "/api/doctor/teams/link-code", headers: doctor.headers })
    ).json().code as string;
    const linked = await send(activity("dr-aad", { text: `<at>HealthLink</at> ${code}` }));
    expect(linked.res.statusCode).toBe(200);
    expect(linked.replies[0]!.body.text).toContain("Linked");
    expect(await t.database.db.select().from(teamsLinks)).toMatchObject([
      { doctorId: doctor.doctorId, teamsUserId: "dr-aad", tenantId: TENANT },
    ]);
    // The code is spent.
    expect((await send(activity("someone-else", { text: code }))).replies[0]!.body.text).toContain(
      "not valid",
    );
    const status = await t.app.inject({ method: "GET", url: "/api/doctor/teams/", headers: doctor.headers });
    expect(status.json().teams).toMatchObject({ configured: true, linked: true });

    const booked = await t.app.inject({
      method: "POST",
      url: "/api/book/appointment/",
      headers: patient.headers,
      payload: { doctor_id: doctor.doctorId, appointment_date: DAY, appointment_time: "11:00 AM" },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const appointmentId = booked.json().appointment.id as number;

    const list = await send(activity("dr-aad", { text: "requests" }));
    const card = (list.replies[0]!.body.attachments as { contentType: string; content: any }[])[0]!;
    expect(card.contentType).toBe("application/vnd.microsoft.card.adaptive");
    const actions = JSON.stringify(card.content);
    expect(actions).toContain("Meera Joshi");
    const container = card.content.body.find((b: any) => JSON.stringify(b).includes(`#${appointmentId}`));
    const accept = container.items
      .find((i: any) => i.type === "ActionSet")
      .actions.find((a: any) => a.title === "Accept");
    expect(accept.type).toBe("Action.Submit");

    // Teams sends an Action.Submit back as a message carrying the button's data.
    const pressed = await send(activity("dr-aad", { value: accept.data }));
    expect(pressed.res.statusCode).toBe(200);
    expect(pressed.replies[0]!.body.text).toContain(`Accepted #${appointmentId}`);
    const [row] = await t.database.db.select().from(appointments).where(eq(appointments.id, appointmentId));
    expect(row!.status).toBe("confirmed");

    // The same activity delivered again does nothing more.
    const again = await t.app.inject({
      method: "POST",
      url: "/api/messages",
      headers: { authorization: `Bearer ${token()}` },
      payload: { ...activity("dr-aad", { value: accept.data }), id: `activity-${seq - 1}` },
    });
    expect(again.statusCode).toBe(200);
  });

  it("answers the other doctor commands in Teams, and keeps withdrawals out", async () => {
    const today = await send(activity("dr-aad", { text: "EARNINGS" }));
    expect(today.replies[0]!.body.text).toContain("Withdrawable");
    const withdraw = await send(activity("dr-aad", { text: "WITHDRAW 100 1234" }));
    expect(withdraw.replies[0]!.body.text).toContain("not in Teams");
  });
});

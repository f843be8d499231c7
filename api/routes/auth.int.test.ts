import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { queryRows } from "../../db/client.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { AUTH_JOBS } from "../../domain/accounts/auth-service.js";
import { signInAs, signUp, uniqueEmail } from "../../test/factories.js";
import { settle } from "../../test/settle.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { LOGIN_MAX_FAILURES: "3" } });
});
afterAll(async () => {
  await t.close();
});

describe("accounts and authentication", () => {
  it("registers a patient with a patient_id and refuses the same email twice", async () => {
    const email = uniqueEmail("asha");
    const payload = {
      role: "patient",
      name: "Asha Verma",
      email,
      password: "s3cure-enough",
      phone: "+91 98100 00000",
    };
    const res = await t.app.inject({ method: "POST", url: "/api/auth/register", payload });
    expect(res.statusCode).toBe(201);
    const { user } = res.json();
    expect(user).toMatchObject({ role: "patient", name: "Asha Verma", email });
    expect(user.patient_id).toEqual(expect.any(Number));
    expect(user.doctor_id).toBeUndefined();

    const again = await t.app.inject({
      method: "POST",
      url: "/api/auth/register",
      payload: { ...payload, email: email.toUpperCase() },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe("EMAIL_TAKEN");
  });

  it("registers a doctor with a doctor_id, unverified", async () => {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/auth/register",
      payload: { role: "doctor", name: "Dr Rao", email: uniqueEmail("rao"), password: "s3cure-enough" },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().user.doctor_id).toEqual(expect.any(Number));
  });

  it("refuses to register an admin or a malformed email with a coded 400", async () => {
    for (const payload of [
      { role: "admin", name: "x", email: uniqueEmail(), password: "s3cure-enough" },
      { role: "patient", name: "x", email: "not-an-email", password: "s3cure-enough" },
      { role: "patient", name: "x", email: uniqueEmail(), password: "short" },
    ]) {
      const res = await t.app.inject({ method: "POST", url: "/api/auth/register", payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().error.code).toBe("VALIDATION_ERROR");
    }
  });

  it("logs in with the user object, and answers a wrong password with 401", async () => {
    const s = await signUp(t, "patient");
    const res = await t.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: s.email, password: s.password },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      token_type: "Bearer",
      expires_in: 900,
      user: { id: s.userId, patient_id: s.patientId },
    });
    const wrong = await t.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: s.email, password: "nope-nope-nope" },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe("INVALID_CREDENTIALS");
  });

  it("rate-limits repeated failures with 429, even for the right password", async () => {
    const s = await signUp(t, "patient");
    for (let i = 0; i < 3; i++) {
      const r = await t.app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { email: s.email, password: "wrong-password" },
      });
      expect(r.statusCode).toBe(401);
    }
    const locked = await t.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: s.email, password: s.password },
    });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe("TOO_MANY_ATTEMPTS");
  });

  it("answers /me for a valid token and 401 without one", async () => {
    const s = await signUp(t, "doctor");
    const me = await t.app.inject({ method: "GET", url: "/api/auth/me", headers: s.headers });
    expect(me.statusCode).toBe(200);
    // What a signed-in person sees is never cached; public pages may be.
    expect(me.headers["cache-control"]).toBe("no-store");
    const health = await t.app.inject({ method: "GET", url: "/api/system/health/check/" });
    expect(health.headers["cache-control"]).toBeUndefined();
    expect(me.json().user).toMatchObject({ id: s.userId, role: "doctor", doctor_id: s.doctorId });
    const anon = await t.app.inject({ method: "GET", url: "/api/auth/me" });
    expect(anon.statusCode).toBe(401);
    const forged = await t.app.inject({
      method: "GET",
      url: "/api/auth/me",
      headers: { authorization: `Bearer ${s.token.slice(0, -4)}AAAA` },
    });
    expect(forged.statusCode).toBe(401);
  });

  it("rotates refresh tokens, and a reused refresh token ends the session", async () => {
    const s = await signUp(t, "patient");
    const first = await t.app.inject({
      method: "POST",
      url: "/api/auth/refresh",
      payload: { refresh_token: s.refreshToken },
    });
    expect(first.statusCode).toBe(200);
    const next = first.json().refresh_token as string;
    expect(next).not.toBe(s.refreshToken);

    const reuse = await t.app.inject({
      method: "POST",
      url: "/api/auth/refresh",
      payload: { refresh_token: s.refreshToken },
    });
    expect(reuse.statusCode).toBe(401);
    // The theft signal revoked the session: the new refresh token and the old access token are both dead now.
    const after = await t.app.inject({
      method: "POST",
      url: "/api/auth/refresh",
      payload: { refresh_token: next },
    });
    expect(after.statusCode).toBe(401);
    const me = await t.app.inject({ method: "GET", url: "/api/auth/me", headers: s.headers });
    expect(me.statusCode).toBe(401);
  });

  it("logout really revokes both the access token and the refresh token", async () => {
    const s = await signUp(t, "patient");
    expect((await t.app.inject({ method: "GET", url: "/api/auth/me", headers: s.headers })).statusCode).toBe(
      200,
    );
    const out = await t.app.inject({ method: "POST", url: "/api/auth/logout", headers: s.headers });
    expect(out.statusCode).toBe(204);
    const me = await t.app.inject({ method: "GET", url: "/api/auth/me", headers: s.headers });
    expect(me.statusCode).toBe(401);
    expect(me.json().error.code).toBe("SESSION_ENDED");
    const refresh = await t.app.inject({
      method: "POST",
      url: "/api/auth/refresh",
      payload: { refresh_token: s.refreshToken },
    });
    expect(refresh.statusCode).toBe(401);
  });

  it("resets a password with a single-use token from the outbox, and ends old sessions", async () => {
    const s = await signUp(t, "patient");
    const unknown = await t.app.inject({
      method: "POST",
      url: "/api/auth/password/forgot",
      payload: { email: uniqueEmail("nobody") },
    });
    expect(unknown.statusCode).toBe(202);
    const res = await t.app.inject({
      method: "POST",
      url: "/api/auth/password/forgot",
      payload: { email: s.email },
    });
    expect(res.statusCode).toBe(202);
    await settle(t.jobs, [AUTH_JOBS.passwordReset]);
    const rows = await queryRows<{ data: { token: string } }>(
      t.database.db,
      sql`select data from notifications_outbox where user_id = ${s.userId} and template = 'auth.password_reset'`,
    );
    expect(rows).toHaveLength(1);
    const token = rows[0]!.data.token;

    const reset = await t.app.inject({
      method: "POST",
      url: "/api/auth/password/reset",
      payload: { token, password: "a brand new one" },
    });
    expect(reset.statusCode).toBe(204);
    const twice = await t.app.inject({
      method: "POST",
      url: "/api/auth/password/reset",
      payload: { token, password: "another new one" },
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().error.code).toBe("INVALID_RESET_TOKEN");

    expect((await t.app.inject({ method: "GET", url: "/api/auth/me", headers: s.headers })).statusCode).toBe(
      401,
    );
    const old = await t.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: s.email, password: s.password },
    });
    expect(old.statusCode).toBe(401);
    const fresh = await t.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: s.email, password: "a brand new one" },
    });
    expect(fresh.statusCode).toBe(200);
  });

  it("lets an expired reset token do nothing", async () => {
    const s = await signUp(t, "patient");
    await t.app.inject({ method: "POST", url: "/api/auth/password/forgot", payload: { email: s.email } });
    await settle(t.jobs, [AUTH_JOBS.passwordReset]);
    const rows = await queryRows<{ data: { token: string } }>(
      t.database.db,
      sql`select data from notifications_outbox where user_id = ${s.userId} and template = 'auth.password_reset'`,
    );
    t.clock.advance(31 * 60_000);
    try {
      const res = await t.app.inject({
        method: "POST",
        url: "/api/auth/password/reset",
        payload: { token: rows[0]!.data.token, password: "a brand new one" },
      });
      expect(res.statusCode).toBe(400);
    } finally {
      t.clock.advance(-31 * 60_000);
    }
  });

  it("lets an admin deactivate a user, which ends their sessions; others get 403", async () => {
    const admin = await signInAs(t, "admin");
    const s = await signUp(t, "patient");
    const notAdmin = await t.app.inject({
      method: "POST",
      url: `/api/admin/users/${s.userId}/deactivate`,
      headers: s.headers,
    });
    expect(notAdmin.statusCode).toBe(403);
    const res = await t.app.inject({
      method: "POST",
      url: `/api/admin/users/${s.userId}/deactivate`,
      headers: admin.headers,
    });
    expect(res.statusCode).toBe(204);
    expect((await t.app.inject({ method: "GET", url: "/api/auth/me", headers: s.headers })).statusCode).toBe(
      401,
    );
    const login = await t.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email: s.email, password: s.password },
    });
    expect(login.statusCode).toBe(401);
    const missing = await t.app.inject({
      method: "POST",
      url: `/api/admin/users/999999/deactivate`,
      headers: admin.headers,
    });
    expect(missing.statusCode).toBe(404);
  });

  it("lets an admin create a nurse and assign them to a doctor; duplicates and unknown doctors are refused", async () => {
    const admin = await signInAs(t, "admin");
    const doctor = await signUp(t, "doctor");
    const email = uniqueEmail("nurse");
    const created = await t.app.inject({
      method: "POST",
      url: "/api/admin/users",
      headers: admin.headers,
      payload: { role: "nurse", name: "Nurse Joy", email, password: "a-nurse-pass" },
    });
    expect(created.statusCode).toBe(201);
    const nurseId = created.json().user.id as number;
    const dup = await t.app.inject({
      method: "POST",
      url: "/api/admin/users",
      headers: admin.headers,
      payload: { role: "nurse", name: "Nurse Joy", email, password: "a-nurse-pass" },
    });
    expect(dup.statusCode).toBe(409);
    const assign = (id: number, doctorId: number) =>
      t.app.inject({
        method: "POST",
        url: `/api/admin/nurses/${id}/assignments`,
        headers: admin.headers,
        payload: { doctor_id: doctorId },
      });
    expect((await assign(nurseId, doctor.doctorId!)).statusCode).toBe(204);
    expect((await assign(nurseId, 999999)).statusCode).toBe(404);
    expect((await assign(doctor.userId, doctor.doctorId!)).statusCode).toBe(404);
    const nurse = await t.app.inject({
      method: "POST",
      url: "/api/auth/login",
      payload: { email, password: "a-nurse-pass" },
    });
    expect(nurse.json().user.role).toBe("nurse");
  });

  it("exposes Prometheus metrics labelled by route pattern, never by concrete URL", async () => {
    await t.app.inject({ method: "GET", url: "/api/system/health/check/?patient_id=12345" });
    const res = await t.app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('route="/api/system/health/check/"');
    expect(res.body).not.toContain("12345");
  });

  it("answers malformed JSON and unknown routes with coded 4xx errors", async () => {
    const bad = await t.app.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { "content-type": "application/json" },
      payload: "{nope",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe("MALFORMED_JSON");
    const none = await t.app.inject({ method: "GET", url: "/api/nothing/here" });
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe("ROUTE_NOT_FOUND");
  });

  it("reports health of the database and Redis", async () => {
    const res = await t.app.inject({ method: "GET", url: "/api/system/health/check/" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: "ok", message: "System is healthy and operational." });
  });
});

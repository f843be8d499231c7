import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, notificationsOutbox, users } from "../../db/schema/index.js";
import { AUTH_JOBS } from "../../domain/accounts/auth-service.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signInAs, signUp, type Session } from "../../test/factories.js";
import { settle } from "../../test/settle.js";

/** The admin's user management: search, deactivate (sign-in and tokens stop), staff roles, reset access. */

let t: TestApp;
let admin: Session;
beforeAll(async () => {
  t = await buildTestApp();
  admin = await signInAs(t, "admin");
});
afterAll(async () => {
  await t.close();
});

function call(s: Session, method: "GET" | "POST", url: string, payload?: object) {
  return t.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
}

async function auditActions(userId: number): Promise<string[]> {
  const rows = await t.database.db
    .select({ action: auditLog.action })
    .from(auditLog)
    .where(and(eq(auditLog.resourceType, "user"), eq(auditLog.resourceId, String(userId))));
  return rows.map((r) => r.action);
}

describe("admin users", () => {
  it("searches by name or email, with role and active filters", async () => {
    const zara = await signUp(t, "patient", { name: "Zara Quintessa" });
    await signUp(t, "patient", { name: "Someone Else" });
    const byName = await call(admin, "GET", "/api/admin/users?q=quintess");
    expect(byName.statusCode).toBe(200);
    expect(byName.json<{ users: { id: number }[] }>().users.map((u) => u.id)).toEqual([zara.userId]);
    const byEmail = await call(
      admin,
      "GET",
      `/api/admin/users?q=${encodeURIComponent(zara.email.toUpperCase())}`,
    );
    expect(byEmail.json<{ users: { id: number }[] }>().users.map((u) => u.id)).toEqual([zara.userId]);
    const doctors = await call(admin, "GET", "/api/admin/users?q=quintess&role=doctor");
    expect(doctors.json<{ users: unknown[] }>().users).toEqual([]);
    // "%" is a character to find, not a wildcard.
    expect((await call(admin, "GET", "/api/admin/users?q=%25")).json<{ users: unknown[] }>().users).toEqual(
      [],
    );
    const patient = await signUp(t, "patient");
    expect((await call(patient, "GET", "/api/admin/users?q=zara")).statusCode).toBe(403);
  });

  it("deactivates: the person cannot sign in and their tokens stop working; reactivating lets them in", async () => {
    const s = await signUp(t, "patient", { name: "Deactivated Dev" });
    expect((await call(s, "GET", "/api/auth/me")).statusCode).toBe(200);
    expect((await call(admin, "POST", `/api/admin/users/${s.userId}/deactivate`)).statusCode).toBe(204);
    expect((await call(s, "GET", "/api/auth/me")).statusCode).toBe(401);
    const login = () =>
      t.app.inject({
        method: "POST",
        url: "/api/auth/login",
        payload: { email: s.email, password: s.password },
      });
    expect((await login()).statusCode).toBe(401);
    const inactive = await call(admin, "GET", "/api/admin/users?q=Deactivated%20Dev&active=false");
    expect(inactive.json<{ users: { id: number; active: boolean }[] }>().users).toMatchObject([
      { id: s.userId, active: false },
    ]);
    expect((await call(admin, "POST", `/api/admin/users/${s.userId}/activate`)).statusCode).toBe(204);
    expect((await login()).statusCode).toBe(200);
    expect(await auditActions(s.userId)).toEqual(expect.arrayContaining(["deactivate", "activate"]));
  });

  it("moves staff between staff roles (ending their sessions), never patients, doctors or oneself", async () => {
    const nurse = await signInAs(t, "nurse");
    const toLab = await call(admin, "POST", `/api/admin/users/${nurse.userId}/role`, { role: "lab" });
    expect(toLab.statusCode).toBe(204);
    const [row] = await t.database.db.select().from(users).where(eq(users.id, nurse.userId));
    expect(row!.role).toBe("lab");
    expect((await call(nurse, "GET", "/api/auth/me")).statusCode).toBe(401);
    expect(await auditActions(nurse.userId)).toContain("set_role:lab");

    const patient = await signUp(t, "patient");
    const refused = await call(admin, "POST", `/api/admin/users/${patient.userId}/role`, { role: "admin" });
    expect([refused.statusCode, refused.json().error.code]).toEqual([422, "ROLE_NOT_CHANGEABLE"]);
    const toPatient = await call(admin, "POST", `/api/admin/users/${nurse.userId}/role`, { role: "patient" });
    expect([toPatient.statusCode, toPatient.json().error.code]).toEqual([422, "ROLE_NOT_CHANGEABLE"]);
    const self = await call(admin, "POST", `/api/admin/users/${admin.userId}/role`, { role: "nurse" });
    expect([self.statusCode, self.json().error.code]).toEqual([422, "OWN_ROLE"]);
    const bad = await call(admin, "POST", `/api/admin/users/${nurse.userId}/role`, { role: "boss" });
    expect(bad.statusCode).toBe(400);
    expect((await call(admin, "POST", `/api/admin/users/999999/role`, { role: "lab" })).statusCode).toBe(404);
    const other = await signInAs(t, "nurse");
    expect(
      (await call(other, "POST", `/api/admin/users/${nurse.userId}/role`, { role: "admin" })).statusCode,
    ).toBe(403);
  });

  it("resets access: the reset email is queued through the forgot-password flow, audited", async () => {
    const s = await signUp(t, "patient", { name: "Forgetful Fay" });
    const res = await call(admin, "POST", `/api/admin/users/${s.userId}/reset-access`);
    expect(res.statusCode).toBe(202);
    await settle(t.jobs, [AUTH_JOBS.passwordReset]);
    const sent = await t.database.db
      .select({ channel: notificationsOutbox.channel })
      .from(notificationsOutbox)
      .where(
        and(
          eq(notificationsOutbox.userId, s.userId),
          eq(notificationsOutbox.template, "auth.password_reset"),
        ),
      );
    expect(sent).toEqual([{ channel: "email" }]);
    expect(await auditActions(s.userId)).toContain("reset_access");
    await call(admin, "POST", `/api/admin/users/${s.userId}/deactivate`);
    const inactive = await call(admin, "POST", `/api/admin/users/${s.userId}/reset-access`);
    expect([inactive.statusCode, inactive.json().error.code]).toEqual([422, "USER_INACTIVE"]);
  });
});

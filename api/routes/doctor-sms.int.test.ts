import { asc, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { doctors, notificationsOutbox } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { signUp, verifiedDoctor, type Session } from "../../test/factories.js";

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

type Headers = Record<string, string>;

function call(
  method: "GET" | "POST" | "PUT",
  url: string,
  headers: Headers,
  payload?: Record<string, unknown>,
) {
  return t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
}

async function codeRows(doctorId: number) {
  return t.database.db
    .select()
    .from(notificationsOutbox)
    .where(like(notificationsOutbox.idempotencyKey, `doctor-phone-code:${doctorId}:%`))
    .orderBy(asc(notificationsOutbox.id));
}

/** The code is only hashed on our side: the outbox row (the SMS that carries it) is where a test reads it. */
async function lastCode(doctorId: number): Promise<string> {
  return ((await codeRows(doctorId)).at(-1)!.data as { code: string }).code;
}

async function doctorRow(doctorId: number) {
  const [row] = await t.database.db.select().from(doctors).where(eq(doctors.id, doctorId));
  return row!;
}

describe("the doctor's SMS phone", () => {
  it("sends a code to the phone through the outbox and verifies it; the code itself is never stored", async () => {
    const dr = await verifiedDoctor(t);
    const set = await call("POST", "/api/doctor/phone", dr.headers, { phone: "+91 98765-00001" });
    expect(set.statusCode, set.body).toBe(202);
    expect(set.json()).toMatchObject({ phone: "+919876500001", code_expires_at: "2030-01-07T00:10:00.000Z" });
    const [row] = await codeRows(dr.doctorId);
    expect(row).toMatchObject({
      toAddress: "+919876500001",
      userId: null,
      channel: "sms",
      template: "doctor.phone_code",
    });
    const code = (row!.data as { code: string }).code;
    expect(code).toMatch(/^\d{6}$/);
    const cached = await t.cache.get(`doctor-phone-code:${dr.doctorId}`);
    expect(cached).toBeDefined();
    expect(cached).not.toContain(code);

    const before = await call("GET", "/api/doctor/phone", dr.headers);
    expect(before.json()).toEqual({
      phone: "+919876500001",
      phone_verified: false,
      phone_verified_at: null,
      sms_pin_set: false,
      sms_pin_locked_until: null,
    });
    const wrongCode = code === "000000" ? "111111" : "000000";
    const wrong = await call("POST", "/api/doctor/phone/verify", dr.headers, { code: wrongCode });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().error).toMatchObject({ code: "INVALID_CODE", details: { attempts_left: 4 } });

    const ok = await call("POST", "/api/doctor/phone/verify", dr.headers, { code });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ phone: "+919876500001", phone_verified: true });
    expect((await doctorRow(dr.doctorId)).phoneVerifiedAt).not.toBeNull();
    // Spent.
    const again = await call("POST", "/api/doctor/phone/verify", dr.headers, { code });
    expect(again.json().error.code).toBe("CODE_EXPIRED");

    // A new number starts unverified again.
    expect((await call("POST", "/api/doctor/phone", dr.headers, { phone: "+919876500002" })).statusCode).toBe(
      202,
    );
    expect(await doctorRow(dr.doctorId)).toMatchObject({ phone: "+919876500002", phoneVerifiedAt: null });
  });

  it("voids the code after five wrong tries", async () => {
    const dr = await verifiedDoctor(t);
    await call("POST", "/api/doctor/phone", dr.headers, { phone: "+919876500003" });
    const code = await lastCode(dr.doctorId);
    const wrongCode = code === "999999" ? "888888" : "999999";
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call("POST", "/api/doctor/phone/verify", dr.headers, { code: wrongCode });
      expect(res.statusCode).toBe(422);
      codes.push(res.json().error.code as string);
    }
    expect(codes).toEqual(["INVALID_CODE", "INVALID_CODE", "INVALID_CODE", "INVALID_CODE", "CODE_VOID"]);
    const late = await call("POST", "/api/doctor/phone/verify", dr.headers, { code });
    expect(late.statusCode).toBe(422);
    expect(late.json().error.code).toBe("CODE_EXPIRED");
    expect((await doctorRow(dr.doctorId)).phoneVerifiedAt).toBeNull();
  });

  it("refuses a number another doctor has verified (409)", async () => {
    const first = await verifiedDoctor(t);
    const second = await verifiedDoctor(t);
    const phone = "+919876500004";
    for (const dr of [first, second])
      expect((await call("POST", "/api/doctor/phone", dr.headers, { phone })).statusCode).toBe(202);
    const a = await call("POST", "/api/doctor/phone/verify", first.headers, {
      code: await lastCode(first.doctorId),
    });
    expect(a.statusCode).toBe(200);
    const b = await call("POST", "/api/doctor/phone/verify", second.headers, {
      code: await lastCode(second.doctorId),
    });
    expect(b.statusCode).toBe(409);
    expect(b.json().error.code).toBe("PHONE_TAKEN");
    expect((await doctorRow(second.doctorId)).phoneVerifiedAt).toBeNull();
  });

  it("sends at most five codes an hour to one doctor (429)", async () => {
    const dr = await verifiedDoctor(t);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await call("POST", "/api/doctor/phone", dr.headers, { phone: "+919876500006" })).statusCode,
      );
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    expect(await codeRows(dr.doctorId)).toHaveLength(5);
  });

  it("takes a number typed without the country code as one of DEFAULT_PHONE_REGION (IN), in E.164", async () => {
    const dr = await verifiedDoctor(t);
    const set = await call("POST", "/api/doctor/phone", dr.headers, { phone: "98765 00009" });
    expect(set.statusCode, set.body).toBe(202);
    expect(set.json()).toMatchObject({ phone: "+919876500009" });
    expect(await doctorRow(dr.doctorId)).toMatchObject({ phone: "+919876500009" });
    expect((await codeRows(dr.doctorId)).at(-1)).toMatchObject({ toAddress: "+919876500009" });
  });

  it("answers bad input with 400 and a code, and other roles with 403", async () => {
    const dr = await verifiedDoctor(t);
    for (const phone of ["98765", "+0123456789", "call me", "+91987650000512345"]) {
      const res = await call("POST", "/api/doctor/phone", dr.headers, { phone });
      expect(res.statusCode, phone).toBe(400);
      expect(res.json().error.code).toBe("INVALID_PHONE");
    }
    const missing = await call("POST", "/api/doctor/phone", dr.headers, {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe("VALIDATION_ERROR");
    const noCode = await call("POST", "/api/doctor/phone/verify", dr.headers, { code: "123456" });
    expect(noCode.statusCode).toBe(422);
    expect(noCode.json().error.code).toBe("CODE_EXPIRED");

    const patient: Session = await signUp(t, "patient");
    for (const [method, url, body] of [
      ["GET", "/api/doctor/phone", undefined],
      ["POST", "/api/doctor/phone", { phone: "+919876500005" }],
      ["POST", "/api/doctor/phone/verify", { code: "123456" }],
      ["PUT", "/api/doctor/sms-pin", { pin: "1234", password: patient.password }],
    ] as const) {
      const res = await call(method, url, patient.headers, body);
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error.code).toBe("FORBIDDEN_ROLE");
    }
    expect((await call("GET", "/api/doctor/phone", {})).statusCode).toBe(401);
  });
});

describe("the doctor's SMS PIN", () => {
  it("needs the account password, takes 4–8 digits and stores only an argon2id hash", async () => {
    const dr = await verifiedDoctor(t);
    const put = (payload: Record<string, unknown>) => call("PUT", "/api/doctor/sms-pin", dr.headers, payload);

    const wrong = await put({ pin: "2468", password: "not the password" });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe("INVALID_PASSWORD");
    for (const pin of ["123", "123456789", "12a4", " 1234"]) {
      const res = await put({ pin, password: dr.password });
      expect(res.statusCode, pin).toBe(400);
      expect(res.json().error.code).toBe("INVALID_PIN");
    }
    const missing = await put({ pin: "2468" });
    expect(missing.statusCode).toBe(400);
    expect((await doctorRow(dr.doctorId)).smsPinHash).toBeNull();

    const ok = await put({ pin: "2468", password: dr.password });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ sms_pin_set: true, sms_pin_locked_until: null });
    expect(ok.body).not.toContain("2468");
    const stored = (await doctorRow(dr.doctorId)).smsPinHash!;
    expect(stored).toMatch(/^\$argon2id\$/);
    expect(stored).not.toContain("2468");
  });

  it("stops guessing the password after five wrong ones (429)", async () => {
    const dr = await verifiedDoctor(t);
    const put = (password: string) =>
      call("PUT", "/api/doctor/sms-pin", dr.headers, { pin: "1357", password });
    for (let i = 0; i < 5; i++) expect((await put("wrong password")).statusCode).toBe(403);
    const limited = await put(dr.password);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe("TOO_MANY_ATTEMPTS");
  });
});

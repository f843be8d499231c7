import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labBookings, payments } from "../../db/schema/index.js";
import { buildTestApp, type TestApp } from "../app.js";
import { startFakeTwilio, type FakeTwilio } from "../fakes/twilio.js";
import { withCatalog } from "../orders.js";
import { patientOnSms, payPath, sms, smsEnv } from "../sms.js";

/** The home lab test journey over SMS in the guided mode (no model): every step checked in the database. */

let t: TestApp;
let fake: FakeTwilio;

beforeAll(async () => {
  fake = await startFakeTwilio("AC0123456789abcdef0123456789abcdef", "twilio_test_auth_token_0123456789");
  t = await buildTestApp({ env: smsEnv(fake) });
  await withCatalog(t);
});
afterAll(async () => {
  await t.close();
  await fake.close();
});

const bookingsOf = (patientId: number) =>
  t.database.db.select().from(labBookings).where(eq(labBookings.patientId, patientId));

describe("lab tests in the guided menu over SMS", () => {
  it("Lena books a blood count at home at a typed address, confirms and pays; nothing is booked before she confirms", async () => {
    const phone = "+919876500101";
    const lena = await patientOnSms(t, phone, { name: "Lena Das" });

    const menu = await sms(t, fake, phone, "menu");
    expect(menu).toContain("4. Lab tests");
    expect(await sms(t, fake, phone, "4")).toMatch(/Which test\?/);

    const list = await sms(t, fake, phone, "blood count");
    expect(list).toMatch(/^1\. Complete Blood Count, ₹350\.00$/m);

    // The test's preparation and price, then the days (from tomorrow on her clock).
    const days = await sms(t, fake, phone, "1");
    expect(days).toMatch(/Preparation: No special preparation needed\./);
    expect(days).toMatch(/It can be taken at home/);
    expect(days).toMatch(/^1\. Tue 8 Jan$/m);

    expect(await sms(t, fake, phone, "1")).toMatch(/1\. At home\n2\. At the lab/);
    // No address on file: she types one.
    expect(await sms(t, fake, phone, "1")).toMatch(/type the address/);
    const summary = await sms(t, fake, phone, "Flat 4, 12 Main Road, Vikas Puri, Delhi");
    expect(summary).toMatch(
      /Book Complete Blood Count on Tue 8 Jan, sample taken at home \(Flat 4, 12 Main Road, Vikas Puri, Delhi\)\. Preparation: No special preparation needed\. Price: ₹350\.00\./,
    );
    expect(summary).toMatch(/1\. Confirm\n2\. Change/);
    expect(await bookingsOf(lena.patientId)).toHaveLength(0);

    const done = await sms(t, fake, phone, "1");
    expect(done).toMatch(/Booked: Complete Blood Count on Tue 8 Jan; the sample is taken at home/);
    const [booking] = await bookingsOf(lena.patientId);
    expect(booking).toMatchObject({
      testName: "Complete Blood Count",
      appointmentDate: "2030-01-08",
      collection: "home",
      address: "Flat 4, 12 Main Road, Vikas Puri, Delhi",
      status: "scheduled",
      paymentStatus: "unpaid",
      priceMinor: 35000,
    });
    const [payment] = await t.database.db
      .select()
      .from(payments)
      .where(eq(payments.referenceId, booking!.id));
    expect(payment).toMatchObject({ purpose: "lab_booking", status: "requires_payment", amountMinor: 35000 });

    // A repeated "yes" books nothing more.
    await sms(t, fake, phone, "yes");
    expect(await bookingsOf(lena.patientId)).toHaveLength(1);

    const path = payPath(done);
    const paid = await t.app.inject({
      method: "POST",
      url: `${path}/succeed`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "",
    });
    expect(paid.statusCode).toBe(303);
    const [after] = await bookingsOf(lena.patientId);
    expect(after!.paymentStatus).toBe("paid");
  });

  it("Omar uses the address on file, goes back to the days on Change, and books at the lab when he picks it", async () => {
    const phone = "+919876500102";
    const omar = await patientOnSms(t, phone, { name: "Omar Khan", address: "7 Lake View, Pune" });
    await sms(t, fake, phone, "menu");
    await sms(t, fake, phone, "4");
    await sms(t, fake, phone, "cbc");
    await sms(t, fake, phone, "1");
    await sms(t, fake, phone, "2");
    expect(await sms(t, fake, phone, "1")).toMatch(/1\. 7 Lake View, Pune\n2\. Another address/);
    const summary = await sms(t, fake, phone, "1");
    expect(summary).toMatch(/sample taken at home \(7 Lake View, Pune\)/);

    // Change: back to the days of the same test; nothing booked.
    expect(await sms(t, fake, phone, "2")).toMatch(/Complete Blood Count.*Which day\?/s);
    expect(await bookingsOf(omar.patientId)).toHaveLength(0);
    expect(await sms(t, fake, phone, "1")).toMatch(/At home/);
    expect(await sms(t, fake, phone, "2")).toMatch(/sample taken at the lab/);
    await sms(t, fake, phone, "1");
    const [booking] = await bookingsOf(omar.patientId);
    expect(booking).toMatchObject({ collection: "lab", address: null, appointmentDate: "2030-01-08" });
  });

  it("says so when no test matches, and accepts another name", async () => {
    const phone = "+919876500103";
    await patientOnSms(t, phone, { name: "Mei Lin" });
    await sms(t, fake, phone, "menu");
    await sms(t, fake, phone, "4");
    expect(await sms(t, fake, phone, "zzqx")).toMatch(/no lab test for "zzqx"/);
    expect(await sms(t, fake, phone, "thyroid")).toMatch(/^1\. .*T(hyroid|SH)/im);
  });
});

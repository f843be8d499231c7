import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../test/app.js";
import { messageSid, signedWebhook, startFakeTwilio, type FakeTwilio } from "../../test/fakes/twilio.js";
import { settle } from "../../test/settle.js";
import { metrics } from "../../domain/shared/metrics.js";

/** /metrics beyond HTTP: queue depth per queue and state, job durations, channel sends, LLM and voice. */

const SID = "AC0123456789abcdef0123456789abcdef";
const TOKEN = "twilio_test_auth_token_0123456789";
const SMS_NUMBER = "+14155550100";

/** The value of one sample line (0 when absent). */
function sample(body: string, line: string): number {
  const found = body.split("\n").find((l) => l.startsWith(`${line} `));
  return found ? Number(found.slice(line.length + 1)) : 0;
}

describe("application metrics", () => {
  let fake: FakeTwilio;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeTwilio(SID, TOKEN);
    t = await buildTestApp({
      env: {
        TWILIO_ACCOUNT_SID: SID,
        TWILIO_AUTH_TOKEN: TOKEN,
        TWILIO_PHONE_NUMBER: SMS_NUMBER,
        TWILIO_API_BASE_URL: fake.url,
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  const scrape = async () => {
    const res = await t.app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    return res.body;
  };

  it("count a reply's send by channel and outcome, and the jobs that ran it by queue", async () => {
    const before = await scrape();
    const sent = 'healthlink_channel_sends_total{channel="sms",outcome="sent"}';
    const drains = 'healthlink_job_duration_seconds_count{queue="chat.drain",outcome="completed"}';
    const phone = "+919876500778";
    const res = await t.app.inject({
      method: "POST",
      ...signedWebhook(TOKEN, "http://healthlink.test", "/webhooks/twilio/sms", {
        MessageSid: messageSid(),
        AccountSid: SID,
        From: phone,
        To: SMS_NUMBER,
        Body: "hi",
        NumMedia: "0",
      }),
    });
    expect(res.statusCode).toBe(200);
    await settle(t.jobs);
    expect(fake.to(phone)).toHaveLength(1);
    const after = await scrape();
    expect(sample(after, sent)).toBe(sample(before, sent) + 1);
    expect(sample(after, drains)).toBeGreaterThan(sample(before, drains));
  });

  it("show the depth of every queue by state, read at the scrape", async () => {
    await t.jobs.add("payments.expire", { paymentId: 0 }, { delayMs: 3_600_000, jobId: "metrics-test" });
    const body = await scrape();
    expect(sample(body, 'healthlink_queue_jobs{queue="payments.expire",state="delayed"}')).toBe(1);
    for (const state of ["waiting", "active", "failed"])
      expect(body).toContain(`healthlink_queue_jobs{queue="chat.send",state="${state}"}`);
    await t.jobs.remove("payments.expire", "metrics-test");
    expect(sample(await scrape(), 'healthlink_queue_jobs{queue="payments.expire",state="delayed"}')).toBe(0);
  });

  it("record LLM latency and tokens per model, and the voice first-token latency", async () => {
    const before = await scrape();
    metrics.llmCall("test-model", "ok", 0.42, { prompt: 120, completion: 30 });
    metrics.voiceFirstToken(0.6);
    // The phone line reports through the app's hook, which lands in the same histogram.
    t.app.voiceMetrics!.firstToken(0.3, { tool: true });
    const after = await scrape();
    expect(sample(after, 'healthlink_llm_tokens_total{model="test-model",kind="prompt"}')).toBe(
      sample(before, 'healthlink_llm_tokens_total{model="test-model",kind="prompt"}') + 120,
    );
    expect(
      sample(after, 'healthlink_llm_request_duration_seconds_count{model="test-model",outcome="ok"}'),
    ).toBe(
      sample(before, 'healthlink_llm_request_duration_seconds_count{model="test-model",outcome="ok"}') + 1,
    );
    for (const turn of ["answer", "tool"])
      expect(sample(after, `healthlink_voice_first_token_seconds_count{turn="${turn}"}`)).toBe(
        sample(before, `healthlink_voice_first_token_seconds_count{turn="${turn}"}`) + 1,
      );
  });
});

describe("/metrics placement", () => {
  it("is not on the app's port when METRICS_PORT serves it apart", async () => {
    const t = await buildTestApp({ env: { METRICS_PORT: "9464" } });
    try {
      expect((await t.app.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(404);
      expect(await t.app.metrics.render()).toContain("healthlink_queue_jobs");
    } finally {
      await t.close();
    }
  });
});

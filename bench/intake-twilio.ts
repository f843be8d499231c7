/**
 * Twilio SMS webhook intake benchmark (npm run bench:intake-twilio): distinct form bodies (a unique MessageSid
 * each, 5,000 senders) signed as Twilio signs them (HMAC-SHA1 over PUBLIC_BASE_URL + path + sorted params) —
 * signature check, parse, dedupe, enqueue, empty TwiML — with the app alone.
 * Harness and env: bench/intake.ts.
 */
import { randomBytes } from "node:crypto";
import { computeSignature } from "../channels/twilio/signature.js";
import { REQUESTS, fail, runIntakeBench, type IntakeRequest } from "./intake.js";

const ACCOUNT_SID = "AC" + "0123456789abcdef".repeat(2);
const AUTH_TOKEN = randomBytes(16).toString("hex");
const SMS_NUMBER = "+14155550100";
const URL = "https://healthlink.bench/webhooks/twilio/sms";

function signed(count: number): IntakeRequest[] {
  return Array.from({ length: count }, (_, i) => {
    const sid = "SM" + randomBytes(16).toString("hex");
    const params: Record<string, string> = {
      MessageSid: sid,
      SmsMessageSid: sid,
      SmsSid: sid,
      AccountSid: ACCOUNT_SID,
      From: `+9198${String(76500000 + (i % 5000)).padStart(8, "0")}`,
      To: SMS_NUMBER,
      Body: i % 3 === 0 ? "menu" : i % 3 === 1 ? "2" : "I need a dentist in Delhi tomorrow evening",
      NumMedia: "0",
      NumSegments: "1",
      ToCountry: "US",
      ApiVersion: "2010-04-01",
    };
    return {
      path: "/webhooks/twilio/sms",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": computeSignature(AUTH_TOKEN, URL, Object.entries(params)),
      },
      body: new URLSearchParams(params).toString(),
    };
  });
}

const env = {
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  TWILIO_PHONE_NUMBER: SMS_NUMBER,
  TWILIO_API_BASE_URL: "http://127.0.0.1:9", // never called: no workers run
};

runIntakeBench("Twilio SMS webhook intake", [
  { name: "signed, unique MessageSid", env, requests: signed(REQUESTS) },
]).catch(fail);

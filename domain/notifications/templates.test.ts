import { describe, expect, it } from "vitest";
import { MESSAGE_CHOICES, renderNotification } from "./templates.js";

/** Every template the domain writes to the outbox (grep enqueueNotification) and the reminders. */
const IN_USE = [
  ...[
    "requested",
    "booked",
    "accepted",
    "rejected",
    "proposed",
    "rescheduled",
    "cancelled",
    "proposal_accepted",
    "proposal_declined",
    "completed",
    "no_show",
    "paid",
  ].map((e) => `appointment.${e}`),
  "payment.link",
  "payment.receipt",
  "payment.refunded",
  ...["paid", "pending", "confirmed", "dispatched", "out_for_delivery", "delivered", "cancelled"].map(
    (s) => `pharmacy_order.${s}`,
  ),
  ...["scheduled", "paid", "sample_collected", "processing", "resulted", "cancelled"].map(
    (s) => `lab_booking.${s}`,
  ),
  "lab.results_ready",
  "lab.critical_value",
  "lab.abnormal_result",
  "prescription.issued",
  "prescription.cancelled",
  "plan.created",
  "care_team.added",
  "doctor.verified",
  "doctor.rejected",
  "auth.password_reset",
  "chat.verification_code",
  "support.ticket_answered",
  "reminder.appointment",
  "reminder.medication",
  "reminder.refill",
  "reminder.lab_prep",
  "visit.chat_opened",
  "visit.chat_message",
  "visit.chat_ended",
  "message.received",
];

const DATA = {
  appointment_id: 42,
  payment_id: 9876,
  order_id: 5555,
  booking_id: 4444,
  prescription_id: 3333,
  patient_id: 2222,
  doctor_id: 1111,
  dose_id: 7777,
  doctor_name: "Meera Shah",
  patient_name: "Asha Verma",
  appointment_date: "2030-01-08",
  appointment_time: "09:00 AM",
  time_zone: "Asia/Kolkata",
  description: "Consultation with Dr Meera Shah",
  amount: 500,
  currency: "INR",
  checkout_url: "http://healthlink.test/pay/abc",
  test_name: "Complete blood count",
  medicine_name: "Metformin",
  runs_out_on: "2030-01-16",
  preparation: "Fast for 8-10 hours before the test; water is allowed.",
  dose: "500 mg",
  code: "123456",
  reset_url: "http://healthlink.test/reset-password#token=x",
};

describe("notification templates", () => {
  it("render every template in use with its own words, never the generic line", () => {
    for (const template of IN_USE) {
      const m = renderNotification(template, DATA, template.startsWith("lab.c") ? "doctor" : "patient");
      expect(m.text, template).not.toBe("You have a new update in HealthLink.");
      expect(m.text.length, template).toBeLessThan(320);
    }
  });

  it("show patients no internal ids except the appointment reference", () => {
    for (const template of IN_USE) {
      const text = renderNotification(template, DATA, "patient").text;
      for (const id of ["9876", "5555", "4444", "3333", "2222", "1111", "7777"])
        expect(text, template).not.toContain(id);
    }
    expect(renderNotification("appointment.accepted", DATA, "patient").text).toContain("Appointment #42");
  });

  it("offer the answers a reminder expects and the payment link as a link", () => {
    expect(renderNotification("reminder.appointment", DATA, "patient").choices).toEqual([
      { id: "reminder.confirm:42", label: "Confirm" },
      { id: "reminder.cancel:42", label: "Cancel" },
    ]);
    expect(renderNotification("reminder.medication", DATA, "patient").choices).toEqual([
      { id: "dose.taken:7777", label: "Taken" },
      { id: "dose.skip:7777", label: "Skip" },
    ]);
    expect(renderNotification("payment.link", DATA, "patient").links).toEqual([
      { label: "Pay ₹500.00", url: "http://healthlink.test/pay/abc" },
    ]);
  });

  it("write amounts in the currency's own decimals, and a refund as the amount refunded", () => {
    const pay = (data: Record<string, unknown>) =>
      renderNotification("payment.link", { ...DATA, ...data }, "patient");
    expect(pay({ amount: 5000, currency: "JPY" }).text).toBe(
      "Please pay JP¥5,000 for Consultation with Dr Meera Shah.",
    );
    expect(pay({ amount: 15.25, currency: "KWD" }).text).toMatch(/^Please pay KWD\s15\.250 for /);
    const refund = renderNotification("payment.refunded", { ...DATA, refunded_amount: 250 }, "patient").text;
    expect(refund).toBe(
      "Refund of ₹250.00 for Consultation with Dr Meera Shah is on its way to your payment method.",
    );
  });

  it("say when a medicine runs out and what a lab test needs beforehand", () => {
    const refill = renderNotification("reminder.refill", DATA, "patient").text;
    expect(refill).toContain("Metformin runs out around 2030-01-16");
    expect(refill).toContain("refills left");
    const prep = renderNotification("reminder.lab_prep", DATA, "patient").text;
    expect(prep).toContain("Complete blood count is on Tue 8 Jan");
    expect(prep).toContain("Preparation: Fast for 8-10 hours");
  });

  it("write an appointment's time in the one format, on the patient's own clock when their zone is known", () => {
    const data = { ...DATA, starts_at: "2030-01-08T03:30:00.000Z" };
    expect(renderNotification("appointment.accepted", data, "patient", "Asia/Kolkata").text).toContain(
      "on Tue 8 Jan, 09:00 AM",
    );
    expect(renderNotification("appointment.accepted", data, "patient", "Europe/London").text).toContain(
      "on Tue 8 Jan, 03:30 AM",
    );
    // No zone (a doctor): the appointment's own date and time, its zone named.
    expect(renderNotification("appointment.requested", data, "doctor").text).toContain(
      "for Tue 8 Jan, 09:00 AM (Asia/Kolkata)",
    );
  });

  it("tell the patient a booking was released because the time to pay ran out", () => {
    expect(renderNotification("appointment.payment_expired", DATA, "patient").text).toMatch(
      /time to pay for your appointment with Dr Meera Shah .* ran out, so the slot was released and nothing was charged/,
    );
    expect(renderNotification("lab_booking.payment_expired", DATA, "patient").text).toMatch(
      /time to pay for your lab test \(Complete blood count\) ran out, so the booking was cancelled/,
    );
  });

  it("words a chat consultation's lines and a secure message for each side", () => {
    const line = { doctor_name: "Meera Shah", text: "Rest the knee.", thread_id: 12 };
    expect(renderNotification("visit.chat_message", line, "patient").text).toBe(
      "Dr Meera Shah: Rest the knee.",
    );
    expect(renderNotification("visit.chat_message", { ...line, opened: true }, "patient").text).toMatch(
      /^Dr Meera Shah is here for your chat visit .*\n\nDr Meera Shah: Rest the knee\.$/s,
    );
    const toPatient = renderNotification("message.received", line, "patient");
    expect(toPatient.text).toBe("Dr Meera Shah sent you a message: Rest the knee.");
    expect(toPatient.choices).toEqual([{ id: `${MESSAGE_CHOICES.reply}12`, label: "Reply" }]);
    // Doctors and nurses get no patient data (the message may go by SMS or email).
    const toDoctor = renderNotification(
      "message.received",
      { ...line, patient_name: "Asha Verma" },
      "doctor",
    );
    expect(toDoctor.text).toBe("New message from a patient on HealthLink. Read it in the console.");
    expect(toDoctor.choices).toBeUndefined();
  });
});

import { describe, expect, it } from "vitest";
import { pdfFontNames, pdfPagesText } from "../../test/pdf.js";
import { receiptPdf } from "./receipt.js";
import type { PaymentView } from "./views.js";

const payment: PaymentView = {
  id: 42,
  purpose: "appointment",
  reference_id: 9,
  description: "Consultation with डॉ. प्रिया शर्मा",
  status: "partially_refunded",
  amount: 500,
  refunded_amount: 100,
  amount_minor: 50000,
  refunded_minor: 10000,
  currency: "INR",
  checkout_url: null,
  expires_at: "2030-01-07T00:30:00.000Z",
  paid_at: "2030-01-07T00:05:00.000Z",
  created_at: "2030-01-07T00:00:00.000Z",
  receipt_url: "/api/patient/payments/42/receipt",
};

describe("the receipt PDF", () => {
  it("prints a description with a Devanagari name, and the amounts", async () => {
    const bytes = await receiptPdf({
      payment,
      refunds: [{ amount_minor: 10000, at: "2030-01-08T00:00:00.000Z" }],
      testMode: true,
    });
    const [text] = await pdfPagesText(bytes);
    expect(text).toContain("Receipt number: HL-00000042");
    expect(text).toContain("Description: Consultation with");
    expect(text).toContain("Net amount: INR 400.00");
    expect(text).toContain("TEST MODE");
    expect(await pdfFontNames(bytes)).toContain("NotoSansDevanagari-Regular");
  });
});

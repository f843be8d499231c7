import { PDFDocument, rgb } from "pdf-lib";
import { PdfText } from "../shared/pdf-text.js";
import { formatMoney } from "../shared/money.js";
import type { PaymentView } from "./views.js";

/** A one-page PDF receipt: ids, a generic description and amounts — nothing clinical. */
export async function receiptPdf(r: {
  payment: PaymentView;
  refunds: { amount_minor: number; at: string }[];
  testMode: boolean;
}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`HealthLink receipt ${r.payment.id}`);
  doc.setProducer("HealthLink");
  const page = doc.addPage([595, 842]);
  const fonts = await PdfText.for(doc, r);
  let y = 780;
  const line = (text: string, opts: { size?: number; bold?: boolean } = {}) => {
    fonts.draw(page, text, {
      x: 60,
      y,
      size: opts.size ?? 12,
      bold: opts.bold ?? false,
      color: rgb(0, 0, 0),
    });
    y -= (opts.size ?? 12) + 10;
  };
  const p = r.payment;
  // The currency code, not a symbol: unambiguous on paper.
  const money = (minor: number) => formatMoney(minor, p.currency, "code");
  line("HealthLink — Receipt", { size: 20, bold: true });
  if (r.testMode) line("TEST MODE — no real money was moved", { bold: true });
  y -= 10;
  line(`Receipt number: HL-${String(p.id).padStart(8, "0")}`);
  line(`Description: ${p.description}`);
  line(`Paid on: ${p.paid_at ?? "-"}`);
  line(`Amount paid: ${money(p.amount_minor)}`);
  for (const f of r.refunds) line(`Refunded on ${f.at}: ${money(f.amount_minor)}`);
  if (p.refunded_minor > 0) line(`Net amount: ${money(p.amount_minor - p.refunded_minor)}`, { bold: true });
  line(`Status: ${p.status}`);
  return doc.save();
}

import { SwissQRBill } from "swissqrbill/svg"
import type { Data as QrBillData } from "swissqrbill/types"
import { html, type SafeHtml, trusted } from "../render/Html.js"
import type { Invoice } from "./Invoice.js"
import { formatters, invoiceLabels } from "./Labels.js"
import { compact, formatIban, formatReference, isQrBillAccount } from "./References.js"

/**
 * Whether the document ends with a Swiss QR-bill payment part: an amount still to be paid, in a
 * currency the standard knows, to a CH or LI account, with a reference to match the payment by.
 */
export const hasPaymentPart = (invoice: Invoice): boolean =>
  invoice.kind !== "credit_note" &&
  invoice.status === "open" &&
  invoice.totalMinor > 0 &&
  invoice.paymentReference !== null &&
  isQrBillAccount(invoice.seller.iban)

/** The QR-bill's data: what its Swiss Payment Code encodes and its receipt and payment part print. */
export const qrBillData = (invoice: Invoice): QrBillData => {
  const { seller, buyer } = invoice
  const debtorStreet = buyer.addressLines[0]
  return {
    currency: invoice.currency,
    amount: invoice.totalMinor / 100,
    creditor: {
      account: compact(seller.iban),
      name: seller.legalName,
      address: seller.addressLines[0] ?? "",
      zip: seller.postcode,
      city: seller.town,
      country: seller.country,
    },
    ...(debtorStreet !== undefined && buyer.postcode !== null && buyer.town !== null && buyer.country !== null
      ? {
          debtor: {
            name: buyer.organisation ?? buyer.name,
            address: debtorStreet,
            zip: buyer.postcode,
            city: buyer.town,
            country: buyer.country,
          },
        }
      : {}),
    ...(invoice.paymentReference === null ? {} : { reference: invoice.paymentReference }),
    message: invoice.number,
  }
}

const paymentPartSvg = (invoice: Invoice) =>
  new SwissQRBill(qrBillData(invoice), {
    language: invoice.locale.toUpperCase() as "EN" | "DE" | "FR" | "IT",
  }).toString()

/**
 * Rows of text the first page holds above a payment part (105 mm of 297 mm): with more, the
 * payment part gets a page of its own, so it always sits at the bottom edge as the standard asks.
 */
const ROWS_ABOVE_PAYMENT_PART = 12
const CHARACTERS_PER_ROW = 60

/** Table rows, VAT rows and lines of notes and footer: what grows the page above the payment part. */
const estimatedRows = (invoice: Invoice, notes: number) =>
  invoice.lines.reduce((n, line) => n + Math.ceil(line.description.length / CHARACTERS_PER_ROW), 0) +
  invoice.vatBreakdown.length +
  notes +
  (invoice.seller.footer?.split("\n").reduce((n, l) => n + Math.ceil((l.length + 1) / 100), 0) ?? 0)

const styles = `
  @page { size: A4; margin: 0; }
  * { box-sizing: border-box; }
  html, body { margin: 0; padding: 0; }
  body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 9.5pt; color: #111; }
  .sheet { position: relative; width: 210mm; padding: 15mm 18mm 10mm 20mm; }
  .sheet.with-payment-part { height: 296.9mm; overflow: hidden; }
  .sheet.payment-only { height: 296.9mm; break-before: page; padding: 0; }
  .payment-part { position: absolute; left: 0; bottom: 0; width: 210mm; height: 105mm; }
  .payment-part svg { display: block; width: 210mm; height: 105mm; }
  header { display: flex; justify-content: space-between; align-items: flex-start; }
  .seller { font-size: 9pt; line-height: 1.35; }
  .seller strong { font-size: 11pt; }
  h1 { font-size: 17pt; margin: 9mm 0 4mm; font-weight: bold; }
  .parties { display: flex; justify-content: space-between; gap: 10mm; }
  .buyer { line-height: 1.35; min-width: 70mm; }
  .label { color: #555; font-size: 8pt; text-transform: uppercase; letter-spacing: 0.04em; }
  dl.meta { display: grid; grid-template-columns: auto auto; gap: 1mm 5mm; margin: 0; }
  dl.meta dt { color: #555; }
  dl.meta dd { margin: 0; text-align: right; }
  table { width: 100%; border-collapse: collapse; margin-top: 5mm; }
  th { text-align: left; font-weight: bold; border-bottom: 0.4mm solid #111; padding: 1.5mm 1mm; font-size: 8.5pt; }
  td { padding: 1.2mm 1mm; border-bottom: 0.2mm solid #ccc; vertical-align: top; }
  .num { text-align: right; white-space: nowrap; }
  table.totals { width: 75mm; margin-left: auto; margin-top: 3mm; }
  table.totals td { border: none; padding: 0.8mm 1mm; }
  table.totals tr.grand td { font-weight: bold; font-size: 11pt; border-top: 0.4mm solid #111; padding-top: 1.5mm; }
  table.vat { width: 110mm; margin-top: 5mm; font-size: 8.5pt; }
  .notes { margin-top: 4mm; line-height: 1.35; }
  .stamp { display: inline-block; border: 0.6mm solid #1a7f37; color: #1a7f37; padding: 1mm 3mm;
    font-weight: bold; text-transform: uppercase; margin-left: 4mm; font-size: 11pt; vertical-align: middle; }
  .stamp.cancelled { border-color: #b42318; color: #b42318; }
  footer { margin-top: 4mm; font-size: 8pt; color: #444; white-space: pre-line; }
`

/** Lines of text, one under the other; empty ones dropped. */
const lineBlock = (lines: ReadonlyArray<string | null>) =>
  lines.filter((l): l is string => l !== null && l.length > 0).map((l, i) => html`${i > 0 ? trusted("<br>") : ""}${l}`)

/**
 * The invoice as one self-contained HTML document (A4, no scripts, no external resources), in the
 * invoice's own language: the same markup becomes the PDF, the PNG preview and the HTML download.
 */
export const invoiceHtml = (invoice: Invoice): string => {
  const t = invoiceLabels[invoice.locale]
  const f = formatters(invoice.locale, invoice.currency, invoice.timeZone)
  const { seller, buyer } = invoice
  const withPayment = hasPaymentPart(invoice)
  const termsDays =
    invoice.dueAt === null ? null : Math.max(0, Math.round((invoice.dueAt - invoice.issuedAt) / 86_400_000))
  const notes = [
    t.vatIncluded,
    invoice.kind === "proforma" ? t.proformaNote : null,
    invoice.kind !== "credit_note" && termsDays !== null && invoice.status === "open"
      ? t.payableWithin(termsDays)
      : null,
    invoice.paymentReference !== null && invoice.kind !== "credit_note"
      ? `${t.paymentReference}: ${formatReference(invoice.paymentReference)} · ${t.account}: ${formatIban(seller.iban)}`
      : null,
    invoice.memo,
  ].filter((n): n is string => n !== null)
  const ownPage = withPayment && estimatedRows(invoice, notes.length) > ROWS_ABOVE_PAYMENT_PART
  const title = t.title[invoice.kind]
  const hasDiscount = invoice.lines.some((l) => l.discountMinor > 0)
  const stamp =
    invoice.status === "paid" && invoice.kind !== "credit_note"
      ? html`<span class="stamp">${t.paid}</span>`
      : invoice.status === "cancelled"
        ? html`<span class="stamp cancelled">${t.cancelled}</span>`
        : ""

  const rows = invoice.lines.map(
    (line) => html`<tr>
      <td>${line.description}</td>
      <td class="num">${line.quantity}</td>
      <td class="num">${f.money(line.unitPriceMinor)}</td>
      ${hasDiscount ? html`<td class="num">${line.discountMinor > 0 ? `− ${f.money(line.discountMinor)}` : ""}</td>` : ""}
      <td class="num">${f.rate(line.vatRateBp)}</td>
      <td class="num">${f.money(line.totalMinor)}</td>
    </tr>`,
  )
  const vatRows = invoice.vatBreakdown.map(
    (v) => html`<tr>
      <td>${f.rate(v.rateBp)}</td>
      <td class="num">${f.money(v.grossMinor - v.vatMinor)}</td>
      <td class="num">${f.money(v.vatMinor)}</td>
      <td class="num">${f.money(v.grossMinor)}</td>
    </tr>`,
  )
  const meta: Array<[string, string]> = [
    [t.number, invoice.number],
    [t.issued, f.date(invoice.issuedAt)],
    ...(invoice.dueAt !== null && invoice.kind !== "credit_note"
      ? [[t.due, f.date(invoice.dueAt)] as [string, string]]
      : []),
    ...(invoice.creditsInvoiceNumber !== null ? [[t.credits, invoice.creditsInvoiceNumber] as [string, string]] : []),
    ...(invoice.orderId !== null ? [[t.order, invoice.orderId.slice(0, 8)] as [string, string]] : []),
  ]
  const paymentPart: SafeHtml | "" = withPayment
    ? html`<div class="payment-part">${trusted(paymentPartSvg(invoice))}</div>`
    : ""
  const body = html`
<section class="sheet${withPayment && !ownPage ? " with-payment-part" : ""}">
  <header>
    <div class="seller">
      <strong>${seller.legalName}</strong><br>
      ${lineBlock([...seller.addressLines, `${seller.postcode} ${seller.town}`, seller.country === "CH" ? null : seller.country])}
      ${seller.vatNumber !== null ? html`<br>${t.vatNumber} ${seller.vatNumber}` : ""}
    </div>
  </header>
  <h1>${title}${stamp}</h1>
  <div class="parties">
    <div class="buyer">
      <div class="label">${t.billTo}</div>
      ${lineBlock([
        buyer.organisation,
        buyer.name,
        ...buyer.addressLines,
        buyer.postcode !== null || buyer.town !== null ? `${buyer.postcode ?? ""} ${buyer.town ?? ""}`.trim() : null,
        buyer.country !== null && buyer.country !== seller.country ? buyer.country : null,
        buyer.vatNumber !== null ? `${t.vatNumber} ${buyer.vatNumber}` : null,
      ])}
    </div>
    <dl class="meta">${meta.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
  </div>
  <table class="lines">
    <thead><tr>
      <th>${t.description}</th><th class="num">${t.quantity}</th><th class="num">${t.unitPrice}</th>
      ${hasDiscount ? html`<th class="num">${t.discount}</th>` : ""}
      <th class="num">${t.vatRate}</th><th class="num">${t.amount}</th>
    </tr></thead>
    <tbody>${rows}</tbody>
  </table>
  <table class="totals">
    ${
      invoice.discountMinor > 0
        ? html`<tr><td>${t.subtotal}</td><td class="num">${f.money(invoice.subtotalMinor)}</td></tr>
      <tr><td>${t.discount}</td><td class="num">− ${f.money(invoice.discountMinor)}</td></tr>`
        : ""
    }
    <tr class="grand"><td>${t.total} ${invoice.currency}</td><td class="num">${f.money(invoice.totalMinor)}</td></tr>
  </table>
  <table class="vat">
    <thead><tr><th>${t.vatSummary}</th><th class="num">${t.net}</th><th class="num">${t.vat}</th><th class="num">${t.gross}</th></tr></thead>
    <tbody>${vatRows}</tbody>
  </table>
  <div class="notes">${lineBlock(notes)}</div>
  ${seller.footer !== null ? html`<footer>${seller.footer}</footer>` : ""}
  ${ownPage ? "" : paymentPart}
</section>
${ownPage ? html`<section class="sheet payment-only">${paymentPart}</section>` : ""}`

  return `<!doctype html>
<html lang="${invoice.locale}"><head><meta charset="utf-8"><title>${html`${title} ${invoice.number}`}</title>
<style>${styles}</style></head><body>${body}</body></html>`
}

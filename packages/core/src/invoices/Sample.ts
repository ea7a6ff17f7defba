import type { Locale } from "../domain/Common.js"
import type { EventId, OrgId } from "../domain/Ids.js"
import { priceOrder } from "../pricing/Pricing.js"
import { Invoice, type InvoiceId, type InvoiceKind } from "./Invoice.js"
import { creditorReference, qrReference } from "./References.js"

/** The account numbers of the Swiss payment standards' own examples: a QR-IBAN and an ordinary IBAN. */
export const SAMPLE_QR_IBAN = "CH4431999123000889012"
export const SAMPLE_IBAN = "CH5800791123000889012"

const sampleLines = {
  en: ["Exhibition booth 3 × 3 m, hall A", "Exhibitor pass", "Power connection 16 A"],
  de: ["Ausstellungsstand 3 × 3 m, Halle A", "Ausstellerausweis", "Stromanschluss 16 A"],
  fr: ["Stand d’exposition 3 × 3 m, halle A", "Badge exposant", "Raccordement électrique 16 A"],
  it: ["Stand espositivo 3 × 3 m, padiglione A", "Pass espositore", "Allacciamento elettrico 16 A"],
} as const

/**
 * An invoice that exists only in memory, for previews (`sratix invoice render --sample`) and
 * tests: an exhibitor's booth, passes and an extra, with the reference kind its account calls for.
 */
export const sampleInvoice = (
  locale: Locale,
  options: { readonly reference?: "QRR" | "SCOR"; readonly kind?: InvoiceKind; readonly issuedAt?: number } = {},
): Invoice => {
  const referenceType = options.reference ?? "QRR"
  const kind = options.kind ?? "proforma"
  const issuedAt = options.issuedAt ?? Date.parse("2026-09-01T08:00:00Z")
  const [booth, pass, power] = sampleLines[locale]
  const lines = [
    { description: booth, quantity: 1, unitPriceMinor: 250_000, vatRateBp: 810 },
    { description: pass, quantity: 3, unitPriceMinor: 7_900, vatRateBp: 810 },
    { description: power, quantity: 1, unitPriceMinor: 12_000, vatRateBp: 260 },
  ]
  const totals = priceOrder(lines.map((l, i) => ({ ...l, ticketTypeId: String(i) })))
  return new Invoice({
    id: "0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60" as InvoiceId,
    orgId: "0193a4f2-7c1e-7d3a-9f00-000000000001" as OrgId,
    eventId: "0193a4f2-7c1e-7d3a-9f00-000000000002" as EventId,
    kind,
    number: `${kind === "proforma" ? "PRO" : kind === "final" ? "INV" : "CN"}-2026-000042`,
    seriesYear: 2026,
    seq: 42,
    orderId: null,
    creditsInvoiceId: null,
    creditsInvoiceNumber: null,
    currency: "CHF",
    locale,
    seller: {
      legalName: "Swiss Robotics Association",
      addressLines: ["Technoparkstrasse 1"],
      postcode: "8005",
      town: "Zürich",
      country: "CH",
      vatNumber: "CHE-123.456.788 MWST",
      iban: referenceType === "QRR" ? SAMPLE_QR_IBAN : SAMPLE_IBAN,
      footer: "Swiss Robotics Association · info@example.org",
    },
    buyer: {
      name: "Pia Rutschmann",
      organisation: "Rutschmann Automation AG",
      addressLines: ["Marktgasse 28"],
      postcode: "9400",
      town: "Rorschach",
      country: "CH",
      vatNumber: null,
      email: null,
    },
    lines: totals.lines.map(({ ticketTypeId: _, ...line }, i) => ({ ...line, description: lines[i]!.description })),
    subtotalMinor: totals.subtotalMinor,
    discountMinor: totals.discountMinor,
    totalMinor: totals.totalMinor,
    vatMinor: totals.vatMinor,
    vatBreakdown: totals.vatBreakdown,
    paymentReference:
      kind === "credit_note"
        ? null
        : referenceType === "QRR"
          ? qrReference("202600000042")
          : creditorReference("202600000042"),
    referenceType: kind === "credit_note" ? null : referenceType,
    memo: null,
    timeZone: "Europe/Zurich",
    issuedAt,
    dueAt: kind === "credit_note" ? null : issuedAt + 30 * 86_400_000,
    status: "open",
    paidAt: null,
    cancelledAt: null,
    createdAt: issuedAt,
    updatedAt: issuedAt,
  })
}

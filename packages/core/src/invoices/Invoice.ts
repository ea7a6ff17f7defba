import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { Currency, Locale, MinorUnits, Timestamp, TimeZone, VatRateBp } from "../domain/Common.js"
import { EventId, OrderId, OrgId } from "../domain/Ids.js"
import { VatLine } from "../domain/Order.js"
import { problemFields } from "../domain/Problems.js"

export const InvoiceId = Schema.UUID.pipe(Schema.brand("InvoiceId"))
export type InvoiceId = typeof InvoiceId.Type

export const InvoiceKind = Schema.Literal("proforma", "final", "credit_note")
export type InvoiceKind = typeof InvoiceKind.Type

/**
 * The one mutable fact about an invoice, kept beside the immutable document: `open` until paid
 * (for a credit note: until the money went back), `cancelled` only for a proforma nobody will pay.
 */
export const InvoiceStatus = Schema.Literal("open", "paid", "cancelled")
export type InvoiceStatus = typeof InvoiceStatus.Type

export const ReferenceType = Schema.Literal("QRR", "SCOR")
export type ReferenceType = typeof ReferenceType.Type

const Text = (max: number) => Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(max))

/** Lengths follow the QR-bill's structured address (name 70, street 70, postcode 16, town 35). */
export const AddressLines = Schema.Array(Text(70)).pipe(Schema.maxItems(2))
export const Postcode = Text(16)
export const Town = Text(35)
export const CountryCode = Schema.String.pipe(
  Schema.pattern(/^[A-Z]{2}$/, { message: () => "must be an ISO 3166 country code such as CH" }),
)

/** Number prefixes per kind; the default series read INV-2026-000001, PRO-2026-000001, CN-2026-000001. */
export const NumberPrefixes = Schema.Struct({
  proforma: Schema.String.pipe(Schema.pattern(/^[A-Z0-9]{1,10}$/)),
  final: Schema.String.pipe(Schema.pattern(/^[A-Z0-9]{1,10}$/)),
  credit_note: Schema.String.pipe(Schema.pattern(/^[A-Z0-9]{1,10}$/)),
})
export type NumberPrefixes = typeof NumberPrefixes.Type
export const defaultPrefixes: NumberPrefixes = { proforma: "PRO", final: "INV", credit_note: "CN" }

/** An organisation's seller details, copied into every invoice it issues. */
export class BillingProfile extends Schema.Class<BillingProfile>("BillingProfile")({
  orgId: OrgId,
  legalName: Text(70),
  addressLines: AddressLines.pipe(Schema.minItems(1)),
  postcode: Postcode,
  town: Town,
  country: CountryCode,
  /** `CHE-123.456.789 MWST` (or TVA, IVA); null when the organisation is not VAT-registered. */
  vatNumber: Schema.NullOr(Schema.String),
  /** Compact (no spaces); a QR-IBAN makes payments carry a QR reference, any other a creditor reference. */
  iban: Schema.String,
  footer: Schema.NullOr(Schema.String.pipe(Schema.maxLength(2000))),
  paymentTermsDays: Schema.Int.pipe(Schema.between(0, 365)),
  numberPrefixes: NumberPrefixes,
  /** Decides which year an invoice's number belongs to and how its dates print. */
  timeZone: TimeZone,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const SetBillingProfile = Schema.Struct({
  legalName: Text(70),
  addressLines: AddressLines.pipe(Schema.minItems(1)),
  postcode: Postcode,
  town: Town,
  country: CountryCode,
  vatNumber: Schema.optional(Schema.NullOr(Schema.String)),
  iban: Schema.String,
  footer: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(2000)))),
  paymentTermsDays: Schema.optional(Schema.Int.pipe(Schema.between(0, 365))),
  numberPrefixes: Schema.optional(Schema.partialWith(NumberPrefixes, { exact: true })),
  timeZone: Schema.optional(TimeZone),
}).annotations({ identifier: "SetBillingProfile" })
export type SetBillingProfile = typeof SetBillingProfile.Type

/** The seller as printed on one invoice: the billing profile at the moment of issue. */
export const Seller = Schema.Struct({
  legalName: Schema.String,
  addressLines: Schema.Array(Schema.String),
  postcode: Schema.String,
  town: Schema.String,
  country: Schema.String,
  vatNumber: Schema.NullOr(Schema.String),
  iban: Schema.String,
  footer: Schema.NullOr(Schema.String),
})
export type Seller = typeof Seller.Type

/** Who is billed. Without an address the QR-bill leaves "Payable by" blank for the payer to fill in. */
export const BuyerDetails = Schema.Struct({
  name: Text(70),
  organisation: Schema.optionalWith(Schema.NullOr(Text(70)), { default: () => null }),
  addressLines: Schema.optionalWith(AddressLines, { default: () => [] }),
  postcode: Schema.optionalWith(Schema.NullOr(Postcode), { default: () => null }),
  town: Schema.optionalWith(Schema.NullOr(Town), { default: () => null }),
  country: Schema.optionalWith(Schema.NullOr(CountryCode), { default: () => null }),
  vatNumber: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  email: Schema.optionalWith(Schema.NullOr(Schema.String.pipe(Schema.maxLength(254))), { default: () => null }),
}).annotations({ identifier: "BuyerDetails" })
export type BuyerDetails = typeof BuyerDetails.Type
export type BuyerInput = typeof BuyerDetails.Encoded

export const InvoiceLineInput = Schema.Struct({
  description: Text(200),
  quantity: Schema.Int.pipe(Schema.between(1, 100_000)),
  unitPriceMinor: MinorUnits,
  vatRateBp: VatRateBp,
}).annotations({ identifier: "InvoiceLineInput" })
export type InvoiceLineInput = typeof InvoiceLineInput.Type

/**
 * One line of the document. Free-form, so an exhibitor's booth, tickets and extras share one
 * invoice. Prices are gross (VAT included), as on orders; `totalMinor = unit × quantity − discount`.
 */
export const InvoiceLine = Schema.Struct({
  ...InvoiceLineInput.fields,
  discountMinor: MinorUnits,
  totalMinor: MinorUnits,
})
export type InvoiceLine = typeof InvoiceLine.Type

export class Invoice extends Schema.Class<Invoice>("Invoice")({
  id: InvoiceId,
  orgId: OrgId,
  eventId: Schema.NullOr(EventId),
  kind: InvoiceKind,
  /** As printed, e.g. `INV-2026-000123`; unique per organisation. */
  number: Schema.String,
  seriesYear: Schema.Int,
  /** 1, 2, 3, … per (organisation, kind, year), never reused, never skipped. */
  seq: Schema.Int,
  orderId: Schema.NullOr(OrderId),
  creditsInvoiceId: Schema.NullOr(InvoiceId),
  /** Printed on a credit note, so the document names what it corrects on its own. */
  creditsInvoiceNumber: Schema.NullOr(Schema.String),
  currency: Currency,
  locale: Locale,
  seller: Seller,
  buyer: BuyerDetails,
  lines: Schema.Array(InvoiceLine),
  subtotalMinor: MinorUnits,
  discountMinor: MinorUnits,
  totalMinor: MinorUnits,
  vatMinor: MinorUnits,
  vatBreakdown: Schema.Array(VatLine),
  paymentReference: Schema.NullOr(Schema.String),
  referenceType: Schema.NullOr(ReferenceType),
  memo: Schema.NullOr(Schema.String),
  timeZone: TimeZone,
  issuedAt: Timestamp,
  dueAt: Schema.NullOr(Timestamp),
  status: InvoiceStatus,
  paidAt: Schema.NullOr(Timestamp),
  cancelledAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const IssueInvoice = Schema.Struct({
  orgId: OrgId,
  eventId: Schema.optional(Schema.NullOr(EventId)),
  kind: InvoiceKind,
  locale: Schema.optionalWith(Locale, { default: () => "en" as const }),
  currency: Currency,
  buyer: BuyerDetails,
  lines: Schema.Array(InvoiceLineInput).pipe(Schema.minItems(1), Schema.maxItems(500)),
  orderId: Schema.optional(Schema.NullOr(OrderId)),
  /** Required for a credit note: the final invoice it credits. */
  creditsInvoiceId: Schema.optional(Schema.NullOr(InvoiceId)),
  dueAt: Schema.optional(Schema.NullOr(Timestamp)),
  memo: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(500)))),
}).annotations({ identifier: "IssueInvoice" })
export type IssueInvoice = typeof IssueInvoice.Encoded

export class InvalidIban extends Schema.TaggedError<InvalidIban>()(
  "InvalidIban",
  { ...problemFields("invalid-iban", 422, "Invalid IBAN"), field: Schema.String },
  HttpApiSchema.annotations<InvalidIban>({ status: 422 }),
) {}

export class InvalidVatNumber extends Schema.TaggedError<InvalidVatNumber>()(
  "InvalidVatNumber",
  { ...problemFields("invalid-vat-number", 422, "Invalid VAT number"), field: Schema.String },
  HttpApiSchema.annotations<InvalidVatNumber>({ status: 422 }),
) {}

export class UnsupportedLocale extends Schema.TaggedError<UnsupportedLocale>()(
  "UnsupportedLocale",
  { ...problemFields("unsupported-locale", 422, "Unsupported locale"), locale: Schema.String },
  HttpApiSchema.annotations<UnsupportedLocale>({ status: 422 }),
) {}

export class CreditNoteExceedsInvoice extends Schema.TaggedError<CreditNoteExceedsInvoice>()(
  "CreditNoteExceedsInvoice",
  {
    ...problemFields("credit-note-exceeds-invoice", 409, "Credit note exceeds the invoice"),
    invoiceId: Schema.String,
    remainingMinor: Schema.Number,
    requestedMinor: Schema.Number,
  },
  HttpApiSchema.annotations<CreditNoteExceedsInvoice>({ status: 409 }),
) {}

export class BillingProfileMissing extends Schema.TaggedError<BillingProfileMissing>()(
  "BillingProfileMissing",
  { ...problemFields("billing-profile-missing", 409, "Billing profile missing"), orgId: Schema.String },
  HttpApiSchema.annotations<BillingProfileMissing>({ status: 409 }),
) {}

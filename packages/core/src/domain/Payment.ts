import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { Currency, MinorUnits, Timestamp } from "./Common.js"
import { EventId, OrderId, OrgId, PaymentId, RefundId } from "./Ids.js"
import { problemFields } from "./Problems.js"
import { TicketId } from "./Ticket.js"

/** Providers a buyer can choose; `manual` records money received outside any provider (cash, a transfer seen by hand). */
export const PaymentProviderId = Schema.Literal("stripe", "invoice", "free", "manual")
export type PaymentProviderId = typeof PaymentProviderId.Type

/** Providers an event can offer at checkout. */
export const CheckoutProvider = Schema.Literal("stripe", "invoice")
export type CheckoutProvider = typeof CheckoutProvider.Type

export const StripeMode = Schema.Literal("test", "live")
export type StripeMode = typeof StripeMode.Type

/**
 * A payment attempt only moves forward: `pending` to one end state. `failed` may still turn into
 * `succeeded` (Stripe lets the buyer retry inside the same session) — nothing else leaves an end state,
 * which is what makes webhooks delivered out of order harmless.
 */
export const PaymentStatus = Schema.Literal("pending", "succeeded", "failed", "expired", "cancelled")
export type PaymentStatus = typeof PaymentStatus.Type

export const paymentTransitions: Record<PaymentStatus, ReadonlyArray<PaymentStatus>> = {
  pending: ["succeeded", "failed", "expired", "cancelled"],
  failed: ["succeeded", "expired", "cancelled"],
  succeeded: [],
  expired: [],
  cancelled: [],
}

export class Payment extends Schema.Class<Payment>("Payment")({
  id: PaymentId,
  orgId: OrgId,
  eventId: EventId,
  orderId: OrderId,
  provider: PaymentProviderId,
  mode: StripeMode,
  status: PaymentStatus,
  amountMinor: MinorUnits,
  refundedMinor: MinorUnits,
  currency: Currency,
  providerRef: Schema.String.annotations({
    description: "What the provider knows the attempt by: Checkout Session id, payment reference",
  }),
  providerPaymentRef: Schema.NullOr(Schema.String),
  redirectUrl: Schema.NullOr(Schema.String),
  invoiceId: Schema.NullOr(Schema.String),
  failureReason: Schema.NullOr(Schema.String),
  expiresAt: Schema.NullOr(Timestamp),
  succeededAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export class Refund extends Schema.Class<Refund>("Refund")({
  id: RefundId,
  orgId: OrgId,
  eventId: EventId,
  orderId: OrderId,
  paymentId: PaymentId,
  amountMinor: MinorUnits,
  currency: Currency,
  status: Schema.Literal("succeeded", "pending", "failed"),
  providerRef: Schema.NullOr(Schema.String),
  reason: Schema.NullOr(Schema.String),
  creditNoteId: Schema.NullOr(Schema.String),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export class EventPaymentSettings extends Schema.Class<EventPaymentSettings>("EventPaymentSettings")({
  eventId: EventId,
  providers: Schema.Array(CheckoutProvider).pipe(Schema.minItems(1)),
  stripeMode: StripeMode,
  invoiceDueDays: Schema.Int.pipe(Schema.between(1, 90)),
}) {}

export const UpdatePaymentSettings = Schema.Struct({
  providers: Schema.optional(Schema.Array(CheckoutProvider).pipe(Schema.minItems(1), Schema.maxItems(2))),
  stripeMode: Schema.optional(StripeMode),
  invoiceDueDays: Schema.optional(Schema.Int.pipe(Schema.between(1, 90))),
}).annotations({ identifier: "UpdatePaymentSettings" })
export type UpdatePaymentSettings = typeof UpdatePaymentSettings.Type

// A pattern, not a free-form filter: test data generators derive matching strings from it, where a
// filter would leave them guessing forever.
const ReturnUrl = Schema.String.pipe(
  Schema.maxLength(2000),
  Schema.pattern(/^https?:\/\/[^\s]+$/, { message: () => "An absolute http(s) URL" }),
)

export const StartPayment = Schema.Struct({
  provider: CheckoutProvider,
  successUrl: Schema.optional(ReturnUrl).annotations({
    description: "Where Stripe sends the buyer after paying; `{ORDER_ID}` is replaced by the order id",
  }),
  cancelUrl: Schema.optional(ReturnUrl),
}).annotations({ identifier: "StartPayment" })
export type StartPayment = typeof StartPayment.Type

/** What the buyer does next: follow a redirect to the provider, or pay the invoice by bank transfer. */
export class PaymentStart extends Schema.Class<PaymentStart>("PaymentStart")({
  payment: Payment,
  next: Schema.Union(
    Schema.Struct({ kind: Schema.Literal("redirect"), url: Schema.String }),
    Schema.Struct({
      kind: Schema.Literal("bank_transfer"),
      invoiceId: Schema.String,
      reference: Schema.String,
      dueAt: Timestamp,
    }),
  ),
}) {}

export const RequestRefund = Schema.Struct({
  amountMinor: Schema.optional(MinorUnits.pipe(Schema.positive())).annotations({
    description: "Defaults to everything not yet refunded",
  }),
  reason: Schema.optional(Schema.String.pipe(Schema.maxLength(500))),
  ticketIds: Schema.optional(Schema.Array(TicketId).pipe(Schema.maxItems(1000))).annotations({
    description:
      "Tickets of the order this partial refund voids (they go on the revocation list); a full refund voids all",
  }),
}).annotations({ identifier: "RequestRefund" })
export type RequestRefund = typeof RequestRefund.Type

export class PaymentUnavailable extends Schema.TaggedError<PaymentUnavailable>()(
  "PaymentUnavailable",
  {
    ...problemFields("payment-unavailable", 409, "Payment unavailable"),
    reason: Schema.Literal(
      "provider_not_offered",
      "provider_not_configured",
      "order_not_payable",
      "nothing_to_pay",
      "provider_error",
    ),
  },
  HttpApiSchema.annotations<PaymentUnavailable>({ status: 409 }),
) {}

export class RefundRefused extends Schema.TaggedError<RefundRefused>()(
  "RefundRefused",
  {
    ...problemFields("refund-refused", 409, "Refund refused"),
    reason: Schema.Literal("not_paid", "exceeds_paid", "provider_error"),
    refundableMinor: Schema.Number,
  },
  HttpApiSchema.annotations<RefundRefused>({ status: 409 }),
) {}

export class WebhookRejected extends Schema.TaggedError<WebhookRejected>()(
  "WebhookRejected",
  {
    ...problemFields("webhook-rejected", 400, "Webhook rejected"),
    reason: Schema.Literal("bad_signature", "not_configured", "malformed"),
  },
  HttpApiSchema.annotations<WebhookRejected>({ status: 400 }),
) {}

/** A bank file that is not a readable camt.054 notification; nothing of it was stored. */
export class BankFileRejected extends Schema.TaggedError<BankFileRejected>()(
  "BankFileRejected",
  {
    ...problemFields("bank-file-rejected", 400, "Bank file rejected"),
  },
  HttpApiSchema.annotations<BankFileRejected>({ status: 400 }),
) {}

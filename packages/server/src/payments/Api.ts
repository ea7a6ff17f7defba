import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import {
  CheckoutProvider,
  Conflict,
  Currency,
  EventId,
  EventPaymentSettings,
  InvalidRequest,
  InvalidStateTransition,
  MinorUnits,
  NotFound,
  Order,
  OrderId,
  Payment,
  PaymentStart,
  PaymentUnavailable,
  Refund,
  RefundRefused,
  RequestRefund,
  StartPayment,
  UpdatePaymentSettings,
  WebhookRejected,
} from "@sratix/core"
import { Schema } from "effect"
import { permission, publicAccess, RequiredAccess } from "../http/Access.js"
import { Authorization } from "../http/Authorization.js"

const OrderPath = Schema.Struct({ eventId: EventId, orderId: OrderId })

const IdempotencyHeader = Schema.Struct({
  "idempotency-key": Schema.optional(
    Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)).annotations({
      description: "Retries with the same key answer with the first outcome instead of acting twice",
    }),
  ),
})

/** What a buyer may choose between at checkout; settings that are not the buyer's business stay out. */
export const PaymentOptions = Schema.Struct({
  eventId: EventId,
  currency: Currency,
  providers: Schema.Array(CheckoutProvider),
}).annotations({ identifier: "PaymentOptions" })

export const OrderPayments = Schema.Struct({
  payments: Schema.Array(Payment),
  refunds: Schema.Array(Refund),
}).annotations({ identifier: "OrderPayments" })

export const MarkPaid = Schema.Struct({
  amountMinor: Schema.optional(MinorUnits.pipe(Schema.positive())).annotations({
    description: "Defaults to the order's total",
  }),
  reference: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200))).annotations({
    description: "What identifies the money received: a receipt number, the bank transfer's reference",
  }),
}).annotations({ identifier: "MarkPaid" })

export const WebhookReceipt = Schema.Struct({
  received: Schema.Literal(true),
  outcome: Schema.Literal(
    "processed",
    "duplicate",
    "ignored",
    "stale",
    "awaiting_async_payment",
    "refund_recorded",
    "paid_closed_order",
  ),
}).annotations({ identifier: "WebhookReceipt" })

export class PaymentsApi extends HttpApiGroup.make("payments")
  .add(
    HttpApiEndpoint.get("paymentOptions", "/public/events/:eventId/payment-options")
      .setPath(Schema.Struct({ eventId: EventId }))
      .addSuccess(PaymentOptions)
      .addError(NotFound)
      .annotate(RequiredAccess, publicAccess)
      .annotate(OpenApi.Description, "How a buyer can pay for an order of this published event."),
  )
  .add(
    HttpApiEndpoint.post("start", "/public/orders/:orderId/payments")
      .setPath(Schema.Struct({ orderId: OrderId }))
      .setHeaders(
        Schema.Struct({
          "x-order-token": Schema.String.pipe(Schema.maxLength(200)),
          ...IdempotencyHeader.fields,
        }),
      )
      .setPayload(StartPayment)
      .addSuccess(PaymentStart, { status: 201 })
      .addError(NotFound)
      .addError(PaymentUnavailable)
      .annotate(RequiredAccess, publicAccess)
      .annotate(
        OpenApi.Description,
        "Starts paying an order with the chosen provider, proving ownership with the order's access token. " +
          "Asking again while an attempt is open answers with that attempt, so retries never open a second one.",
      ),
  )
  .add(
    HttpApiEndpoint.get("settings", "/events/:eventId/payment-settings")
      .setPath(Schema.Struct({ eventId: EventId }))
      .addSuccess(EventPaymentSettings)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("orders.read")),
  )
  .add(
    HttpApiEndpoint.put("updateSettings", "/events/:eventId/payment-settings")
      .setPath(Schema.Struct({ eventId: EventId }))
      .setPayload(UpdatePaymentSettings)
      .addSuccess(EventPaymentSettings)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("events.write"))
      .annotate(
        OpenApi.Description,
        "Providers offered, Stripe mode (test or live) and invoice due days. Keys stay in the server's environment.",
      ),
  )
  .add(
    HttpApiEndpoint.get("listForOrder", "/events/:eventId/orders/:orderId/payments")
      .setPath(OrderPath)
      .addSuccess(OrderPayments)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("orders.read"))
      .annotate(OpenApi.Description, "Every payment attempt of the order and every refund."),
  )
  .add(
    HttpApiEndpoint.post("refund", "/events/:eventId/orders/:orderId/refunds")
      .setPath(OrderPath)
      .setHeaders(IdempotencyHeader)
      .setPayload(RequestRefund)
      .addSuccess(OrderPayments, { status: 201 })
      .addError(NotFound)
      .addError(RefundRefused)
      .addError(InvalidRequest)
      .addError(InvalidStateTransition)
      .addError(Conflict)
      .annotate(RequiredAccess, permission("payments.refund"))
      .annotate(
        OpenApi.Description,
        "Sends money back (all that is left by default), newest payment first; the order is cancelled when " +
          "nothing paid remains. Answers with the order's payments and refunds as they are afterwards; a retry " +
          "with the same Idempotency-Key refunds nothing more and answers the same way.",
      ),
  )
  .add(
    HttpApiEndpoint.post("markPaid", "/events/:eventId/orders/:orderId/mark-paid")
      .setPath(OrderPath)
      .setPayload(Schema.NullOr(MarkPaid))
      .addSuccess(Order)
      .addError(NotFound)
      .addError(PaymentUnavailable)
      .annotate(RequiredAccess, permission("orders.write"))
      .annotate(
        OpenApi.Description,
        "Records money received outside a payment provider (cash, a bank transfer checked by hand) as a " +
          "payment with its ledger entry, and marks the order paid.",
      ),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "Payments") {}

export class WebhooksApi extends HttpApiGroup.make("webhooks")
  .add(
    HttpApiEndpoint.post("stripe", "/webhooks/stripe")
      .setHeaders(Schema.Struct({ "stripe-signature": Schema.String.pipe(Schema.maxLength(2000)) }))
      .addSuccess(WebhookReceipt)
      .addError(WebhookRejected)
      .annotate(RequiredAccess, publicAccess)
      // No payload schema: decoding would parse the body, and the handler needs its bytes untouched.
      .annotate(OpenApi.Override, {
        requestBody: {
          required: true,
          description: "A Stripe event object, exactly as Stripe sent it",
          content: { "application/json": { schema: { type: "object" } } },
        },
      })
      .annotate(
        OpenApi.Description,
        "Stripe's event deliveries. The body is read as raw bytes (the signature covers them exactly) and " +
          "verified against the webhook secret of each configured mode; a delivery seen before is a `duplicate`.",
      ),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "Webhooks") {}

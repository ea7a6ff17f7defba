import { createHash } from "node:crypto"
import { HttpApiBuilder } from "@effect/platform"
import { Caller, Conflict, Events, JobRuns, Payments, PaymentsConfig, withCaller } from "@sratix/core"
import { Effect } from "effect"
import { SratixApi } from "../Api.js"

/** Settings are read as the system once the event is known to be published: only the provider list leaves. */
const asPaymentOptions = withCaller(Caller.system("payment-options"))

export const PaymentsLive = HttpApiBuilder.group(SratixApi, "payments", (handlers) =>
  Effect.gen(function* () {
    const payments = yield* Payments
    const events = yield* Events
    const config = yield* PaymentsConfig
    const runs = yield* JobRuns

    return handlers
      .handle("paymentOptions", ({ path }) =>
        Effect.gen(function* () {
          const event = yield* events.getPublished(path.eventId)
          const settings = yield* payments.settings(event.id).pipe(asPaymentOptions)
          // A provider the server cannot use is not offered: the buyer would only meet an error.
          const providers = settings.providers.filter((p) => p !== "stripe" || config.stripe[settings.stripeMode])
          return { eventId: event.id, currency: event.currency, providers }
        }),
      )
      .handle("start", ({ path, headers, payload }) => payments.start(path.orderId, headers["x-order-token"], payload))
      .handle("settings", ({ path }) => payments.settings(path.eventId))
      .handle("updateSettings", ({ path, payload }) => payments.updateSettings(path.eventId, payload))
      .handle("listForOrder", ({ path }) => payments.listForOrder(path.eventId, path.orderId))
      .handle("refund", ({ path, headers, payload }) =>
        Effect.gen(function* () {
          const refund = payments.refund(path.eventId, path.orderId, payload)
          const key = headers["idempotency-key"]
          if (key === undefined) yield* refund
          else {
            // The key is claimed in the transaction that records the refund: a retry, even a
            // concurrent one, finds it taken and refunds nothing more.
            const digest = createHash("sha256").update(key).digest("hex").slice(0, 32)
            yield* runs.once("http.refund", `refund:${path.orderId}:${digest}`, refund)
          }
          return yield* payments.listForOrder(path.eventId, path.orderId)
        }).pipe(
          Effect.catchTag("OrderLockTimeout", () =>
            Effect.fail(new Conflict({ detail: "The order is being changed by another request; try again" })),
          ),
        ),
      )
      .handle("markPaid", ({ path, payload }) =>
        payments.markPaid(path.eventId, path.orderId, {
          ...(payload?.amountMinor === undefined ? {} : { amountMinor: payload.amountMinor }),
          ...(payload?.reference === undefined ? {} : { reference: payload.reference }),
        }),
      )
  }),
)

export const WebhooksLive = HttpApiBuilder.group(SratixApi, "webhooks", (handlers) =>
  Effect.gen(function* () {
    const payments = yield* Payments
    return handlers.handle("stripe", ({ headers, request }) =>
      Effect.gen(function* () {
        // The bytes as sent: Stripe signs them, so no parsing or re-encoding may come first.
        const body = new Uint8Array(yield* Effect.orDie(request.arrayBuffer))
        const { outcome } = yield* payments.handleStripeWebhook(body, headers["stripe-signature"])
        return { received: true as const, outcome }
      }),
    )
  }),
)

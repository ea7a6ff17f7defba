import { SqlClient } from "@effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Ledger, type OrderId, Orders, Payments } from "../src/index.js"
import { engines } from "./support/Databases.js"
import { asBuyer, countWhere, createTicketType, orderInput, publishedEvent, systemLayer } from "./support/Fixtures.js"
import { type StripeStandIn, startStripeStandIn } from "./support/StripeStandIn.js"

let stripe: StripeStandIn
beforeAll(async () => {
  stripe = await startStripeStandIn()
})
afterAll(() => stripe.close())

const layerFor = (engine: "sqlite" | "mysql") =>
  systemLayer(engine, {
    payments: {
      stripe: { test: { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret }, live: null },
      stripeApi: { host: "127.0.0.1", port: stripe.port, protocol: "http" },
    },
  })

/** A pending order of two seats at CHF 120 and a Checkout Session for it. */
const orderWithSession = Effect.gen(function* () {
  const { event } = yield* publishedEvent()
  const type = yield* createTicketType(event, { priceMinor: 12_000, capacity: 10 })
  const placed = yield* Effect.flatMap(Orders, (o) =>
    o.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 2 }])),
  ).pipe(asBuyer)
  const payments = yield* Payments
  const started = yield* payments.start(placed.order.id, placed.accessToken, { provider: "stripe" }).pipe(asBuyer)
  return { event, type, placed, started, payments }
})

const deliver = (payments: Payments, type: string, object: Record<string, unknown>) => {
  const payload = stripe.event(type, object)
  return { payload, run: () => payments.handleStripeWebhook(new TextEncoder().encode(payload), stripe.sign(payload)) }
}

const sumLedger = (orderId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ n: number | bigint | null; c: number | bigint }>`SELECT SUM(amount_minor) AS n, COUNT(*) AS c
      FROM invoice_ledger WHERE order_id = ${orderId}`.pipe(
      Effect.map((rows) => ({ sum: Number(rows[0]?.n ?? 0), entries: Number(rows[0]?.c ?? 0) })),
    ),
  ).pipe(Effect.orDie)

describe.each(engines)("payments with Stripe (%s)", (engine) => {
  it.scopedLive(
    "a Checkout Session is made once, for exactly the order's amount, and holds the seats past its end",
    () =>
      Effect.gen(function* () {
        const { placed, started, payments } = yield* orderWithSession
        expect(started.next.kind).toBe("redirect")
        const session = stripe.sessions.get(started.payment.providerRef)!
        expect(session.amount_total).toBe(24_000)
        expect(session.metadata.orderId).toBe(placed.order.id)
        const again = yield* payments.start(placed.order.id, placed.accessToken, { provider: "stripe" }).pipe(asBuyer)
        expect(again.payment.id).toBe(started.payment.id)
        const order = yield* Effect.flatMap(Orders, (o) => o.find(placed.order.id))
        expect(order.expiresAt).toBeGreaterThan(session.expires_at * 1000)
      }).pipe(Effect.provide(layerFor(engine))),
  )

  it.scopedLive("ten concurrent deliveries of one checkout.session.completed: paid once, one ledger entry", () =>
    Effect.gen(function* () {
      const { placed, started, payments } = yield* orderWithSession
      const completed = deliver(payments, "checkout.session.completed", stripe.complete(started.payment.providerRef))
      const outcomes = yield* Effect.all(
        Array.from({ length: 10 }, () => completed.run()),
        { concurrency: "unbounded" },
      )
      expect(outcomes.filter((o) => o.outcome === "processed")).toHaveLength(1)
      expect(outcomes.filter((o) => o.outcome === "duplicate")).toHaveLength(9)
      const order = yield* Effect.flatMap(Orders, (o) => o.find(placed.order.id))
      expect(order.status).toBe("paid")
      expect(yield* sumLedger(placed.order.id)).toEqual({ sum: 24_000, entries: 1 })
      expect(yield* countWhere("audit_log", "action", "order.paid")).toBe(1)
      const verification = yield* Effect.flatMap(Ledger, (l) => l.verify())
      expect(verification.findings).toEqual([])
    }).pipe(Effect.provide(layerFor(engine))),
  )

  it.scopedLive(
    "out of order: an expiry delivered after the completion changes nothing; a refund before it settles first",
    () =>
      Effect.gen(function* () {
        const { placed, started, payments } = yield* orderWithSession
        const session = stripe.complete(started.payment.providerRef)
        const charge = stripe.refundAtDashboard(session.payment_intent, 4_000)
        // The refund's webhook arrives before the payment's.
        const refunded = yield* deliver(payments, "charge.refunded", charge).run()
        expect(refunded.outcome).toBe("refund_recorded")
        expect(yield* sumLedger(placed.order.id)).toEqual({ sum: 20_000, entries: 2 })
        const completed = yield* deliver(payments, "checkout.session.completed", session).run()
        expect(completed.outcome).toBe("duplicate")
        const expired = yield* deliver(payments, "checkout.session.expired", { ...session, status: "expired" }).run()
        expect(expired.outcome).toBe("stale")
        const order = yield* Effect.flatMap(Orders, (o) => o.find(placed.order.id))
        expect(order.status).toBe("paid")
        expect(yield* sumLedger(placed.order.id)).toEqual({ sum: 20_000, entries: 2 })
      }).pipe(Effect.provide(layerFor(engine))),
  )

  it.scopedLive("forged, expired-signature and other-secret webhooks are rejected and change nothing", () =>
    Effect.gen(function* () {
      const { placed, started, payments } = yield* orderWithSession
      const payload = stripe.event("checkout.session.completed", stripe.complete(started.payment.providerRef))
      const bytes = new TextEncoder().encode(payload)
      const forged = yield* Effect.flip(
        payments.handleStripeWebhook(bytes, stripe.sign(payload, { secret: "whsec_x" })),
      )
      expect(forged.reason).toBe("bad_signature")
      const old = stripe.sign(payload, { timestamp: Math.floor(Date.now() / 1000) - 3600 })
      expect((yield* Effect.flip(payments.handleStripeWebhook(bytes, old))).reason).toBe("bad_signature")
      const tampered = new TextEncoder().encode(payload.replace("24000", "1"))
      expect((yield* Effect.flip(payments.handleStripeWebhook(tampered, stripe.sign(payload)))).reason).toBe(
        "bad_signature",
      )
      const order = yield* Effect.flatMap(Orders, (o) => o.find(placed.order.id))
      expect(order.status).toBe("pending_payment")
      expect(yield* sumLedger(placed.order.id)).toEqual({ sum: 0, entries: 0 })
    }).pipe(Effect.provide(layerFor(engine))),
  )

  it.scopedLive(
    "a webhook that never arrived is caught up by reconcile; refunds go through Stripe and close the order",
    () =>
      Effect.gen(function* () {
        const { event, placed, started, payments } = yield* orderWithSession
        stripe.complete(started.payment.providerRef)
        const results = yield* payments.reconcile({ olderThanMs: -60_000 })
        expect(results.find((r) => r.paymentId === started.payment.id)?.after).toBe("succeeded")
        const orderId = placed.order.id as OrderId
        const partial = yield* payments.refund(event.id, orderId, { amountMinor: 5_000, reason: "one day less" })
        expect(partial[0]?.providerRef).toMatch(/^re_/)
        const tooMuch = yield* Effect.flip(payments.refund(event.id, orderId, { amountMinor: 20_000 }))
        expect(tooMuch._tag === "RefundRefused" && tooMuch.reason).toBe("exceeds_paid")
        yield* payments.refund(event.id, orderId, {})
        const order = yield* Effect.flatMap(Orders, (o) => o.find(orderId))
        expect(order.status).toBe("cancelled")
        expect(yield* sumLedger(orderId)).toEqual({ sum: 0, entries: 3 })
        // Stripe then reports the refunds we made: nothing is recorded twice.
        const charge = stripe.charge((yield* payments.get(started.payment.id)).providerPaymentRef!)
        const echo = yield* deliver(payments, "charge.refunded", charge).run()
        expect(echo.outcome).toBe("duplicate")
        expect(yield* sumLedger(orderId)).toEqual({ sum: 0, entries: 3 })
      }).pipe(Effect.provide(layerFor(engine))),
  )
})

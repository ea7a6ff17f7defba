import { randomBytes } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Schedule } from "effect"
import {
  confirmationJobId,
  Fulfilment,
  JobQueue,
  OrderConfirmationEmail,
  type OrderId,
  Orders,
  Payments,
} from "../src/index.js"
import { engines } from "./support/Databases.js"
import { asBuyer, createTicketType, orderInput, publishedEvent, systemLayer } from "./support/Fixtures.js"
import { backends } from "./support/Jobs.js"
import { type StripeStandIn, startStripeStandIn } from "./support/StripeStandIn.js"

let stripe: StripeStandIn
beforeAll(async () => {
  stripe = await startStripeStandIn()
})
afterAll(() => stripe.close())

const waitFor = <A, E, R>(probe: Effect.Effect<A, E, R>, done: (a: A) => boolean, timeoutMs = 15_000) =>
  probe.pipe(
    Effect.repeat({ until: done, schedule: Schedule.spaced("25 millis") }),
    Effect.timeoutFail({ duration: timeoutMs, onTimeout: () => new Error("condition not reached in time") }),
  )

const scalar = (query: (sql: SqlClient.SqlClient) => Effect.Effect<ReadonlyArray<{ n: unknown }>, unknown>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => query(sql)).pipe(
    Effect.map((rows) => Number(rows[0]?.n ?? 0)),
    Effect.orDie,
  )

const ticketsOf = (orderId: string) =>
  scalar((sql) => sql<{ n: unknown }>`SELECT COUNT(*) AS n FROM tickets WHERE order_id = ${orderId}`)
const ledgerEntriesOf = (orderId: string) =>
  scalar((sql) => sql<{ n: unknown }>`SELECT COUNT(*) AS n FROM invoice_ledger WHERE order_id = ${orderId}`)
const fulfilmentStatus = (orderId: string) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql<{ status: string }>`SELECT status FROM order_fulfilments WHERE order_id = ${orderId}`,
  ).pipe(
    Effect.map((rows) => rows[0]?.status ?? null),
    Effect.orDie,
  )

/** Confirmation e-mails actually sent for an order (the file outbox of the test layer delivers them). */
const confirmationsSent = (orderId: string) =>
  scalar(
    (sql) => sql<{ n: unknown }>`SELECT COUNT(*) AS n FROM communications
      WHERE subject_type = 'order' AND subject_id = ${orderId} AND template = 'confirmation' AND status = 'sent'`,
  )

const paidThroughStripe = (quantity: number) =>
  Effect.gen(function* () {
    const { event } = yield* publishedEvent()
    const type = yield* createTicketType(event, { priceMinor: 12_000, capacity: 20 })
    const placed = yield* Effect.flatMap(Orders, (o) =>
      o.place(event.id, orderInput([{ ticketTypeId: type.id, quantity }])),
    ).pipe(asBuyer)
    const payments = yield* Payments
    const started = yield* payments.start(placed.order.id, placed.accessToken, { provider: "stripe" }).pipe(asBuyer)
    const payload = stripe.event("checkout.session.completed", stripe.complete(started.payment.providerRef))
    const deliver = () => payments.handleStripeWebhook(new TextEncoder().encode(payload), stripe.sign(payload))
    return { orderId: placed.order.id as OrderId, deliver }
  })

for (const backend of backends()) {
  describe.each(engines)(`fulfilment on payment (%s, ${backend.name} queue)`, (engine) => {
    const layer = () =>
      systemLayer(engine, {
        payments: {
          stripe: { test: { secretKey: stripe.secretKey, webhookSecret: stripe.webhookSecret }, live: null },
          stripeApi: { host: "127.0.0.1", port: stripe.port, protocol: "http" },
        },
        jobs: backend.layer(`sxf${randomBytes(4).toString("hex")}`),
      })

    it.scopedLive(
      "ten concurrent deliveries of one checkout.session.completed: one ledger entry, one set of tickets, one confirmation e-mail sent",
      () =>
        Effect.gen(function* () {
          const fulfilment = yield* Fulfilment
          yield* fulfilment.runWorkers({ sweepEvery: "1 hour" })
          const { orderId, deliver } = yield* paidThroughStripe(3)
          const outcomes = yield* Effect.all(
            Array.from({ length: 10 }, () => deliver()),
            { concurrency: "unbounded" },
          )
          expect(outcomes.filter((o) => o.outcome === "processed")).toHaveLength(1)
          yield* waitFor(fulfilmentStatus(orderId), (s) => s === "done")
          yield* waitFor(confirmationsSent(orderId), (n) => n >= 1)
          // Give a second (wrong) e-mail time to show up before counting.
          yield* Effect.sleep("300 millis")
          expect(yield* ledgerEntriesOf(orderId)).toBe(1)
          expect(yield* ticketsOf(orderId)).toBe(3)
          expect(yield* confirmationsSent(orderId)).toBe(1)
          expect((yield* (yield* JobQueue).status(OrderConfirmationEmail, confirmationJobId(orderId)))?.state).toBe(
            "completed",
          )
          // A late duplicate delivery and a sweep change nothing.
          expect((yield* deliver()).outcome).toBe("duplicate")
          expect(yield* fulfilment.sweep({ olderThanMs: 0 })).toBe(0)
          expect(yield* ticketsOf(orderId)).toBe(3)
        }).pipe(Effect.provide(layer())),
    )

    it.scopedLive(
      "a worker that dies between issuing the tickets and asking for the e-mail: the retry makes one set of tickets and sends one e-mail",
      () =>
        Effect.gen(function* () {
          const fulfilment = yield* Fulfilment
          const { orderId, deliver } = yield* paidThroughStripe(2)
          // The job enqueued by the payment is left in the queue while this "worker" runs it and dies.
          yield* deliver()
          const died = yield* Effect.exit(fulfilment.fulfil(orderId, { onTicketsIssued: Effect.die("worker killed") }))
          expect(died._tag).toBe("Failure")
          expect(yield* ticketsOf(orderId)).toBe(2)
          expect(yield* fulfilmentStatus(orderId)).toBe("pending")
          yield* fulfilment.runWorkers({ sweepEvery: "1 hour" })
          // The sweep would also bring it back; here the queued job itself is the retry.
          yield* fulfilment.sweep({ olderThanMs: 0 })
          yield* waitFor(fulfilmentStatus(orderId), (s) => s === "done")
          yield* waitFor(confirmationsSent(orderId), (n) => n >= 1)
          yield* Effect.sleep("300 millis")
          expect(yield* ticketsOf(orderId)).toBe(2)
          expect(yield* confirmationsSent(orderId)).toBe(1)
        }).pipe(Effect.provide(layer())),
    )
  })
}

describe.each(engines)("fulfilment of free orders and lost jobs (%s)", (engine) => {
  it.scopedLive("a free order is fulfilled; a paid order whose job was lost is found by the sweep", () =>
    Effect.gen(function* () {
      const fulfilment = yield* Fulfilment
      const { event } = yield* publishedEvent()
      const free = yield* createTicketType(event, { priceMinor: 0, vatRateBp: 0, capacity: 5 })
      const placed = yield* Effect.flatMap(Orders, (o) =>
        o.place(event.id, orderInput([{ ticketTypeId: free.id, quantity: 2 }])),
      ).pipe(asBuyer)
      expect(placed.order.status).toBe("paid")
      expect(yield* fulfilmentStatus(placed.order.id)).toBe("pending")
      // Only after the commit was the job enqueued: the worker finds a paid order.
      yield* fulfilment.runWorkers({ sweepEvery: "1 hour" })
      yield* waitFor(fulfilmentStatus(placed.order.id), (s) => s === "done")
      expect(yield* ticketsOf(placed.order.id)).toBe(2)
      yield* waitFor(confirmationsSent(placed.order.id), (n) => n === 1)

      // A crash between the commit and the enqueue: the paying transaction committed (order paid,
      // fulfilment pending) and no job was ever enqueued.
      const priced = yield* createTicketType(event, { priceMinor: 5_000, capacity: 5 })
      const unpaid = yield* Effect.flatMap(Orders, (o) =>
        o.place(event.id, orderInput([{ ticketTypeId: priced.id, quantity: 1 }], 1)),
      ).pipe(asBuyer)
      const orders = yield* Orders
      const sql = yield* SqlClient.SqlClient
      const lost = unpaid.order.id
      yield* orders.settlement.paid(unpaid.order, Date.now(), { provider: "manual" }).pipe(sql.withTransaction)
      expect(yield* fulfilmentStatus(lost)).toBe("pending")
      yield* Effect.sleep("300 millis")
      expect(yield* ticketsOf(lost)).toBe(0)
      expect(yield* fulfilment.sweep({ olderThanMs: 0 })).toBe(1)
      yield* waitFor(fulfilmentStatus(lost), (s) => s === "done")
      expect(yield* ticketsOf(lost)).toBe(1)
      yield* waitFor(confirmationsSent(lost), (n) => n === 1)
    }).pipe(Effect.provide(systemLayer(engine))),
  )
})

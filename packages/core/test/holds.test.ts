import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { Orders, type TicketTypeId } from "../src/index.js"
import { engines } from "./support/Databases.js"
import {
  asBuyer,
  auditActions,
  createPromo,
  createTicketType,
  minutes,
  orderInput,
  outcome,
  publishedEvent,
  remainingSeats,
  systemLayer,
  T0,
  tally,
} from "./support/Fixtures.js"

const seats = (ticketTypeId: TicketTypeId, quantity: number) => [{ ticketTypeId, quantity }]

const holdStates = (orderId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ state: string }>`SELECT state FROM holds WHERE order_id = ${orderId}`.pipe(
      Effect.map((rows) => rows.map((r) => r.state)),
    ),
  ).pipe(Effect.orDie)

/** Real-time holds this short let the racing tests run on the live clock, where retries may back off. */
const shortHold = { holdMinutes: 0.002 }

describe.concurrent.each(engines)("holds on %s", (engine) => {
  it.effect("an unpaid order expires when its hold runs out, and its seats come back", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event, { capacity: 10, priceMinor: 7900 })
      const orders = yield* Orders

      const placed = yield* orders.place(event.id, orderInput(seats(type.id, 3))).pipe(asBuyer)
      expect(placed.order).toMatchObject({ status: "pending_payment", expiresAt: T0 + minutes(15), paidAt: null })
      expect(yield* remainingSeats(type.id)).toBe(7)

      yield* TestClock.adjust(minutes(15) - 1)
      expect(yield* orders.expireDue()).toBe(0)
      expect(yield* remainingSeats(type.id)).toBe(7)

      yield* TestClock.adjust(1)
      expect(yield* orders.expireDue()).toBe(1)
      expect((yield* orders.get(event.id, placed.order.id)).status).toBe("expired")
      expect(yield* remainingSeats(type.id)).toBe(10)
      expect(yield* holdStates(placed.order.id)).toEqual(["released"])
      expect(yield* auditActions(placed.order.id)).toEqual(["order.placed", "order.expired"])

      // A second sweep finds nothing: seats come back once.
      expect(yield* orders.expireDue()).toBe(0)
      expect(yield* remainingSeats(type.id)).toBe(10)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("holdMinutes comes from the configuration", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event)
      const orders = yield* Orders
      const placed = yield* orders.place(event.id, orderInput(seats(type.id, 1))).pipe(asBuyer)
      expect(placed.order.expiresAt).toBe(T0 + minutes(2))
      yield* TestClock.adjust(minutes(2))
      expect(yield* orders.expireDue()).toBe(1)
    }).pipe(Effect.provide(systemLayer(engine, { holdMinutes: 2 }))),
  )

  it.live(
    "two sweepers racing expire each order exactly once",
    () =>
      Effect.gen(function* () {
        const { event } = yield* publishedEvent()
        const type = yield* createTicketType(event, { capacity: 50 })
        const orders = yield* Orders
        const placed = yield* Effect.all(
          Array.from({ length: 20 }, (_, i) => orders.place(event.id, orderInput(seats(type.id, 2), i)).pipe(asBuyer)),
          { concurrency: 5 },
        )
        expect(yield* remainingSeats(type.id)).toBe(10)
        yield* Effect.sleep("200 millis")

        const [a, b] = yield* Effect.all([orders.expireDue(), orders.expireDue()], { concurrency: "unbounded" })

        expect(a + b).toBe(20)
        expect(yield* remainingSeats(type.id)).toBe(50)
        for (const p of placed) {
          expect((yield* orders.get(event.id, p.order.id)).status).toBe("expired")
          expect(yield* auditActions(p.order.id)).toEqual(["order.placed", "order.expired"])
        }
      }).pipe(Effect.provide(systemLayer(engine, shortHold))),
    60_000,
  )

  it.live(
    "payment and expiry racing for the same orders: exactly one wins each",
    () =>
      Effect.gen(function* () {
        const { event } = yield* publishedEvent()
        const type = yield* createTicketType(event, { capacity: 30 })
        const orders = yield* Orders
        const placed = yield* Effect.forEach(
          Array.from({ length: 12 }, (_, i) => i),
          (i) => orders.place(event.id, orderInput(seats(type.id, 1), i)).pipe(asBuyer),
        )
        yield* Effect.sleep("200 millis")

        const [expired, payments] = yield* Effect.all(
          [
            orders.expireDue(),
            Effect.all(
              placed.map((p) => outcome(orders.markPaid(event.id, p.order.id))),
              { concurrency: "unbounded" },
            ),
          ],
          { concurrency: "unbounded" },
        )

        const paid = payments.filter((o) => o === "ok").length
        expect(paid + expired).toBe(12)
        expect(tally(payments)).toEqual({
          ...(paid > 0 ? { ok: paid } : {}),
          ...(expired > 0 ? { InvalidStateTransition: expired } : {}),
        })
        for (const [i, p] of placed.entries()) {
          const order = yield* orders.get(event.id, p.order.id)
          const actions = yield* auditActions(p.order.id)
          if (payments[i] === "ok") {
            expect(order.status).toBe("paid")
            expect(actions).toEqual(["order.placed", "order.paid"])
            expect(yield* holdStates(p.order.id)).toEqual(["converted"])
          } else {
            expect(order.status).toBe("expired")
            expect(actions).toEqual(["order.placed", "order.expired"])
            expect(yield* holdStates(p.order.id)).toEqual(["released"])
          }
        }
        expect(yield* remainingSeats(type.id)).toBe(30 - paid)
      }).pipe(Effect.provide(systemLayer(engine, shortHold))),
    60_000,
  )

  it.effect("a paid order keeps its seats past the hold", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event, { capacity: 5 })
      const orders = yield* Orders
      const placed = yield* orders.place(event.id, orderInput(seats(type.id, 2))).pipe(asBuyer)
      yield* TestClock.adjust(minutes(1))
      const paid = yield* orders.markPaid(event.id, placed.order.id)
      expect(paid).toMatchObject({ status: "paid", paidAt: T0 + minutes(1), expiresAt: null })
      yield* TestClock.adjust(minutes(60))
      expect(yield* orders.expireDue()).toBe(0)
      expect(yield* remainingSeats(type.id)).toBe(3)
      expect(yield* holdStates(placed.order.id)).toEqual(["converted"])
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("a free order is paid at once and never expires", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* publishedEvent()
      const free = yield* createTicketType(event, { name: "Exhibitor staff", priceMinor: 0, capacity: 5 })
      const priced = yield* createTicketType(event, { name: "Regular", priceMinor: 7900, capacity: 5 })
      yield* createPromo(event, { code: "ALLFREE", value: 10_000, ticketTypeIds: [priced.id] })
      const orders = yield* Orders

      const zeroPrice = yield* orders.place(event.id, orderInput(seats(free.id, 2), 1)).pipe(asBuyer)
      expect(zeroPrice.order).toMatchObject({ status: "paid", totalMinor: 0, paidAt: T0, expiresAt: null })
      expect(yield* auditActions(zeroPrice.order.id)).toEqual(["order.placed", "order.paid"])
      expect(yield* holdStates(zeroPrice.order.id)).toEqual(["converted"])

      const fullyDiscounted = yield* orders.place(event.id, orderInput(seats(priced.id, 1), 2, "ALLFREE")).pipe(asBuyer)
      expect(fullyDiscounted.order).toMatchObject({ status: "paid", subtotalMinor: 7900, totalMinor: 0 })

      yield* TestClock.adjust(minutes(60 * 24))
      expect(yield* orders.expireDue()).toBe(0)
      expect(yield* remainingSeats(free.id)).toBe(3)
      expect(yield* remainingSeats(priced.id)).toBe(4)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("cancelling returns the seats, from pending and from paid", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event, { capacity: 10 })
      const orders = yield* Orders

      const pending = yield* orders.place(event.id, orderInput(seats(type.id, 3), 1)).pipe(asBuyer)
      const paid = yield* orders.place(event.id, orderInput(seats(type.id, 4), 2)).pipe(asBuyer)
      yield* orders.markPaid(event.id, paid.order.id)
      expect(yield* remainingSeats(type.id)).toBe(3)

      const cancelled = yield* orders.cancel(event.id, pending.order.id)
      expect(cancelled).toMatchObject({ status: "cancelled", cancelledAt: T0 })
      expect(yield* remainingSeats(type.id)).toBe(6)
      yield* orders.cancel(event.id, paid.order.id)
      expect(yield* remainingSeats(type.id)).toBe(10)
      expect(yield* holdStates(paid.order.id)).toEqual(["released"])
      expect(yield* auditActions(paid.order.id)).toEqual(["order.placed", "order.paid", "order.cancelled"])
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("transitions outside the lifecycle fail with InvalidStateTransition and change nothing", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event, { capacity: 10 })
      const orders = yield* Orders
      const place = (n: number) => orders.place(event.id, orderInput(seats(type.id, 1), n)).pipe(asBuyer)

      const cancelled = yield* place(1)
      yield* orders.cancel(event.id, cancelled.order.id)
      const paid = yield* place(2)
      yield* orders.markPaid(event.id, paid.order.id)
      const expired = yield* place(3)
      yield* TestClock.adjust(minutes(15))
      yield* orders.expireDue()
      expect(yield* remainingSeats(type.id)).toBe(9)

      const e1 = yield* Effect.flip(orders.cancel(event.id, cancelled.order.id))
      expect(e1).toMatchObject({ _tag: "InvalidStateTransition", from: "cancelled", to: "cancelled" })
      const e2 = yield* Effect.flip(orders.markPaid(event.id, cancelled.order.id))
      expect(e2).toMatchObject({ _tag: "InvalidStateTransition", from: "cancelled", to: "paid" })
      const e3 = yield* Effect.flip(orders.markPaid(event.id, paid.order.id))
      expect(e3).toMatchObject({ _tag: "InvalidStateTransition", from: "paid", to: "paid" })
      const e4 = yield* Effect.flip(orders.markPaid(event.id, expired.order.id))
      expect(e4).toMatchObject({ _tag: "InvalidStateTransition", from: "expired", to: "paid" })
      const e5 = yield* Effect.flip(orders.cancel(event.id, expired.order.id))
      expect(e5).toMatchObject({ _tag: "InvalidStateTransition", from: "expired", to: "cancelled" })

      expect(yield* remainingSeats(type.id)).toBe(9)
      expect(yield* auditActions(expired.order.id)).toEqual(["order.placed", "order.expired"])
    }).pipe(Effect.provide(systemLayer(engine))),
  )
})

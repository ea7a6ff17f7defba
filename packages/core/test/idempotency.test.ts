import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Orders, TicketTypes } from "../src/index.js"
import { engines } from "./support/Databases.js"
import {
  asBuyer,
  countWhere,
  createTicketType,
  orderInput,
  outcome,
  publishedEvent,
  remainingSeats,
  systemLayer,
  tally,
} from "./support/Fixtures.js"

describe.concurrent.each(engines)("Idempotency-Key on %s", (engine) => {
  it.live("the same key and body return the same order, placed once", () =>
    Effect.gen(function* () {
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event, { capacity: 10 })
      const orders = yield* Orders
      const input = orderInput([{ ticketTypeId: type.id, quantity: 2 }], 1)

      const first = yield* orders.place(event.id, input, "key-1").pipe(asBuyer)
      const replay = yield* orders.place(event.id, input, "key-1").pipe(asBuyer)

      expect(replay.order.id).toBe(first.order.id)
      expect(replay.accessToken).toBe(first.accessToken)
      expect(yield* countWhere("orders", "event_id", event.id)).toBe(1)
      expect(yield* countWhere("idempotency_keys", "event_id", event.id)).toBe(1)
      expect(yield* remainingSeats(type.id)).toBe(8)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.live(
    "20 concurrent requests with one key make one order and take the seats once",
    () =>
      Effect.gen(function* () {
        const { event } = yield* publishedEvent()
        const type = yield* createTicketType(event, { capacity: 10 })
        const orders = yield* Orders
        const input = orderInput([{ ticketTypeId: type.id, quantity: 3 }], 1)

        const results = yield* Effect.all(
          Array.from({ length: 20 }, () => orders.place(event.id, input, "double-click").pipe(asBuyer)),
          { concurrency: "unbounded" },
        )

        expect(new Set(results.map((r) => r.order.id)).size).toBe(1)
        expect(yield* countWhere("orders", "event_id", event.id)).toBe(1)
        expect(yield* remainingSeats(type.id)).toBe(7)
      }).pipe(Effect.provide(systemLayer(engine))),
    60_000,
  )

  it.live("the same key with a different body is refused with IdempotencyKeyReused", () =>
    Effect.gen(function* () {
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event, { capacity: 10 })
      const orders = yield* Orders
      yield* orders.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 1 }], 1), "key-2").pipe(asBuyer)

      const otherQuantity = orderInput([{ ticketTypeId: type.id, quantity: 2 }], 1)
      const otherBuyer = orderInput([{ ticketTypeId: type.id, quantity: 1 }], 2)
      expect(yield* outcome(orders.place(event.id, otherQuantity, "key-2").pipe(asBuyer))).toBe("IdempotencyKeyReused")
      expect(yield* outcome(orders.place(event.id, otherBuyer, "key-2").pipe(asBuyer))).toBe("IdempotencyKeyReused")
      expect(yield* countWhere("orders", "event_id", event.id)).toBe(1)
      expect(yield* remainingSeats(type.id)).toBe(9)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.live("mixed concurrent bodies under one key: one order, every other body refused", () =>
    Effect.gen(function* () {
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event, { capacity: 10 })
      const orders = yield* Orders
      const bodies = [1, 2].map((n) => orderInput([{ ticketTypeId: type.id, quantity: n }], n))

      const outcomes = yield* Effect.all(
        Array.from({ length: 10 }, (_, i) => outcome(orders.place(event.id, bodies[i % 2]!, "shared").pipe(asBuyer))),
        { concurrency: "unbounded" },
      )

      // Whichever body got there first owns the key; the five requests with the other body are refused.
      expect(tally(outcomes)).toEqual({ ok: 5, IdempotencyKeyReused: 5 })
      expect(yield* countWhere("orders", "event_id", event.id)).toBe(1)
      expect([9, 8]).toContain(yield* remainingSeats(type.id))
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.live("keys are per event, and a request that failed leaves its key unused", () =>
    Effect.gen(function* () {
      const { event } = yield* publishedEvent()
      const other = yield* publishedEvent()
      const type = yield* createTicketType(event, { capacity: 1 })
      const otherType = yield* createTicketType(other.event, { capacity: 5 })
      const orders = yield* Orders

      const a = yield* orders.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 1 }]), "k").pipe(asBuyer)
      const b = yield* orders
        .place(other.event.id, orderInput([{ ticketTypeId: otherType.id, quantity: 1 }]), "k")
        .pipe(asBuyer)
      expect(b.order.id).not.toBe(a.order.id)

      const tooMany = orderInput([{ ticketTypeId: otherType.id, quantity: 9 }], 7)
      expect(yield* outcome(orders.place(other.event.id, tooMany, "retry-me").pipe(asBuyer))).toBe("SoldOut")
      yield* Effect.flatMap(TicketTypes, (t) => t.update(other.event.id, otherType.id, { capacity: 10 }))
      const retried = yield* orders.place(other.event.id, tooMany, "retry-me").pipe(asBuyer)
      expect(retried.order.items[0]?.quantity).toBe(9)
      expect(yield* remainingSeats(otherType.id)).toBe(0)
    }).pipe(Effect.provide(systemLayer(engine))),
  )
})

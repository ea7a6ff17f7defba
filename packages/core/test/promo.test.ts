import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { Orders, PromoCodes, type TicketTypeId } from "../src/index.js"
import { engines } from "./support/Databases.js"
import {
  asBuyer,
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

const one = (ticketTypeId: TicketTypeId) => [{ ticketTypeId, quantity: 1 }]

describe.concurrent.each(engines)("promo codes on %s", (engine) => {
  it.live(
    "a code limited to 10 uses, 50 concurrent orders: exactly 10 redeem it, 40 are refused as exhausted",
    () =>
      Effect.gen(function* () {
        const { event } = yield* publishedEvent()
        const type = yield* createTicketType(event, { capacity: 100 })
        const code = yield* createPromo(event, { code: "EARLY10", maxUses: 10 })
        const orders = yield* Orders

        const outcomes = yield* Effect.all(
          Array.from({ length: 50 }, (_, i) =>
            outcome(orders.place(event.id, orderInput(one(type.id), i, "early10")).pipe(asBuyer)),
          ),
          { concurrency: "unbounded" },
        )

        expect(tally(outcomes)).toEqual({ ok: 10, "PromoCodeUnavailable:exhausted": 40 })
        expect((yield* Effect.flatMap(PromoCodes, (p) => p.get(event.id, code.id))).uses).toBe(10)
        // A refused code rolls its whole order back, seats included.
        expect(yield* remainingSeats(type.id)).toBe(90)
        const sql = yield* SqlClient.SqlClient
        const [withCode] = yield* sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM orders
          WHERE promo_code_id = ${code.id} AND discount_minor = 790`
        expect(Number(withCode?.n)).toBe(10)
      }).pipe(Effect.provide(systemLayer(engine))),
    60_000,
  )

  it.effect("cancelling or expiring an order gives its code use back", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event, { priceMinor: 7900 })
      const code = yield* createPromo(event, { code: "ONCE", maxUses: 1 })
      const orders = yield* Orders
      const promoCodes = yield* PromoCodes
      const uses = Effect.map(promoCodes.get(event.id, code.id), (c) => c.uses)
      const placeWithCode = (n: number) => orders.place(event.id, orderInput(one(type.id), n, "ONCE")).pipe(asBuyer)

      const first = yield* placeWithCode(1)
      expect(first.order.promoCodeId).toBe(code.id)
      expect(yield* outcome(placeWithCode(2))).toBe("PromoCodeUnavailable:exhausted")

      yield* orders.cancel(event.id, first.order.id)
      expect(yield* uses).toBe(0)
      const third = yield* placeWithCode(3)
      expect(yield* uses).toBe(1)

      yield* TestClock.adjust(minutes(15))
      expect(yield* orders.expireDue()).toBe(1)
      expect((yield* orders.get(event.id, third.order.id)).status).toBe("expired")
      expect(yield* uses).toBe(0)
      yield* placeWithCode(4)
      expect(yield* uses).toBe(1)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("a validity window is [validFrom, validUntil)", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event)
      yield* createPromo(event, { code: "WINDOW", validFrom: T0 + minutes(60), validUntil: T0 + minutes(120) })
      const orders = yield* Orders
      const attempt = (n: number) =>
        outcome(orders.place(event.id, orderInput(one(type.id), n, "WINDOW")).pipe(asBuyer))

      expect(yield* attempt(1)).toBe("PromoCodeUnavailable:not-yet-valid")
      yield* TestClock.setTime(T0 + minutes(60))
      expect(yield* attempt(2)).toBe("ok")
      yield* TestClock.setTime(T0 + minutes(120) - 1)
      expect(yield* attempt(3)).toBe("ok")
      yield* TestClock.setTime(T0 + minutes(120))
      expect(yield* attempt(4)).toBe("PromoCodeUnavailable:expired")
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("inactive and unknown codes are refused; codes match case-insensitively", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event)
      const code = yield* createPromo(event, { code: "MEMBER" })
      const orders = yield* Orders
      const attempt = (n: number, text: string) =>
        outcome(orders.place(event.id, orderInput(one(type.id), n, text)).pipe(asBuyer))

      expect(yield* attempt(1, " member ")).toBe("ok")
      expect(yield* attempt(2, "NOSUCHCODE")).toBe("PromoCodeUnavailable:unknown")
      yield* Effect.flatMap(PromoCodes, (p) => p.update(event.id, code.id, { active: false }))
      expect(yield* attempt(3, "MEMBER")).toBe("PromoCodeUnavailable:inactive")
      yield* Effect.flatMap(PromoCodes, (p) => p.update(event.id, code.id, { active: true }))
      expect(yield* attempt(4, "MEMBER")).toBe("ok")
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("a code of another event is unknown here", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* publishedEvent()
      const other = yield* publishedEvent()
      const type = yield* createTicketType(event)
      yield* createPromo(other.event, { code: "ELSEWHERE" })
      const result = yield* outcome(
        Effect.flatMap(Orders, (o) => o.place(event.id, orderInput(one(type.id), 1, "ELSEWHERE"))).pipe(asBuyer),
      )
      expect(result).toBe("PromoCodeUnavailable:unknown")
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("a code limited to ticket types discounts only those, and is refused without them", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* publishedEvent()
      const regular = yield* createTicketType(event, { name: "Regular", priceMinor: 7900 })
      const student = yield* createTicketType(event, { name: "Student", priceMinor: 1900 })
      yield* createPromo(event, { code: "STUDENT5", kind: "fixed", value: 500, ticketTypeIds: [student.id] })
      const orders = yield* Orders

      const refused = yield* outcome(
        orders.place(event.id, orderInput([{ ticketTypeId: regular.id, quantity: 1 }], 1, "STUDENT5")).pipe(asBuyer),
      )
      expect(refused).toBe("PromoCodeUnavailable:not-applicable")

      const placed = yield* orders
        .place(
          event.id,
          orderInput(
            [
              { ticketTypeId: regular.id, quantity: 1 },
              { ticketTypeId: student.id, quantity: 2 },
            ],
            2,
            "STUDENT5",
          ),
        )
        .pipe(asBuyer)
      const line = (id: string) => placed.order.items.find((i) => i.ticketTypeId === id)!
      expect(line(regular.id).discountMinor).toBe(0)
      expect(line(student.id).discountMinor).toBe(1000)
      expect(placed.order).toMatchObject({ subtotalMinor: 11700, discountMinor: 1000, totalMinor: 10700 })
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("a hidden ticket type is sold only with a code that names it", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* publishedEvent()
      const vip = yield* createTicketType(event, { name: "VIP Dinner", priceMinor: 19_900, visibility: "hidden" })
      yield* createPromo(event, { code: "EVERYONE", kind: "percent", value: 1000 })
      yield* createPromo(event, { code: "VIPGUEST", kind: "fixed", value: 100, ticketTypeIds: [vip.id] })
      const orders = yield* Orders
      const attempt = (n: number, code?: string) =>
        outcome(orders.place(event.id, orderInput(one(vip.id), n, code)).pipe(asBuyer))

      expect(yield* attempt(1)).toBe("InvalidRequest")
      expect(yield* attempt(2, "EVERYONE")).toBe("InvalidRequest")
      expect(yield* attempt(3, "VIPGUEST")).toBe("ok")
      expect(yield* remainingSeats(vip.id)).toBe(99)
    }).pipe(Effect.provide(systemLayer(engine))),
  )
})

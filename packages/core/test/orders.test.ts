import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { Events, Orders, salesState, TicketTypes } from "../src/index.js"
import { engines } from "./support/Databases.js"
import {
  asBuyer,
  countWhere,
  createTicketType,
  eventIn,
  minutes,
  orderInput,
  outcome,
  publishedEvent,
  remainingSeats,
  systemLayer,
  T0,
} from "./support/Fixtures.js"

describe.concurrent.each(engines)("Orders.place on %s", (engine) => {
  it.effect("prices, VAT and the buyer's access token come back with the order", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event, { priceMinor: 7900, vatRateBp: 810 })
      const orders = yield* Orders
      const placed = yield* orders
        .place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 2 }], 1))
        .pipe(asBuyer)
      expect(placed.order).toMatchObject({
        status: "pending_payment",
        currency: "CHF",
        buyerEmail: "buyer1@example.com",
        subtotalMinor: 15800,
        totalMinor: 15800,
        vatMinor: 1184,
        vatBreakdown: [{ rateBp: 810, grossMinor: 15800, vatMinor: 1184 }],
      })
      expect((yield* orders.getWithToken(placed.order.id, placed.accessToken)).id).toBe(placed.order.id)
      expect(yield* outcome(orders.getWithToken(placed.order.id, "x".repeat(placed.accessToken.length)))).toBe(
        "NotFound",
      )
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("sells only for published events", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { org, event } = yield* publishedEvent()
      const type = yield* createTicketType(event)
      const events = yield* Events
      const draft = yield* events.create(org.id, {
        slug: "draft",
        name: "Draft",
        startsAt: T0,
        endsAt: T0 + minutes(60),
        timezone: "Europe/Zurich",
        currency: "CHF",
      })
      const draftType = yield* createTicketType(draft)
      const orders = yield* Orders
      const attempt = (eventId: typeof event.id, ticketTypeId: typeof type.id) =>
        outcome(orders.place(eventId, orderInput([{ ticketTypeId, quantity: 1 }])).pipe(asBuyer))

      expect(yield* attempt(draft.id, draftType.id)).toBe("NotFound")
      yield* events.update(event.id, { status: "closed" })
      expect(yield* attempt(event.id, type.id)).toBe("NotFound")
      expect(yield* remainingSeats(type.id)).toBe(100)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("availability states follow the sales window and the seats left", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event, {
        capacity: 2,
        minPerOrder: 1,
        salesStartAt: T0 + minutes(60),
        salesEndAt: T0 + minutes(120),
      })
      const orders = yield* Orders
      const ticketTypes = yield* TicketTypes
      const state = Effect.gen(function* () {
        return salesState(yield* ticketTypes.get(event.id, type.id), yield* TestClock.currentTimeMillis)
      })
      const attempt = (n: number) =>
        outcome(orders.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 1 }], n)).pipe(asBuyer))

      expect(yield* state).toBe("not_yet_on_sale")
      expect(yield* attempt(1)).toBe("SalesClosed")
      yield* TestClock.setTime(T0 + minutes(60))
      expect(yield* state).toBe("on_sale")
      expect(yield* attempt(2)).toBe("ok")
      expect(yield* attempt(3)).toBe("ok")
      expect(yield* state).toBe("sold_out")
      expect(yield* attempt(4)).toBe("SoldOut")
      yield* TestClock.setTime(T0 + minutes(120))
      expect(yield* state).toBe("sales_ended")
      expect(yield* attempt(5)).toBe("SalesClosed")
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("per-order limits, unknown types and types of other events are refused before any seat is taken", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { org, event } = yield* publishedEvent()
      const type = yield* createTicketType(event, { capacity: 20, minPerOrder: 2, maxPerOrder: 4 })
      const elsewhere = yield* createTicketType(yield* eventIn(org.id))
      const orders = yield* Orders
      const attempt = (items: ReadonlyArray<{ ticketTypeId: typeof type.id; quantity: number }>) =>
        outcome(orders.place(event.id, orderInput(items)).pipe(asBuyer))

      expect(yield* attempt([{ ticketTypeId: type.id, quantity: 1 }])).toBe("InvalidRequest")
      expect(yield* attempt([{ ticketTypeId: type.id, quantity: 5 }])).toBe("InvalidRequest")
      // Lines of one type are summed before the limit is checked.
      expect(
        yield* attempt([
          { ticketTypeId: type.id, quantity: 3 },
          { ticketTypeId: type.id, quantity: 2 },
        ]),
      ).toBe("InvalidRequest")
      expect(yield* attempt([{ ticketTypeId: elsewhere.id, quantity: 1 }])).toBe("InvalidRequest")
      expect(yield* attempt([{ ticketTypeId: type.id, quantity: 4 }])).toBe("ok")
      expect(yield* remainingSeats(type.id)).toBe(16)
      expect(yield* remainingSeats(elsewhere.id)).toBe(100)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("an order whose amount leaves the money range is refused, not half-made", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event, { priceMinor: 100_000_000_00, maxPerOrder: 2 })
      const orders = yield* Orders
      const result = yield* outcome(
        orders.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 2 }])).pipe(asBuyer),
      )
      expect(result).toBe("InvalidRequest")
      expect(yield* countWhere("orders", "event_id", event.id)).toBe(0)
      expect(yield* remainingSeats(type.id)).toBe(100)
      expect(
        yield* outcome(orders.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 1 }])).pipe(asBuyer)),
      ).toBe("ok")
    }).pipe(Effect.provide(systemLayer(engine))),
  )
})

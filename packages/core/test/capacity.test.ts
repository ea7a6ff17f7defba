import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option } from "effect"
import * as fc from "fast-check"
import { Orders, type PlaceOrder, salesState, TicketTypes } from "../src/index.js"
import { engines } from "./support/Databases.js"
import {
  asBuyer,
  createTicketType,
  type Engine,
  orderInput,
  outcome,
  publishedEvent,
  remainingSeats,
  systemLayer,
  tally,
} from "./support/Fixtures.js"

/** One bucket serialises every sale of a type; eight let buyers race on different rows (MariaDB's default). */
const setups = engines.flatMap(
  (engine): Array<{ readonly engine: Engine; readonly buckets: number }> =>
    engine === "mysql"
      ? [
          { engine, buckets: 1 },
          { engine, buckets: 8 },
        ]
      : [{ engine, buckets: 1 }],
)

const soldSeats = (ticketTypeId: string) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) =>
      sql<{ n: number | string | null }>`SELECT SUM(i.quantity) AS n FROM order_items i
      JOIN orders o ON o.id = i.order_id WHERE i.ticket_type_id = ${ticketTypeId} AND o.status = 'pending_payment'`,
  ).pipe(
    Effect.map((rows) => Number(rows[0]?.n ?? 0)),
    Effect.orDie,
  )

const lowestBucket = (ticketTypeId: string) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) =>
      sql<{
        n: number | string
      }>`SELECT MIN(remaining) AS n FROM inventory_buckets WHERE ticket_type_id = ${ticketTypeId}`,
  ).pipe(
    Effect.map((rows) => Number(rows[0]?.n)),
    Effect.orDie,
  )

describe.each(setups)("capacity on $engine with $buckets bucket(s)", ({ engine, buckets }) => {
  const layer = () => systemLayer(engine, { inventoryBuckets: buckets })

  it.live(
    "1,000 concurrent buyers for 100 seats: exactly 100 orders, 900 SoldOut, nothing else",
    () =>
      Effect.gen(function* () {
        const { event } = yield* publishedEvent()
        const type = yield* createTicketType(event, { capacity: 100 })
        const orders = yield* Orders

        const outcomes = yield* Effect.all(
          Array.from({ length: 1000 }, (_, i) =>
            outcome(orders.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 1 }], i)).pipe(asBuyer)),
          ),
          { concurrency: "unbounded" },
        )

        expect(tally(outcomes)).toEqual({ ok: 100, SoldOut: 900 })
        expect(yield* remainingSeats(type.id)).toBe(0)
        expect(yield* lowestBucket(type.id)).toBeGreaterThanOrEqual(0)
        expect(yield* soldSeats(type.id)).toBe(100)
        const sql = yield* SqlClient.SqlClient
        const [orderCount] = yield* sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM orders
          WHERE event_id = ${event.id}`
        expect(Number(orderCount?.n)).toBe(100)
        const [heldSeats] = yield* sql<{ n: number | string }>`SELECT SUM(quantity) AS n FROM holds
          WHERE ticket_type_id = ${type.id} AND state = 'active'`
        expect(Number(heldSeats?.n)).toBe(100)

        const after = yield* Effect.flatMap(TicketTypes, (t) => t.get(event.id, type.id))
        expect(after.available).toBe(0)
        expect(salesState(after, Date.now())).toBe("sold_out")
      }).pipe(Effect.provide(layer())),
    120_000,
  )

  it.live(
    "random quantities 1–4 never oversell, and SoldOut is only reported when the seats are gone",
    () =>
      Effect.gen(function* () {
        const capacity = 100
        const { event } = yield* publishedEvent()
        const type = yield* createTicketType(event, { capacity })
        const orders = yield* Orders
        // Seeded so a failure can be replayed; demand (~375 seats) is well above capacity.
        const quantities = fc.sample(fc.integer({ min: 1, max: 4 }), { numRuns: 150, seed: 20260901 })

        const exits = yield* Effect.all(
          quantities.map((quantity, i) =>
            Effect.exit(orders.place(event.id, orderInput([{ ticketTypeId: type.id, quantity }], i)).pipe(asBuyer)),
          ),
          { concurrency: "unbounded" },
        )

        let sold = 0
        const refused: Array<number> = []
        exits.forEach((exit, i) => {
          if (Exit.isSuccess(exit)) {
            sold += exit.value.order.items[0]!.quantity
            return
          }
          const failure = Cause.failureOption(exit.cause)
          expect(Option.map(failure, (e) => e._tag)).toEqual(Option.some("SoldOut"))
          const error = Option.getOrThrow(failure)
          if (error._tag === "SoldOut") expect(error.available).toBeLessThan(quantities[i]!)
          refused.push(quantities[i]!)
        })
        const remaining = yield* remainingSeats(type.id)
        expect(sold).toBeLessThanOrEqual(capacity)
        expect(sold + remaining).toBe(capacity)
        expect(yield* soldSeats(type.id)).toBe(sold)
        expect(yield* lowestBucket(type.id)).toBeGreaterThanOrEqual(0)
        // Seats only ever left during the rush, so whatever is left now was also left when each
        // refusal happened: a refusal with enough seats would show up as remaining >= its quantity.
        expect(refused.length).toBeGreaterThan(0)
        expect(remaining).toBeLessThan(Math.min(...refused))

        // Single seats drain the rest exactly: all capacity is sellable, not one seat more.
        for (let i = 0; i < remaining; i++) {
          yield* orders.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 1 }], 1000 + i)).pipe(asBuyer)
        }
        const extra = yield* outcome(
          orders.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 1 }], 2000)).pipe(asBuyer),
        )
        expect(extra).toBe("SoldOut")
        expect(yield* soldSeats(type.id)).toBe(capacity)
      }).pipe(Effect.provide(layer())),
    120_000,
  )

  it.live("capacity changes never go below what is sold or held, and the difference is sellable", () =>
    Effect.gen(function* () {
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event, { capacity: 20 })
      const orders = yield* Orders
      const ticketTypes = yield* TicketTypes
      for (const [i, quantity] of [5, 5, 3].entries()) {
        yield* orders.place(event.id, orderInput([{ ticketTypeId: type.id, quantity }], i)).pipe(asBuyer)
      }

      const below = yield* Effect.flip(ticketTypes.update(event.id, type.id, { capacity: 12 }))
      expect(below).toMatchObject({ _tag: "InvalidRequest", field: "capacity" })
      expect((yield* ticketTypes.update(event.id, type.id, { capacity: 13 })).available).toBe(0)
      expect(yield* remainingSeats(type.id)).toBe(0)
      expect((yield* ticketTypes.update(event.id, type.id, { capacity: 30 })).available).toBe(17)
      expect(yield* lowestBucket(type.id)).toBeGreaterThanOrEqual(0)

      for (let i = 0; i < 17; i++) {
        yield* orders.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 1 }], 10 + i)).pipe(asBuyer)
      }
      const extra = orders.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 1 }], 99)).pipe(asBuyer)
      expect(yield* outcome(extra)).toBe("SoldOut")
      expect(yield* soldSeats(type.id)).toBe(30)
    }).pipe(Effect.provide(layer())),
  )

  it.live(
    "orders across two types lock in one order: no deadlock, no half-taken order survives",
    () =>
      Effect.gen(function* () {
        const { event } = yield* publishedEvent()
        const a = yield* createTicketType(event, { name: "Day pass", capacity: 40 })
        const b = yield* createTicketType(event, { name: "Dinner", capacity: 40 })
        const orders = yield* Orders
        // Half the buyers list the types the other way round: the service must not lock in request order.
        const input = (i: number): PlaceOrder => {
          const items = [
            { ticketTypeId: a.id, quantity: 1 },
            { ticketTypeId: b.id, quantity: 1 },
          ]
          return orderInput(i % 2 === 0 ? items : items.reverse(), i)
        }

        const outcomes = yield* Effect.all(
          Array.from({ length: 200 }, (_, i) => outcome(orders.place(event.id, input(i)).pipe(asBuyer))),
          { concurrency: "unbounded" },
        )

        expect(tally(outcomes)).toEqual({ ok: 40, SoldOut: 160 })
        expect(yield* remainingSeats(a.id)).toBe(0)
        expect(yield* remainingSeats(b.id)).toBe(0)
        expect(yield* soldSeats(a.id)).toBe(40)
        expect(yield* soldSeats(b.id)).toBe(40)
      }).pipe(Effect.provide(layer())),
    120_000,
  )
})

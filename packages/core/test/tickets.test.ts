import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { DEFAULT_KEY_GRACE_MS, type Event, Orders, SigningKeys, Tickets } from "../src/index.js"
import { verifyTicketCode } from "../src/offline/index.js"
import { engines } from "./support/Databases.js"
import { asBuyer, createTicketType, orderInput, publishedEvent, systemLayer } from "./support/Fixtures.js"

/** A paid order of `seats` free tickets (free orders are paid when placed). */
const paidOrder = (event: Event, seats: number) =>
  Effect.gen(function* () {
    const type = yield* createTicketType(event, { priceMinor: 0 })
    const placed = yield* Effect.flatMap(Orders, (o) =>
      o.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: seats }])),
    ).pipe(asBuyer)
    return placed.order
  })

const keysOf = (event: Event) => Effect.flatMap(SigningKeys, (k) => k.publicKeys(event.id))

for (const engine of engines) {
  describe(`Tickets (${engine})`, () => {
    it.live("issues one signed ticket per seat, once; every code verifies, altered or foreign codes do not", () =>
      Effect.gen(function* () {
        const tickets = yield* Tickets
        const { event } = yield* publishedEvent()
        const { event: other } = yield* publishedEvent()
        const order = yield* paidOrder(event, 3)
        const issued = yield* tickets.issueForOrder(order.id)
        expect(issued.map((t) => t.seatIndex)).toEqual([0, 1, 2])
        expect((yield* tickets.issueForOrder(order.id)).map((t) => t.id)).toEqual(issued.map((t) => t.id))
        const keys = yield* keysOf(event)
        const now = Date.now()
        const verify = (code: string, eventId = event.id) =>
          Effect.promise(() => verifyTicketCode(code, { eventId, keys, graceMs: DEFAULT_KEY_GRACE_MS, now }))
        for (const ticket of issued) {
          expect(ticket.code.length).toBeLessThanOrEqual(121)
          const verdict = yield* verify(ticket.code)
          expect(verdict).toEqual({
            ok: true,
            ticket: expect.objectContaining({ ticketId: ticket.id, eventId: event.id }),
          })
        }
        expect(yield* verify(issued[0]!.code, other.id)).toEqual({ ok: false, reason: "wrong_event" })
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              fc.nat({ max: issued[0]!.code.length - 1 }),
              fc.constantFrom(...alphabet),
              async (at, c) => {
                const code = issued[0]!.code
                fc.pre(code[at] !== c)
                const altered = code.slice(0, at) + c + code.slice(at + 1)
                const verdict = await verifyTicketCode(altered, { eventId: event.id, keys, graceMs: 0, now })
                expect(verdict.ok).toBe(false)
              },
            ),
            { numRuns: 300 },
          ),
        )
      }).pipe(Effect.provide(systemLayer(engine))),
    )

    it.live("a retired key's codes pass within the grace period and fail after it; re-signing fixes them", () =>
      Effect.gen(function* () {
        const tickets = yield* Tickets
        const { event } = yield* publishedEvent()
        const order = yield* paidOrder(event, 1)
        const [ticket] = yield* tickets.issueForOrder(order.id)
        yield* Effect.flatMap(SigningKeys, (k) => k.rotate(event))
        const keys = yield* keysOf(event)
        const retiredAt = keys.find((k) => k.kid === ticket!.keyId)!.retiredAt!
        const at = (now: number, code = ticket!.code) =>
          Effect.promise(() => verifyTicketCode(code, { eventId: event.id, keys, graceMs: 1000, now }))
        expect((yield* at(retiredAt + 500)).ok).toBe(true)
        expect(yield* at(retiredAt + 5000)).toEqual({ ok: false, reason: "key_retired" })
        expect(yield* tickets.resignCodes(event)).toBe(1)
        const [fresh] = yield* tickets.listForOrder(order.id)
        expect((yield* at(retiredAt + 5000, fresh!.code)).ok).toBe(true)
      }).pipe(Effect.provide(systemLayer(engine))),
    )

    it.live("void marks an order's tickets and lists them for the scanners", () =>
      Effect.gen(function* () {
        const tickets = yield* Tickets
        const { event } = yield* publishedEvent()
        const order = yield* paidOrder(event, 2)
        const issued = yield* tickets.issueForOrder(order.id)
        expect((yield* tickets.void({ orderId: order.id }, "refund")).length).toBe(2)
        expect((yield* tickets.void({ orderId: order.id }, "refund")).length).toBe(0)
        expect((yield* tickets.revocationList(event.id)).map((r) => r.ticketId).sort()).toEqual(
          issued.map((t) => t.id).sort(),
        )
      }).pipe(Effect.provide(systemLayer(engine))),
    )
  })
}

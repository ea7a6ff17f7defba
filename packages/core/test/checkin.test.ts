import { randomUUID } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { CheckIns, type Event, Orders, Tickets } from "../src/index.js"
import { engines } from "./support/Databases.js"
import { asBuyer, createTicketType, orderInput, publishedEvent, systemLayer } from "./support/Fixtures.js"

const paidTickets = (event: Event, seats: number) =>
  Effect.gen(function* () {
    const type = yield* createTicketType(event, { priceMinor: 0 })
    const placed = yield* Effect.flatMap(Orders, (o) =>
      o.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: seats }])),
    ).pipe(asBuyer)
    return yield* Effect.flatMap(Tickets, (t) => t.issueForOrder(placed.order.id))
  })

for (const engine of engines) {
  describe(`Check-ins (${engine})`, () => {
    it.live("two devices admit the same ticket offline: after both sync, one winner and one conflict", () =>
      Effect.gen(function* () {
        const checkIns = yield* CheckIns
        const { event } = yield* publishedEvent()
        const [ticket, other] = yield* paidTickets(event, 2)
        const list = yield* checkIns.createList(event, {
          name: "Main door",
          ticketTypeIds: null,
          validFrom: null,
          validUntil: null,
          reentry: false,
          attention: { ticketTypes: [], fields: [] },
        })
        const door1 = { id: randomUUID(), ticketId: ticket!.id, listId: list.id, deviceTime: 2_000 }
        const door2 = { id: randomUUID(), ticketId: ticket!.id, listId: list.id, deviceTime: 1_000 }
        const door1Other = { id: randomUUID(), ticketId: other!.id, listId: list.id, deviceTime: 3_000 }
        const first = yield* checkIns.sync(event, { deviceId: "door-1", cursor: 0, checkIns: [door1, door1Other] })
        expect(first).toMatchObject({ accepted: 2, conflicts: 0, checkIns: [], rejected: [] })
        // The later sync brings the earlier check-in: it wins, door 1's becomes the conflict.
        const second = yield* checkIns.sync(event, { deviceId: "door-2", cursor: 0, checkIns: [door2] })
        expect(second.accepted).toBe(1)
        expect(second.conflicts).toBe(1)
        expect(second.checkIns.map((c) => c.id).sort()).toEqual([door1.id, door1Other.id].sort())
        // Retried syncs change nothing.
        const again = yield* checkIns.sync(event, { deviceId: "door-2", cursor: second.cursor, checkIns: [door2] })
        expect(again).toMatchObject({ accepted: 0, alreadyKnown: 1, conflicts: 0, checkIns: [] })
        const third = yield* checkIns.sync(event, { deviceId: "door-1", cursor: first.cursor, checkIns: [door1] })
        expect(third.checkIns.map((c) => c.id)).toEqual([door2.id])
        const listed = yield* checkIns.list(event.id)
        expect(listed.filter((c) => c.conflict).map((c) => c.checkIn.id)).toEqual([door1.id])
        expect(listed.find((c) => c.checkIn.id === door2.id)?.winner).toBe(true)
        expect(listed).toHaveLength(3)
        const sql = yield* SqlClient.SqlClient
        const conflicts = yield* sql<{ targetId: string }>`SELECT target_id FROM audit_log
          WHERE event_id = ${event.id} AND action = 'check_in.conflicted'`
        expect(conflicts.map((c) => c.targetId)).toEqual([ticket!.id])
        // Unknown tickets and lists are refused, not stored.
        const bad = yield* checkIns.sync(event, {
          deviceId: "door-3",
          cursor: third.cursor,
          checkIns: [
            { id: randomUUID(), ticketId: randomUUID() as never, listId: list.id, deviceTime: 1 },
            { id: randomUUID(), ticketId: ticket!.id, listId: randomUUID() as never, deviceTime: 1 },
          ],
        })
        expect(bad.rejected.map((r) => r.reason).sort()).toEqual(["unknown_list", "unknown_ticket"])
      }).pipe(Effect.provide(systemLayer(engine))),
    )

    it.live("online check-in: valid once, then already in; a voided ticket and a foreign code are rejected", () =>
      Effect.gen(function* () {
        const checkIns = yield* CheckIns
        const { event } = yield* publishedEvent()
        const { event: otherEvent } = yield* publishedEvent()
        const [ticket, refunded] = yield* paidTickets(event, 2)
        const [foreign] = yield* paidTickets(otherEvent, 1)
        yield* Effect.flatMap(Tickets, (t) => t.void({ ticketIds: [refunded!.id] }, "refund"))
        const list = yield* checkIns.createList(event, {
          name: "Door",
          ticketTypeIds: null,
          validFrom: null,
          validUntil: null,
          reentry: false,
          attention: { ticketTypes: [{ ticketTypeId: ticket!.ticketTypeId, flag: "vip" }], fields: [] },
        })
        const scan = (code: string, id = randomUUID()) =>
          checkIns.checkInOnline(event, { id, listId: list.id, deviceId: "kiosk", code })
        const id = randomUUID()
        const ok = yield* scan(ticket!.code, id)
        expect(ok).toMatchObject({ kind: "valid", ticketId: ticket!.id, attention: [{ flag: "vip" }] })
        expect((yield* scan(ticket!.code, id)).checkIn?.id).toBe(id)
        expect(yield* scan(ticket!.code)).toMatchObject({ kind: "already_checked_in", firstDeviceId: "kiosk" })
        expect(yield* scan(refunded!.code)).toMatchObject({ kind: "revoked" })
        expect(yield* scan(foreign!.code)).toMatchObject({ kind: "other_event" })
        expect(yield* scan(`${ticket!.code.slice(0, 60)}A${ticket!.code.slice(61)}`)).toMatchObject({
          kind: expect.stringMatching(/invalid_signature|other_event/),
        })
        expect((yield* checkIns.list(event.id)).map((c) => c.checkIn.id)).toEqual([id])
      }).pipe(Effect.provide(systemLayer(engine))),
    )

    it.live("concurrent online scans of one ticket admit it once", () =>
      Effect.gen(function* () {
        const checkIns = yield* CheckIns
        const { event } = yield* publishedEvent()
        const [ticket] = yield* paidTickets(event, 1)
        const list = yield* checkIns.createList(event, {
          name: "Door",
          ticketTypeIds: null,
          validFrom: null,
          validUntil: null,
          reentry: false,
          attention: { ticketTypes: [], fields: [] },
        })
        const verdicts = yield* Effect.all(
          Array.from({ length: 8 }, (_, i) =>
            checkIns.checkInOnline(event, { id: randomUUID(), listId: list.id, deviceId: `d${i}`, code: ticket!.code }),
          ),
          { concurrency: "unbounded" },
        )
        expect(verdicts.filter((v) => v.kind === "valid")).toHaveLength(1)
        expect(verdicts.filter((v) => v.kind === "already_checked_in")).toHaveLength(7)
      }).pipe(Effect.provide(systemLayer(engine))),
    )
  })
}

import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import {
  Audit,
  Caller,
  type Event,
  Events,
  Orders,
  Organizations,
  PromoCodes,
  TicketTypes,
  withCaller,
} from "../src/index.js"
import { engines } from "./support/Databases.js"
import {
  asBuyer,
  callerWith,
  createPromo,
  createTicketType,
  eventIn,
  minutes,
  orderInput,
  outcome,
  publishedEvent,
  systemLayer,
  T0,
} from "./support/Fixtures.js"

const page = { limit: 50 }

/** One event's catalogue and an order in it, created as the platform. */
const stock = (event: Event, n: number) =>
  Effect.gen(function* () {
    const ticketType = yield* createTicketType(event)
    const promo = yield* createPromo(event, { code: `CODE${n}` })
    const placed = yield* Effect.flatMap(Orders, (o) =>
      o.place(event.id, orderInput([{ ticketTypeId: ticketType.id, quantity: 1 }], n)),
    ).pipe(asBuyer)
    return { event, ticketType, promo, order: placed.order, accessToken: placed.accessToken }
  })

/** Org A with events A1 and A2, org B with event B1. */
const twoTenants = Effect.gen(function* () {
  const a = yield* publishedEvent()
  const a2 = yield* eventIn(a.org.id)
  const b = yield* publishedEvent()
  return {
    orgA: a.org,
    orgB: b.org,
    a1: yield* stock(a.event, 1),
    a2: yield* stock(a2, 2),
    b1: yield* stock(b.event, 3),
  }
})

describe.concurrent.each(engines)("tenancy on %s", (engine) => {
  it.effect("an org admin of A reads A, and gets NotFound or nothing for everything of B", () =>
    Effect.gen(function* () {
      const { orgA, orgB, a1, b1 } = yield* twoTenants
      const asAdminA = withCaller(callerWith([{ role: "org_admin", orgId: orgA.id, eventId: null }]))
      const [events, ticketTypes, promoCodes, orders, organizations, audit] = [
        yield* Events,
        yield* TicketTypes,
        yield* PromoCodes,
        yield* Orders,
        yield* Organizations,
        yield* Audit,
      ]

      // Positive controls: the same calls succeed inside the caller's own tenant.
      yield* events.get(a1.event.id).pipe(asAdminA)
      yield* ticketTypes.get(a1.event.id, a1.ticketType.id).pipe(asAdminA)
      yield* promoCodes.get(a1.event.id, a1.promo.id).pipe(asAdminA)
      yield* orders.get(a1.event.id, a1.order.id).pipe(asAdminA)
      yield* organizations.get(orgA.id).pipe(asAdminA)

      const reads: Record<string, Effect.Effect<unknown, { readonly _tag: string }, Caller>> = {
        event: events.get(b1.event.id),
        ticketType: ticketTypes.get(b1.event.id, b1.ticketType.id),
        promoCode: promoCodes.get(b1.event.id, b1.promo.id),
        order: orders.get(b1.event.id, b1.order.id),
        orderViaOwnEvent: orders.get(a1.event.id, b1.order.id),
        organization: organizations.get(orgB.id),
      }
      for (const [name, read] of Object.entries(reads)) {
        expect([name, yield* outcome(read.pipe(asAdminA))]).toEqual([name, "NotFound"])
      }

      expect((yield* events.list(orgB.id, page).pipe(asAdminA)).items).toEqual([])
      expect(yield* ticketTypes.listForEvent(b1.event.id).pipe(asAdminA)).toEqual([])
      expect((yield* promoCodes.list(b1.event.id, page).pipe(asAdminA)).items).toEqual([])
      expect((yield* orders.list(b1.event.id, page).pipe(asAdminA)).items).toEqual([])
      expect((yield* audit.list({ orgId: orgB.id, ...page }).pipe(asAdminA)).items).toEqual([])
      expect((yield* organizations.list(page).pipe(asAdminA)).items.map((o) => o.id)).toEqual([orgA.id])

      const writes: Record<string, Effect.Effect<unknown, { readonly _tag: string }, Caller>> = {
        event: events.update(b1.event.id, { name: "Taken over" }),
        ticketType: ticketTypes.update(b1.event.id, b1.ticketType.id, { capacity: 1 }),
        promoCode: promoCodes.update(b1.event.id, b1.promo.id, { active: false }),
        cancel: orders.cancel(b1.event.id, b1.order.id),
        markPaid: orders.markPaid(b1.event.id, b1.order.id),
      }
      for (const [name, write] of Object.entries(writes)) {
        expect([name, yield* outcome(write.pipe(asAdminA))]).toEqual([name, "NotFound"])
      }
      // ...and B is untouched.
      expect((yield* events.get(b1.event.id)).name).toBe(b1.event.name)
      expect((yield* ticketTypes.get(b1.event.id, b1.ticketType.id)).capacity).toBe(100)
      expect((yield* promoCodes.get(b1.event.id, b1.promo.id)).active).toBe(true)
      expect((yield* orders.get(b1.event.id, b1.order.id)).status).toBe("pending_payment")
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("an event-scoped grant sees its event only, not the rest of its org", () =>
    Effect.gen(function* () {
      const { orgA, orgB, a1, a2 } = yield* twoTenants
      const asEventAdmin = withCaller(callerWith([{ role: "event_admin", orgId: orgA.id, eventId: a1.event.id }]))
      const [events, ticketTypes, promoCodes, orders, organizations, audit] = [
        yield* Events,
        yield* TicketTypes,
        yield* PromoCodes,
        yield* Orders,
        yield* Organizations,
        yield* Audit,
      ]

      yield* events.get(a1.event.id).pipe(asEventAdmin)
      expect(yield* outcome(events.get(a2.event.id).pipe(asEventAdmin))).toBe("NotFound")
      expect((yield* events.list(orgA.id, page).pipe(asEventAdmin)).items.map((e) => e.id)).toEqual([a1.event.id])
      expect((yield* ticketTypes.listForEvent(a1.event.id).pipe(asEventAdmin)).map((t) => t.id)).toEqual([
        a1.ticketType.id,
      ])
      expect(yield* ticketTypes.listForEvent(a2.event.id).pipe(asEventAdmin)).toEqual([])
      expect(yield* outcome(ticketTypes.get(a2.event.id, a2.ticketType.id).pipe(asEventAdmin))).toBe("NotFound")
      expect((yield* promoCodes.list(a2.event.id, page).pipe(asEventAdmin)).items).toEqual([])
      expect((yield* orders.list(a1.event.id, page).pipe(asEventAdmin)).items.map((o) => o.id)).toEqual([a1.order.id])
      expect(yield* outcome(orders.get(a2.event.id, a2.order.id).pipe(asEventAdmin))).toBe("NotFound")
      expect(yield* outcome(orders.cancel(a2.event.id, a2.order.id).pipe(asEventAdmin))).toBe("NotFound")
      // Membership lets the caller read the organisation record, nothing more of it.
      yield* organizations.get(orgA.id).pipe(asEventAdmin)
      expect(yield* outcome(organizations.get(orgB.id).pipe(asEventAdmin))).toBe("NotFound")
      const entries = (yield* audit.list({ orgId: orgA.id, ...page }).pipe(asEventAdmin)).items
      expect(entries.length).toBeGreaterThan(0)
      expect(new Set(entries.map((e) => e.eventId))).toEqual(new Set([a1.event.id]))
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("an anonymous caller reads an order only with its access token", () =>
    Effect.gen(function* () {
      const { a1 } = yield* twoTenants
      const orders = yield* Orders
      const anonymous = withCaller(Caller.anonymous)
      expect(yield* outcome(orders.get(a1.event.id, a1.order.id).pipe(anonymous))).toBe("NotFound")
      expect(yield* outcome(Effect.flatMap(Events, (e) => e.get(a1.event.id)).pipe(anonymous))).toBe("NotFound")
      expect((yield* orders.getWithToken(a1.order.id, a1.accessToken).pipe(anonymous)).id).toBe(a1.order.id)
      expect(yield* outcome(orders.getWithToken(a1.order.id, `${a1.accessToken.slice(0, -1)}x`))).toBe("NotFound")
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("every state change leaves one audit entry with a dotted action id and no personal data", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { org, event } = yield* publishedEvent()
      const type = yield* createTicketType(event)
      yield* Effect.flatMap(TicketTypes, (t) => t.update(event.id, type.id, { capacity: 50 }))
      const promo = yield* createPromo(event)
      yield* Effect.flatMap(PromoCodes, (p) => p.update(event.id, promo.id, { maxUses: 5 }))
      const orders = yield* Orders
      const place = (n: number) =>
        orders.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 1 }], n)).pipe(asBuyer)
      const paid = yield* place(1)
      yield* orders.markPaid(event.id, paid.order.id)
      yield* orders.cancel(event.id, paid.order.id)
      const expired = yield* place(2)
      yield* TestClock.adjust(minutes(15))
      yield* orders.expireDue()

      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{
        action: string
        targetId: string
        actorType: string
        actorId: string | null
        data: string | null
      }>`SELECT action, target_id, actor_type, actor_id, data FROM audit_log WHERE org_id = ${org.id} ORDER BY id`
      const trail = rows.map((r) => `${r.action} ${r.targetId}`)
      expect(trail).toEqual([
        `organization.created ${org.id}`,
        `event.created ${event.id}`,
        `event.published ${event.id}`,
        `ticket_type.created ${type.id}`,
        `ticket_type.updated ${type.id}`,
        `promo_code.created ${promo.id}`,
        `promo_code.updated ${promo.id}`,
        `order.placed ${paid.order.id}`,
        `order.paid ${paid.order.id}`,
        `order.cancelled ${paid.order.id}`,
        `order.placed ${expired.order.id}`,
        `order.expired ${expired.order.id}`,
      ])
      for (const row of rows) expect(row.action).toMatch(/^[a-z_]+(\.[a-z_]+)+$/)
      const actors = rows.map((r) => `${r.action} ${r.actorType}:${r.actorId}`)
      expect(actors).toContain(`order.placed ${"anonymous"}:null`)
      expect(actors).toContain("order.expired system:hold-sweeper")
      expect(actors).toContain("event.published system:test")
      const data = rows.map((r) => r.data ?? "").join("\n")
      expect(data).not.toContain("@example.com")
      expect(data).not.toContain("Buyer")
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("the audit log refuses UPDATE and DELETE at the database", () =>
    Effect.gen(function* () {
      yield* publishedEvent()
      const sql = yield* SqlClient.SqlClient
      const count = Effect.map(sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM audit_log`, (r) => Number(r[0]?.n))
      const before = yield* count
      expect(before).toBeGreaterThan(0)

      const update = yield* Effect.flip(sql`UPDATE audit_log SET action = 'tampered'`)
      const remove = yield* Effect.flip(sql`DELETE FROM audit_log`)
      for (const error of [update, remove]) {
        expect(error._tag).toBe("SqlError")
        expect(String((error.cause as { message?: unknown }).message)).toContain("audit_log is append-only")
      }
      expect(yield* count).toBe(before)
      const [tampered] = yield* sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM audit_log
        WHERE action = 'tampered'`
      expect(Number(tampered?.n)).toBe(0)
    }).pipe(Effect.provide(systemLayer(engine))),
  )
})

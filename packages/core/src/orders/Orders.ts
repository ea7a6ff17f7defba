import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { Clock, Data, Effect, Schedule, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { PromoCodes, promoRefusal } from "../catalog/PromoCodes.js"
import { salesState, TicketTypes } from "../catalog/TicketTypes.js"
import { CoreConfig } from "../config/CoreConfig.js"
import { MinorUnits } from "../domain/Common.js"
import type { Event } from "../domain/Event.js"
import { type EventId, type OrderId, type PromoCodeId, type TicketTypeId, uuidv7 } from "../domain/Ids.js"
import { Order, OrderItem, type OrderStatus, orderTransitions, PlacedOrder, type PlaceOrder } from "../domain/Order.js"
import {
  IdempotencyKeyReused,
  InvalidRequest,
  InvalidStateTransition,
  NotFound,
  PromoCodeUnavailable,
  SalesClosed,
  SoldOut,
} from "../domain/Problems.js"
import type { PromoCode } from "../domain/PromoCode.js"
import { Events } from "../events/Events.js"
import { Submissions } from "../forms/Submissions.js"
import { FulfilmentQueue } from "../fulfilment/FulfilmentQueue.js"
import { type Allocation, Inventory } from "../inventory/Inventory.js"
import { priceOrder } from "../pricing/Pricing.js"
import { isRetryableConflict, isUniqueViolation } from "../sql/Errors.js"
import { affectedRows, decodeCursor, rowDecoder, toPage } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"
import { Caller, withCaller } from "../tenancy/Caller.js"

const decodeOrder = rowDecoder(Order, { json: ["vatBreakdown"] })
const decodeItem = rowDecoder(OrderItem)
const notFound = () => new NotFound({ detail: "No such order", resource: "order" })
const isMinorUnits = Schema.is(MinorUnits)

/** Thrown inside the placing transaction when the idempotency key exists: handled after rollback. */
class IdempotencyHit extends Data.TaggedError("IdempotencyHit") {}

const canonicalHash = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex")

/** Engines abort one side of a lock conflict (deadlock, busy); the whole transaction is retried. */
const retryConflicts = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  effect.pipe(
    Effect.retry({
      while: (e: E) => isRetryableConflict(e),
      schedule: Schedule.intersect(Schedule.recurs(8), Schedule.exponential("5 millis").pipe(Schedule.jittered)),
    }),
  )

export class Orders extends Effect.Service<Orders>()("sratix/orders/Orders", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const events = yield* Events
    const ticketTypes = yield* TicketTypes
    const promoCodes = yield* PromoCodes
    const inventory = yield* Inventory
    const submissions = yield* Submissions
    const config = yield* CoreConfig
    const fulfilment = yield* FulfilmentQueue

    /** The buyer's secret for their order: derived, so a replayed request returns the same one. */
    const accessTokenFor = (id: string) =>
      createHmac("sha256", config.secret).update(`order-access:${id}`).digest("base64url")

    const loadItems = (orderIds: ReadonlyArray<string>) =>
      orderIds.length === 0
        ? Effect.succeed(new Map<string, Array<OrderItem>>())
        : sql<Record<string, unknown>>`SELECT order_id, ticket_type_id, quantity, unit_price_minor, discount_minor,
              total_minor, vat_rate_bp FROM order_items WHERE order_id IN ${sql.in(orderIds)} ORDER BY id`.pipe(
            Effect.orDie,
            Effect.flatMap((rows) =>
              Effect.reduce(rows, new Map<string, Array<OrderItem>>(), (map, row) =>
                Effect.map(decodeItem(row), (item) => {
                  const key = String(row.orderId)
                  map.set(key, [...(map.get(key) ?? []), item])
                  return map
                }),
              ),
            ),
          )

    const hydrate = (rows: ReadonlyArray<Record<string, unknown>>) =>
      Effect.gen(function* () {
        const items = yield* loadItems(rows.map((r) => String(r.id)))
        return yield* Effect.forEach(rows, (row) => decodeOrder({ ...row, items: items.get(String(row.id)) ?? [] }))
      })

    const selectOrder = (id: string) =>
      Effect.gen(function* () {
        const scope = yield* tenantScope(sql)
        const rows = yield* sql<Record<string, unknown>>`SELECT * FROM orders WHERE id = ${id} AND ${scope}`.pipe(
          Effect.orDie,
        )
        if (rows.length === 0) return yield* notFound()
        return (yield* hydrate(rows))[0]!
      })

    const get = Effect.fn("Orders.get")(function* (eventId: EventId, id: OrderId) {
      const order = yield* selectOrder(id)
      return order.eventId === eventId ? order : yield* notFound()
    })

    /** For the buyer, who proves ownership with the access token from placing the order. */
    const getWithToken = Effect.fn("Orders.getWithToken")(function* (id: OrderId, token: string) {
      const expected = Buffer.from(accessTokenFor(id))
      const given = Buffer.from(token)
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return yield* notFound()
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM orders WHERE id = ${id}`.pipe(Effect.orDie)
      if (rows.length === 0) return yield* notFound()
      return (yield* hydrate(rows))[0]!
    })

    const list = Effect.fn("Orders.list")(function* (
      eventId: EventId,
      filter: { status?: OrderStatus | undefined; cursor?: string | undefined; limit: number },
    ) {
      const scope = yield* tenantScope(sql)
      const after = decodeCursor(filter.cursor)
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM orders WHERE event_id = ${eventId} AND ${scope}
        ${filter.status ? sql`AND status = ${filter.status}` : sql``}
        ${after ? sql`AND id > ${after}` : sql``} ORDER BY id LIMIT ${filter.limit + 1}`.pipe(Effect.orDie)
      return toPage(yield* hydrate(rows), filter.limit)
    })

    /** Everything that can be checked before taking locks: fail fast, lock late. */
    const validate = (event: Event, input: PlaceOrder, now: number) =>
      Effect.gen(function* () {
        const quantities = new Map<TicketTypeId, number>()
        for (const line of input.items) {
          quantities.set(line.ticketTypeId, (quantities.get(line.ticketTypeId) ?? 0) + line.quantity)
        }
        const types = new Map((yield* ticketTypes.listForEvent(event.id)).map((t) => [t.id, t]))
        let promo: PromoCode | undefined
        if (input.promoCode !== undefined && input.promoCode.trim() !== "") {
          promo = yield* promoCodes.findByCode(event.id, input.promoCode)
          const refusal = promoRefusal(promo, now)
          if (refusal !== null) {
            return yield* new PromoCodeUnavailable({
              detail: `This promo code is ${refusal.replaceAll("-", " ")}`,
              reason: refusal,
            })
          }
          if (
            promo.ticketTypeIds.length > 0 &&
            ![...quantities.keys()].some((id) => promo!.ticketTypeIds.includes(id))
          ) {
            return yield* new PromoCodeUnavailable({
              detail: "This promo code does not apply to the chosen tickets",
              reason: "not-applicable",
            })
          }
        }
        const lines = []
        for (const [ticketTypeId, quantity] of [...quantities].sort(([a], [b]) => a.localeCompare(b))) {
          const type = types.get(ticketTypeId)
          const unlocked = promo?.ticketTypeIds.includes(ticketTypeId)
          if (type === undefined || (type.visibility === "hidden" && !unlocked)) {
            return yield* new InvalidRequest({ detail: "Unknown ticket type for this event", field: "items" })
          }
          const state = salesState(type, now)
          if (state === "not_yet_on_sale" || state === "sales_ended") {
            return yield* new SalesClosed({
              detail:
                state === "not_yet_on_sale" ? `${type.name} is not on sale yet` : `Sales for ${type.name} have ended`,
              ticketTypeId,
            })
          }
          if (quantity < type.minPerOrder || quantity > type.maxPerOrder) {
            return yield* new InvalidRequest({
              detail: `${type.name}: between ${type.minPerOrder} and ${type.maxPerOrder} per order`,
              field: "items",
            })
          }
          // A snapshot that says "not enough" answers at once, without locks: in a rush most buyers
          // arrive after the last seat, and seats only come back through expiry, which a retry sees.
          if (type.available < quantity) {
            return yield* new SoldOut({
              detail: type.available === 0 ? "This ticket type is sold out" : `Only ${type.available} left`,
              ticketTypeId,
              available: type.available,
            })
          }
          lines.push({ ticketTypeId, quantity, unitPriceMinor: type.priceMinor, vatRateBp: type.vatRateBp })
        }
        return { lines, promo }
      })

    const place = Effect.fn("Orders.place")(function* (eventId: EventId, input: PlaceOrder, idempotencyKey?: string) {
      const event = yield* events.getPublished(eventId)
      const caller = yield* Caller
      const buyer = { ...caller, publicEvent: { orgId: event.orgId, eventId: event.id } }
      const requestHash = canonicalHash({ eventId, input })
      const replay = Effect.gen(function* () {
        const rows = yield* sql<{ requestHash: string; orderId: string }>`SELECT request_hash, order_id
            FROM idempotency_keys WHERE event_id = ${eventId} AND idempotency_key = ${idempotencyKey!}`
        const hit = rows[0]
        if (hit === undefined) return null
        if (hit.requestHash !== requestHash) {
          return yield* new IdempotencyKeyReused({
            detail: "This Idempotency-Key was used for a different request",
          })
        }
        // A replay answers with the order as stored now, which may have moved on (paid, expired).
        return yield* selectOrder(hit.orderId)
      })
      // A retry of an order already placed is answered before its answers are checked again: the
      // first attempt has claimed its uploads, so a second check would refuse them.
      const earlier =
        idempotencyKey === undefined
          ? null
          : yield* replay.pipe(Effect.catchTag("SqlError", Effect.die), withCaller(buyer))
      if (earlier !== null) return new PlacedOrder({ order: earlier, accessToken: accessTokenFor(earlier.id) })
      const placeOnce = (mode: "fast" | "locked") =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          const { lines, promo } = yield* validate(event, input, now)
          // Answers are checked once the order itself is sound, and before any seat is taken.
          const prepared = yield* submissions.prepare(event, input)
          const totals = priceOrder(
            lines,
            promo && { kind: promo.kind, value: promo.value, ticketTypeIds: promo.ticketTypeIds },
          )
          // Every line, discount and VAT amount is at most the subtotal: one check keeps them all
          // inside MinorUnits, which the stored order is decoded with after commit.
          if (!isMinorUnits(totals.subtotalMinor)) {
            return yield* new InvalidRequest({ detail: "The order amount is too large", field: "items" })
          }
          const id = uuidv7(now) as OrderId
          const free = totals.totalMinor === 0
          const status: OrderStatus = free ? "paid" : "pending_payment"
          const expiresAt = free ? null : now + config.holdMinutes * 60_000
          const stamps = { orgId: event.orgId, eventId: event.id, createdAt: now, updatedAt: now }
          const order = new Order({
            id,
            ...stamps,
            status,
            currency: event.currency,
            buyerEmail: input.buyer.email,
            buyerName: input.buyer.name,
            locale: input.locale,
            promoCodeId: promo?.id ?? null,
            items: totals.lines.map(
              (line) => new OrderItem({ ...line, ticketTypeId: line.ticketTypeId as TicketTypeId }, true),
            ),
            subtotalMinor: totals.subtotalMinor,
            discountMinor: totals.discountMinor,
            totalMinor: totals.totalMinor,
            vatMinor: totals.vatMinor,
            vatBreakdown: totals.vatBreakdown,
            expiresAt,
            paidAt: free ? now : null,
            cancelledAt: null,
          })

          const transaction = Effect.gen(function* () {
            if (idempotencyKey !== undefined) {
              yield* sql`INSERT INTO idempotency_keys ${sql.insert({
                ...stamps,
                idempotencyKey,
                requestHash,
                orderId: id,
              })}`.pipe(
                Effect.catchTag("SqlError", (e) => Effect.fail(isUniqueViolation(e) ? new IdempotencyHit() : e)),
              )
            }
            const { items: _, ...orderRow } = order
            yield* sql`INSERT INTO orders ${sql.insert({ ...orderRow, vatBreakdown: JSON.stringify(order.vatBreakdown) })}`
            yield* sql`INSERT INTO order_items ${sql.insert(
              totals.lines.map((line, i) => ({
                id: uuidv7(now + i),
                ...stamps,
                orderId: id,
                ticketTypeId: line.ticketTypeId,
                quantity: line.quantity,
                unitPriceMinor: line.unitPriceMinor,
                discountMinor: line.discountMinor,
                totalMinor: line.totalMinor,
                vatRateBp: line.vatRateBp,
              })),
            )}`
            if (prepared !== null) yield* submissions.record(prepared, order, now)
            yield* audit.record({
              action: "order.placed",
              targetType: "order",
              targetId: id,
              orgId: event.orgId,
              eventId: event.id,
              data: { totalMinor: totals.totalMinor, tickets: totals.lines.reduce((n, l) => n + l.quantity, 0) },
            })
            if (free) {
              yield* audit.record({
                action: "order.paid",
                targetType: "order",
                targetId: id,
                orgId: event.orgId,
                eventId: event.id,
                data: { provider: "free" },
              })
              yield* fulfilment.recordPaid(order, now)
            }
            // Contended rows last, so their locks are held for as short a time as possible before
            // COMMIT; among them a fixed order (ticket types by id, then the promo code): no deadlocks.
            const allocations: Array<Allocation> = []
            for (const line of totals.lines) {
              allocations.push(...(yield* inventory.take(line.ticketTypeId as TicketTypeId, line.quantity, mode)))
            }
            if (promo) yield* promoCodes.redeem(promo.id)
            yield* sql`INSERT INTO holds ${sql.insert(
              allocations.map((a, i) => ({
                id: uuidv7(now + i),
                ...stamps,
                orderId: id,
                ticketTypeId: a.ticketTypeId,
                bucket: a.bucket,
                quantity: a.quantity,
                state: free ? "converted" : "active",
                expiresAt: expiresAt ?? now,
              })),
            )}`
            return order
          })
          return yield* retryConflicts(sql.withTransaction(transaction))
        })

      const order = yield* placeOnce("fast").pipe(
        Effect.catchTag("NeedsFullLock", () =>
          placeOnce("locked").pipe(
            Effect.catchTag("NeedsFullLock", () => Effect.dieMessage("the locked path never asks for a lock")),
          ),
        ),
        Effect.catchTag("IdempotencyHit", () =>
          Effect.flatMap(replay, (order) =>
            order === null ? Effect.dieMessage("idempotency key vanished") : Effect.succeed(order),
          ),
        ),
        Effect.catchTag("SqlError", Effect.die),
        withCaller(buyer),
      )
      // After the commit: a free order is paid when placed (a replay asks again; the job id dedupes).
      if (order.status === "paid") yield* fulfilment.request(order.id)
      return new PlacedOrder({ order, accessToken: accessTokenFor(order.id) })
    })

    /**
     * Moves an order between states and settles its holds. The status UPDATE is conditional on
     * the state read, so a payment and an expiry racing for the same order cannot both win.
     */
    const transition = (order: Order, to: OrderStatus, now: number, action: string, data?: Record<string, unknown>) =>
      Effect.gen(function* () {
        if (!orderTransitions[order.status].includes(to)) {
          return yield* new InvalidStateTransition({
            detail: `An order cannot go from ${order.status} to ${to}`,
            from: order.status,
            to,
          })
        }
        const changed = yield* sql`UPDATE orders SET status = ${to}, updated_at = ${now}
            ${to === "paid" ? sql`, paid_at = ${now}, expires_at = NULL` : sql``}
            ${to === "cancelled" ? sql`, cancelled_at = ${now}` : sql``}
          WHERE id = ${order.id} AND status = ${order.status}`.raw.pipe(Effect.map(affectedRows))
        if (changed !== 1) return false
        if (to === "paid") yield* fulfilment.recordPaid(order, now)
        const returnsSeats = to === "cancelled" || to === "expired"
        const holds = yield* sql<{ id: string; ticketTypeId: TicketTypeId; bucket: number; quantity: number }>`
          SELECT id, ticket_type_id, bucket, quantity FROM holds
          WHERE order_id = ${order.id} AND state IN ('active', 'converted')`
        yield* sql`UPDATE holds SET state = ${returnsSeats ? "released" : "converted"}, updated_at = ${now}
          WHERE order_id = ${order.id} AND state IN ('active', 'converted')`
        if (returnsSeats) {
          yield* inventory.give(holds.map((h) => ({ ...h, bucket: Number(h.bucket), quantity: Number(h.quantity) })))
          if (order.promoCodeId) yield* promoCodes.release(order.promoCodeId as PromoCodeId)
          // An attempt still open would otherwise let the buyer pay for seats that are gone.
          yield* sql`UPDATE payments SET status = ${to === "expired" ? "expired" : "cancelled"}, updated_at = ${now}
            WHERE order_id = ${order.id} AND status IN ('pending', 'failed')`
        }
        yield* audit.record({
          action,
          targetType: "order",
          targetId: order.id,
          orgId: order.orgId,
          eventId: order.eventId,
          data: { from: order.status, ...data },
        })
        return true
      })

    const changeStatus = (
      eventId: EventId,
      id: OrderId,
      to: OrderStatus,
      action: string,
      data?: Record<string, unknown>,
    ) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const order = yield* get(eventId, id)
        const changed = yield* transition(order, to, now, action, data)
        if (!changed) {
          const fresh = yield* get(eventId, id)
          return yield* new InvalidStateTransition({
            detail: `An order cannot go from ${fresh.status} to ${to}`,
            from: fresh.status,
            to,
          })
        }
        return yield* get(eventId, id)
      }).pipe(sql.withTransaction, retryConflicts, Effect.catchTag("SqlError", Effect.die))

    const cancel = Effect.fn("Orders.cancel")(function* (eventId: EventId, id: OrderId) {
      return yield* changeStatus(eventId, id, "cancelled", "order.cancelled")
    })

    /** Records a payment made outside a provider flow (cash, bank transfer confirmed by hand). */
    const markPaid = Effect.fn("Orders.markPaid")(function* (eventId: EventId, id: OrderId) {
      const paid = yield* changeStatus(eventId, id, "paid", "order.paid", { provider: "manual" })
      yield* fulfilment.request(paid.id)
      return paid
    })

    /**
     * The sweeper: expires unpaid orders whose hold ran out and returns their seats. Safe to run
     * in every server process at once; each order is expired by exactly one of them.
     */
    const expireDue = Effect.fn("Orders.expireDue")(
      function* (batch = 200) {
        const now = yield* Clock.currentTimeMillis
        const due = yield* sql<Record<string, unknown>>`SELECT * FROM orders
        WHERE status = 'pending_payment' AND expires_at <= ${now} ORDER BY expires_at LIMIT ${batch}`.pipe(Effect.orDie)
        let expired = 0
        for (const order of yield* hydrate(due)) {
          const changed = yield* transition(order, "expired", now, "order.expired").pipe(
            sql.withTransaction,
            retryConflicts,
            Effect.catchTag("SqlError", Effect.die),
            Effect.catchTag("InvalidStateTransition", () => Effect.succeed(false)),
          )
          if (changed) expired++
        }
        return expired
      },
      withCaller(Caller.system("hold-sweeper")),
    )

    /** The order by id alone, for flows that arrive without an event in the path (webhooks, bank imports). */
    const find = Effect.fn("Orders.find")(function* (id: string) {
      return yield* selectOrder(id)
    })

    /**
     * Payment flows call these inside their own transaction, under the order's lock: the money
     * record and the order's new state commit together or not at all.
     */
    const settlement = {
      /** pending_payment → paid; false when the order had already left pending_payment. */
      paid: (order: Order, now: number, data: Record<string, unknown>) =>
        order.status === "pending_payment" ? transition(order, "paid", now, "order.paid", data) : Effect.succeed(false),
      /** paid → cancelled after everything paid was refunded: seats and the promo code use come back. */
      refunded: (order: Order, now: number) =>
        order.status === "paid" ? transition(order, "cancelled", now, "order.refunded") : Effect.succeed(false),
      /** Keeps the seats while a payment is under way, e.g. until a Checkout Session or an invoice is due. */
      holdUntil: (order: Order, until: number, now: number) =>
        Effect.gen(function* () {
          if (order.status !== "pending_payment" || (order.expiresAt ?? 0) >= until) return
          yield* sql`UPDATE orders SET expires_at = ${until}, updated_at = ${now}
            WHERE id = ${order.id} AND status = 'pending_payment'`
          yield* sql`UPDATE holds SET expires_at = ${until}, updated_at = ${now}
            WHERE order_id = ${order.id} AND state = 'active'`
        }),
    }

    return { place, get, getWithToken, find, list, cancel, markPaid, expireDue, settlement } as const
  }),
  dependencies: [
    Audit.Default,
    Events.Default,
    TicketTypes.Default,
    PromoCodes.Default,
    Inventory.Default,
    Submissions.Default,
    FulfilmentQueue.Default,
  ],
}) {}

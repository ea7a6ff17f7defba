import { createHash, createHmac, timingSafeEqual } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { Clock, Data, Effect, Schedule, Schema } from "effect"
import { Audit, type AuditRecord } from "../audit/Audit.js"
import { PromoCodes, promoRefusal } from "../catalog/PromoCodes.js"
import { salesState, TicketTypes } from "../catalog/TicketTypes.js"
import { CoreConfig } from "../config/CoreConfig.js"
import { MinorUnits } from "../domain/Common.js"
import type { Event } from "../domain/Event.js"
import type { PublicForm } from "../domain/Form.js"
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
import type { TicketTypeWithAvailability } from "../domain/TicketType.js"
import { Events } from "../events/Events.js"
import { FormSchemas } from "../forms/FormSchemas.js"
import { type PreparedSubmissions, Submissions } from "../forms/Submissions.js"
import { FulfilmentQueue } from "../fulfilment/FulfilmentQueue.js"
import { type Allocation, Inventory } from "../inventory/Inventory.js"
import { priceOrder } from "../pricing/Pricing.js"
import { coalesce } from "../sql/Coalesce.js"
import { isRetryableConflict, isUniqueViolation } from "../sql/Errors.js"
import { affectedRows, decodeCursor, rowDecoder, toPage } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"
import { Caller, type CallerShape, withCaller } from "../tenancy/Caller.js"
import { groupCommit } from "./GroupCommit.js"

const decodeOrder = rowDecoder(Order, { json: ["vatBreakdown"] })
const decodeItem = rowDecoder(OrderItem)
const notFound = () => new NotFound({ detail: "No such order", resource: "order" })
const isMinorUnits = Schema.is(MinorUnits)

/** Orders committed together at most; bounds the statements a batch sends. */
const MAX_BATCH = 100

interface SalesSnapshot {
  readonly event: Event
  readonly types: ReadonlyMap<TicketTypeId, TicketTypeWithAvailability>
  readonly form: PublicForm | null
}

/** An order checked and priced, with what storing it needs; not yet stored. */
interface PreparedOrder {
  readonly order: Order
  readonly now: number
  readonly stamps: { orgId: string; eventId: string; createdAt: number; updatedAt: number }
  readonly caller: CallerShape
  readonly promo: PromoCode | undefined
  readonly prepared: PreparedSubmissions | null
  readonly idempotencyKey: string | undefined
  readonly requestHash: string
}

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
    const forms = yield* FormSchemas
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
    const validate = (
      event: Event,
      types: ReadonlyMap<TicketTypeId, TicketTypeWithAvailability>,
      input: PlaceOrder,
      now: number,
    ) =>
      Effect.gen(function* () {
        const quantities = new Map<TicketTypeId, number>()
        for (const line of input.items) {
          quantities.set(line.ticketTypeId, (quantities.get(line.ticketTypeId) ?? 0) + line.quantity)
        }
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

    /**
     * What an order is checked against, read before any lock: the published event, its ticket types
     * with their committed availability, and its active form. Concurrent orders for one event share
     * one read (`coalesce`): in a rush that is one read for many orders, never an older one.
     */
    const readSnapshot = (eventId: EventId) =>
      Effect.gen(function* () {
        const event = yield* events.getPublished(eventId)
        const caller = yield* Caller
        const [types, form] = yield* Effect.all([ticketTypes.listForEvent(event.id), forms.activeFor(event)], {
          concurrency: 2,
        }).pipe(withCaller({ ...caller, publicEvent: { orgId: event.orgId, eventId: event.id } }))
        return { event, types: new Map(types.map((t) => [t.id, t])), form } satisfies SalesSnapshot
      })
    const sharedSnapshot = coalesce(readSnapshot)

    /** The rows an order is stored as, for one order alone or for a batch. */
    const orderRows = (p: PreparedOrder) => {
      const { order, now, stamps } = p
      const { items: _, ...orderRow } = order
      return {
        order: { ...orderRow, vatBreakdown: JSON.stringify(order.vatBreakdown) },
        items: order.items.map((line, i) => ({
          id: uuidv7(now + i),
          ...stamps,
          orderId: order.id,
          ticketTypeId: line.ticketTypeId,
          quantity: line.quantity,
          unitPriceMinor: line.unitPriceMinor,
          discountMinor: line.discountMinor,
          totalMinor: line.totalMinor,
          vatRateBp: line.vatRateBp,
        })),
        holds: (allocations: ReadonlyArray<Allocation>) =>
          allocations.map((a, i) => ({
            id: uuidv7(now + i),
            ...stamps,
            orderId: order.id,
            ticketTypeId: a.ticketTypeId,
            bucket: a.bucket,
            quantity: a.quantity,
            state: order.status === "paid" ? "converted" : "active",
            expiresAt: order.expiresAt ?? now,
          })),
        audit: [
          {
            action: "order.placed",
            targetType: "order",
            targetId: order.id,
            orgId: order.orgId,
            eventId: order.eventId,
            data: { totalMinor: order.totalMinor, tickets: order.items.reduce((n, l) => n + l.quantity, 0) },
          },
          ...(order.status === "paid"
            ? [
                {
                  action: "order.paid",
                  targetType: "order",
                  targetId: order.id,
                  orgId: order.orgId,
                  eventId: order.eventId,
                  data: { provider: "free" },
                },
              ]
            : []),
        ] satisfies Array<AuditRecord>,
        idempotency:
          p.idempotencyKey === undefined
            ? null
            : { ...stamps, idempotencyKey: p.idempotencyKey, requestHash: p.requestHash, orderId: order.id },
      }
    }

    /**
     * Several orders for one ticket type in one transaction (group commit, ADR 13): their rows in
     * multi-row INSERTs, then one conditional decrement per bucket used, last, just before COMMIT.
     * Orders the committed counters have no room for are left out (placed alone, where the locked
     * path decides). Any failure rolls back the whole batch; every member is then placed alone.
     */
    const commitBatch = (ticketTypeId: TicketTypeId, batch: ReadonlyArray<PreparedOrder>) =>
      Effect.gen(function* () {
        const quantity = (p: PreparedOrder) => p.order.items[0]!.quantity
        const plan = yield* inventory.plan(ticketTypeId, batch.map(quantity))
        const members = batch.filter((_, i) => plan[i] !== null)
        if (members.length === 0) return new Set<PreparedOrder>()
        const bucketOf = new Map(batch.map((p, i) => [p, plan[i]!] as const))
        const perBucket = new Map<number, number>()
        for (const p of members) perBucket.set(bucketOf.get(p)!, (perBucket.get(bucketOf.get(p)!) ?? 0) + quantity(p))
        const rows = members.map((p) => ({ p, rows: orderRows(p) }))
        const keys = rows.flatMap(({ rows }) => (rows.idempotency === null ? [] : [rows.idempotency]))
        const transaction = Effect.gen(function* () {
          if (keys.length > 0) yield* sql`INSERT INTO idempotency_keys ${sql.insert(keys)}`
          yield* sql`INSERT INTO orders ${sql.insert(rows.map(({ rows }) => rows.order))}`
          yield* sql`INSERT INTO order_items ${sql.insert(rows.flatMap(({ rows }) => rows.items))}`
          for (const { p } of rows) {
            if (p.prepared !== null) yield* submissions.record(p.prepared, p.order, p.now).pipe(withCaller(p.caller))
          }
          yield* audit.recordMany(
            rows.flatMap(({ p, rows }) => rows.audit.map((entry) => ({ entry, caller: p.caller }))),
          )
          for (const { p } of rows) {
            if (p.order.status === "paid") yield* fulfilment.recordPaid(p.order, p.now)
          }
          yield* sql`INSERT INTO holds ${sql.insert(
            rows.flatMap(({ p, rows }) =>
              rows.holds([{ ticketTypeId, bucket: bucketOf.get(p)!, quantity: quantity(p) }]),
            ),
          )}`
          yield* inventory.takePlanned(ticketTypeId, perBucket)
        })
        yield* retryConflicts(sql.withTransaction(transaction))
        return new Set(members)
      })
    const batches = groupCommit({ maxBatch: MAX_BATCH, commit: commitBatch })

    /** Validates, answers the form and prices one order; builds it, not yet stored. */
    const prepareOrder = (
      snapshot: SalesSnapshot,
      input: PlaceOrder,
      idempotencyKey: string | undefined,
      requestHash: string,
    ) =>
      Effect.gen(function* () {
        const { event } = snapshot
        const now = yield* Clock.currentTimeMillis
        const caller = yield* Caller
        const { lines, promo } = yield* validate(event, snapshot.types, input, now)
        // Answers are checked once the order itself is sound, and before any seat is taken.
        const prepared = yield* submissions.prepare(event, input, snapshot.form)
        const totals = priceOrder(
          lines,
          promo && { kind: promo.kind, value: promo.value, ticketTypeIds: promo.ticketTypeIds },
        )
        // Every line, discount and VAT amount is at most the subtotal: one check keeps them all
        // inside MinorUnits, the range the order schema encodes.
        if (!isMinorUnits(totals.subtotalMinor)) {
          return yield* new InvalidRequest({ detail: "The order amount is too large", field: "items" })
        }
        const id = uuidv7(now) as OrderId
        const free = totals.totalMinor === 0
        const stamps = { orgId: event.orgId, eventId: event.id, createdAt: now, updatedAt: now }
        // Built from checked values only (the input schema, the catalog, the MinorUnits check above),
        // and checked again when the response is encoded: the constructor need not validate twice.
        const order = new Order(
          {
            id,
            ...stamps,
            status: free ? "paid" : "pending_payment",
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
            expiresAt: free ? null : now + config.holdMinutes * 60_000,
            paidAt: free ? now : null,
            cancelledAt: null,
          },
          true,
        )
        return { order, now, stamps, caller, promo, prepared, idempotencyKey, requestHash } satisfies PreparedOrder
      })

    const place = Effect.fn("Orders.place")(function* (eventId: EventId, input: PlaceOrder, idempotencyKey?: string) {
      const caller = yield* Caller
      const snapshot = yield* sharedSnapshot(eventId)
      const { event } = snapshot
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
      if (earlier !== null) return new PlacedOrder({ order: earlier, accessToken: accessTokenFor(earlier.id) }, true)

      /** One order in its own transaction: the path for everything a batch does not take. */
      const writeOnce = (p: PreparedOrder, mode: "fast" | "locked") => {
        const { order, promo } = p
        const rows = orderRows(p)
        const transaction = Effect.gen(function* () {
          if (rows.idempotency !== null) {
            yield* sql`INSERT INTO idempotency_keys ${sql.insert(rows.idempotency)}`.pipe(
              Effect.catchTag("SqlError", (e) => Effect.fail(isUniqueViolation(e) ? new IdempotencyHit() : e)),
            )
          }
          yield* sql`INSERT INTO orders ${sql.insert(rows.order)}`
          yield* sql`INSERT INTO order_items ${sql.insert(rows.items)}`
          if (p.prepared !== null) yield* submissions.record(p.prepared, order, p.now)
          for (const entry of rows.audit) yield* audit.record(entry)
          if (order.status === "paid") yield* fulfilment.recordPaid(order, p.now)
          // Contended rows last, so their locks are held for as short a time as possible before
          // COMMIT; among them a fixed order (ticket types by id, then the promo code): no deadlocks.
          const allocations: Array<Allocation> = []
          for (const line of order.items) {
            allocations.push(...(yield* inventory.take(line.ticketTypeId, line.quantity, mode)))
          }
          if (promo) yield* promoCodes.redeem(promo.id)
          yield* sql`INSERT INTO holds ${sql.insert(rows.holds(allocations))}`
          return order
        })
        return retryConflicts(sql.withTransaction(transaction))
      }

      // Orders of one ticket type without a promo code are committed together with whatever else
      // arrives for that type meanwhile; the rest, and any order a batch could not take, alone.
      const first = Effect.gen(function* () {
        const p = yield* prepareOrder(snapshot, input, idempotencyKey, requestHash)
        if (p.order.items.length !== 1 || p.promo !== undefined) return yield* writeOnce(p, "fast")
        if (yield* batches.submit(p.order.items[0]!.ticketTypeId, p)) return p.order
        return yield* writeOnce(p, "fast")
      })
      // The locked attempt reads afresh: the snapshot that sent it there is already outdated.
      const locked = Effect.gen(function* () {
        const p = yield* prepareOrder(yield* readSnapshot(eventId), input, idempotencyKey, requestHash)
        return yield* writeOnce(p, "locked")
      })

      const order = yield* first.pipe(
        Effect.catchTag("NeedsFullLock", () =>
          locked.pipe(
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
      return new PlacedOrder({ order, accessToken: accessTokenFor(order.id) }, true)
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
    FormSchemas.Default,
    FulfilmentQueue.Default,
  ],
}) {}

import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"
import { Audit } from "../audit/Audit.js"
import { type EventId, type OrderId, type OrgId, uuidv7 } from "../domain/Ids.js"
import { Conflict, Forbidden, NotFound } from "../domain/Problems.js"
import { type RevokedTicket, Ticket, type TicketId } from "../domain/Ticket.js"
import { encodeTicketCode } from "../offline/TicketCode.js"
import { isUniqueViolation } from "../sql/Errors.js"
import { rowDecoder } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"
import { Caller, can } from "../tenancy/Caller.js"
import { type EventSigner, SigningKeys } from "./SigningKeys.js"

const decodeTicket = rowDecoder(Ticket)

interface Seat {
  readonly seatIndex: number
  readonly ticketTypeId: string
  readonly attendeeName: string
  readonly attendeeEmail: string
}

/** What `Tickets.void` acts on: the listed tickets, or every ticket of an order (a refund). */
export type VoidTarget = { readonly ticketIds: ReadonlyArray<TicketId> } | { readonly orderId: OrderId }

const joinName = (first: string | null, last: string | null) =>
  [first, last].filter((p) => p !== null && p.trim() !== "").join(" ") || null

/** Ranks of the event's ticket types by id, the index a code carries (types are never deleted). */
export const ticketTypeIndexes = (sql: SqlClient.SqlClient, eventId: string) =>
  Effect.map(
    sql<{ id: string }>`SELECT id FROM ticket_types WHERE event_id = ${eventId} ORDER BY id`,
    (rows) => new Map(rows.map((r, i) => [r.id, Math.min(i, 255)])),
  )

/**
 * Tickets: one per seat of a paid order (one per attendee when the order carries form answers),
 * each with a code signed by the event's active key (`@sratix/core/offline` verifies it).
 * `issueForOrder` is idempotent: a second call, a retried job or a concurrent caller gets the same
 * tickets, because (order_id, seat_index) is unique and every seat is written in one transaction.
 */
export class Tickets extends Effect.Service<Tickets>()("sratix/tickets/Tickets", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const keys = yield* SigningKeys

    const selectForOrder = (orderId: string) =>
      Effect.flatMap(
        sql<Record<string, unknown>>`SELECT * FROM tickets WHERE order_id = ${orderId} ORDER BY seat_index`,
        Effect.forEach(decodeTicket),
      ).pipe(Effect.orDie)

    const requireWrite = (target: { readonly orgId: string; readonly eventId: string }, detail: string) =>
      Effect.flatMap(Caller, (caller) =>
        can(caller, "orders.write", { orgId: target.orgId as OrgId, eventId: target.eventId as EventId })
          ? Effect.void
          : new Forbidden({ detail, permission: "orders.write" }),
      )

    const seatsOf = (order: { id: string; eventId: string; buyerName: string; buyerEmail: string }) =>
      Effect.gen(function* () {
        const attendees = yield* sql<{
          attendeeIndex: number
          ticketTypeId: string
          fullName: string | null
          firstName: string | null
          lastName: string | null
          email: string | null
        }>`SELECT attendee_index, ticket_type_id, full_name, first_name, last_name, email FROM form_submissions
          WHERE order_id = ${order.id} ORDER BY attendee_index`
        if (attendees.length > 0) {
          return attendees.map(
            (a): Seat => ({
              seatIndex: Number(a.attendeeIndex),
              ticketTypeId: a.ticketTypeId,
              attendeeName: a.fullName ?? joinName(a.firstName, a.lastName) ?? order.buyerName,
              attendeeEmail: a.email ?? order.buyerEmail,
            }),
          )
        }
        const items = yield* sql<{ ticketTypeId: string; quantity: number }>`SELECT ticket_type_id, quantity
          FROM order_items WHERE order_id = ${order.id} ORDER BY id`
        return items
          .flatMap((item) => Array.from({ length: Number(item.quantity) }, () => item.ticketTypeId))
          .map(
            (ticketTypeId, seatIndex): Seat => ({
              seatIndex,
              ticketTypeId,
              attendeeName: order.buyerName,
              attendeeEmail: order.buyerEmail,
            }),
          )
      })

    const typeIndexes = (eventId: string) => ticketTypeIndexes(sql, eventId)

    const codeFor = (signer: EventSigner, eventId: string, ticketId: string, ticketTypeIndex: number) =>
      encodeTicketCode({ kid: signer.kid, eventId, ticketId, ticketTypeIndex }, signer.sign)

    /**
     * Issues the tickets of a paid order, or returns the ones issued before. Fails with `Conflict`
     * for an order that is not paid (and has no tickets yet).
     */
    const issueForOrder = Effect.fn("Tickets.issueForOrder")(function* (orderId: OrderId) {
      const scope = yield* tenantScope(sql)
      const [order] = yield* sql<{
        id: string
        orgId: string
        eventId: EventId
        status: string
        buyerName: string
        buyerEmail: string
      }>`SELECT id, org_id, event_id, status, buyer_name, buyer_email FROM orders
        WHERE id = ${orderId} AND ${scope}`.pipe(Effect.orDie)
      if (order === undefined) return yield* new NotFound({ detail: "No such order", resource: "order" })
      yield* requireWrite(order, "Issuing tickets for this order is not allowed")
      const existing = yield* selectForOrder(orderId)
      if (existing.length > 0) return existing
      if (order.status !== "paid") {
        return yield* new Conflict({ detail: `Tickets are issued for paid orders only (this one is ${order.status})` })
      }
      const seats = yield* seatsOf(order).pipe(Effect.orDie)
      const indexes = yield* typeIndexes(order.eventId).pipe(Effect.orDie)
      const signer = yield* keys.activeSigner({ id: order.eventId, orgId: order.orgId })
      const now = yield* Clock.currentTimeMillis
      const rows = seats.map((seat) => {
        const id = uuidv7(now)
        return {
          id,
          orgId: order.orgId,
          eventId: order.eventId,
          orderId,
          ...seat,
          status: "valid",
          code: codeFor(signer, order.eventId, id, indexes.get(seat.ticketTypeId) ?? 0),
          keyId: signer.kid,
          voidReason: null,
          voidedAt: null,
          createdAt: now,
          updatedAt: now,
        }
      })
      const inserted = yield* Effect.gen(function* () {
        if (rows.length > 0) yield* sql`INSERT INTO tickets ${sql.insert(rows)}`
        yield* audit.record({
          action: "tickets.issued",
          targetType: "order",
          targetId: orderId,
          orgId: order.orgId,
          eventId: order.eventId,
          data: { tickets: rows.length, keyId: signer.kid },
        })
        return true
      }).pipe(
        sql.withTransaction,
        // A concurrent issuer won the race: its tickets are the order's tickets.
        Effect.catchIf(isUniqueViolation, () => Effect.succeed(false)),
        Effect.orDie,
      )
      return inserted ? yield* Effect.forEach(rows, decodeTicket) : yield* selectForOrder(orderId)
    })

    /**
     * One ticket where the caller may see it, or NotFound (also when it lives elsewhere, so a
     * probe cannot tell another tenant's ticket from no ticket).
     */
    const find = Effect.fn("Tickets.find")(function* (ticketId: TicketId) {
      const scope = yield* tenantScope(sql)
      const [row] = yield* sql<Record<string, unknown>>`SELECT * FROM tickets WHERE id = ${ticketId} AND ${scope}`.pipe(
        Effect.orDie,
      )
      if (row === undefined) return yield* new NotFound({ detail: "No such ticket", resource: "ticket" })
      return yield* decodeTicket(row).pipe(Effect.orDie)
    })

    const listForOrder = Effect.fn("Tickets.listForOrder")(function* (orderId: OrderId) {
      const scope = yield* tenantScope(sql)
      return yield* Effect.flatMap(
        sql<Record<string, unknown>>`SELECT * FROM tickets WHERE order_id = ${orderId} AND ${scope}
          ORDER BY seat_index`,
        Effect.forEach(decodeTicket),
      ).pipe(Effect.orDie)
    })

    /** Marks tickets void (refund, cancellation); already-void ones are left as they are. Returns those voided now. */
    const voidTickets = Effect.fn("Tickets.void")(function* (target: VoidTarget, reason: string) {
      const scope = yield* tenantScope(sql)
      const filter =
        "orderId" in target
          ? sql`order_id = ${target.orderId}`
          : target.ticketIds.length === 0
            ? sql`1=0`
            : sql`id IN ${sql.in(target.ticketIds)}`
      const candidates = yield* Effect.flatMap(
        sql<Record<string, unknown>>`SELECT * FROM tickets WHERE ${filter} AND status = 'valid' AND ${scope}
          ORDER BY id`,
        Effect.forEach(decodeTicket),
      ).pipe(Effect.orDie)
      for (const ticket of candidates) yield* requireWrite(ticket, "Voiding these tickets is not allowed")
      if (candidates.length === 0) return []
      const now = yield* Clock.currentTimeMillis
      const ids = candidates.map((t) => t.id)
      const voidReason = reason.slice(0, 200)
      yield* Effect.gen(function* () {
        yield* sql`UPDATE tickets SET status = 'void', void_reason = ${voidReason}, voided_at = ${now},
          updated_at = ${now} WHERE id IN ${sql.in(ids)} AND status = 'valid'`
        for (const ticket of candidates) {
          yield* audit.record({
            action: "ticket.voided",
            targetType: "ticket",
            targetId: ticket.id,
            orgId: ticket.orgId,
            eventId: ticket.eventId,
            data: { orderId: ticket.orderId },
          })
        }
      }).pipe(sql.withTransaction, Effect.orDie)
      return candidates.map((t) => new Ticket({ ...t, status: "void", voidReason, voidedAt: now, updatedAt: now }))
    })

    /** Void tickets of an event, for the scanners' packs. */
    const revocationList = Effect.fn("Tickets.revocationList")(function* (eventId: EventId) {
      const scope = yield* tenantScope(sql)
      const rows = yield* sql<{ id: TicketId; voidedAt: number | bigint }>`SELECT id, voided_at FROM tickets
        WHERE event_id = ${eventId} AND status = 'void' AND ${scope} ORDER BY id`.pipe(Effect.orDie)
      return rows.map((r): RevokedTicket => ({ ticketId: r.id, voidedAt: Number(r.voidedAt) }))
    })

    /**
     * After a rotation: re-signs the event's valid tickets with the active key, so they keep
     * verifying once the old key's grace period ends. Returns how many codes changed.
     */
    const resignCodes = Effect.fn("Tickets.resignCodes")(function* (event: {
      readonly id: EventId
      readonly orgId: OrgId
    }) {
      yield* requireWrite({ orgId: event.orgId, eventId: event.id }, "Re-signing this event's tickets is not allowed")
      const signer = yield* keys.activeSigner(event)
      const indexes = yield* typeIndexes(event.id).pipe(Effect.orDie)
      const stale = yield* sql<{ id: string; ticketTypeId: string }>`SELECT id, ticket_type_id FROM tickets
        WHERE event_id = ${event.id} AND status = 'valid' AND key_id <> ${signer.kid}`.pipe(Effect.orDie)
      const now = yield* Clock.currentTimeMillis
      for (const ticket of stale) {
        const code = codeFor(signer, event.id, ticket.id, indexes.get(ticket.ticketTypeId) ?? 0)
        yield* sql`UPDATE tickets SET code = ${code}, key_id = ${signer.kid}, updated_at = ${now}
          WHERE id = ${ticket.id}`.pipe(Effect.orDie)
      }
      return stale.length
    })

    return { issueForOrder, find, listForOrder, void: voidTickets, revocationList, resignCodes } as const
  }),
  dependencies: [Audit.Default, SigningKeys.Default],
}) {}

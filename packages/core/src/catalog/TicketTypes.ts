import { SqlClient } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Clock, Effect } from "effect"
import { Audit } from "../audit/Audit.js"
import { CoreConfig } from "../config/CoreConfig.js"
import type { Event } from "../domain/Event.js"
import { type EventId, type TicketTypeId, uuidv7 } from "../domain/Ids.js"
import { definedFields } from "../domain/Patch.js"
import { InvalidRequest, NotFound } from "../domain/Problems.js"
import {
  type CreateTicketType,
  TicketType,
  TicketTypeWithAvailability,
  type UpdateTicketType,
} from "../domain/TicketType.js"
import { Inventory } from "../inventory/Inventory.js"
import { rowDecoder } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"

const decode = rowDecoder(TicketTypeWithAvailability)
const notFound = () => new NotFound({ detail: "No such ticket type", resource: "ticket-type" })

/** Where a ticket type stands for a buyer at a given instant. */
export type SalesState = "on_sale" | "not_yet_on_sale" | "sales_ended" | "sold_out"

export const salesState = (t: TicketTypeWithAvailability, now: number): SalesState => {
  if (t.salesStartAt !== null && now < t.salesStartAt) return "not_yet_on_sale"
  if (t.salesEndAt !== null && now >= t.salesEndAt) return "sales_ended"
  return t.available < t.minPerOrder ? "sold_out" : "on_sale"
}

export class TicketTypes extends Effect.Service<TicketTypes>()("sratix/catalog/TicketTypes", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const inventory = yield* Inventory
    const config = yield* CoreConfig

    const selectWithAvailability = (where: Fragment) =>
      sql<Record<string, unknown>>`SELECT t.*, COALESCE((SELECT SUM(b.remaining) FROM inventory_buckets b
          WHERE b.ticket_type_id = t.id), 0) AS available
        FROM ticket_types t WHERE ${where} ORDER BY t.sort_order, t.id`.pipe(
        // MySQL types SUM() as DECIMAL, which mysql2 returns as a string.
        Effect.map((rows) => rows.map((row) => ({ ...row, available: Number(row.available) }))),
        Effect.orDie,
      )

    const listForEvent = Effect.fn("TicketTypes.listForEvent")(function* (eventId: EventId) {
      const scope = yield* tenantScope(sql, { org: "t.org_id", event: "t.event_id" })
      const rows = yield* selectWithAvailability(sql`t.event_id = ${eventId} AND ${scope}`)
      return yield* Effect.forEach(rows, decode)
    })

    const get = Effect.fn("TicketTypes.get")(function* (eventId: EventId, id: TicketTypeId) {
      const scope = yield* tenantScope(sql, { org: "t.org_id", event: "t.event_id" })
      const rows = yield* selectWithAvailability(sql`t.id = ${id} AND t.event_id = ${eventId} AND ${scope}`)
      return rows[0] ? yield* decode(rows[0]) : yield* notFound()
    })

    const create = Effect.fn("TicketTypes.create")(function* (event: Event, input: CreateTicketType) {
      const now = yield* Clock.currentTimeMillis
      const ticketType = new TicketType({
        id: uuidv7(now) as TicketTypeId,
        orgId: event.orgId,
        eventId: event.id,
        name: input.name,
        description: input.description ?? null,
        priceMinor: input.priceMinor,
        vatRateBp: input.vatRateBp,
        capacity: input.capacity,
        salesStartAt: input.salesStartAt ?? null,
        salesEndAt: input.salesEndAt ?? null,
        minPerOrder: input.minPerOrder,
        maxPerOrder: input.maxPerOrder,
        visibility: input.visibility,
        sortOrder: input.sortOrder,
        createdAt: now,
        updatedAt: now,
      })
      yield* Effect.gen(function* () {
        yield* sql`INSERT INTO ticket_types ${sql.insert({ ...ticketType, inventoryBuckets: config.inventoryBuckets })}`
        yield* inventory.open(ticketType, config.inventoryBuckets)
        yield* audit.record({
          action: "ticket_type.created",
          targetType: "ticket_type",
          targetId: ticketType.id,
          orgId: event.orgId,
          eventId: event.id,
          data: { capacity: input.capacity, priceMinor: input.priceMinor },
        })
      }).pipe(sql.withTransaction, Effect.orDie)
      return new TicketTypeWithAvailability({ ...ticketType, available: ticketType.capacity })
    })

    const update = Effect.fn("TicketTypes.update")(function* (
      eventId: EventId,
      id: TicketTypeId,
      patch: UpdateTicketType,
    ) {
      return yield* Effect.gen(function* () {
        const current = yield* get(eventId, id)
        const changes = definedFields(patch)
        const next = { ...current, ...changes }
        if (next.salesStartAt !== null && next.salesEndAt !== null && next.salesEndAt <= next.salesStartAt) {
          return yield* new InvalidRequest({ detail: "salesEndAt must be after salesStartAt", field: "salesEndAt" })
        }
        if (next.maxPerOrder < next.minPerOrder) {
          return yield* new InvalidRequest({ detail: "maxPerOrder must be at least minPerOrder", field: "maxPerOrder" })
        }
        let available = current.available
        if (patch.capacity !== undefined && patch.capacity !== current.capacity) {
          available = yield* inventory.resize(current, patch.capacity)
        }
        const now = yield* Clock.currentTimeMillis
        const { available: _, ...fields } = next
        yield* sql`UPDATE ticket_types SET ${sql.update({
          name: fields.name,
          description: fields.description,
          priceMinor: fields.priceMinor,
          vatRateBp: fields.vatRateBp,
          capacity: fields.capacity,
          salesStartAt: fields.salesStartAt,
          salesEndAt: fields.salesEndAt,
          minPerOrder: fields.minPerOrder,
          maxPerOrder: fields.maxPerOrder,
          visibility: fields.visibility,
          sortOrder: fields.sortOrder,
          updatedAt: now,
        })} WHERE id = ${id}`.pipe(Effect.orDie)
        yield* audit.record({
          action: "ticket_type.updated",
          targetType: "ticket_type",
          targetId: id,
          orgId: current.orgId,
          eventId,
          data: { fields: Object.keys(changes) },
        })
        return new TicketTypeWithAvailability({ ...fields, available, updatedAt: now })
      }).pipe(sql.withTransaction, Effect.catchTag("SqlError", Effect.die))
    })

    return { listForEvent, get, create, update } as const
  }),
  dependencies: [Audit.Default, Inventory.Default],
}) {}

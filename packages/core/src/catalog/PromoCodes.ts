import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"
import { Audit } from "../audit/Audit.js"
import type { Event } from "../domain/Event.js"
import { type EventId, type PromoCodeId, type TicketTypeId, uuidv7 } from "../domain/Ids.js"
import { definedFields } from "../domain/Patch.js"
import { Conflict, InvalidRequest, NotFound, PromoCodeUnavailable } from "../domain/Problems.js"
import { type CreatePromoCode, PromoCode, type UpdatePromoCode } from "../domain/PromoCode.js"
import { isUniqueViolation } from "../sql/Errors.js"
import { affectedRows, decodeCursor, rowDecoder, toPage } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"

const decode = rowDecoder(PromoCode, { json: ["ticketTypeIds"], bool: ["active"] })
const notFound = () => new NotFound({ detail: "No such promo code", resource: "promo-code" })

/** Why a code cannot be used right now, or `null` when it can (use counts are checked on redeem). */
export const promoRefusal = (code: PromoCode, now: number) => {
  if (!code.active) return "inactive" as const
  if (code.validFrom !== null && now < code.validFrom) return "not-yet-valid" as const
  if (code.validUntil !== null && now >= code.validUntil) return "expired" as const
  return null
}

export class PromoCodes extends Effect.Service<PromoCodes>()("sratix/catalog/PromoCodes", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const scope = tenantScope(sql)

    const create = Effect.fn("PromoCodes.create")(function* (event: Event, input: CreatePromoCode) {
      const now = yield* Clock.currentTimeMillis
      if (input.ticketTypeIds.length > 0) {
        const known = yield* sql<{ id: string }>`SELECT id FROM ticket_types
          WHERE event_id = ${event.id} AND id IN ${sql.in(input.ticketTypeIds)}`.pipe(Effect.orDie)
        if (known.length !== new Set(input.ticketTypeIds).size) {
          return yield* new InvalidRequest({
            detail: "ticketTypeIds must name ticket types of this event",
            field: "ticketTypeIds",
          })
        }
      }
      const promo = new PromoCode({
        id: uuidv7(now) as PromoCodeId,
        orgId: event.orgId,
        eventId: event.id,
        code: input.code,
        kind: input.kind,
        value: input.value,
        ticketTypeIds: [...new Set<TicketTypeId>(input.ticketTypeIds)],
        maxUses: input.maxUses ?? null,
        uses: 0,
        validFrom: input.validFrom ?? null,
        validUntil: input.validUntil ?? null,
        active: true,
        createdAt: now,
        updatedAt: now,
      })
      yield* Effect.gen(function* () {
        yield* sql`INSERT INTO promo_codes ${sql.insert({
          ...promo,
          ticketTypeIds: JSON.stringify(promo.ticketTypeIds),
          active: 1,
        })}`
        yield* audit.record({
          action: "promo_code.created",
          targetType: "promo_code",
          targetId: promo.id,
          orgId: event.orgId,
          eventId: event.id,
        })
      }).pipe(
        sql.withTransaction,
        Effect.catchTag("SqlError", (e) =>
          isUniqueViolation(e)
            ? new Conflict({ detail: `The code ${input.code} exists already for this event` })
            : Effect.die(e),
        ),
      )
      return promo
    })

    const list = Effect.fn("PromoCodes.list")(function* (
      eventId: EventId,
      page: { cursor?: string | undefined; limit: number },
    ) {
      const after = decodeCursor(page.cursor)
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM promo_codes
        WHERE event_id = ${eventId} AND ${yield* scope} ${after ? sql`AND id > ${after}` : sql``}
        ORDER BY id LIMIT ${page.limit + 1}`.pipe(Effect.orDie)
      return toPage(yield* Effect.forEach(rows, decode), page.limit)
    })

    const get = Effect.fn("PromoCodes.get")(function* (eventId: EventId, id: PromoCodeId) {
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM promo_codes
        WHERE id = ${id} AND event_id = ${eventId} AND ${yield* scope}`.pipe(Effect.orDie)
      return rows[0] ? yield* decode(rows[0]) : yield* notFound()
    })

    const findByCode = Effect.fn("PromoCodes.findByCode")(function* (eventId: EventId, code: string) {
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM promo_codes
        WHERE event_id = ${eventId} AND code = ${code.trim().toUpperCase()} AND ${yield* scope}`.pipe(Effect.orDie)
      return rows[0]
        ? yield* decode(rows[0])
        : yield* new PromoCodeUnavailable({ detail: "Unknown promo code", reason: "unknown" })
    })

    const update = Effect.fn("PromoCodes.update")(function* (
      eventId: EventId,
      id: PromoCodeId,
      patch: UpdatePromoCode,
    ) {
      return yield* Effect.gen(function* () {
        const current = yield* get(eventId, id)
        const changes = definedFields(patch)
        const next = new PromoCode({ ...current, ...changes, updatedAt: yield* Clock.currentTimeMillis })
        if (next.maxUses !== null && next.maxUses < current.uses) {
          return yield* new InvalidRequest({
            detail: `maxUses cannot go below the ${current.uses} uses already made`,
            field: "maxUses",
          })
        }
        if (next.validFrom !== null && next.validUntil !== null && next.validUntil <= next.validFrom) {
          return yield* new InvalidRequest({ detail: "validUntil must be after validFrom", field: "validUntil" })
        }
        yield* sql`UPDATE promo_codes SET ${sql.update({
          maxUses: next.maxUses,
          validFrom: next.validFrom,
          validUntil: next.validUntil,
          active: next.active ? 1 : 0,
          updatedAt: next.updatedAt,
        })} WHERE id = ${id}`.pipe(Effect.orDie)
        yield* audit.record({
          action: "promo_code.updated",
          targetType: "promo_code",
          targetId: id,
          orgId: current.orgId,
          eventId,
          data: { fields: Object.keys(changes) },
        })
        return next
      }).pipe(sql.withTransaction, Effect.catchTag("SqlError", Effect.die))
    })

    /**
     * Counts one use, inside the order's transaction, or fails when the code is used up. The
     * conditional increment is what keeps a 10-use code at 10 uses under any concurrency.
     */
    const redeem = Effect.fn("PromoCodes.redeem")(function* (id: PromoCodeId) {
      const now = yield* Clock.currentTimeMillis
      const changed = yield* sql`UPDATE promo_codes SET uses = uses + 1, updated_at = ${now}
        WHERE id = ${id} AND (max_uses IS NULL OR uses < max_uses)`.raw.pipe(Effect.map(affectedRows))
      if (changed !== 1) {
        return yield* new PromoCodeUnavailable({ detail: "This promo code is used up", reason: "exhausted" })
      }
    })

    const release = Effect.fn("PromoCodes.release")(function* (id: PromoCodeId) {
      const now = yield* Clock.currentTimeMillis
      yield* sql`UPDATE promo_codes SET uses = uses - 1, updated_at = ${now} WHERE id = ${id} AND uses > 0`
    })

    return { create, list, get, findByCode, update, redeem, release } as const
  }),
  dependencies: [Audit.Default],
}) {}

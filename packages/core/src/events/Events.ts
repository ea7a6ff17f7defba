import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"
import { Audit } from "../audit/Audit.js"
import { type CreateEvent, Event, eventTransitions, type UpdateEvent } from "../domain/Event.js"
import { type EventId, type OrgId, uuidv7 } from "../domain/Ids.js"
import { definedFields } from "../domain/Patch.js"
import { Conflict, InvalidRequest, InvalidStateTransition, NotFound } from "../domain/Problems.js"
import { isUniqueViolation } from "../sql/Errors.js"
import { decodeCursor, rowDecoder, toPage } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"

const decode = rowDecoder(Event, { json: ["venue"] })
const notFound = () => new NotFound({ detail: "No such event", resource: "event" })

export class Events extends Effect.Service<Events>()("sratix/events/Events", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit

    const slugTaken = (slug: string) => new Conflict({ detail: `The slug "${slug}" is used by another event` })

    const create = Effect.fn("Events.create")(function* (orgId: OrgId, input: CreateEvent) {
      const now = yield* Clock.currentTimeMillis
      const event = new Event({
        id: uuidv7(now) as EventId,
        orgId,
        slug: input.slug,
        name: input.name,
        description: input.description ?? null,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        timezone: input.timezone,
        venue: input.venue ?? null,
        currency: input.currency,
        status: "draft",
        createdAt: now,
        updatedAt: now,
      })
      yield* sql`INSERT INTO events ${sql.insert({ ...event, venue: JSON.stringify(event.venue) })}`.pipe(
        Effect.zipRight(
          audit.record({
            action: "event.created",
            targetType: "event",
            targetId: event.id,
            orgId,
            eventId: event.id,
          }),
        ),
        sql.withTransaction,
        Effect.catchTag("SqlError", (e) => (isUniqueViolation(e) ? slugTaken(input.slug) : Effect.die(e))),
      )
      return event
    })

    const get = Effect.fn("Events.get")(function* (id: EventId) {
      const scope = yield* tenantScope(sql, { org: "org_id", event: "id" })
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM events WHERE id = ${id} AND ${scope}`.pipe(
        Effect.orDie,
      )
      return rows[0] ? yield* decode(rows[0]) : yield* notFound()
    })

    /** Published events only; for anonymous visitors. */
    const getPublished = Effect.fn("Events.getPublished")(function* (id: EventId) {
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM events
        WHERE id = ${id} AND status = 'published'`.pipe(Effect.orDie)
      return rows[0] ? yield* decode(rows[0]) : yield* notFound()
    })

    const listPublished = Effect.fn("Events.listPublished")(function* (page: {
      cursor?: string | undefined
      limit: number
    }) {
      const after = decodeCursor(page.cursor)
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM events WHERE status = 'published'
        ${after ? sql`AND id > ${after}` : sql``} ORDER BY id LIMIT ${page.limit + 1}`.pipe(Effect.orDie)
      return toPage(yield* Effect.forEach(rows, decode), page.limit)
    })

    const list = Effect.fn("Events.list")(function* (
      orgId: OrgId,
      page: { cursor?: string | undefined; limit: number },
    ) {
      const scope = yield* tenantScope(sql, { org: "org_id", event: "id" })
      const after = decodeCursor(page.cursor)
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM events WHERE org_id = ${orgId} AND ${scope}
        ${after ? sql`AND id > ${after}` : sql``} ORDER BY id LIMIT ${page.limit + 1}`.pipe(Effect.orDie)
      return toPage(yield* Effect.forEach(rows, decode), page.limit)
    })

    const update = Effect.fn("Events.update")(function* (id: EventId, patch: UpdateEvent) {
      return yield* Effect.gen(function* () {
        const current = yield* get(id)
        const changes = definedFields(patch)
        const next = { ...current, ...changes }
        if (next.endsAt <= next.startsAt) {
          return yield* new InvalidRequest({ detail: "endsAt must be after startsAt", field: "endsAt" })
        }
        if (patch.status !== undefined && patch.status !== current.status) {
          if (!eventTransitions[current.status].includes(patch.status)) {
            return yield* new InvalidStateTransition({
              detail: `An event cannot go from ${current.status} to ${patch.status}`,
              from: current.status,
              to: patch.status,
            })
          }
        }
        if (patch.currency !== undefined && patch.currency !== current.currency && current.status !== "draft") {
          return yield* new InvalidRequest({
            detail: "The currency can only change while the event is a draft",
            field: "currency",
          })
        }
        const now = yield* Clock.currentTimeMillis
        const updated = new Event({ ...next, updatedAt: now })
        yield* sql`UPDATE events SET ${sql.update({
          slug: updated.slug,
          name: updated.name,
          description: updated.description,
          startsAt: updated.startsAt,
          endsAt: updated.endsAt,
          timezone: updated.timezone,
          venue: JSON.stringify(updated.venue),
          currency: updated.currency,
          status: updated.status,
          updatedAt: now,
        })} WHERE id = ${id}`
        yield* audit.record({
          action:
            patch.status !== undefined && patch.status !== current.status ? `event.${patch.status}` : "event.updated",
          targetType: "event",
          targetId: id,
          orgId: current.orgId,
          eventId: id,
          data: { fields: Object.keys(changes) },
        })
        return updated
      }).pipe(
        sql.withTransaction,
        Effect.catchTag("SqlError", (e) => (isUniqueViolation(e) ? slugTaken(patch.slug ?? "") : Effect.die(e))),
      )
    })

    return { create, get, getPublished, list, listPublished, update } as const
  }),
  dependencies: [Audit.Default],
}) {}

import { createHash } from "node:crypto"
import { SqlClient } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Clock, Effect, Schedule } from "effect"
import { Audit } from "../audit/Audit.js"
import { TicketTypes } from "../catalog/TicketTypes.js"
import type { Event } from "../domain/Event.js"
import { type FormDefinitionSchema, FormSchemaVersion, PublicForm } from "../domain/Form.js"
import { type EventId, type FormSchemaId, uuidv7 } from "../domain/Ids.js"
import { FormDefinitionInvalid, NotFound } from "../domain/Problems.js"
import { Events } from "../events/Events.js"
import { isRetryableConflict, isUniqueViolation } from "../sql/Errors.js"
import { rowDecoder } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"
import { Caller, withCaller } from "../tenancy/Caller.js"
import { checkDefinition, type DefinitionIssue } from "./Check.js"
import { TICKET_TYPE_FIELD } from "./Definition.js"

const decode = rowDecoder(FormSchemaVersion, { json: ["definition"], bool: ["active"] })
const notFound = () => new NotFound({ detail: "No such form version", resource: "form" })

const refuse = (issues: ReadonlyArray<DefinitionIssue>) =>
  new FormDefinitionInvalid({
    detail: issues.map((i) => i.message).join("; "),
    field: issues[0]?.field ?? null,
    issues,
  })

/**
 * Versioned registration forms. A version is immutable once written (database triggers refuse
 * changes): an edit is a new version, and every submission names the version its person saw.
 * One version per event is active; the public form is the active one.
 */
export class FormSchemas extends Effect.Service<FormSchemas>()("sratix/forms/FormSchemas", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const events = yield* Events
    const ticketTypes = yield* TicketTypes

    const select = (where: Fragment) =>
      Effect.gen(function* () {
        const scope = yield* tenantScope(sql)
        const rows = yield* sql<Record<string, unknown>>`SELECT id, org_id, event_id, version, name, definition,
            created_at, EXISTS (SELECT 1 FROM event_forms ef WHERE ef.schema_id = form_schemas.id) AS active
          FROM form_schemas WHERE ${where} AND ${scope} ORDER BY version`.pipe(Effect.orDie)
        return yield* Effect.forEach(rows, decode)
      })

    /** Ticket type ids the definition names must belong to the event. */
    const ticketTypeIssues = (event: Event, definition: typeof FormDefinitionSchema.Type) =>
      Effect.gen(function* () {
        const known = new Set((yield* ticketTypes.listForEvent(event.id)).map((t) => t.id as string))
        const issues: Array<DefinitionIssue> = []
        for (const id of Object.keys(definition.ticketTypeFieldMappings ?? {}))
          if (!known.has(id))
            issues.push({
              field: null,
              message: `ticketTypeFieldMappings names "${id}", which is not a ticket type of this event`,
            })
        const walk = (fields: typeof definition.fields) => {
          for (const field of fields) {
            for (const c of field.conditions ?? []) {
              if (c.field !== TICKET_TYPE_FIELD) continue
              const values = Array.isArray(c.value) ? c.value : [c.value]
              for (const v of values)
                if (c.operator !== "exists" && !known.has(String(v)))
                  issues.push({
                    field: field.id,
                    message: `Field "${field.id}" has a ticket_type condition on "${String(v)}", which is not a ticket type of this event`,
                  })
            }
            walk(field.fields ?? [])
          }
        }
        walk(definition.fields)
        return issues
      })

    const create = Effect.fn("FormSchemas.create")(function* (
      eventId: EventId,
      definition: typeof FormDefinitionSchema.Type,
    ) {
      const event = yield* events.get(eventId)
      const issues = [...checkDefinition(definition), ...(yield* ticketTypeIssues(event, definition))]
      if (issues.length > 0) return yield* refuse(issues)
      const caller = yield* Caller
      const json = JSON.stringify(definition)
      const insert = Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const [latest] = yield* sql<{ version: number | null }>`SELECT MAX(version) AS version FROM form_schemas
          WHERE event_id = ${event.id}`
        const version = Number(latest?.version ?? 0) + 1
        const id = uuidv7(now) as FormSchemaId
        yield* sql`INSERT INTO form_schemas ${sql.insert({
          id,
          orgId: event.orgId,
          eventId: event.id,
          version,
          name: definition.name,
          definition: json,
          definitionSha256: createHash("sha256").update(json).digest("hex"),
          createdBy: caller.actor.type === "user" ? caller.actor.id : null,
          createdAt: now,
          updatedAt: now,
        })}`
        yield* audit.record({
          action: "form.version_created",
          targetType: "form",
          targetId: id,
          orgId: event.orgId,
          eventId: event.id,
          data: { version, fields: definition.fields.length },
        })
        return new FormSchemaVersion({
          id,
          orgId: event.orgId,
          eventId: event.id,
          version,
          name: definition.name,
          definition,
          active: false,
          createdAt: now,
        })
      })
      // Two editors saving at once both read the same latest version; the unique key lets one win
      // and the other retry with the next number.
      return yield* sql.withTransaction(insert).pipe(
        Effect.retry({
          while: (e) => isUniqueViolation(e) || isRetryableConflict(e),
          schedule: Schedule.intersect(Schedule.recurs(5), Schedule.exponential("5 millis").pipe(Schedule.jittered)),
        }),
        Effect.orDie,
      )
    })

    const list = Effect.fn("FormSchemas.list")(function* (eventId: EventId) {
      yield* events.get(eventId)
      return yield* select(sql`event_id = ${eventId}`)
    })

    const get = Effect.fn("FormSchemas.get")(function* (eventId: EventId, version: number) {
      const [found] = yield* select(sql`event_id = ${eventId} AND version = ${version}`)
      return found ?? (yield* notFound())
    })

    const activate = Effect.fn("FormSchemas.activate")(function* (eventId: EventId, version: number) {
      const target = yield* get(eventId, version)
      yield* sql
        .withTransaction(
          Effect.gen(function* () {
            const now = yield* Clock.currentTimeMillis
            yield* sql`DELETE FROM event_forms WHERE event_id = ${eventId}`
            yield* sql`INSERT INTO event_forms ${sql.insert({
              eventId,
              orgId: target.orgId,
              schemaId: target.id,
              createdAt: now,
              updatedAt: now,
            })}`
            yield* audit.record({
              action: "form.activated",
              targetType: "form",
              targetId: target.id,
              orgId: target.orgId,
              eventId,
              data: { version },
            })
          }),
        )
        .pipe(Effect.orDie)
      return new FormSchemaVersion({ ...target, active: true })
    })

    /**
     * Decoded versions by id. A version never changes (the triggers see to it), so an entry never goes
     * stale; only the event's pointer to its active version is read on every order.
     */
    const decoded = new Map<string, PublicForm>()
    const DECODED_LIMIT = 256

    /** The form visitors of a published event fill in, or `null` when the event asks nothing. */
    const activeFor = Effect.fn("FormSchemas.activeFor")(function* (event: Event) {
      const [pointer] = yield* sql<{ schemaId: string }>`SELECT schema_id FROM event_forms
        WHERE event_id = ${event.id} AND org_id = ${event.orgId}`.pipe(Effect.orDie)
      if (pointer === undefined) return null
      const cached = decoded.get(pointer.schemaId)
      if (cached) return cached
      const caller = yield* Caller
      const [active] = yield* select(sql`id = ${pointer.schemaId}`).pipe(
        withCaller({ ...caller, publicEvent: { orgId: event.orgId, eventId: event.id } }),
      )
      if (active === undefined) return null
      const form = new PublicForm({ schemaId: active.id, version: active.version, definition: active.definition })
      if (decoded.size >= DECODED_LIMIT) decoded.delete(decoded.keys().next().value!)
      decoded.set(active.id, form)
      return form
    })

    const publicForm = Effect.fn("FormSchemas.publicForm")(function* (eventId: EventId) {
      const form = yield* activeFor(yield* events.getPublished(eventId))
      return form ?? (yield* new NotFound({ detail: "This event has no registration form", resource: "form" }))
    })

    return { create, list, get, activate, activeFor, publicForm } as const
  }),
  dependencies: [Audit.Default, Events.Default, TicketTypes.Default],
}) {}

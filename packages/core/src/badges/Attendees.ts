import { SqlClient } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Effect } from "effect"
import type { Venue as VenueSchema } from "../domain/Event.js"

type Venue = typeof VenueSchema.Type

import type { EventId, OrgId } from "../domain/Ids.js"
import { Forbidden } from "../domain/Problems.js"
import type { TicketId, TicketStatus } from "../domain/Ticket.js"
import { sniffFileType } from "../forms/Submissions.js"
import { tenantScope } from "../sql/Tenant.js"
import { FileStorage } from "../storage/FileStorage.js"
import { Caller, can } from "../tenancy/Caller.js"
import type { BadgeContent } from "./Template.js"

/** A ticket with everything its badge and wallet passes print. */
export interface Attendee {
  readonly ticketId: TicketId
  readonly orgId: OrgId
  readonly eventId: EventId
  readonly status: TicketStatus
  readonly seatIndex: number
  readonly event: {
    readonly name: string
    readonly startsAt: number
    readonly endsAt: number
    readonly timezone: string
    readonly venue: Venue | null
  }
  readonly content: BadgeContent
}

interface Row {
  readonly id: TicketId
  readonly orgId: OrgId
  readonly eventId: EventId
  readonly status: TicketStatus
  readonly seatIndex: number
  readonly ticketTypeId: string
  readonly ticketTypeName: string
  readonly attendeeName: string
  readonly code: string
  readonly orderedAt: number | bigint
  readonly eventName: string
  readonly startsAt: number | bigint
  readonly endsAt: number | bigint
  readonly timezone: string
  readonly venue: string | null
  readonly organization: string | null
  readonly answers: string | null
}

/** What a person typed, as badge text: lists joined, yes/no for checkboxes, nothing for objects. */
const answerText = (value: unknown): string => {
  if (typeof value === "string") return value
  if (typeof value === "number") return String(value)
  if (typeof value === "boolean") return value ? "yes" : "no"
  if (Array.isArray(value))
    return value
      .map(answerText)
      .filter((v) => v !== "")
      .join(", ")
  return ""
}

const PHOTO_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"])

export const venueLine = (venue: Venue | null) =>
  venue === null ? "" : [venue.name, venue.city].filter((p) => p !== undefined && p !== "").join(", ")

export const eventDate = (startsAt: number, timezone: string) =>
  new Intl.DateTimeFormat("en-GB", { dateStyle: "long", timeZone: timezone }).format(startsAt)

/**
 * Tickets (the caller's tenant only) with their attendee's answers, ticket type, order date and
 * event, for badges and wallet passes. `photoField` names the form field whose upload becomes
 * `content.photo` (read from file storage); null skips photos.
 */
export const loadAttendees = Effect.fn("Badges.loadAttendees")(function* (
  filter: (sql: SqlClient.SqlClient) => Fragment,
  photoField: (ticketTypeId: string) => string | null,
) {
  const sql = yield* SqlClient.SqlClient
  const storage = yield* FileStorage
  const caller = yield* Caller
  const scope = yield* tenantScope(sql, { org: "t.org_id", event: "t.event_id" })
  const rows = yield* sql<Row>`SELECT t.id, t.org_id, t.event_id, t.status, t.seat_index, t.ticket_type_id,
      tt.name AS ticket_type_name, t.attendee_name, t.code, o.created_at AS ordered_at, e.name AS event_name,
      e.starts_at, e.ends_at, e.timezone, e.venue, s.organization, s.answers
    FROM tickets t
    JOIN ticket_types tt ON tt.id = t.ticket_type_id
    JOIN orders o ON o.id = t.order_id
    JOIN events e ON e.id = t.event_id
    LEFT JOIN form_submissions s ON s.order_id = t.order_id AND s.attendee_index = t.seat_index
    WHERE ${filter(sql)} AND ${scope}
    ORDER BY t.id`.pipe(Effect.orDie)
  for (const row of rows) {
    if (!can(caller, "orders.read", { orgId: row.orgId, eventId: row.eventId })) {
      return yield* new Forbidden({ detail: "Reading these tickets' badges is not allowed", permission: "orders.read" })
    }
  }
  const photoOf = (eventId: string, uploadId: unknown) =>
    Effect.gen(function* () {
      if (typeof uploadId !== "string" || uploadId === "") return null
      const [upload] = yield* sql<{ storageKey: string }>`SELECT storage_key FROM form_uploads
        WHERE id = ${uploadId} AND event_id = ${eventId}`.pipe(Effect.orDie)
      if (upload === undefined) return null
      const bytes = yield* storage.get(upload.storageKey).pipe(Effect.orElseSucceed(() => null))
      const type = bytes === null ? null : sniffFileType(bytes)
      return bytes === null || type === null || !PHOTO_TYPES.has(type)
        ? null
        : `data:${type};base64,${Buffer.from(bytes).toString("base64")}`
    })
  return yield* Effect.forEach(rows, (row) =>
    Effect.gen(function* () {
      const answers: Record<string, unknown> = row.answers === null ? {} : JSON.parse(row.answers)
      const fields = Object.fromEntries(
        Object.entries(answers)
          .map(([id, value]) => [id, answerText(value)] as const)
          .filter(([, text]) => text !== ""),
      )
      const venue: Venue | null = row.venue === null ? null : JSON.parse(row.venue)
      const startsAt = Number(row.startsAt)
      const field = photoField(row.ticketTypeId)
      const content: BadgeContent = {
        name: row.attendeeName,
        company: row.organization ?? fields.company ?? fields.organization ?? "",
        title: "",
        ticketType: row.ticketTypeName,
        ticketTypeId: row.ticketTypeId,
        track: "",
        event: row.eventName,
        date: eventDate(startsAt, row.timezone),
        venue: venueLine(venue),
        code: row.code,
        photo: field === null ? null : yield* photoOf(row.eventId, answers[field]),
        fields,
        orderedAt: Number(row.orderedAt),
      }
      return {
        ticketId: row.id,
        orgId: row.orgId,
        eventId: row.eventId,
        status: row.status,
        seatIndex: Number(row.seatIndex),
        event: { name: row.eventName, startsAt, endsAt: Number(row.endsAt), timezone: row.timezone, venue },
        content,
      } satisfies Attendee
    }),
  )
})

import { Schema } from "effect"
import { Currency, Description, Name, Slug, Timestamp, TimeZone } from "./Common.js"
import { EventId, OrgId } from "./Ids.js"

export const EventStatus = Schema.Literal("draft", "published", "closed")
export type EventStatus = typeof EventStatus.Type

/** Allowed status moves. Closing is final: tickets are never sold again for a closed event. */
export const eventTransitions: Record<EventStatus, ReadonlyArray<EventStatus>> = {
  draft: ["published", "closed"],
  published: ["closed"],
  closed: [],
}

export const Venue = Schema.Struct({
  name: Name,
  street: Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
  postalCode: Schema.optional(Schema.String.pipe(Schema.maxLength(16))),
  city: Schema.optional(Schema.String.pipe(Schema.maxLength(100))),
  country: Schema.optional(Schema.String.pipe(Schema.pattern(/^[A-Z]{2}$/))),
}).annotations({ identifier: "Venue" })

export class Event extends Schema.Class<Event>("Event")({
  id: EventId,
  orgId: OrgId,
  slug: Slug,
  name: Name,
  description: Schema.NullOr(Description),
  startsAt: Timestamp,
  endsAt: Timestamp,
  timezone: TimeZone,
  venue: Schema.NullOr(Venue),
  currency: Currency,
  status: EventStatus,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

const eventFields = {
  slug: Slug,
  name: Name,
  description: Schema.optional(Schema.NullOr(Description)),
  startsAt: Timestamp,
  endsAt: Timestamp,
  timezone: Schema.optionalWith(TimeZone, { default: () => "Europe/Zurich" }),
  venue: Schema.optional(Schema.NullOr(Venue)),
  currency: Schema.optionalWith(Currency, { default: () => "CHF" as const }),
}

const endsAfterStart = (e: { readonly startsAt?: number | undefined; readonly endsAt?: number | undefined }) =>
  e.startsAt === undefined || e.endsAt === undefined || e.endsAt > e.startsAt || "endsAt must be after startsAt"

export const CreateEvent = Schema.Struct(eventFields)
  .pipe(Schema.filter(endsAfterStart))
  .annotations({ identifier: "CreateEvent" })
export type CreateEvent = typeof CreateEvent.Type

export const UpdateEvent = Schema.Struct({
  slug: Schema.optional(Slug),
  name: Schema.optional(Name),
  description: Schema.optional(Schema.NullOr(Description)),
  startsAt: Schema.optional(Timestamp),
  endsAt: Schema.optional(Timestamp),
  venue: Schema.optional(Schema.NullOr(Venue)),
  timezone: Schema.optional(TimeZone),
  currency: Schema.optional(Currency),
  status: Schema.optional(EventStatus),
})
  .pipe(Schema.filter(endsAfterStart))
  .annotations({ identifier: "UpdateEvent" })
export type UpdateEvent = typeof UpdateEvent.Type

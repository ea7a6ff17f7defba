import { SqlClient } from "@effect/sql"
import { Clock, Effect, Schema } from "effect"
import { PromoCodes } from "../catalog/PromoCodes.js"
import { TicketTypes } from "../catalog/TicketTypes.js"
import { CreateEvent } from "../domain/Event.js"
import { CreatePromoCode } from "../domain/PromoCode.js"
import { CreateTicketType } from "../domain/TicketType.js"
import { Events } from "../events/Events.js"
import { Organizations } from "../organizations/Organizations.js"

export const DEMO_ORG_SLUG = "swiss-robotics-association"
export const DEMO_EVENT_SLUG = "swiss-robotics-day"

const day = 24 * 60 * 60 * 1000

/**
 * A realistic Swiss Robotics Day: early-bird, regular, student, free exhibitor-staff and a
 * sold-by-code VIP type, plus a promo code for association members. Idempotent: running it again
 * leaves an existing demo untouched.
 */
export const seedDemo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const existing = yield* sql<{ id: string; eventId: string | null }>`SELECT o.id, e.id AS event_id
    FROM organizations o LEFT JOIN events e ON e.org_id = o.id AND e.slug = ${DEMO_EVENT_SLUG}
    WHERE o.slug = ${DEMO_ORG_SLUG}`.pipe(Effect.orDie)
  if (existing[0]?.eventId) return { created: false, orgId: existing[0].id, eventId: existing[0].eventId }

  const now = yield* Clock.currentTimeMillis
  const orgs = yield* Organizations
  const events = yield* Events
  const ticketTypes = yield* TicketTypes
  const promoCodes = yield* PromoCodes
  const org = existing[0]
    ? { id: existing[0].id }
    : yield* orgs.create({ name: "Swiss Robotics Association", slug: DEMO_ORG_SLUG })

  const eventDay = new Date(now + 120 * day)
  eventDay.setUTCHours(7, 0, 0, 0)
  const starts = eventDay.getTime()
  const event = yield* events.create(
    org.id as never,
    Schema.decodeSync(CreateEvent)({
      slug: DEMO_EVENT_SLUG,
      name: `Swiss Robotics Day ${eventDay.getUTCFullYear()}`,
      description:
        "Switzerland's meeting place for robotics: research labs, start-ups and industry, with keynotes, an exhibition and live demos.",
      startsAt: new Date(starts).toISOString(),
      endsAt: new Date(starts + 10 * 60 * 60 * 1000).toISOString(),
      timezone: "Europe/Zurich",
      venue: {
        name: "SwissTech Convention Center",
        street: "Route Louis-Favre 2",
        postalCode: "1024",
        city: "Ecublens",
        country: "CH",
      },
      currency: "CHF",
    }),
  )
  const types = [
    {
      name: "Early Bird",
      priceMinor: 4900,
      capacity: 200,
      salesEndAt: new Date(now + 30 * day).toISOString(),
      sortOrder: 1,
    },
    { name: "Regular", priceMinor: 7900, capacity: 800, sortOrder: 2 },
    {
      name: "Student",
      priceMinor: 1900,
      capacity: 300,
      maxPerOrder: 1,
      description: "Valid student ID required at the door",
      sortOrder: 3,
    },
    { name: "Exhibitor Staff", priceMinor: 0, capacity: 150, visibility: "hidden" as const, sortOrder: 4 },
    { name: "VIP Dinner", priceMinor: 19_900, capacity: 40, maxPerOrder: 2, sortOrder: 5 },
  ]
  const created = []
  for (const t of types) {
    created.push(yield* ticketTypes.create(event, Schema.decodeSync(CreateTicketType)({ vatRateBp: 810, ...t })))
  }
  yield* promoCodes.create(
    event,
    Schema.decodeSync(CreatePromoCode)({ code: "SRA-MEMBER", kind: "percent", value: 2000, maxUses: 500 }),
  )
  yield* promoCodes.create(
    event,
    Schema.decodeSync(CreatePromoCode)({
      code: "EXHIBITOR-2026",
      kind: "percent",
      value: 10_000,
      ticketTypeIds: [created[3]!.id],
      maxUses: 150,
    }),
  )
  yield* events.update(event.id, { status: "published" })
  return { created: true, orgId: org.id, eventId: event.id }
})

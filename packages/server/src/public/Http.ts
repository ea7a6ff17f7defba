import { HttpApiBuilder } from "@effect/platform"
import {
  Caller,
  type Event,
  Events,
  FormSchemas,
  Orders,
  Submissions,
  salesState,
  TicketTypes,
  type TicketTypeWithAvailability,
  withCaller,
} from "@sratix/core"
import { Clock, Effect } from "effect"
import { SratixApi } from "../Api.js"
import { DEFAULT_PAGE_SIZE, preferredLocale } from "../http/Common.js"

const publicEvent = (event: Event) => ({
  id: event.id,
  slug: event.slug,
  name: event.name,
  description: event.description,
  startsAt: event.startsAt,
  endsAt: event.endsAt,
  timezone: event.timezone,
  venue: event.venue,
  currency: event.currency,
})

export const PublicLive = HttpApiBuilder.group(SratixApi, "public", (handlers) =>
  Effect.gen(function* () {
    const events = yield* Events
    const ticketTypes = yield* TicketTypes
    const orders = yield* Orders
    const forms = yield* FormSchemas
    const submissions = yield* Submissions

    /** Public ticket types of a published event, read as that event's visitor. */
    const visibleTypes = (event: Event) =>
      Effect.gen(function* () {
        const caller = yield* Caller
        const types = yield* ticketTypes
          .listForEvent(event.id)
          .pipe(withCaller({ ...caller, publicEvent: { orgId: event.orgId, eventId: event.id } }))
        const now = yield* Clock.currentTimeMillis
        return types
          .filter((t) => t.visibility === "public")
          .map((t: TicketTypeWithAvailability) => ({ type: t, state: salesState(t, now) }))
      })

    return handlers
      .handle("listEvents", ({ urlParams }) =>
        Effect.map(events.listPublished({ ...urlParams, limit: urlParams.limit ?? DEFAULT_PAGE_SIZE }), (page) => ({
          items: page.items.map(publicEvent),
          nextCursor: page.nextCursor,
        })),
      )
      .handle("getEvent", ({ path }) =>
        Effect.gen(function* () {
          const event = yield* events.getPublished(path.eventId)
          const types = yield* visibleTypes(event)
          return {
            ...publicEvent(event),
            ticketTypes: types.map(({ type, state }) => ({
              id: type.id,
              name: type.name,
              description: type.description,
              priceMinor: type.priceMinor,
              vatRateBp: type.vatRateBp,
              minPerOrder: type.minPerOrder,
              maxPerOrder: type.maxPerOrder,
              salesStartAt: type.salesStartAt,
              salesEndAt: type.salesEndAt,
              state,
              available: type.available,
            })),
          }
        }),
      )
      .handle("availability", ({ path }) =>
        Effect.gen(function* () {
          const event = yield* events.getPublished(path.eventId)
          const types = yield* visibleTypes(event)
          return {
            eventId: event.id,
            ticketTypes: types.map(({ type, state }) => ({ id: type.id, state, available: type.available })),
          }
        }),
      )
      .handle("getForm", ({ path }) => forms.publicForm(path.eventId))
      .handle("upload", ({ path, headers, payload, request }) =>
        submissions.upload(path.eventId, {
          fieldId: headers["x-sratix-field"],
          contentType: request.headers["content-type"] ?? "",
          bytes: payload,
          filename: headers["x-sratix-filename"] ?? null,
          locale: preferredLocale(headers["accept-language"]),
        }),
      )
      .handle("placeOrder", ({ path, payload, headers }) =>
        orders.place(path.eventId, payload, headers["idempotency-key"]),
      )
      .handle("getOrder", ({ path, headers }) => orders.getWithToken(path.orderId, headers["x-order-token"]))
  }),
)

import { HttpApiBuilder } from "@effect/platform"
import { Events, TicketTypes } from "@sratix/core"
import { Effect } from "effect"
import { SratixApi } from "../Api.js"

export const TicketTypesLive = HttpApiBuilder.group(SratixApi, "ticketTypes", (handlers) =>
  Effect.gen(function* () {
    const events = yield* Events
    const ticketTypes = yield* TicketTypes
    return handlers
      .handle("list", ({ path }) => ticketTypes.listForEvent(path.eventId))
      .handle("create", ({ path, payload }) =>
        Effect.flatMap(events.get(path.eventId), (event) => ticketTypes.create(event, payload)),
      )
      .handle("get", ({ path }) => ticketTypes.get(path.eventId, path.ticketTypeId))
      .handle("update", ({ path, payload }) => ticketTypes.update(path.eventId, path.ticketTypeId, payload))
  }),
)

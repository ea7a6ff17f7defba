import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import {
  CreateTicketType,
  EventId,
  InvalidRequest,
  NotFound,
  TicketTypeId,
  TicketTypeWithAvailability,
  UpdateTicketType,
} from "@sratix/core"
import { Schema } from "effect"
import { permission, RequiredAccess } from "../http/Access.js"
import { Authorization } from "../http/Authorization.js"

const EventPath = Schema.Struct({ eventId: EventId })
const TicketTypePath = Schema.Struct({ eventId: EventId, ticketTypeId: TicketTypeId })

export class TicketTypesApi extends HttpApiGroup.make("ticketTypes")
  .add(
    HttpApiEndpoint.get("list", "/events/:eventId/ticket-types")
      .setPath(EventPath)
      .addSuccess(Schema.Array(TicketTypeWithAvailability))
      .annotate(RequiredAccess, permission("ticket-types.read")),
  )
  .add(
    HttpApiEndpoint.post("create", "/events/:eventId/ticket-types")
      .setPath(EventPath)
      .setPayload(CreateTicketType)
      .addSuccess(TicketTypeWithAvailability, { status: 201 })
      .addError(NotFound)
      .annotate(RequiredAccess, permission("ticket-types.write")),
  )
  .add(
    HttpApiEndpoint.get("get", "/events/:eventId/ticket-types/:ticketTypeId")
      .setPath(TicketTypePath)
      .addSuccess(TicketTypeWithAvailability)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("ticket-types.read")),
  )
  .add(
    HttpApiEndpoint.patch("update", "/events/:eventId/ticket-types/:ticketTypeId")
      .setPath(TicketTypePath)
      .setPayload(UpdateTicketType)
      .addSuccess(TicketTypeWithAvailability)
      .addError(NotFound)
      .addError(InvalidRequest)
      .annotate(RequiredAccess, permission("ticket-types.write"))
      .annotate(OpenApi.Description, "Capacity can shrink only down to what is sold or held."),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "Ticket types") {}

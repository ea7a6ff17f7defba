import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import {
  Conflict,
  CreateEvent,
  Event,
  EventId,
  InvalidRequest,
  InvalidStateTransition,
  NotFound,
  OrgId,
  UpdateEvent,
} from "@sratix/core"
import { Schema } from "effect"
import { permission, RequiredAccess } from "../http/Access.js"
import { Authorization } from "../http/Authorization.js"
import { Page, PageQuery } from "../http/Common.js"

export class EventsApi extends HttpApiGroup.make("events")
  .add(
    HttpApiEndpoint.get("list", "/orgs/:orgId/events")
      .setPath(Schema.Struct({ orgId: OrgId }))
      .setUrlParams(PageQuery)
      .addSuccess(Page(Event, "EventPage"))
      .annotate(RequiredAccess, permission("events.read")),
  )
  .add(
    HttpApiEndpoint.post("create", "/orgs/:orgId/events")
      .setPath(Schema.Struct({ orgId: OrgId }))
      .setPayload(CreateEvent)
      .addSuccess(Event, { status: 201 })
      .addError(Conflict)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("events.create")),
  )
  .add(
    HttpApiEndpoint.get("get", "/events/:eventId")
      .setPath(Schema.Struct({ eventId: EventId }))
      .addSuccess(Event)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("events.read")),
  )
  .add(
    HttpApiEndpoint.patch("update", "/events/:eventId")
      .setPath(Schema.Struct({ eventId: EventId }))
      .setPayload(UpdateEvent)
      .addSuccess(Event)
      .addError(NotFound)
      .addError(Conflict)
      .addError(InvalidRequest)
      .addError(InvalidStateTransition)
      .annotate(RequiredAccess, permission("events.write"))
      .annotate(OpenApi.Description, "Edits an event; `status` moves draft → published → closed."),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "Events") {}

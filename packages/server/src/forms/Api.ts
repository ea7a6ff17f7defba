import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import {
  EventId,
  FormDefinitionInvalid,
  FormDefinitionSchema,
  FormSchemaVersion,
  NotFound,
  OrderId,
  Submission,
} from "@sratix/core"
import { Schema } from "effect"
import { permission, RequiredAccess } from "../http/Access.js"
import { Authorization } from "../http/Authorization.js"
import { Page, PageQuery } from "../http/Common.js"

const VersionPath = Schema.Struct({
  eventId: EventId,
  version: Schema.NumberFromString.pipe(Schema.int(), Schema.positive()),
})

export const FormVersionList = Schema.Struct({ items: Schema.Array(FormSchemaVersion) }).annotations({
  identifier: "FormVersionList",
})

export class FormsApi extends HttpApiGroup.make("forms")
  .add(
    HttpApiEndpoint.post("create", "/events/:eventId/forms")
      .setPath(Schema.Struct({ eventId: EventId }))
      .setPayload(FormDefinitionSchema)
      .addSuccess(FormSchemaVersion, { status: 201 })
      .addError(NotFound)
      .addError(FormDefinitionInvalid)
      .annotate(RequiredAccess, permission("events.write"))
      .annotate(
        OpenApi.Description,
        "Saves a form as the event's next version. Versions never change; activate one to put it in front of buyers.",
      ),
  )
  .add(
    HttpApiEndpoint.get("list", "/events/:eventId/forms")
      .setPath(Schema.Struct({ eventId: EventId }))
      .addSuccess(FormVersionList)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("events.read")),
  )
  .add(
    HttpApiEndpoint.get("get", "/events/:eventId/forms/:version")
      .setPath(VersionPath)
      .addSuccess(FormSchemaVersion)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("events.read")),
  )
  .add(
    HttpApiEndpoint.post("activate", "/events/:eventId/forms/:version/activate")
      .setPath(VersionPath)
      .addSuccess(FormSchemaVersion)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("events.write"))
      .annotate(OpenApi.Description, "Makes this version the one buyers fill in from now on."),
  )
  .add(
    HttpApiEndpoint.get("submissions", "/events/:eventId/submissions")
      .setPath(Schema.Struct({ eventId: EventId }))
      .setUrlParams(
        Schema.Struct({
          ...PageQuery.fields,
          email: Schema.optional(Schema.String.pipe(Schema.maxLength(254))),
          orderId: Schema.optional(OrderId),
          version: Schema.optional(Schema.NumberFromString.pipe(Schema.int(), Schema.positive())),
        }),
      )
      .addSuccess(Page(Submission, "SubmissionPage"))
      .addError(NotFound)
      .annotate(RequiredAccess, permission("orders.read"))
      .annotate(
        OpenApi.Description,
        "Attendees' answers, each with the form version they saw and their consents with time.",
      ),
  )
  .add(
    HttpApiEndpoint.get("download", "/events/:eventId/uploads/:uploadId")
      .setPath(Schema.Struct({ eventId: EventId, uploadId: Schema.String.pipe(Schema.maxLength(80)) }))
      .addSuccess(HttpApiSchema.Uint8Array({ contentType: "application/octet-stream" }))
      .addError(NotFound)
      .annotate(RequiredAccess, permission("orders.read"))
      .annotate(OpenApi.Description, "A file an attendee uploaded with their form, as an attachment."),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "Forms") {}

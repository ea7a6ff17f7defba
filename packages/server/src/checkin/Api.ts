import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import {
  CheckInEntry,
  CheckinDevice,
  CheckinDeviceId,
  CheckinList,
  CheckinListId,
  Conflict,
  CreateCheckinList,
  CreateEnrolmentCode,
  DeviceEnrolment,
  EventId,
  InvalidRequest,
  NotFound,
  OnlineCheckIn,
  OnlineVerdict,
  SyncCheckIns,
  SyncResult,
  Timestamp,
  Unauthorized,
} from "@sratix/core"
import { Schema } from "effect"
import { permission, publicAccess, RequiredAccess } from "../http/Access.js"
import { Authorization } from "../http/Authorization.js"

const EventPath = Schema.Struct({ eventId: EventId })

export const EnrolmentCodeIssued = Schema.Struct({
  code: Schema.String.annotations({ description: "One-time; shown once, stored only as a hash" }),
  expiresAt: Timestamp,
  enrolUrl: Schema.String.annotations({ description: "`<public URL>/scanner/#enrol=<code>`, for a QR code" }),
}).annotations({ identifier: "EnrolmentCodeIssued" })

/** The online check-in request: the device is the caller, never a field. */
export const OnlineCheckInRequest = Schema.Struct({
  id: OnlineCheckIn.fields.id,
  code: OnlineCheckIn.fields.code,
  listId: OnlineCheckIn.fields.listId,
  deviceTime: Schema.optional(Timestamp).annotations({
    description: "The device's clock; online, the server's clock decides and this is informational",
  }),
}).annotations({ identifier: "OnlineCheckInRequest" })

/** A device's batch: the device is the caller, never a field. */
export const SyncRequest = Schema.Struct({
  cursor: SyncCheckIns.fields.cursor,
  checkIns: SyncCheckIns.fields.checkIns,
}).annotations({ identifier: "SyncRequest" })

export const PackQuery = Schema.Struct({
  since: Schema.optional(
    Schema.NumberFromString.pipe(Schema.int(), Schema.between(0, Number.MAX_SAFE_INTEGER)).annotations({
      jsonSchema: { type: "integer", minimum: 0 },
    }),
  ).annotations({ description: "A pack version: answer a delta since it" }),
  device: Schema.optional(CheckinDeviceId).annotations({
    description: "The device to seal the pack for; a device token gets its own pack without it",
  }),
})

export class CheckInApi extends HttpApiGroup.make("checkIn")
  .add(
    HttpApiEndpoint.get("lists", "/events/:eventId/check-in-lists")
      .setPath(EventPath)
      .addSuccess(Schema.Array(CheckinList))
      .addError(NotFound)
      .annotate(RequiredAccess, permission("checkin.scan")),
  )
  .add(
    HttpApiEndpoint.post("createList", "/events/:eventId/check-in-lists")
      .setPath(EventPath)
      .setPayload(CreateCheckinList)
      .addSuccess(CheckinList, { status: 201 })
      .addError(InvalidRequest)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("checkin.manage")),
  )
  .add(
    HttpApiEndpoint.post("createEnrolmentCode", "/events/:eventId/check-in-devices/enrolment-codes")
      .setPath(EventPath)
      .setPayload(CreateEnrolmentCode)
      .addSuccess(EnrolmentCodeIssued, { status: 201 })
      .addError(NotFound)
      .annotate(RequiredAccess, permission("checkin.manage"))
      .annotate(OpenApi.Description, "A one-time code (30 minutes) that enrols one scanner device for a list."),
  )
  .add(
    HttpApiEndpoint.get("devices", "/events/:eventId/check-in-devices")
      .setPath(EventPath)
      .addSuccess(Schema.Array(CheckinDevice))
      .addError(NotFound)
      .annotate(RequiredAccess, permission("checkin.manage")),
  )
  .add(
    HttpApiEndpoint.del("revokeDevice", "/events/:eventId/check-in-devices/:deviceId")
      .setPath(Schema.Struct({ eventId: EventId, deviceId: CheckinDeviceId }))
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("checkin.manage"))
      .annotate(OpenApi.Description, "Revokes a device: its token stops working at once and it gets no more packs."),
  )
  .add(
    HttpApiEndpoint.post("enrol", "/check-in/enrol")
      .setPayload(Schema.Struct({ code: Schema.String.pipe(Schema.maxLength(100)) }))
      .addSuccess(DeviceEnrolment)
      .addError(Unauthorized)
      .annotate(RequiredAccess, publicAccess)
      .annotate(
        OpenApi.Description,
        "Redeems an enrolment code (once). The token and pack key are shown only in this answer. Rate-limited.",
      ),
  )
  .add(
    HttpApiEndpoint.get("pack", "/events/:eventId/check-in-lists/:listId/pack")
      .setPath(Schema.Struct({ eventId: EventId, listId: CheckinListId }))
      .setUrlParams(PackQuery)
      .addSuccess(HttpApiSchema.Uint8Array({ contentType: "application/octet-stream" }))
      .addError(NotFound)
      .addError(InvalidRequest)
      .addError(Conflict)
      .annotate(RequiredAccess, permission("checkin.scan"))
      .annotate(
        OpenApi.Description,
        "The list's check-in pack sealed for the device (`SXP1` envelope, AES-256-GCM): full, or a delta with `since`.",
      ),
  )
  .add(
    HttpApiEndpoint.post("checkInOnline", "/events/:eventId/check-ins")
      .setPath(EventPath)
      .setPayload(OnlineCheckInRequest)
      .addSuccess(OnlineVerdict)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("checkin.scan"))
      .annotate(OpenApi.Description, "Verifies a code and records the check-in when valid. Idempotent by `id`."),
  )
  .add(
    HttpApiEndpoint.post("sync", "/events/:eventId/check-ins/sync")
      .setPath(EventPath)
      .setPayload(SyncRequest)
      .addSuccess(SyncResult)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("checkin.scan"))
      .annotate(
        OpenApi.Description,
        "Stores a device's queued check-ins (idempotent by id), merges them, and answers other devices' since `cursor`.",
      ),
  )
  .add(
    HttpApiEndpoint.get("checkIns", "/events/:eventId/check-ins")
      .setPath(EventPath)
      .addSuccess(Schema.Array(CheckInEntry))
      .addError(NotFound)
      .annotate(RequiredAccess, permission("checkin.scan"))
      .annotate(OpenApi.Description, "Every check-in of the event with its winner and conflict flags."),
  )
  .add(
    HttpApiEndpoint.get("stream", "/events/:eventId/check-ins/stream")
      .setPath(EventPath)
      .addSuccess(HttpApiSchema.Text({ contentType: "text/event-stream" }))
      .addError(NotFound)
      .annotate(RequiredAccess, permission("checkin.scan"))
      .annotate(
        OpenApi.Description,
        "Server-sent events: one `check-in` event (JSON of the check-in, `id` its cursor) per stored check-in, " +
          "from every server instance; a comment line every 15 s keeps the connection alive.",
      ),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "Check-in") {}

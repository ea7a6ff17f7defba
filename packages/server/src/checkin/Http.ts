import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Caller, CheckInDevices, CheckInPacks, CheckIns, checkInDeviceIdOf, Events, PaymentsConfig } from "@sratix/core"
import { Effect, Schedule, Stream } from "effect"
import { SratixApi } from "../Api.js"
import { CheckInFeed } from "./Feed.js"

const HEARTBEAT = "15 seconds"
const encoder = new TextEncoder()

export const CheckInLive = HttpApiBuilder.group(SratixApi, "checkIn", (handlers) =>
  Effect.gen(function* () {
    const events = yield* Events
    const checkIns = yield* CheckIns
    const devices = yield* CheckInDevices
    const packs = yield* CheckInPacks
    const feed = yield* CheckInFeed
    const { publicUrl } = yield* PaymentsConfig

    /** The id check-ins of this request are recorded under: the caller's, never the body's. */
    const callerDeviceId = Effect.gen(function* () {
      const caller = yield* Caller
      return checkInDeviceIdOf(caller, yield* devices.ofCaller())
    })

    const sse = (eventId: string) =>
      Stream.unwrapScoped(
        Effect.map(feed.subscribe(eventId), (items) =>
          Stream.concat(
            // Sent once the subscription is live: a client that saw it misses nothing stored afterwards.
            Stream.make("retry: 3000\n: connected\n\n"),
            Stream.merge(
              Stream.map(items, (item) => `id: ${item.seq}\nevent: check-in\ndata: ${item.json}\n\n`),
              Stream.map(Stream.fromSchedule(Schedule.spaced(HEARTBEAT)), () => ": heartbeat\n\n"),
            ),
          ),
        ),
      ).pipe(
        Stream.interruptWhen(feed.closing),
        Stream.map((text) => encoder.encode(text)),
      )

    return handlers
      .handle("lists", ({ path }) => checkIns.lists(path.eventId))
      .handle("createList", ({ path, payload }) =>
        Effect.flatMap(events.get(path.eventId), (event) => checkIns.createList(event, payload)),
      )
      .handle("createEnrolmentCode", ({ path, payload }) =>
        Effect.gen(function* () {
          const event = yield* events.get(path.eventId)
          const issued = yield* devices.createEnrolmentCode(event, payload)
          return { ...issued, enrolUrl: `${publicUrl}/scanner/#enrol=${issued.code}` }
        }),
      )
      .handle("devices", ({ path }) => devices.list(path.eventId))
      .handle("revokeDevice", ({ path }) =>
        Effect.flatMap(events.get(path.eventId), (event) => devices.revoke(event, path.deviceId)),
      )
      .handle("enrol", ({ payload }) => devices.enrol(payload.code))
      .handle("pack", ({ path, urlParams }) =>
        Effect.gen(function* () {
          const event = yield* events.get(path.eventId)
          const built = yield* packs.build(event, path.listId, { deviceId: urlParams.device, since: urlParams.since })
          const { header } = built
          return HttpServerResponse.uint8Array(built.bytes, {
            contentType: "application/octet-stream",
            headers: {
              etag: `"${header.deviceId}.${header.version}.${header.baseVersion ?? "full"}"`,
              "cache-control": "no-store",
              "x-content-type-options": "nosniff",
            },
          })
        }),
      )
      .handle("checkInOnline", ({ path, payload }) =>
        Effect.gen(function* () {
          const event = yield* events.get(path.eventId)
          const deviceId = yield* callerDeviceId
          const verdict = yield* checkIns.checkInOnline(event, {
            id: payload.id,
            code: payload.code,
            listId: payload.listId,
            deviceId,
          })
          if (verdict.kind === "valid" && verdict.checkIn !== null) yield* feed.publish(event.id, [verdict.checkIn])
          return verdict
        }),
      )
      .handle("sync", ({ path, payload }) =>
        Effect.gen(function* () {
          const event = yield* events.get(path.eventId)
          const deviceId = yield* callerDeviceId
          const { result, stored } = yield* checkIns.syncStoring(event, { ...payload, deviceId })
          yield* feed.publish(event.id, stored)
          return result
        }),
      )
      .handle("checkIns", ({ path }) => checkIns.list(path.eventId))
      .handle("stream", ({ path }) =>
        Effect.succeed(
          HttpServerResponse.stream(sse(path.eventId), {
            contentType: "text/event-stream",
            headers: { "cache-control": "no-store", "x-accel-buffering": "no" },
          }),
        ),
      )
  }),
)

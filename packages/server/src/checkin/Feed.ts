import { CheckInRecord } from "@sratix/core"
import { Context, Deferred, Effect, Layer, PubSub, type Queue, Schema, type Scope, Stream } from "effect"
import { Redis } from "ioredis"
import type { Logger } from "../http/RequestLog.js"

/** One stored check-in on the wire: its event, its cursor, and the JSON the SSE stream sends. */
export interface FeedItem {
  readonly eventId: string
  readonly seq: number
  readonly json: string
}

const CHANNEL = "sratix:check-ins"
const encodeRecord = Schema.encodeSync(CheckInRecord)

/**
 * Live check-ins for the SSE stream. In one process an in-memory PubSub; with REDIS_URL every
 * instance publishes to one Redis channel and relays what it hears into its own PubSub, so a
 * stream on any instance sees every check-in. Published after the commit that stored them.
 */
export class CheckInFeed extends Context.Tag("sratix/server/CheckInFeed")<
  CheckInFeed,
  {
    readonly publish: (eventId: string, records: ReadonlyArray<CheckInRecord>) => Effect.Effect<void>
    /** The event's items from now on; the subscription is live once the effect has run. */
    readonly subscribe: (eventId: string) => Effect.Effect<Stream.Stream<FeedItem>, never, Scope.Scope>
    /**
     * Completes when the server shuts down: open streams end with it, or the HTTP server's close would
     * wait for them forever.
     */
    readonly closing: Effect.Effect<void>
  }
>() {
  static readonly memory = Layer.scoped(
    CheckInFeed,
    Effect.gen(function* () {
      const hub = yield* Effect.acquireRelease(PubSub.unbounded<FeedItem>(), PubSub.shutdown)
      return CheckInFeed.of({
        publish: (eventId, records) => PubSub.publishAll(hub, toItems(eventId, records)).pipe(Effect.asVoid),
        subscribe: (eventId) => subscribeTo(hub, eventId),
        closing: yield* closingSignal,
      })
    }),
  )

  static readonly redis = (url: string, logger: Logger) =>
    Layer.scoped(
      CheckInFeed,
      Effect.gen(function* () {
        const hub = yield* Effect.acquireRelease(PubSub.unbounded<FeedItem>(), PubSub.shutdown)
        const connect = Effect.acquireRelease(
          Effect.sync(() => new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true })),
          (r) => Effect.promise(() => r.quit().catch(() => "")),
        )
        const publisher = yield* connect
        const subscriber = yield* connect
        for (const r of [publisher, subscriber]) r.on("error", () => {})
        yield* Effect.tryPromise(async () => {
          await publisher.connect()
          await subscriber.connect()
          await subscriber.subscribe(CHANNEL)
        }).pipe(
          Effect.timeout("5 seconds"),
          Effect.orDieWith((e) => new Error(`REDIS_URL is set but Redis is unreachable: ${String(e)}`)),
        )
        subscriber.on("message", (_channel: string, message: string) => {
          let items: Array<FeedItem>
          try {
            items = JSON.parse(message)
          } catch {
            return
          }
          if (Array.isArray(items)) Effect.runFork(PubSub.publishAll(hub, items))
        })
        return CheckInFeed.of({
          publish: (eventId, records) =>
            records.length === 0
              ? Effect.void
              : Effect.tryPromise(() => publisher.publish(CHANNEL, JSON.stringify(toItems(eventId, records)))).pipe(
                  Effect.asVoid,
                  // The stream is a convenience; sync is what makes devices converge. Never fail a check-in for it.
                  Effect.catchAll((e) =>
                    Effect.sync(() => logger.warn("check-in feed publish failed", { error: String(e) })),
                  ),
                ),
          subscribe: (eventId) => subscribeTo(hub, eventId),
          closing: yield* closingSignal,
        })
      }),
    )
}

/** A signal completed when the layer's scope closes, before the hub shuts down. */
const closingSignal = Effect.gen(function* () {
  const closed = yield* Deferred.make<void>()
  yield* Effect.addFinalizer(() => Deferred.succeed(closed, undefined))
  return Deferred.await(closed)
})

const toItems = (eventId: string, records: ReadonlyArray<CheckInRecord>): Array<FeedItem> =>
  records.map((r) => ({ eventId, seq: r.seq, json: JSON.stringify(encodeRecord(r)) }))

const subscribeTo = (hub: PubSub.PubSub<FeedItem>, eventId: string) =>
  Effect.map(PubSub.subscribe(hub), (queue: Queue.Dequeue<FeedItem>) =>
    Stream.fromQueue(queue).pipe(Stream.filter((item) => item.eventId === eventId)),
  )

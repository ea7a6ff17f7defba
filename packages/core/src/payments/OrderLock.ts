import { randomUUID } from "node:crypto"
import { SqlClient, type SqlError } from "@effect/sql"
import { Data, Duration, Effect, Schedule } from "effect"
import { Redis } from "ioredis"
import { DatabaseInfo } from "../sql/Database.js"
import { PaymentsConfig } from "./PaymentsConfig.js"

export class OrderLockTimeout extends Data.TaggedError("OrderLockTimeout")<{ readonly orderId: string }> {}

const LOCK_TTL_MS = 30_000
const RELEASE = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`

/**
 * One money-moving change per order at a time: webhook deliveries, refunds and reconciliation of
 * the same order queue up instead of racing. With Redis the lock spans server instances before any
 * database work starts; the transaction then also takes the order's row lock (MariaDB), which is
 * the whole lock when there is no Redis. SQLite runs one write transaction at a time anyway.
 */
export class OrderLock extends Effect.Service<OrderLock>()("sratix/payments/OrderLock", {
  scoped: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { dialect } = yield* DatabaseInfo
    const { redisUrl } = yield* PaymentsConfig
    const redis =
      redisUrl === null
        ? null
        : yield* Effect.acquireRelease(
            Effect.sync(() => new Redis(redisUrl, { maxRetriesPerRequest: 3, lazyConnect: true })),
            (client) => Effect.promise(() => client.quit().catch(() => undefined)),
          )

    const rowLock = (orderId: string): Effect.Effect<void, SqlError.SqlError> =>
      dialect === "mysql" ? Effect.asVoid(sql`SELECT id FROM orders WHERE id = ${orderId} FOR UPDATE`) : Effect.void

    const acquire = (client: Redis, key: string, token: string, orderId: string) =>
      Effect.tryPromise(() => client.set(key, token, "PX", LOCK_TTL_MS, "NX")).pipe(
        Effect.orDie,
        Effect.flatMap((ok) => (ok === "OK" ? Effect.void : Effect.fail(new OrderLockTimeout({ orderId })))),
        Effect.retry(
          Schedule.exponential("5 millis", 1.5).pipe(
            Schedule.union(Schedule.spaced("100 millis")),
            Schedule.jittered,
            Schedule.upTo(Duration.seconds(20)),
          ),
        ),
      )

    const exclusive = <A, E, R>(orderId: string, body: Effect.Effect<A, E, R>) => {
      const transaction = sql.withTransaction(Effect.zipRight(rowLock(orderId), body))
      if (redis === null) return transaction
      const key = `sratix:order-lock:${orderId}`
      const token = randomUUID()
      return Effect.acquireUseRelease(
        acquire(redis, key, token, orderId),
        () => transaction,
        () => Effect.promise(() => redis.eval(RELEASE, 1, key, token).catch(() => 0)),
      )
    }

    return { exclusive, distributed: redis !== null } as const
  }),
}) {}

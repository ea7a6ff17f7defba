import { SqlClient } from "@effect/sql"
import { Effect, Layer, Schema } from "effect"
import { BullmqQueueLive, Database, defineJob, InProcessQueueLive, JobRuns } from "../../src/index.js"

/** A job whose one effect is a row in `job_effects`, guarded by the idempotency helper. */
export const effectJob = defineJob("test.effect", Schema.Struct({ label: Schema.String }), {
  attempts: 4,
  backoffMs: 50,
  concurrency: 1,
})

/** No unique key on purpose: a second effect would show as a second row. */
export const createEffectsTable = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  sql.unsafe(`CREATE TABLE IF NOT EXISTS job_effects (job_id VARCHAR(200) NOT NULL, label VARCHAR(200) NOT NULL)`),
).pipe(Effect.orDie)

export const effectRows = (jobId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ n: number }>`SELECT COUNT(*) AS n FROM job_effects WHERE job_id = ${jobId}`.pipe(
      Effect.map((rows) => Number(rows[0]?.n ?? 0)),
    ),
  ).pipe(Effect.orDie)

/**
 * Does the effect exactly once, then optionally hangs, as a worker that dies between doing its
 * work and acknowledging the job would look from outside.
 */
export const effectHandler =
  (options: { readonly hang: boolean; readonly onEffect?: () => void }) =>
  (payload: { readonly label: string }, job: { readonly id: string }) =>
    Effect.gen(function* () {
      const runs = yield* JobRuns
      const sql = yield* SqlClient.SqlClient
      yield* runs.once(
        effectJob.name,
        `effect-${job.id}`,
        sql`INSERT INTO job_effects (job_id, label) VALUES (${job.id}, ${payload.label})`,
      )
      options.onEffect?.()
      if (options.hang) yield* Effect.never
    })

export const redisUrl = process.env.SRATIX_TEST_REDIS_URL
if (!redisUrl && process.env.CI) throw new Error("SRATIX_TEST_REDIS_URL is not set: run the suite through `npm test`")

/** Short locks so a dead worker's job comes back within about a second. */
export const testLocks = { lockDurationMs: 1000, stalledIntervalMs: 300 }

export const backends = (): ReadonlyArray<{
  readonly name: "in-process" | "bullmq"
  readonly layer: (prefix: string) => typeof InProcessQueueLive
}> => [
  { name: "in-process", layer: () => InProcessQueueLive },
  ...(redisUrl
    ? [
        {
          name: "bullmq" as const,
          layer: (prefix: string) => BullmqQueueLive({ url: redisUrl, prefix, ...testLocks }),
        },
      ]
    : []),
]

/** Database plus the idempotency helper, for handlers and children alike. */
export const jobDatabaseLayer = (url: string) =>
  JobRuns.Default.pipe(Layer.provideMerge(Database.layer({ url, maxConnections: 4 })))

import { SqlClient } from "@effect/sql"
import { Clock, Effect, Option } from "effect"
import { isUniqueViolation } from "../sql/Errors.js"

/**
 * The idempotency helper for job handlers. `once(key, step)` runs `step` and records `key` in
 * `job_runs` in one transaction: a second run of the same job finds the key and skips the step, and
 * a run that dies half-way leaves neither the key nor the step's writes behind. So database effects
 * happen exactly once however often the queue delivers the job.
 *
 * Effects outside the database (an email, a call to a provider) cannot join the transaction: put
 * them inside `once` and they are repeated only if the process dies between the effect and the
 * commit; give the provider the same key as its idempotency key where it takes one.
 */
export class JobRuns extends Effect.Service<JobRuns>()("sratix/jobs/JobRuns", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    /** `Some(result)` when the step ran now, `None` when an earlier run had done it. */
    const once = <A, E, R>(jobType: string, key: string, step: Effect.Effect<A, E, R>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        // The key first: a concurrent run of the same step waits on it (MariaDB) or on the write
        // lock (SQLite) until this transaction ends, then finds it taken.
        const claimed = yield* sql`INSERT INTO job_runs ${sql.insert({
          runKey: key,
          jobType,
          createdAt: now,
          updatedAt: now,
        })}`.pipe(
          Effect.as(true),
          Effect.catchIf(isUniqueViolation, () => Effect.succeed(false)),
        )
        if (!claimed) return Option.none<A>()
        return Option.some(yield* step)
      }).pipe(
        sql.withTransaction,
        Effect.catchTag("SqlError", (e) => Effect.die(e)),
        Effect.withSpan("JobRuns.once", { attributes: { "job.type": jobType } }),
      )

    const isDone = (key: string) =>
      Effect.map(
        sql<{ n: number }>`SELECT COUNT(*) AS n FROM job_runs WHERE run_key = ${key}`.pipe(Effect.orDie),
        (rows) => Number(rows[0]?.n ?? 0) > 0,
      )

    return { once, isDone } as const
  }),
}) {}

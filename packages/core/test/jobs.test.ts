import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Layer, Ref, Schedule, Schema } from "effect"
import {
  BullmqQueueLive,
  defineJob,
  JobQueue,
  type JobSnapshot,
  type JobState,
  migrate,
  PermanentJobFailure,
} from "../src/index.js"
import { lineFrom, spawnChild } from "./support/Children.js"
import {
  backends,
  createEffectsTable,
  effectHandler,
  effectJob,
  effectRows,
  jobDatabaseLayer,
  redisUrl,
  testLocks,
} from "./support/Jobs.js"

const Label = Schema.Struct({ label: Schema.String })
let serial = 0
const uniqueName = (what: string) => `test.${what}-${process.pid}-${++serial}`

/** A migrated SQLite file of its own, shared with child processes by its path. */
const sqliteFile = () => `sqlite:${path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sratix-jobs-")), "jobs.db")}`

const waitFor = <A, E, R>(probe: Effect.Effect<A, E, R>, done: (a: A) => boolean, timeoutMs = 10_000) =>
  probe.pipe(
    Effect.repeat({ until: done, schedule: Schedule.spaced("20 millis") }),
    Effect.timeoutFail({ duration: timeoutMs, onTimeout: () => new Error("condition not reached in time") }),
  )

const stateIs =
  (...states: ReadonlyArray<JobState>) =>
  (s: JobSnapshot | null) =>
    s !== null && states.includes(s.state)

for (const backend of backends()) {
  describe(`JobQueue (${backend.name})`, () => {
    const queueLayer = () => backend.layer(`sxt${randomBytes(4).toString("hex")}`)

    it.live("enqueueing the same id twice makes one job, run once", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        const type = defineJob(uniqueName("dedup"), Label, { backoffMs: 10 })
        const runs = yield* Ref.make(0)
        yield* queue.enqueue(type, { label: "first" }, { id: "order-1" })
        yield* queue.enqueue(type, { label: "second" }, { id: "order-1" })
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* queue.work(type, () => Ref.update(runs, (n) => n + 1))
            yield* waitFor(queue.status(type, "order-1"), stateIs("completed"))
            // Once completed, the id still deduplicates.
            yield* queue.enqueue(type, { label: "third" }, { id: "order-1" })
            yield* Effect.sleep("200 millis")
          }),
        )
        expect(yield* Ref.get(runs)).toBe(1)
        expect(() => Effect.runSync(queue.enqueue(type, { label: "x" }, { id: "42" }))).toThrow(/not only digits/)
      }).pipe(Effect.provide(queueLayer())),
    )

    it.live("retries a failing job with exponential backoff", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        const type = defineJob(uniqueName("retry"), Label, { attempts: 4, backoffMs: 100 })
        const starts = yield* Ref.make<ReadonlyArray<{ attempt: number; at: number }>>([])
        yield* queue.enqueue(type, { label: "flaky" }, { id: "flaky-1" })
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* queue.work(type, (_, job) =>
              Effect.gen(function* () {
                yield* Ref.update(starts, (s) => [...s, { attempt: job.attempt, at: Date.now() }])
                if (job.attempt < 3) return yield* Effect.fail(new Error(`attempt ${job.attempt} fails`))
              }),
            )
            yield* waitFor(queue.status(type, "flaky-1"), stateIs("completed"))
          }),
        )
        const seen = yield* Ref.get(starts)
        expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3])
        const gaps = [seen[1]!.at - seen[0]!.at, seen[2]!.at - seen[1]!.at]
        expect(gaps[0]).toBeGreaterThanOrEqual(95)
        expect(gaps[1]).toBeGreaterThanOrEqual(195)
        const done = yield* queue.status(type, "flaky-1")
        expect(done?.attemptsMade).toBe(3)
      }).pipe(Effect.provide(queueLayer())),
    )

    it.live("lists a job out of attempts as dead and runs it again on retry", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        const type = defineJob(uniqueName("dead"), Label, { attempts: 3, backoffMs: 10 })
        const healthy = yield* Ref.make(false)
        yield* queue.enqueue(type, { label: "doomed" }, { id: "doomed-1" })
        yield* queue.enqueue(type, { label: "at once" }, { id: "permanent-1" })
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* queue.work(type, (payload) =>
              Effect.gen(function* () {
                if (payload.label === "at once") return yield* new PermanentJobFailure({ message: "no such order" })
                if (!(yield* Ref.get(healthy))) return yield* Effect.fail(new Error("provider down"))
              }),
            )
            yield* waitFor(queue.deadLetters(type), (dead) => dead.length === 2)
            const dead = yield* queue.deadLetters(type)
            const doomed = dead.find((d) => d.id === "doomed-1")
            expect(doomed).toMatchObject({ attemptsMade: 3, payload: { label: "doomed" } })
            expect(doomed?.error).toContain("provider down")
            expect(dead.find((d) => d.id === "permanent-1")).toMatchObject({ attemptsMade: 1 })
            expect(dead.find((d) => d.id === "permanent-1")?.error).toContain("no such order")

            yield* Ref.set(healthy, true)
            expect(yield* queue.retryDeadLetter(type, "doomed-1")).toBe(true)
            yield* waitFor(queue.status(type, "doomed-1"), stateIs("completed"))
            expect(yield* queue.retryDeadLetter(type, "doomed-1")).toBe(false)
            expect(yield* queue.retryDeadLetter(type, "no-such-job")).toBe(false)
            expect((yield* queue.deadLetters(type)).map((d) => d.id)).toEqual(["permanent-1"])
          }),
        )
      }).pipe(Effect.provide(queueLayer())),
    )

    it.live("runs at most `concurrency` jobs of a worker at once", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        const type = defineJob(uniqueName("concurrency"), Label, { concurrency: 3 })
        const active = yield* Ref.make(0)
        const peak = yield* Ref.make(0)
        for (let i = 0; i < 8; i++) yield* queue.enqueue(type, { label: `${i}` }, { id: `job-${i}` })
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* queue.work(type, () =>
              Effect.gen(function* () {
                const now = yield* Ref.updateAndGet(active, (n) => n + 1)
                yield* Ref.update(peak, (p) => Math.max(p, now))
                yield* Effect.sleep("80 millis")
                yield* Ref.update(active, (n) => n - 1)
              }),
            )
            yield* waitFor(
              Effect.forEach([0, 1, 2, 3, 4, 5, 6, 7], (i) => queue.status(type, `job-${i}`)),
              (all) => all.every(stateIs("completed")),
            )
          }),
        )
        expect(yield* Ref.get(peak)).toBe(3)
      }).pipe(Effect.provide(queueLayer())),
    )

    it.live("a graceful shutdown lets the running job finish", () =>
      Effect.gen(function* () {
        const queue = yield* JobQueue
        const type = defineJob(uniqueName("graceful"), Label)
        const started = yield* Deferred.make<void>()
        const finished = yield* Ref.make(false)
        yield* queue.enqueue(type, { label: "slow" }, { id: "slow-1" })
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* queue.work(type, () =>
              Deferred.succeed(started, undefined).pipe(
                Effect.zipRight(Effect.sleep("300 millis")),
                Effect.zipRight(Ref.set(finished, true)),
              ),
            )
            yield* Deferred.await(started)
          }),
        )
        expect(yield* Ref.get(finished)).toBe(true)
        expect(yield* queue.status(type, "slow-1")).toMatchObject({ state: "completed", attemptsMade: 1 })
      }).pipe(Effect.provide(queueLayer())),
    )

    it.live("a worker stopped mid-job without grace: another worker reruns it, the effect happens once", () =>
      Effect.gen(function* () {
        yield* migrate
        yield* createEffectsTable
        const queue = yield* JobQueue
        const effectDone = yield* Deferred.make<void>()
        yield* queue.enqueue(effectJob, { label: "stopped" }, { id: "stopped-1" })
        // The first worker does the effect and hangs before acknowledging; its stop interrupts it.
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* queue.work(
              effectJob,
              effectHandler({ hang: true, onEffect: () => Deferred.unsafeDone(effectDone, Effect.void) }),
              { shutdownGraceMs: 0 },
            )
            yield* Deferred.await(effectDone)
          }),
        )
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* queue.work(effectJob, effectHandler({ hang: false }))
            yield* waitFor(queue.status(effectJob, "stopped-1"), stateIs("completed"))
          }),
        )
        expect(yield* effectRows("stopped-1")).toBe(1)
        expect((yield* queue.status(effectJob, "stopped-1"))?.attemptsMade).toBe(2)
      }).pipe(Effect.provide(Layer.merge(queueLayer(), jobDatabaseLayer(sqliteFile())))),
    )
  })
}

const childScript = path.join(import.meta.dirname, "support", "jobWorkerChild.ts")

const spawnWorker = (env: Record<string, string>) => spawnChild(childScript, env)

describe.runIf(redisUrl !== undefined)("JobQueue (bullmq) across processes", () => {
  it.live(
    "a worker process killed with SIGKILL mid-job: the job stalls, is picked up again, the effect happens once",
    () => {
      const prefix = `sxt${randomBytes(4).toString("hex")}`
      const databaseUrl = sqliteFile()
      return Effect.gen(function* () {
        yield* migrate
        yield* createEffectsTable
        const queue = yield* JobQueue
        yield* Effect.scoped(
          Effect.gen(function* () {
            const child = yield* spawnWorker({ REDIS_URL: redisUrl!, QUEUE_PREFIX: prefix, DATABASE_URL: databaseUrl })
            yield* lineFrom(child, "worker-ready")
            yield* queue.enqueue(effectJob, { label: "killed" }, { id: "killed-1" })
            yield* lineFrom(child, "effect-done")
            child.kill("SIGKILL")
            yield* Effect.async<void>((resume) => {
              child.once("exit", () => resume(Effect.void))
            })
          }),
        )
        expect((yield* queue.status(effectJob, "killed-1"))?.state).toBe("active")
        const killedAt = Date.now()
        yield* Effect.scoped(
          Effect.gen(function* () {
            yield* queue.work(effectJob, effectHandler({ hang: false }))
            yield* waitFor(queue.status(effectJob, "killed-1"), stateIs("completed"), 20_000)
          }),
        )
        const recoveredMs = Date.now() - killedAt
        expect(yield* effectRows("killed-1")).toBe(1)
        // Back within the lock duration plus a stalled check or two.
        expect(recoveredMs).toBeLessThan(testLocks.lockDurationMs + 4 * testLocks.stalledIntervalMs + 2000)
        console.info(`bullmq: job of a SIGKILLed worker completed ${recoveredMs} ms after the kill`)
      }).pipe(
        Effect.provide(
          Layer.merge(BullmqQueueLive({ url: redisUrl!, prefix, ...testLocks }), jobDatabaseLayer(databaseUrl)),
        ),
      )
    },
  )
})

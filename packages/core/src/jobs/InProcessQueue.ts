import { Cause, Clock, Effect, Exit, Fiber, Layer } from "effect"
import {
  type AnyJobType,
  COMPLETED_RETENTION_MS,
  checkJobId,
  DEFAULT_SHUTDOWN_GRACE_MS,
  deadLetter,
  describeFailure,
  encodePayload,
  isPermanent,
  JobQueue,
  type JobQueueShape,
  type JobSnapshot,
  retryDelay,
  runAttempt,
} from "./JobQueue.js"

interface Entry {
  readonly id: string
  readonly payload: unknown
  state: "waiting" | "active" | "completed" | "dead"
  /** Not before this instant; a waiting entry in the future is "delayed". */
  runAt: number
  attemptsMade: number
  error: string | null
  finishedAt: number | null
  readonly seq: number
}

/** One job type's jobs; JavaScript runs one fiber step at a time, so reading and claiming an entry is atomic. */
class Lane {
  readonly entries = new Map<string, Entry>()
  readonly wakers = new Set<() => void>()
  seq = 0

  wake() {
    for (const wake of [...this.wakers]) wake()
  }

  /** The next entry due, claimed; or how long until one is (null: none waiting). */
  claim(now: number): Entry | { readonly dueIn: number | null } {
    let next: Entry | undefined
    for (const entry of this.entries.values()) {
      if (entry.state !== "waiting") continue
      if (next === undefined || entry.runAt < next.runAt || (entry.runAt === next.runAt && entry.seq < next.seq)) {
        next = entry
      }
    }
    if (next === undefined) return { dueIn: null }
    if (next.runAt > now) return { dueIn: next.runAt - now }
    next.state = "active"
    return next
  }
}

const snapshot = (entry: Entry, now: number): JobSnapshot => ({
  id: entry.id,
  state: entry.state === "waiting" && entry.runAt > now ? "delayed" : entry.state,
  attemptsMade: entry.attemptsMade,
  error: entry.error,
})

/**
 * The zero-setup queue: jobs live in this process's memory and run on workers started in it
 * (`sratix serve` starts them). Same contract as BullMQ: deduplication by id, exponential
 * backoff, a dead-letter list, graceful shutdown. Queued jobs do not survive a restart of the
 * process; production runs BullMQ on Redis.
 */
export const makeInProcessQueue = (): JobQueueShape => {
  const lanes = new Map<string, Lane>()
  const laneOf = (type: AnyJobType) => {
    let lane = lanes.get(type.name)
    if (lane === undefined) {
      lane = new Lane()
      lanes.set(type.name, lane)
    }
    return lane
  }

  const enqueue: JobQueueShape["enqueue"] = (type, payload, options) =>
    Effect.gen(function* () {
      checkJobId(options.id)
      const encoded = yield* encodePayload(type, payload)
      const now = yield* Clock.currentTimeMillis
      const lane = laneOf(type)
      const held = lane.entries.get(options.id)
      const expired = held?.state === "completed" && (held.finishedAt ?? 0) + COMPLETED_RETENTION_MS <= now
      if (held !== undefined && !expired) return
      lane.entries.set(options.id, {
        id: options.id,
        payload: encoded,
        state: "waiting",
        runAt: now + Math.max(0, options.delayMs ?? 0),
        attemptsMade: 0,
        error: null,
        finishedAt: null,
        seq: lane.seq++,
      })
      lane.wake()
    })

  const work: JobQueueShape["work"] = (type, handler, options = {}) =>
    Effect.gen(function* () {
      const lane = laneOf(type)
      const concurrency = options.concurrency ?? type.concurrency
      const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS
      let closing = false
      const running = new Set<Fiber.RuntimeFiber<unknown, unknown>>()

      const settle = (entry: Entry, exit: Exit.Exit<unknown, unknown>, now: number) => {
        entry.finishedAt = now
        entry.attemptsMade++
        if (Exit.isSuccess(exit)) {
          entry.state = "completed"
          entry.error = null
          return
        }
        entry.error = Cause.isInterruptedOnly(exit.cause) ? "interrupted by shutdown" : describeFailure(exit.cause)
        if (isPermanent(exit.cause) || entry.attemptsMade >= type.attempts) {
          entry.state = "dead"
        } else {
          entry.state = "waiting"
          entry.runAt = now + retryDelay(type, entry.attemptsMade)
        }
        lane.wake()
      }

      const idle = (dueIn: number | null) =>
        Effect.async<void>((resume) => {
          const wake = () => resume(Effect.void)
          lane.wakers.add(wake)
          return Effect.sync(() => lane.wakers.delete(wake))
        }).pipe((wait) => (dueIn === null ? wait : Effect.race(wait, Effect.sleep(dueIn))))

      const slot = Effect.gen(function* () {
        while (!closing) {
          const claimed = lane.claim(yield* Clock.currentTimeMillis)
          if (!("id" in claimed)) {
            yield* idle(claimed.dueIn)
            continue
          }
          const info = { id: claimed.id, type: type.name, attempt: claimed.attemptsMade + 1 }
          const fiber = yield* Effect.fork(runAttempt(type, handler, claimed.payload, info))
          running.add(fiber)
          const exit = yield* Fiber.await(fiber)
          running.delete(fiber)
          settle(claimed, exit, yield* Clock.currentTimeMillis)
        }
      })

      const slots = yield* Effect.forEach(Array.from({ length: concurrency }), () => Effect.forkDaemon(slot))
      yield* Effect.addFinalizer(() =>
        Effect.gen(function* () {
          closing = true
          lane.wake()
          // Finalizers run uninterruptibly; the wait must be interruptible for the timeout to end it.
          const finished = yield* Fiber.joinAll(slots).pipe(
            Effect.interruptible,
            Effect.timeout(graceMs),
            Effect.option,
          )
          if (finished._tag === "None") {
            yield* Fiber.interruptAll([...running])
            yield* Fiber.joinAll(slots).pipe(Effect.ignore)
          }
        }),
      )
    })

  const status: JobQueueShape["status"] = (type, id) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      const entry = laneOf(type).entries.get(id)
      return entry === undefined ? null : snapshot(entry, now)
    })

  const deadLetters: JobQueueShape["deadLetters"] = (type, limit = 100) =>
    Effect.sync(() =>
      [...laneOf(type).entries.values()]
        .filter((e) => e.state === "dead")
        .sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0))
        .slice(0, limit)
        .map((e) => deadLetter(type, e, e.error, e.finishedAt)),
    )

  const retryDeadLetter: JobQueueShape["retryDeadLetter"] = (type, id) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      const lane = laneOf(type)
      const entry = lane.entries.get(id)
      if (entry?.state !== "dead") return false
      Object.assign(entry, { state: "waiting", runAt: now, attemptsMade: 0, error: null, finishedAt: null })
      lane.wake()
      return true
    })

  return { backend: "in-process", enqueue, work, status, deadLetters, retryDeadLetter }
}

export const InProcessQueueLive = Layer.sync(JobQueue, makeInProcessQueue)

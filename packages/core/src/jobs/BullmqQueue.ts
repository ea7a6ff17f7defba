import { type Job, Queue, UnrecoverableError, Worker } from "bullmq"
import { Cause, Effect, Exit, Fiber, Layer, Runtime } from "effect"
import { Redis } from "ioredis"
import {
  type AnyJobType,
  COMPLETED_RETENTION_MS,
  checkJobId,
  DEFAULT_SHUTDOWN_GRACE_MS,
  type DeadLetter,
  deadLetter,
  describeFailure,
  encodePayload,
  isPermanent,
  type JobHandler,
  JobQueue,
  type JobQueueShape,
  type JobState,
  type JobType,
  runAttempt,
  type WorkOptions,
} from "./JobQueue.js"

export interface BullmqOptions {
  readonly url: string
  /** Redis key prefix; tests use one of their own. */
  readonly prefix?: string
  /**
   * How long a running job stays locked to its worker without a renewal. A worker that dies loses
   * the lock after this long, and another worker's stalled check (every `stalledIntervalMs`) moves
   * the job back to waiting.
   */
  readonly lockDurationMs?: number
  readonly stalledIntervalMs?: number
}

/** BullMQ parks blocking commands until Redis is back instead of failing them; it insists on this setting. */
const connect = (url: string) => new Redis(url, { maxRetriesPerRequest: null })

const close = (redis: Redis) => Effect.promise(() => redis.quit().catch(() => redis.disconnect()))

const stateOf = (state: string): JobState | null => {
  switch (state) {
    case "waiting":
    case "prioritized":
    case "waiting-children":
      return "waiting"
    case "delayed":
    case "active":
    case "completed":
      return state
    case "failed":
      return "dead"
    default:
      return null
  }
}

/**
 * BullMQ on Redis: one BullMQ queue per job type, workers in any number of processes
 * (`sratix worker`). BullMQ's exponential backoff is `backoffMs × 2^(attemptsMade − 1)`, the same as
 * `retryDelay`; its failed set is the dead-letter list (it holds only jobs out of attempts).
 */
export const makeBullmqQueue = (options: BullmqOptions) =>
  Effect.gen(function* () {
    const prefix = options.prefix ?? "sratix"
    const connection = yield* Effect.acquireRelease(
      Effect.sync(() => connect(options.url)),
      close,
    )
    connection.on("error", () => {})
    yield* Effect.tryPromise(() => connection.ping()).pipe(
      Effect.timeoutFail({ duration: "10 seconds", onTimeout: () => new Error("no answer within 10 s") }),
      Effect.orDieWith((e) => new Error(`REDIS_URL is set but Redis is unreachable: ${String(e)}`)),
    )
    const queues = new Map<string, Queue>()
    yield* Effect.addFinalizer(() =>
      Effect.promise(() => Promise.allSettled([...queues.values()].map((q) => q.close()))),
    )
    const queueOf = (type: AnyJobType) => {
      let queue = queues.get(type.name)
      if (queue === undefined) {
        queue = new Queue(type.name, { connection, prefix })
        queue.on("error", () => {})
        queues.set(type.name, queue)
      }
      return queue
    }
    const promise = <A>(run: () => Promise<A>) => Effect.orDie(Effect.tryPromise(run))

    const enqueue: JobQueueShape["enqueue"] = (type, payload, enqueueOptions) =>
      Effect.gen(function* () {
        checkJobId(enqueueOptions.id)
        const data = yield* encodePayload(type, payload)
        yield* promise(() =>
          queueOf(type).add(type.name, data, {
            jobId: enqueueOptions.id,
            attempts: type.attempts,
            backoff: { type: "exponential", delay: type.backoffMs },
            delay: Math.max(0, enqueueOptions.delayMs ?? 0),
            removeOnComplete: { age: Math.round(COMPLETED_RETENTION_MS / 1000) },
            removeOnFail: false,
          }),
        )
      })

    const work = <P, I, R>(type: JobType<P, I>, handler: JobHandler<P, R>, workOptions: WorkOptions = {}) =>
      Effect.gen(function* () {
        const runtime = yield* Effect.runtime<R>()
        const running = new Set<Fiber.RuntimeFiber<unknown, unknown>>()
        const processor = (job: Job) =>
          new Promise<void>((resolve, reject) => {
            const info = { id: String(job.id), type: type.name, attempt: job.attemptsMade + 1 }
            const fiber = Runtime.runFork(runtime)(runAttempt(type, handler, job.data, info))
            running.add(fiber)
            fiber.addObserver((exit) => {
              running.delete(fiber)
              if (Exit.isSuccess(exit)) return resolve()
              const message = Cause.isInterruptedOnly(exit.cause)
                ? "interrupted by shutdown"
                : describeFailure(exit.cause)
              reject(isPermanent(exit.cause) ? new UnrecoverableError(message) : new Error(message))
            })
          })
        const workerConnection = yield* Effect.acquireRelease(
          Effect.sync(() => connect(options.url)),
          close,
        )
        workerConnection.on("error", () => {})
        const worker = new Worker(type.name, processor, {
          connection: workerConnection,
          prefix,
          concurrency: workOptions.concurrency ?? type.concurrency,
          maxStalledCount: 1,
          ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
          ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
        })
        worker.on("error", () => {})
        const graceMs = workOptions.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS
        yield* Effect.addFinalizer(() =>
          Effect.gen(function* () {
            const closing = worker.close()
            // Finalizers run uninterruptibly; the wait must be interruptible for the timeout to end it.
            const finished = yield* Effect.promise(() => closing).pipe(
              Effect.interruptible,
              Effect.timeout(graceMs),
              Effect.option,
            )
            if (finished._tag === "None") {
              // Interrupted runs reject their processors, BullMQ records the failed attempt, and close completes.
              yield* Fiber.interruptAll([...running])
              yield* Effect.promise(() => closing)
            }
          }),
        )
      })

    const status: JobQueueShape["status"] = (type, id) =>
      Effect.gen(function* () {
        const job = yield* promise(() => queueOf(type).getJob(id))
        if (job === undefined) return null
        const state = stateOf(yield* promise(() => job.getState()))
        if (state === null) return null
        return { id, state, attemptsMade: job.attemptsMade, error: job.failedReason || null }
      })

    const deadLetters: JobQueueShape["deadLetters"] = (type, limit = 100) =>
      Effect.map(
        promise(() => queueOf(type).getJobs("failed", 0, limit - 1, true)),
        (jobs): ReadonlyArray<DeadLetter> =>
          jobs.map((job) =>
            deadLetter(
              type,
              { id: String(job.id), attemptsMade: job.attemptsMade, payload: job.data },
              job.failedReason,
              job.finishedOn,
            ),
          ),
      )

    const retryDeadLetter: JobQueueShape["retryDeadLetter"] = (type, id) =>
      Effect.gen(function* () {
        const job = yield* promise(() => queueOf(type).getJob(id))
        if (job === undefined || (yield* promise(() => job.getState())) !== "failed") return false
        yield* promise(() => job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true }))
        return true
      })

    return { backend: "bullmq", enqueue, work, status, deadLetters, retryDeadLetter } satisfies JobQueueShape
  })

export const BullmqQueueLive = (options: BullmqOptions) => Layer.scoped(JobQueue, makeBullmqQueue(options))

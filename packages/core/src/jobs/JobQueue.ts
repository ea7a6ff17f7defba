import { Cause, Context, Effect, Option, Schema, type Scope } from "effect"

/**
 * A kind of background work: a name, the schema of its payload, and how it is retried.
 *
 * Handlers must tolerate being run twice for the same job. Both queues deliver at least once: a
 * worker that dies after doing the work but before acknowledging it leaves the job to be picked up
 * again, and a retry after a failed attempt runs the handler from the start. Put the writes of a
 * step inside `JobRuns.once(key, …)` so the second run finds the key and skips them.
 */
export interface JobType<P, I = P> {
  /** Lowercase, dotted, words joined by `_` or `-`: `orders.fulfil`, `email.order_confirmation`. One queue per type. */
  readonly name: string
  /** Encoded to JSON when enqueued, decoded before the handler runs; a payload that no longer decodes is dead at once. */
  readonly payload: Schema.Schema<P, I>
  /** Runs of the handler before the job goes to the dead-letter list, the first one included. */
  readonly attempts: number
  /** Wait before the first retry; each further retry waits twice as long as the one before. */
  readonly backoffMs: number
  /** Jobs of this type one worker runs at the same time. */
  readonly concurrency: number
}

/** What the listing operations need of a job type, whatever its payload. */
export type AnyJobType = Pick<JobType<unknown>, "name">

const JOB_TYPE_NAME = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/

export const defineJob = <P, I>(
  name: string,
  payload: Schema.Schema<P, I>,
  options: { readonly attempts?: number; readonly backoffMs?: number; readonly concurrency?: number } = {},
): JobType<P, I> => {
  if (!JOB_TYPE_NAME.test(name) || name.length > 64) throw new Error(`job type name "${name}" is not lowercase-dotted`)
  const type = { name, payload, attempts: 5, backoffMs: 1_000, concurrency: 4, ...options }
  if (!Number.isInteger(type.attempts) || type.attempts < 1) throw new Error(`${name}: attempts must be at least 1`)
  if (!Number.isInteger(type.concurrency) || type.concurrency < 1) throw new Error(`${name}: concurrency must be ≥ 1`)
  return type
}

/** Delay before the retry that follows the `attemptsMade`-th failure (1-based), as BullMQ's exponential backoff computes it. */
export const retryDelay = (type: Pick<JobType<unknown>, "backoffMs">, attemptsMade: number) =>
  Math.round(2 ** (attemptsMade - 1) * type.backoffMs)

/**
 * Job ids are the deduplication key: enqueueing an id the queue still holds (waiting, delayed,
 * running, completed within the retention, or dead) adds nothing. BullMQ refuses ids that are
 * integers or contain `:`, so both queues accept the same safe alphabet.
 */
export const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/
export const checkJobId = (id: string) => {
  if (!JOB_ID.test(id) || /^\d+$/.test(id)) {
    throw new Error(`job id "${id}" must be 1-200 letters, digits, . _ - and not only digits`)
  }
}

export interface EnqueueOptions {
  /** Deduplication id, e.g. `order-<orderId>`: the same id enqueued twice is one job. */
  readonly id: string
  /** Do not start before this many milliseconds from now. */
  readonly delayMs?: number
}

export interface JobInfo {
  readonly id: string
  readonly type: string
  /** 1 on the first run, 2 on the first retry, … */
  readonly attempt: number
}

export type JobState = "waiting" | "delayed" | "active" | "completed" | "dead"

export interface JobSnapshot {
  readonly id: string
  readonly state: JobState
  /** Attempts that ended, the successful one included (BullMQ counts the same way). */
  readonly attemptsMade: number
  readonly error: string | null
}

/** A job that failed its last allowed attempt (or whose payload no longer decodes); kept until retried. */
export interface DeadLetter {
  readonly id: string
  readonly type: string
  readonly attemptsMade: number
  readonly error: string
  readonly failedAt: number
  /** As enqueued (encoded). */
  readonly payload: unknown
}

export const deadLetter = (
  type: AnyJobType,
  job: { readonly id: string; readonly attemptsMade: number; readonly payload: unknown },
  error: string | null | undefined,
  failedAt: number | null | undefined,
): DeadLetter => ({
  id: job.id,
  type: type.name,
  attemptsMade: job.attemptsMade,
  error: error ?? "",
  failedAt: failedAt ?? 0,
  payload: job.payload,
})

export interface WorkOptions {
  /** Overrides the type's concurrency for this worker. */
  readonly concurrency?: number
  /**
   * On shutdown the worker takes no new job and waits this long for running ones to finish, then
   * interrupts them; an interrupted run counts as a failed attempt and is retried. Default 30 s.
   */
  readonly shutdownGraceMs?: number
}

/** Fails the job without further retries: it goes straight to the dead-letter list. */
export class PermanentJobFailure extends Schema.TaggedError<PermanentJobFailure>()("PermanentJobFailure", {
  message: Schema.String,
}) {}

export type JobHandler<P, R> = (payload: P, job: JobInfo) => Effect.Effect<unknown, unknown, R>

export interface JobQueueShape {
  readonly backend: "bullmq" | "in-process"
  /** Adds a job unless one with the same id is still held. Infrastructure failures are defects. */
  readonly enqueue: <P, I>(type: JobType<P, I>, payload: P, options: EnqueueOptions) => Effect.Effect<void>
  /**
   * Runs a worker for one job type until the scope closes; closing it is the graceful shutdown
   * (finish running jobs, take no new ones).
   */
  readonly work: <P, I, R>(
    type: JobType<P, I>,
    handler: JobHandler<P, R>,
    options?: WorkOptions,
  ) => Effect.Effect<void, never, R | Scope.Scope>
  readonly status: (type: AnyJobType, id: string) => Effect.Effect<JobSnapshot | null>
  /** Oldest first. */
  readonly deadLetters: (type: AnyJobType, limit?: number) => Effect.Effect<ReadonlyArray<DeadLetter>>
  /** Moves a dead job back to waiting with a fresh set of attempts; `false` when it is not dead. */
  readonly retryDeadLetter: (type: AnyJobType, id: string) => Effect.Effect<boolean>
}

/** The job queue: BullMQ on Redis when REDIS_URL is set, otherwise in-process; one contract (see JobType). */
export class JobQueue extends Context.Tag("sratix/jobs/JobQueue")<JobQueue, JobQueueShape>() {}

export const DEFAULT_SHUTDOWN_GRACE_MS = 30_000
/** Completed jobs are kept (and so deduplicate) this long. */
export const COMPLETED_RETENTION_MS = 7 * 24 * 60 * 60 * 1000

/** One line for the dead-letter list: the error's message, never a stack. */
export const describeFailure = (cause: Cause.Cause<unknown>): string => {
  const failure = Cause.squash(cause)
  const text =
    failure instanceof Error
      ? `${failure.name === "Error" ? "" : `${failure.name}: `}${failure.message}`
      : typeof failure === "object" && failure !== null && "_tag" in failure
        ? String(failure._tag)
        : String(failure)
  return text.slice(0, 1000)
}

export const isPermanent = (cause: Cause.Cause<unknown>) =>
  Option.exists(Cause.failureOption(cause), (e) => e instanceof PermanentJobFailure)

/** Decodes the stored payload and runs the handler: what one attempt is, on either queue. */
export const runAttempt = <P, I, R>(type: JobType<P, I>, handler: JobHandler<P, R>, payload: unknown, job: JobInfo) =>
  Schema.decodeUnknown(type.payload)(payload).pipe(
    Effect.mapError((e) => new PermanentJobFailure({ message: `payload does not match ${type.name}: ${e.message}` })),
    Effect.flatMap((decoded) => handler(decoded, job)),
    Effect.withSpan(`job ${type.name}`, { attributes: { "job.id": job.id, "job.attempt": job.attempt } }),
  )

export const encodePayload = <P, I>(type: JobType<P, I>, payload: P) =>
  Schema.encode(type.payload)(payload).pipe(Effect.orDie)

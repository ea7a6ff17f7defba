import { Deferred, Effect, Exit, FiberId } from "effect"

/**
 * Group commit: work submitted under one key while a batch for that key is being committed waits,
 * and goes into the next batch together. The first submission after a quiet spell starts a batch at
 * once, alone, so an idle system adds no delay; under load the batches grow by themselves to what
 * arrived during one commit (at most `maxBatch`).
 *
 * `commit` answers with the members it committed; every other member (and every member of a batch
 * whose commit failed) is answered `false`, and its submitter does the work on its own. A member is
 * never answered twice, and never left waiting: whatever ends the drain answers what is still queued.
 */
export const groupCommit = <K, M, R>(options: {
  readonly maxBatch: number
  readonly commit: (key: K, members: ReadonlyArray<M>) => Effect.Effect<ReadonlySet<M>, unknown, R>
}) => {
  interface Entry {
    readonly member: M
    readonly done: Deferred.Deferred<boolean>
  }
  const lanes = new Map<K, Array<Entry>>()
  const none: ReadonlySet<M> = new Set()

  const drain = (key: K, queue: Array<Entry>) => {
    let current: Array<Entry> = []
    return Effect.gen(function* () {
      while (queue.length > 0) {
        current = queue.splice(0, options.maxBatch)
        const committed = yield* options
          .commit(
            key,
            current.map((e) => e.member),
          )
          .pipe(Effect.catchAllCause(() => Effect.succeed(none)))
        for (const e of current) Deferred.unsafeDone(e.done, Exit.succeed(committed.has(e.member)))
        current = []
      }
    }).pipe(
      Effect.ensuring(
        Effect.sync(() => {
          lanes.delete(key)
          for (const e of [...current, ...queue]) Deferred.unsafeDone(e.done, Exit.succeed(false))
        }),
      ),
    )
  }

  /** True when `member` was committed in a batch; false when the caller must do it alone. */
  const submit = (key: K, member: M): Effect.Effect<boolean, never, R> =>
    Effect.suspend(() => {
      const done = Deferred.unsafeMake<boolean>(FiberId.none)
      let queue = lanes.get(key)
      const start = queue === undefined
      if (queue === undefined) {
        queue = []
        lanes.set(key, queue)
      }
      queue.push({ member, done })
      // A daemon: the batch belongs to every member, so no single request's interruption stops it.
      const started = start ? Effect.asVoid(Effect.forkDaemon(drain(key, queue))) : Effect.void
      return Effect.zipRight(started, Deferred.await(done))
    })

  return { submit } as const
}

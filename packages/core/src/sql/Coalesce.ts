import { Deferred, Effect, FiberId } from "effect"

/**
 * Concurrent reads of the same key share one query: a caller arriving while a read for its key is
 * in flight waits for that read instead of starting another. So the answer is never older than the
 * one query that was running when the caller arrived; nothing is kept once it has answered (this is
 * not a cache). The read runs as a daemon, so one caller's interruption does not fail the others.
 * Only for reads whose answer does not depend on who asks.
 */
export const coalesce = <K, A, E, R>(read: (key: K) => Effect.Effect<A, E, R>) => {
  const inFlight = new Map<K, Deferred.Deferred<A, E>>()
  return (key: K): Effect.Effect<A, E, R> =>
    Effect.suspend(() => {
      const pending = inFlight.get(key)
      if (pending !== undefined) return Deferred.await(pending)
      const done = Deferred.unsafeMake<A, E>(FiberId.none)
      inFlight.set(key, done)
      return read(key).pipe(
        Effect.exit,
        Effect.flatMap((exit) =>
          Effect.sync(() => {
            inFlight.delete(key)
            Deferred.unsafeDone(done, exit)
          }),
        ),
        Effect.forkDaemon,
        Effect.zipRight(Deferred.await(done)),
      )
    })
}

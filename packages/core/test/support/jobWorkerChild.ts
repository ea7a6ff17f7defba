/**
 * A BullMQ worker in its own process for the crash test: it does the effect, says so on stdout,
 * then hangs until the test kills it with SIGKILL.
 */
import { Effect, Layer } from "effect"
import { BullmqQueueLive, JobQueue } from "../../src/index.js"
import { effectHandler, effectJob, jobDatabaseLayer, testLocks } from "./Jobs.js"

const required = (name: string) => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} is required`)
  return value
}
const [REDIS_URL, QUEUE_PREFIX, DATABASE_URL] = ["REDIS_URL", "QUEUE_PREFIX", "DATABASE_URL"].map(required) as [
  string,
  string,
  string,
]

const program = Effect.gen(function* () {
  const queue = yield* JobQueue
  yield* queue.work(effectJob, effectHandler({ hang: true, onEffect: () => process.stdout.write("effect-done\n") }))
  process.stdout.write("worker-ready\n")
  yield* Effect.never
})

Effect.runFork(
  program.pipe(
    Effect.scoped,
    Effect.provide(
      Layer.merge(
        BullmqQueueLive({ url: REDIS_URL, prefix: QUEUE_PREFIX, ...testLocks }),
        jobDatabaseLayer(DATABASE_URL),
      ),
    ),
  ),
)

/**
 * A BullMQ worker in its own process for the crash test: it does the effect, says so on stdout,
 * then hangs until the test kills it with SIGKILL.
 */
import { Effect, Layer } from "effect"
import { BullmqQueueLive, JobQueue } from "../../src/index.js"
import { requiredEnv, runWorkerChild } from "./Children.js"
import { effectHandler, effectJob, jobDatabaseLayer, testLocks } from "./Jobs.js"

const [REDIS_URL, QUEUE_PREFIX, DATABASE_URL] = ["REDIS_URL", "QUEUE_PREFIX", "DATABASE_URL"].map(requiredEnv) as [
  string,
  string,
  string,
]

runWorkerChild(
  Effect.flatMap(JobQueue, (queue) =>
    queue.work(effectJob, effectHandler({ hang: true, onEffect: () => process.stdout.write("effect-done\n") })),
  ),
  Layer.merge(BullmqQueueLive({ url: REDIS_URL, prefix: QUEUE_PREFIX, ...testLocks }), jobDatabaseLayer(DATABASE_URL)),
)

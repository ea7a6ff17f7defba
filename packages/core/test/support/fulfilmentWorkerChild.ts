/**
 * The fulfilment workers (what `sratix worker` runs) in a process of their own, for the crash tests:
 * BullMQ on REDIS_URL, the database at DATABASE_URL, mail over SMTP_URL with a lease of
 * SEND_LEASE_MS. It says `worker-ready` on stdout and works until the test kills it.
 */
import { Effect } from "effect"
import { BullmqQueueLive, Fulfilment } from "../../src/index.js"
import { requiredEnv, runWorkerChild } from "./Children.js"
import { coreLayer } from "./Databases.js"
import { testLocks } from "./Jobs.js"

runWorkerChild(
  Effect.flatMap(Fulfilment, (f) => f.runWorkers({ sweepEvery: "1 hour" })),
  coreLayer(requiredEnv("DATABASE_URL"), {
    jobs: BullmqQueueLive({ url: requiredEnv("REDIS_URL"), prefix: requiredEnv("QUEUE_PREFIX"), ...testLocks }),
    mail: {
      smtpUrl: requiredEnv("SMTP_URL"),
      from: "Swiss Robotics Day <tickets@robotics.example>",
      sendLeaseMs: Number(requiredEnv("SEND_LEASE_MS")),
    },
  }),
)

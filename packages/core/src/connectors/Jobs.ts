import { Schema } from "effect"
import { defineJob } from "../jobs/JobQueue.js"

/**
 * Delivers one outbox row to its WordPress site. Ten attempts 2 s apart, doubling, span about 17
 * minutes; past them the row is `failed` until `sratix webhooks replay` (or the API) queues it again
 * with the next generation, which is part of the job id so the queue does not dedupe it away.
 */
export const DeliverWebhook = defineJob(
  "webhooks.deliver",
  Schema.Struct({ outboxId: Schema.String, generation: Schema.Int }),
  { attempts: 10, backoffMs: 2_000, concurrency: 4 },
)

export const deliverJobId = (outboxId: string, generation: number) => `webhook-${outboxId}-g${generation}`

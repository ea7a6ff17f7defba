import { BullmqQueueLive } from "./BullmqQueue.js"
import { InProcessQueueLive } from "./InProcessQueue.js"

/** BullMQ when REDIS_URL is set, the in-process queue otherwise (ARCHITECTURE.md, "two ways to run"). */
export const jobQueueLayer = (redisUrl: string | null) =>
  redisUrl === null ? InProcessQueueLive : BullmqQueueLive({ url: redisUrl })

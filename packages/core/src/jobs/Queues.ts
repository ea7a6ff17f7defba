import { DeliverWebhook } from "../connectors/Jobs.js"
import { FulfilOrder, InvoiceReminderDue, InvoiceReminderEmail, OrderConfirmationEmail } from "../fulfilment/Jobs.js"
import { BullmqQueueLive } from "./BullmqQueue.js"
import { InProcessQueueLive } from "./InProcessQueue.js"

/** BullMQ when REDIS_URL is set, the in-process queue otherwise (ARCHITECTURE.md, "two ways to run"). */
export const jobQueueLayer = (redisUrl: string | null) =>
  redisUrl === null ? InProcessQueueLive : BullmqQueueLive({ url: redisUrl })

/** Every kind of background work the workers run, for operators' views such as the dead-letter list. */
export const jobTypes = [FulfilOrder, OrderConfirmationEmail, InvoiceReminderEmail, InvoiceReminderDue, DeliverWebhook]

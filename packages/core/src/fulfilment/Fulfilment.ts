import { SqlClient } from "@effect/sql"
import { Clock, type Duration, Effect, Schedule } from "effect"
import { Emails, isRetryableSend } from "../comms/Emails.js"
import { Webhooks } from "../connectors/Webhooks.js"
import type { OrderId } from "../domain/Ids.js"
import type { InvoiceId } from "../invoices/Invoice.js"
import { JobQueue, PermanentJobFailure, type WorkOptions } from "../jobs/JobQueue.js"
import { Payments } from "../payments/Payments.js"
import { RenderFailed } from "../render/Browser.js"
import { isRetryableConflict } from "../sql/Errors.js"
import { affectedRows } from "../sql/Rows.js"
import { Caller, withCaller } from "../tenancy/Caller.js"
import { Tickets } from "../tickets/Tickets.js"
import { FulfilmentQueue } from "./FulfilmentQueue.js"
import {
  confirmationJobId,
  FulfilOrder,
  InvoiceReminderDue,
  InvoiceReminderEmail,
  OrderConfirmationEmail,
  reminderEmailJobId,
} from "./Jobs.js"
import { OrderDocuments } from "./OrderDocuments.js"

/**
 * A send that will not heal by waiting (a 5xx refusal, a bad template, missing data) is not retried;
 * a render that failed (Chromium crashed or timed out) may well succeed on the next attempt.
 */
const asJobFailure = (error: unknown) =>
  isRetryableSend(error) || error instanceof RenderFailed
    ? error
    : new PermanentJobFailure({
        message:
          error instanceof Error || (typeof error === "object" && error !== null && "message" in error)
            ? String((error as { message: unknown }).message)
            : String(error),
      })

/** A `pending` fulfilment older than this is re-enqueued by the sweep: its job was lost (or never enqueued). */
export const FULFILMENT_SWEEP_AFTER_MS = 60_000

export type FulfilOutcome = "fulfilled" | "already_done" | "skipped"

export interface WorkerOptions extends WorkOptions {
  /** How often the sweeps run (lost fulfilments, invoices of orders that closed unpaid). Default 30 s. */
  readonly sweepEvery?: Duration.DurationInput
}

/**
 * The working side of fulfilment (docs/payments.md, "Fulfilment"): the `orders.fulfil` handler, the
 * reminder handler, the sweeps, and `runWorkers`, which the server runs in-process and `sratix worker`
 * runs as its own process.
 */
export class Fulfilment extends Effect.Service<Fulfilment>()("sratix/fulfilment/Fulfilment", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const queue = yield* JobQueue
    const tickets = yield* Tickets
    const payments = yield* Payments
    const requests = yield* FulfilmentQueue
    const emails = yield* Emails
    const documents = yield* OrderDocuments
    const webhooks = yield* Webhooks
    const system = withCaller(Caller.system("fulfilment"))

    /**
     * Issues the order's tickets (idempotent per order), then asks for the confirmation e-mail and
     * marks the fulfilment done in one transaction. Run twice — a retry, a worker killed after the
     * tickets — it finds the same tickets, and the e-mail job's id (from the order id) keeps it one job.
     * The `onTicketsIssued` hook exists for the crash test: it runs between the two steps.
     */
    const fulfil = Effect.fn("Fulfilment.fulfil")(function* (
      orderId: OrderId,
      hooks: { readonly onTicketsIssued?: Effect.Effect<void> } = {},
    ) {
      const [row] = yield* sql<{ status: string }>`SELECT status FROM order_fulfilments
          WHERE order_id = ${orderId}`.pipe(Effect.orDie)
      if (row !== undefined && row.status !== "pending") return "already_done" as FulfilOutcome
      const issued = yield* tickets.issueForOrder(orderId).pipe(
        Effect.map((list) => list.length),
        // Refunded or cancelled before its job ran: nothing to send; the row says why it stopped.
        Effect.catchTags({ Conflict: () => Effect.succeed(null), NotFound: () => Effect.succeed(null) }),
        Effect.orDie,
      )
      if (hooks.onTicketsIssued) yield* hooks.onTicketsIssued
      const now = yield* Clock.currentTimeMillis
      const result = yield* Effect.gen(function* () {
        const changed = yield* sql`UPDATE order_fulfilments
              SET status = ${issued === null ? "skipped" : "done"}, tickets = ${issued}, completed_at = ${now},
                updated_at = ${now}
            WHERE order_id = ${orderId} AND status = 'pending'`.raw.pipe(Effect.map(affectedRows))
        // Inside the transaction: a crash after the enqueue and before the commit repeats the
        // enqueue on the retry, which the job id turns into nothing.
        if (issued !== null) {
          yield* queue.enqueue(OrderConfirmationEmail, { orderId }, { id: confirmationJobId(orderId) })
        }
        // The WordPress sites hear of the registration from rows written with it (docs/wordpress.md).
        const hooks = changed === 1 && issued !== null ? yield* webhooks.recordOrderConfirmed(orderId, issued, now) : []
        const outcome = (changed === 1 ? (issued === null ? "skipped" : "fulfilled") : "already_done") as FulfilOutcome
        return { outcome, hooks }
      }).pipe(sql.withTransaction, Effect.retry({ while: isRetryableConflict, times: 5 }), Effect.orDie)
      yield* webhooks.request(result.hooks)
      return result.outcome
    }, system)

    /**
     * The confirmation with the order's documents. A retry after a settled send skips the PDFs and
     * passes; the send itself is once-only through the communications log (docs/email.md).
     */
    const sendConfirmation = Effect.fn("Fulfilment.sendConfirmation")(function* (orderId: OrderId) {
      if (yield* emails.confirmationSent(orderId)) return "already_sent" as const
      const made = yield* documents.forConfirmation(orderId)
      return (yield* emails.sendOrderConfirmation(orderId, made)).status
    }, system)

    /** Paid orders whose fulfilment is still pending after `olderThanMs`: enqueued again (the job id dedupes). */
    const sweep = Effect.fn("Fulfilment.sweep")(function* (
      options: { readonly olderThanMs?: number; readonly batch?: number } = {},
    ) {
      const now = yield* Clock.currentTimeMillis
      const before = now - (options.olderThanMs ?? FULFILMENT_SWEEP_AFTER_MS)
      const rows = yield* sql<{ orderId: string }>`SELECT order_id FROM order_fulfilments
        WHERE status = 'pending' AND updated_at <= ${before}
        ORDER BY updated_at LIMIT ${options.batch ?? 500}`.pipe(Effect.orDie)
      for (const { orderId } of rows) yield* requests.request(orderId)
      return rows.length
    })

    /** Shortly before the due date: the reminder e-mail, if the invoice's payment is still awaited. */
    const remindIfUnpaid = Effect.fn("Fulfilment.remindIfUnpaid")(function* (payload: {
      readonly orderId: OrderId
      readonly invoiceId: string
    }) {
      const payment = yield* payments.forInvoice(payload.invoiceId)
      if (payment === null || payment.status !== "pending") return false
      yield* queue.enqueue(InvoiceReminderEmail, payload, { id: reminderEmailJobId(payload.invoiceId) })
      return true
    })

    /**
     * The workers of this module until the scope closes (closing it is the graceful shutdown):
     * `orders.fulfil`, `invoices.reminder_due`, the e-mails, and the sweeps; with them the delivery of
     * the webhooks fulfilment writes (`webhooks.deliver`), so every process that fulfils also delivers.
     */
    const runWorkers = (options: WorkerOptions = {}) =>
      Effect.gen(function* () {
        const { sweepEvery, ...work } = options
        yield* queue.work(FulfilOrder, ({ orderId }) => fulfil(orderId), work)
        yield* queue.work(InvoiceReminderDue, remindIfUnpaid, work)
        yield* queue.work(
          OrderConfirmationEmail,
          ({ orderId }) => sendConfirmation(orderId).pipe(Effect.mapError(asJobFailure)),
          work,
        )
        yield* queue.work(
          InvoiceReminderEmail,
          ({ invoiceId }) =>
            emails.sendInvoiceReminder(invoiceId as InvoiceId).pipe(Effect.mapError(asJobFailure), system),
          work,
        )
        yield* webhooks.runWorkers({ ...work, ...(sweepEvery === undefined ? {} : { sweepEvery }) })
        yield* Effect.all([sweep(), payments.closeLapsedInvoices()]).pipe(
          Effect.catchAllCause((cause) => Effect.logError("fulfilment sweep failed", { cause })),
          Effect.repeat(Schedule.spaced(sweepEvery ?? "30 seconds")),
          Effect.forkScoped,
        )
      })

    return { fulfil, sendConfirmation, sweep, remindIfUnpaid, runWorkers } as const
  }),
  dependencies: [
    Tickets.Default,
    Payments.Default,
    FulfilmentQueue.Default,
    Emails.Default,
    OrderDocuments.Default,
    Webhooks.Default,
  ],
}) {}

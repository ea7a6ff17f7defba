import { Schema } from "effect"
import { OrderId } from "../domain/Ids.js"
import { defineJob } from "../jobs/JobQueue.js"

/**
 * The background work that follows a payment. Job ids are derived from the order or invoice id,
 * so however often a job is asked for (duplicate webhooks, a sweep, a retried handler) the queue
 * holds one.
 */

/** Issues a paid order's tickets, then asks for its confirmation e-mail. */
export const FulfilOrder = defineJob("orders.fulfil", Schema.Struct({ orderId: OrderId }), {
  attempts: 8,
  backoffMs: 2_000,
  concurrency: 4,
})

/** Sends the order confirmation (Emails.sendOrderConfirmation); its worker runs in Fulfilment.runWorkers. */
export const OrderConfirmationEmail = defineJob("email.order_confirmation", Schema.Struct({ orderId: OrderId }), {
  attempts: 8,
  backoffMs: 5_000,
})

/** Reminds the buyer of an unpaid invoice before its due date (Emails.sendInvoiceReminder). */
export const InvoiceReminderEmail = defineJob(
  "email.invoice_reminder",
  Schema.Struct({ orderId: OrderId, invoiceId: Schema.String }),
  { attempts: 8, backoffMs: 5_000 },
)

/** Delayed until shortly before an invoice is due: asks for the reminder e-mail if the invoice is still unpaid. */
export const InvoiceReminderDue = defineJob(
  "invoices.reminder_due",
  Schema.Struct({ orderId: OrderId, invoiceId: Schema.String }),
  { attempts: 5, backoffMs: 5_000, concurrency: 2 },
)

export const fulfilJobId = (orderId: string) => `fulfil-${orderId}`
export const confirmationJobId = (orderId: string) => `order-confirmation-${orderId}`
export const reminderDueJobId = (invoiceId: string) => `invoice-reminder-due-${invoiceId}`
export const reminderEmailJobId = (invoiceId: string) => `invoice-reminder-${invoiceId}`

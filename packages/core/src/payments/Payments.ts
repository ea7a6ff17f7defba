import { SqlClient, type SqlError, type Statement } from "@effect/sql"
import { Clock, Effect } from "effect"
import type Stripe from "stripe"
import { Audit } from "../audit/Audit.js"
import { TicketTypes } from "../catalog/TicketTypes.js"
import type { EventId, OrderId, PaymentId, RefundId } from "../domain/Ids.js"
import { uuidv7 } from "../domain/Ids.js"
import type { Order } from "../domain/Order.js"
import {
  EventPaymentSettings,
  Payment,
  PaymentStart,
  type PaymentStatus,
  PaymentUnavailable,
  paymentTransitions,
  Refund,
  RefundRefused,
  type RequestRefund,
  type StartPayment,
  type StripeMode,
  type UpdatePaymentSettings,
} from "../domain/Payment.js"
import { InvalidRequest, NotFound } from "../domain/Problems.js"
import type { TicketId } from "../domain/Ticket.js"
import { Events } from "../events/Events.js"
import { FulfilmentQueue } from "../fulfilment/FulfilmentQueue.js"
import { InvoiceReminderDue, reminderDueJobId } from "../fulfilment/Jobs.js"
import type { Invoice, InvoiceId, InvoiceLineInput } from "../invoices/Invoice.js"
import { Invoices } from "../invoices/Invoices.js"
import { JobQueue } from "../jobs/JobQueue.js"
import { Ledger } from "../ledger/Ledger.js"
import { Orders } from "../orders/Orders.js"
import { isUniqueViolation } from "../sql/Errors.js"
import { affectedRows, rowDecoder } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"
import { Caller, withCaller } from "../tenancy/Caller.js"
import { Tickets } from "../tickets/Tickets.js"
import { OrderLock } from "./OrderLock.js"
import { PaymentsConfig } from "./PaymentsConfig.js"
import { type StripeFailure, StripeGateway } from "./Stripe.js"

const decodePayment = rowDecoder(Payment)
const decodeRefund = rowDecoder(Refund)
const decodeSettings = rowDecoder(EventPaymentSettings, { json: ["providers"] })

/** One hash chain per organisation: every money movement of all its events, in order. */
export const LEDGER_SERIES = "ledger"

/** Stripe refuses a Checkout Session that expires sooner than 30 minutes from now. */
const MIN_SESSION_MS = 31 * 60_000
const MAX_SESSION_MS = 24 * 60 * 60_000
/** Seats stay held a little past the session's end, so a payment made at the last second still finds them. */
const HOLD_MARGIN_MS = 5 * 60_000
const DAY = 86_400_000
/** An unpaid invoice's reminder goes out this long before its due date (half-way through a shorter term). */
const REMINDER_BEFORE_MS = 3 * DAY

/** Why a bank credit waits for a person instead of settling an invoice (docs/payments.md). */
export type BankCreditReason = "unmatched" | "partial" | "overpaid" | "wrong_currency" | "already_paid" | "order_closed"
export type BankCreditDecision =
  | { readonly status: "matched" }
  | { readonly status: "needs_review"; readonly reason: BankCreditReason }
  /** The credit was recorded before (its record's unique key): nothing was changed. */
  | { readonly status: "duplicate" }

/** A credit from a bank statement, as the matcher hands it over. */
export interface BankCredit {
  readonly amountMinor: number
  readonly currency: string
  readonly bankRef: string
}

export type WebhookOutcome =
  | "processed"
  | "duplicate"
  | "ignored"
  | "stale"
  | "awaiting_async_payment"
  | "refund_recorded"
  | "paid_closed_order"

export interface ReconcileResult {
  readonly paymentId: string
  readonly orderId: string
  readonly before: PaymentStatus
  readonly after: PaymentStatus
}

/** Money arrived for an order that can no longer take it (expired, cancelled, already paid): it goes back. */
interface ReturnMoney {
  readonly payment: Payment
  readonly amountMinor: number
}

const vatShare = (order: Order, amountMinor: number, sign: 1 | -1) =>
  order.vatBreakdown.map((line) => {
    const ratio = order.totalMinor === 0 ? 0 : amountMinor / order.totalMinor
    return {
      rateBp: line.rateBp,
      grossMinor: sign * Math.round(line.grossMinor * ratio),
      vatMinor: sign * Math.round(line.vatMinor * ratio),
    }
  })

/**
 * A partial credit note's lines: the credited invoice's share per VAT rate, rounded so the lines add
 * up to exactly the amount refunded.
 */
export const creditLines = (invoice: Invoice, amountMinor: number): Array<InvoiceLineInput> => {
  const rates = invoice.vatBreakdown.filter((line) => line.grossMinor > 0)
  let left = amountMinor
  const lines = rates.map((line, i) => {
    const share =
      i === rates.length - 1 ? left : Math.floor((line.grossMinor * amountMinor) / Math.max(1, invoice.totalMinor))
    left -= share
    return { description: `Credit on ${invoice.number}`, quantity: 1, unitPriceMinor: share, vatRateBp: line.rateBp }
  })
  return lines.length > 0
    ? lines.filter((line) => line.unitPriceMinor > 0)
    : [{ description: `Credit on ${invoice.number}`, quantity: 1, unitPriceMinor: amountMinor, vatRateBp: 0 }]
}

/**
 * Payments: starting one with a provider, learning its outcome (webhooks, reconciliation, a person
 * marking it paid), refunds. Every change to money runs under the order's lock in one transaction
 * with its ledger entry, so an order is paid once and every franc in or out is on the ledger.
 */
export class Payments extends Effect.Service<Payments>()("sratix/payments/Payments", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const config = yield* PaymentsConfig
    const audit = yield* Audit
    const events = yield* Events
    const orders = yield* Orders
    const ticketTypes = yield* TicketTypes
    const ledger = yield* Ledger
    const locks = yield* OrderLock
    const stripe = yield* StripeGateway
    const invoices = yield* Invoices
    const tickets = yield* Tickets
    const fulfilment = yield* FulfilmentQueue
    const queue = yield* JobQueue
    const system = withCaller(Caller.system("payments"))

    // ---- settings ------------------------------------------------------------------------------

    const defaultSettings = (eventId: EventId) =>
      new EventPaymentSettings({
        eventId,
        providers: stripe.configured("test") ? ["stripe", "invoice"] : ["invoice"],
        stripeMode: "test",
        invoiceDueDays: 14,
      })

    const settings = Effect.fn("Payments.settings")(function* (eventId: EventId) {
      yield* events.get(eventId)
      const rows = yield* sql<Record<string, unknown>>`SELECT event_id, providers, stripe_mode, invoice_due_days
        FROM event_payment_settings WHERE event_id = ${eventId}`.pipe(Effect.orDie)
      return rows[0] ? yield* decodeSettings(rows[0]) : defaultSettings(eventId)
    })

    const updateSettings = Effect.fn("Payments.updateSettings")(function* (
      eventId: EventId,
      patch: UpdatePaymentSettings,
    ) {
      const event = yield* events.get(eventId)
      const current = yield* settings(eventId)
      const next = new EventPaymentSettings({
        eventId,
        providers: [...new Set(patch.providers ?? current.providers)],
        stripeMode: patch.stripeMode ?? current.stripeMode,
        invoiceDueDays: patch.invoiceDueDays ?? current.invoiceDueDays,
      })
      const now = yield* Clock.currentTimeMillis
      const row = {
        eventId,
        orgId: event.orgId,
        providers: JSON.stringify(next.providers),
        stripeMode: next.stripeMode,
        invoiceDueDays: next.invoiceDueDays,
        updatedAt: now,
      }
      yield* Effect.gen(function* () {
        // Columns spelled out: `.raw` (for the affected-row count) skips the name transform `sql.update` relies on.
        const changed = yield* sql`UPDATE event_payment_settings SET providers = ${row.providers},
            stripe_mode = ${row.stripeMode}, invoice_due_days = ${row.invoiceDueDays}, updated_at = ${now}
          WHERE event_id = ${eventId}`.raw.pipe(Effect.map(affectedRows))
        if (changed === 0) yield* sql`INSERT INTO event_payment_settings ${sql.insert({ ...row, createdAt: now })}`
        yield* audit.record({
          action: "event.payment_settings_changed",
          targetType: "event",
          targetId: eventId,
          orgId: event.orgId,
          eventId,
          data: { providers: next.providers, stripeMode: next.stripeMode, invoiceDueDays: next.invoiceDueDays },
        })
      }).pipe(sql.withTransaction, Effect.orDie)
      return next
    })

    // ---- reading -------------------------------------------------------------------------------

    const paymentWhere = (where: Statement.Fragment) =>
      sql<Record<string, unknown>>`SELECT * FROM payments WHERE ${where} ORDER BY id`.pipe(
        Effect.flatMap((rows) => Effect.forEach(rows, decodePayment)),
      )

    const paymentByRef = (provider: string, ref: string) =>
      Effect.map(paymentWhere(sql`provider = ${provider} AND provider_ref = ${ref}`), (rows) => rows[0] ?? null)

    const paymentById = (id: string) => Effect.map(paymentWhere(sql`id = ${id}`), (rows) => rows[0] ?? null)

    const listForOrder = Effect.fn("Payments.listForOrder")(function* (eventId: EventId, orderId: OrderId) {
      yield* orders.get(eventId, orderId)
      const scope = yield* tenantScope(sql)
      const payments = yield* paymentWhere(sql`order_id = ${orderId} AND ${scope}`).pipe(Effect.orDie)
      const refunds = yield* sql<Record<string, unknown>>`SELECT * FROM refunds
        WHERE order_id = ${orderId} AND ${scope} ORDER BY id`.pipe(
        Effect.flatMap((rows) => Effect.forEach(rows, decodeRefund)),
        Effect.orDie,
      )
      return { payments, refunds }
    })

    // ---- state changes (callers hold the order lock and a transaction) ---------------------------

    const moveStatus = (
      payment: Payment,
      to: PaymentStatus,
      now: number,
      extra: { providerPaymentRef?: string | null; failureReason?: string | null; amountMinor?: number } = {},
    ) =>
      Effect.gen(function* () {
        if (!paymentTransitions[payment.status].includes(to)) return false
        const changed = yield* sql`UPDATE payments SET status = ${to}, updated_at = ${now}
            ${to === "succeeded" ? sql`, succeeded_at = ${now}, failure_reason = NULL` : sql``}
            ${extra.providerPaymentRef ? sql`, provider_payment_ref = ${extra.providerPaymentRef}` : sql``}
            ${extra.failureReason ? sql`, failure_reason = ${extra.failureReason.slice(0, 500)}` : sql``}
            ${extra.amountMinor !== undefined ? sql`, amount_minor = ${extra.amountMinor}` : sql``}
          WHERE id = ${payment.id} AND status = ${payment.status}`.raw.pipe(Effect.map(affectedRows))
        if (changed === 1) {
          yield* audit.record({
            action: `payment.${to}`,
            targetType: "payment",
            targetId: payment.id,
            orgId: payment.orgId,
            eventId: payment.eventId,
            data: { orderId: payment.orderId, provider: payment.provider, from: payment.status, ...extra },
          })
        }
        return changed === 1
      })

    /** The order's final invoice, if it has one. */
    const finalInvoiceOf = (orderId: string) =>
      invoices.list({ orderId, kind: "final", limit: 1 }).pipe(
        Effect.map((page) => page.items[0] ?? null),
        system,
        Effect.orDie,
      )

    /**
     * The order's invoice is paid with the order, whichever way the money came (a card payment of an
     * order that also got an invoice settles that invoice); an invoice attempt left open closes.
     */
    const settleInvoice = (orderId: string, paidBy: Payment, now: number) =>
      Effect.gen(function* () {
        const open = yield* paymentWhere(
          sql`order_id = ${orderId} AND provider = 'invoice' AND status IN ('pending', 'failed') AND id <> ${paidBy.id}`,
        )
        for (const attempt of open) {
          yield* moveStatus(attempt, "cancelled", now, { failureReason: `paid by ${paidBy.provider}` })
        }
        const invoice = yield* finalInvoiceOf(orderId)
        if (invoice !== null && invoice.status === "open") {
          yield* invoices.markPaid(invoice.id).pipe(
            system,
            Effect.catchTag("InvalidStateTransition", () => Effect.void),
            Effect.orDie,
          )
        }
      })

    /** After the commit that made an order paid: its fulfilment job (never before, see FulfilmentQueue). */
    const requestFulfilmentIfPaid = (orderId: string) =>
      Effect.gen(function* () {
        const order = yield* orders.find(orderId).pipe(system, Effect.orDie)
        if (order.status === "paid") yield* fulfilment.request(orderId)
      })

    /**
     * The one way money comes in. The charge goes on the ledger whatever the order's state, because
     * the money did arrive; if the order can no longer take it, the caller sends it back.
     */
    const recordSuccess = (
      payment: Payment,
      received: { amountMinor: number; providerPaymentRef: string | null; reference: string | null },
    ) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const fresh = (yield* paymentById(payment.id)) ?? payment
        if (fresh.status === "succeeded") return { outcome: "duplicate" as const, returnMoney: null }
        const moved = yield* moveStatus(fresh, "succeeded", now, {
          providerPaymentRef: received.providerPaymentRef,
          amountMinor: received.amountMinor,
        })
        if (!moved) return { outcome: "stale" as const, returnMoney: null }
        const order = yield* orders.find(fresh.orderId)
        const paid = yield* orders.settlement.paid(order, now, { provider: fresh.provider, paymentId: fresh.id })
        if (paid) yield* settleInvoice(order.id, fresh, now)
        yield* ledger.append({
          orgId: order.orgId,
          eventId: order.eventId,
          series: LEDGER_SERIES,
          entryType: "charge",
          orderId: order.id,
          amountMinor: received.amountMinor,
          currency: fresh.currency,
          vat: vatShare(order, received.amountMinor, 1),
          reference: received.reference ?? received.providerPaymentRef ?? fresh.providerRef,
          memo: `${fresh.provider} payment ${fresh.id}`,
        })
        if (paid) return { outcome: "processed" as const, returnMoney: null }
        yield* audit.record({
          action: "payment.received_for_closed_order",
          targetType: "payment",
          targetId: fresh.id,
          orgId: fresh.orgId,
          eventId: fresh.eventId,
          data: { orderId: order.id, orderStatus: order.status, amountMinor: received.amountMinor },
        })
        const succeeded = new Payment({ ...fresh, status: "succeeded", amountMinor: received.amountMinor }, true)
        return {
          outcome: "paid_closed_order" as const,
          returnMoney: { payment: succeeded, amountMinor: received.amountMinor } satisfies ReturnMoney,
        }
      })

    /** Writes one refund, its ledger entry, and closes the order when nothing paid is left on it. */
    const recordRefund = (
      payment: Payment,
      refund: { id: string; amountMinor: number; providerRef: string | null; reason: string | null },
    ) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const order = yield* orders.find(payment.orderId)
        const row = {
          id: refund.id,
          orgId: payment.orgId,
          eventId: payment.eventId,
          orderId: payment.orderId,
          paymentId: payment.id,
          amountMinor: refund.amountMinor,
          currency: payment.currency,
          status: "succeeded" as const,
          providerRef: refund.providerRef,
          reason: refund.reason,
          creditNoteId: null,
          createdAt: now,
          updatedAt: now,
        }
        yield* sql`INSERT INTO refunds ${sql.insert(row)}`
        yield* sql`UPDATE payments SET refunded_minor = refunded_minor + ${refund.amountMinor}, updated_at = ${now}
          WHERE id = ${payment.id}`
        yield* ledger.append({
          orgId: order.orgId,
          eventId: order.eventId,
          series: LEDGER_SERIES,
          entryType: "refund",
          orderId: order.id,
          amountMinor: -refund.amountMinor,
          currency: payment.currency,
          vat: vatShare(order, refund.amountMinor, -1),
          reference: refund.providerRef ?? refund.id,
          memo: refund.reason,
        })
        yield* audit.record({
          action: "payment.refunded",
          targetType: "payment",
          targetId: payment.id,
          orgId: payment.orgId,
          eventId: payment.eventId,
          data: { orderId: order.id, refundId: refund.id, amountMinor: refund.amountMinor },
        })
        const [left] = yield* sql<{ net: number | bigint | null }>`SELECT SUM(amount_minor - refunded_minor) AS net
          FROM payments WHERE order_id = ${order.id} AND status = 'succeeded'`
        if (Number(left?.net ?? 0) === 0) yield* orders.settlement.refunded(order, now)
        return new Refund({ ...row, id: refund.id as RefundId }, true)
      })

    // ---- starting a payment -------------------------------------------------------------------

    const startStripe = (order: Order, mode: StripeMode, input: StartPayment, now: number) =>
      Effect.gen(function* () {
        const open = (yield* paymentWhere(
          sql`order_id = ${order.id} AND provider = 'stripe' AND status = 'pending' AND mode = ${mode}`,
        ).pipe(Effect.orDie)).find((p) => p.redirectUrl !== null && (p.expiresAt ?? 0) > now + 60_000)
        // Asking twice (a reload, a double click) sends the buyer to the same session, never a second one.
        if (open) return new PaymentStart({ payment: open, next: { kind: "redirect", url: open.redirectUrl! } })
        const names = new Map((yield* ticketTypes.listForEvent(order.eventId)).map((t) => [t.id, t.name]))
        const id = uuidv7(now) as PaymentId
        const expiresAt = Math.min(Math.max(order.expiresAt ?? 0, now + MIN_SESSION_MS), now + MAX_SESSION_MS)
        const returnUrl = (url: string | undefined, page: string) =>
          (url ?? `${config.publicUrl}/${page}?order={ORDER_ID}`).replaceAll("{ORDER_ID}", order.id)
        const session = yield* stripe
          .createCheckoutSession(mode, {
            paymentId: id,
            orderId: order.id,
            currency: order.currency,
            customerEmail: order.buyerEmail,
            locale: order.locale,
            // Discounts are already in each line's total: Stripe is charged exactly what the order says.
            lines: order.items.map((item) => ({
              name: names.get(item.ticketTypeId) ?? "Ticket",
              quantity: 1,
              unitAmountMinor: item.totalMinor,
            })),
            successUrl: returnUrl(input.successUrl, "payment/return"),
            cancelUrl: returnUrl(input.cancelUrl, "payment/cancelled"),
            expiresAt,
          })
          .pipe(Effect.mapError(providerError))
        const stored = new Payment({
          id,
          orgId: order.orgId,
          eventId: order.eventId,
          orderId: order.id,
          provider: "stripe",
          mode,
          status: "pending",
          amountMinor: order.totalMinor,
          refundedMinor: 0,
          currency: order.currency,
          providerRef: session.id,
          providerPaymentRef: null,
          redirectUrl: session.url ?? null,
          invoiceId: null,
          failureReason: null,
          expiresAt: session.expires_at * 1000,
          succeededAt: null,
          createdAt: now,
          updatedAt: now,
        })
        const placed = yield* locks
          .exclusive(
            order.id,
            Effect.gen(function* () {
              const current = yield* orders.find(order.id)
              if (current.status !== "pending_payment") return false
              yield* sql`INSERT INTO payments ${sql.insert({ ...stored })}`
              yield* orders.settlement.holdUntil(current, stored.expiresAt! + HOLD_MARGIN_MS, now)
              yield* audit.record({
                action: "payment.started",
                targetType: "payment",
                targetId: id,
                orgId: order.orgId,
                eventId: order.eventId,
                data: { orderId: order.id, provider: "stripe", mode, session: session.id },
              })
              return true
            }),
          )
          .pipe(Effect.orDie)
        if (!placed) {
          // The order closed while the session was being made: close the session too.
          yield* stripe.expireSession(mode, session.id).pipe(Effect.ignore)
          return yield* new PaymentUnavailable({
            detail: "This order can no longer be paid",
            reason: "order_not_payable",
          })
        }
        return new PaymentStart({ payment: stored, next: { kind: "redirect", url: stored.redirectUrl ?? "" } })
      })

    const providerError = (failure: StripeFailure) =>
      new PaymentUnavailable({
        detail: `The payment provider did not accept the request: ${failure.message}`,
        reason: "provider_error",
      })

    /** For the buyer, proving ownership with the order's access token. */
    const start = Effect.fn("Payments.start")(function* (orderId: OrderId, token: string, input: StartPayment) {
      const order = yield* orders.getWithToken(orderId, token)
      const now = yield* Clock.currentTimeMillis
      if (order.status !== "pending_payment" || (order.expiresAt ?? 0) <= now) {
        return yield* new PaymentUnavailable({
          detail: `An order in state ${order.status} cannot be paid`,
          reason: order.totalMinor === 0 ? "nothing_to_pay" : "order_not_payable",
        })
      }
      const chosen = yield* settings(order.eventId).pipe(system)
      if (!chosen.providers.includes(input.provider)) {
        return yield* new PaymentUnavailable({
          detail: `This event does not offer payment by ${input.provider}`,
          reason: "provider_not_offered",
        })
      }
      if (input.provider === "stripe") {
        if (!stripe.configured(chosen.stripeMode)) {
          return yield* new PaymentUnavailable({
            detail: `Card payment is not set up (Stripe ${chosen.stripeMode} keys missing)`,
            reason: "provider_not_configured",
          })
        }
        return yield* startStripe(order, chosen.stripeMode, input, now).pipe(system)
      }
      return yield* startInvoice(order, chosen, now).pipe(system)
    })

    const bankTransfer = (payment: Payment, invoice: Invoice) =>
      new PaymentStart({
        payment,
        next: {
          kind: "bank_transfer",
          invoiceId: invoice.id,
          reference: invoice.paymentReference ?? "",
          dueAt: invoice.dueAt ?? payment.expiresAt ?? payment.createdAt,
        },
      })

    /**
     * Pay by bank transfer: the order's final invoice with a QR reference, a pending payment naming it,
     * and the seats held until the due date (the hold sweeper expires the order then, which closes the
     * attempt; `closeLapsedInvoices` credits the invoice). Asking again answers with the same invoice.
     */
    const startInvoice = (order: Order, chosen: EventPaymentSettings, now: number) =>
      Effect.gen(function* () {
        const started = yield* locks
          .exclusive(
            order.id,
            Effect.gen(function* () {
              const current = yield* orders.find(order.id)
              if (current.status !== "pending_payment") return null
              const [open] = yield* paymentWhere(
                sql`order_id = ${order.id} AND provider = 'invoice' AND status = 'pending'`,
              )
              if (open?.invoiceId) {
                return { payment: open, invoice: yield* invoices.get(open.invoiceId as InvoiceId).pipe(Effect.orDie) }
              }
              const dueAt = now + chosen.invoiceDueDays * DAY
              const invoice = yield* invoices.issueForOrder(current, "final", undefined, { dueAt }).pipe(
                Effect.catchAll((e) =>
                  e._tag === "BillingProfileMissing"
                    ? Effect.fail(
                        new PaymentUnavailable({
                          detail: "Payment by invoice is not set up: the organisation has no billing profile",
                          reason: "provider_not_configured",
                        }),
                      )
                    : Effect.die(e),
                ),
              )
              const id = uuidv7(now) as PaymentId
              const payment = new Payment({
                id,
                orgId: order.orgId,
                eventId: order.eventId,
                orderId: order.id,
                provider: "invoice",
                mode: "live",
                status: "pending",
                amountMinor: invoice.totalMinor,
                refundedMinor: 0,
                currency: invoice.currency,
                providerRef: invoice.paymentReference ?? invoice.id,
                providerPaymentRef: null,
                redirectUrl: null,
                invoiceId: invoice.id,
                failureReason: null,
                expiresAt: invoice.dueAt ?? dueAt,
                succeededAt: null,
                createdAt: now,
                updatedAt: now,
              })
              yield* sql`INSERT INTO payments ${sql.insert({ ...payment })}`
              yield* orders.settlement.holdUntil(current, payment.expiresAt!, now)
              yield* audit.record({
                action: "payment.started",
                targetType: "payment",
                targetId: id,
                orgId: order.orgId,
                eventId: order.eventId,
                data: { orderId: order.id, provider: "invoice", invoiceId: invoice.id, dueAt: payment.expiresAt },
              })
              return { payment, invoice }
            }),
          )
          .pipe(Effect.catchTags({ SqlError: Effect.die, OrderLockTimeout: Effect.die }))
        if (started === null) {
          return yield* new PaymentUnavailable({
            detail: "This order can no longer be paid",
            reason: "order_not_payable",
          })
        }
        // After the commit, and again on every ask: the job id keeps it one reminder per invoice.
        const dueAt = started.payment.expiresAt ?? now
        const remindAt = Math.max(dueAt - REMINDER_BEFORE_MS, now + Math.floor((dueAt - now) / 2))
        yield* queue
          .enqueue(
            InvoiceReminderDue,
            { orderId: order.id, invoiceId: started.invoice.id },
            { id: reminderDueJobId(started.invoice.id), delayMs: Math.max(0, remindAt - now) },
          )
          .pipe(Effect.catchAllCause((cause) => Effect.logWarning("invoice reminder not scheduled", { cause })))
        return bankTransfer(started.payment, started.invoice)
      })

    // ---- money back ---------------------------------------------------------------------------

    /** Sends money back through the payment's provider, or records it as sent for bank and manual payments. */
    const giveBack = (payment: Payment, amountMinor: number, refundId: string, reason: string | null) =>
      payment.provider === "stripe" && payment.providerPaymentRef !== null
        ? stripe
            .createRefund(payment.mode, {
              paymentIntent: payment.providerPaymentRef,
              amountMinor,
              refundId,
              reason,
            })
            .pipe(
              Effect.map((r) => r.id as string | null),
              Effect.mapError(
                (f) =>
                  new RefundRefused({
                    detail: `The payment provider refused the refund: ${f.message}`,
                    reason: "provider_error",
                    refundableMinor: payment.amountMinor - payment.refundedMinor,
                  }),
              ),
            )
        : Effect.succeed(null)

    /**
     * The credit note for money refunded on an order that has a final invoice: the whole invoice when
     * the whole of it goes back, else its share per VAT rate. An order paid without an invoice (a card
     * payment) gets none: a credit note corrects an invoice, and there is none to correct — the refund
     * is on the ledger either way (docs/payments.md).
     */
    const creditForRefund = (order: Order, amountMinor: number, reason: string | null) =>
      Effect.gen(function* () {
        const invoice = yield* finalInvoiceOf(order.id)
        if (invoice === null) return null
        if (amountMinor === invoice.totalMinor) {
          return yield* invoices.issueForOrder(order, "credit_note", undefined, { memo: reason })
        }
        return yield* invoices.issue({
          orgId: invoice.orgId,
          eventId: invoice.eventId,
          kind: "credit_note",
          locale: invoice.locale,
          currency: invoice.currency,
          buyer: invoice.buyer,
          lines: creditLines(invoice, amountMinor),
          orderId: order.id,
          creditsInvoiceId: invoice.id,
          memo: reason,
        })
      }).pipe(
        system,
        // The money has gone back already: a credit note that cannot be issued must not undo its record.
        Effect.catchAll((e) =>
          Effect.as(
            audit.record({
              action: "refund.credit_note_failed",
              targetType: "order",
              targetId: order.id,
              orgId: order.orgId,
              eventId: order.eventId,
              data: { amountMinor, problem: e._tag },
            }),
            null,
          ),
        ),
      )

    const refund = Effect.fn("Payments.refund")(function* (eventId: EventId, orderId: OrderId, request: RequestRefund) {
      const order = yield* orders.get(eventId, orderId)
      const voiding: ReadonlyArray<TicketId> = request.ticketIds ?? []
      if (voiding.length > 0) {
        // Checked before any money moves: a refund never voids another order's tickets.
        const own = new Set((yield* tickets.listForOrder(order.id).pipe(system, Effect.orDie)).map((t) => t.id))
        const foreign = voiding.find((id) => !own.has(id))
        if (foreign !== undefined) {
          return yield* new InvalidRequest({
            detail: `Ticket ${foreign} is not a ticket of this order`,
            field: "ticketIds",
          })
        }
      }
      return yield* locks
        .exclusive(
          order.id,
          Effect.gen(function* () {
            const paid = (yield* paymentWhere(sql`order_id = ${order.id} AND status = 'succeeded'`)).filter(
              (p) => p.amountMinor > p.refundedMinor,
            )
            const refundable = paid.reduce((sum, p) => sum + p.amountMinor - p.refundedMinor, 0)
            if (refundable === 0) {
              return yield* new RefundRefused({
                detail: "Nothing paid on this order is left to refund",
                reason: "not_paid",
                refundableMinor: 0,
              })
            }
            const wanted = request.amountMinor ?? refundable
            if (wanted > refundable) {
              return yield* new RefundRefused({
                detail: `At most ${refundable} can be refunded`,
                reason: "exceeds_paid",
                refundableMinor: refundable,
              })
            }
            const made: Array<Refund> = []
            let left = wanted
            // Newest payment first: it is the one most likely still refundable with its provider.
            for (const payment of [...paid].reverse()) {
              if (left === 0) break
              const amountMinor = Math.min(left, payment.amountMinor - payment.refundedMinor)
              const id = uuidv7()
              const providerRef = yield* giveBack(payment, amountMinor, id, request.reason ?? null)
              made.push(yield* recordRefund(payment, { id, amountMinor, providerRef, reason: request.reason ?? null }))
              left -= amountMinor
            }
            const after = yield* orders.find(order.id)
            const creditNote = yield* creditForRefund(after, wanted, request.reason ?? null)
            if (creditNote !== null) {
              yield* sql`UPDATE refunds SET credit_note_id = ${creditNote.id}
                WHERE id IN ${sql.in(made.map((r) => r.id))}`
            }
            // Voided tickets go on the revocation list, so the scanners turn them away.
            const reason = `refunded${request.reason ? `: ${request.reason}` : ""}`
            if (after.status !== "paid") yield* tickets.void({ orderId: order.id }, reason).pipe(system, Effect.orDie)
            else if (voiding.length > 0) yield* tickets.void({ ticketIds: voiding }, reason).pipe(system, Effect.orDie)
            return made.map((r) => new Refund({ ...r, creditNoteId: creditNote?.id ?? null }, true))
          }),
        )
        .pipe(Effect.catchTag("SqlError", Effect.die))
    })

    // ---- recording payments made outside a provider flow ---------------------------------------

    /** A payment a person saw arrive (cash at the desk, a bank transfer checked by hand). */
    const markPaid = Effect.fn("Payments.markPaid")(function* (
      eventId: EventId,
      orderId: OrderId,
      input: { amountMinor?: number; reference?: string } = {},
    ) {
      const order = yield* orders.get(eventId, orderId)
      if (order.status !== "pending_payment") {
        return yield* new PaymentUnavailable({
          detail: `An order in state ${order.status} cannot be marked paid`,
          reason: "order_not_payable",
        })
      }
      const now = yield* Clock.currentTimeMillis
      const id = uuidv7(now) as PaymentId
      const payment = new Payment({
        id,
        orgId: order.orgId,
        eventId: order.eventId,
        orderId: order.id,
        provider: "manual",
        mode: "live",
        status: "pending",
        amountMinor: input.amountMinor ?? order.totalMinor,
        refundedMinor: 0,
        currency: order.currency,
        providerRef: id,
        providerPaymentRef: null,
        redirectUrl: null,
        invoiceId: null,
        failureReason: null,
        expiresAt: null,
        succeededAt: null,
        createdAt: now,
        updatedAt: now,
      })
      const result = yield* locks
        .exclusive(
          order.id,
          Effect.gen(function* () {
            // Money seen arriving for an order awaiting its invoice's transfer pays that invoice's attempt.
            const [awaiting] = yield* paymentWhere(
              sql`order_id = ${order.id} AND provider = 'invoice' AND status = 'pending'`,
            )
            if (awaiting === undefined) yield* sql`INSERT INTO payments ${sql.insert({ ...payment })}`
            const paying = awaiting ?? payment
            return yield* recordSuccess(paying, {
              amountMinor: input.amountMinor ?? paying.amountMinor,
              providerPaymentRef: null,
              reference: input.reference ?? null,
            })
          }),
        )
        .pipe(Effect.orDie)
      if (result.outcome !== "processed") {
        return yield* new PaymentUnavailable({
          detail: "The order changed while it was being marked paid",
          reason: "order_not_payable",
        })
      }
      yield* fulfilment.request(order.id)
      return yield* orders.get(eventId, orderId)
    })

    /**
     * A credit from a bank statement for an invoice's payment attempt. Under the order's lock, in one
     * transaction: decide, let the caller store its record of the credit (`record`, whose unique key
     * makes a second import of it fail and roll everything back), and on an exact match settle the
     * payment as every other payment is settled (ledger charge, order paid, invoice paid). Anything
     * but an exact match is left for a person: money is never applied by guess.
     */
    const receiveBankTransfer = <R>(
      paymentId: PaymentId,
      credit: BankCredit,
      record: (decision: BankCreditDecision, payment: Payment) => Effect.Effect<void, SqlError.SqlError, R>,
    ) =>
      Effect.gen(function* () {
        const payment = yield* paymentById(paymentId).pipe(Effect.orDie)
        if (payment === null) return yield* Effect.dieMessage(`payment ${paymentId} vanished`)
        const decision = yield* locks
          .exclusive(
            payment.orderId,
            Effect.gen(function* () {
              const current = (yield* paymentById(paymentId)) ?? payment
              const order = yield* orders.find(current.orderId)
              const review = (reason: BankCreditReason): BankCreditDecision => ({ status: "needs_review", reason })
              const decision: BankCreditDecision =
                current.status === "succeeded" || order.status === "paid"
                  ? review("already_paid")
                  : current.status !== "pending" || order.status !== "pending_payment"
                    ? review("order_closed")
                    : credit.currency !== current.currency
                      ? review("wrong_currency")
                      : credit.amountMinor < current.amountMinor
                        ? review("partial")
                        : credit.amountMinor > current.amountMinor
                          ? review("overpaid")
                          : { status: "matched" }
              yield* record(decision, current)
              if (decision.status === "matched") {
                const settled = yield* recordSuccess(current, {
                  amountMinor: credit.amountMinor,
                  providerPaymentRef: credit.bankRef,
                  reference: credit.bankRef,
                })
                if (settled.outcome !== "processed") return yield* Effect.dieMessage("a checked payment did not settle")
              }
              return decision
            }),
          )
          .pipe(
            // The credit's record already exists: an earlier or concurrent import of it; nothing changed.
            Effect.catchIf(isUniqueViolation, () => Effect.succeed({ status: "duplicate" } as const)),
            Effect.catchAll(Effect.die),
          )
        if (decision.status === "matched") yield* fulfilment.request(payment.orderId)
        return decision
      }).pipe(system, Effect.withSpan("Payments.receiveBankTransfer"))

    /** The invoice attempt of an invoice, if it has one (an invoice issued by hand has none). */
    const forInvoice = Effect.fn("Payments.forInvoice")(function* (invoiceId: string) {
      const rows = yield* paymentWhere(sql`provider = 'invoice' AND invoice_id = ${invoiceId}`).pipe(Effect.orDie)
      return rows.at(-1) ?? null
    })

    /**
     * Credits the final invoices of orders that closed unpaid (expired at the due date, cancelled).
     * Under Swiss VAT an issued invoice is corrected by a credit note, never withdrawn
     * (docs/invoices.md). Safe in every process at once: a second credit note of the same invoice
     * would exceed it and is refused by Invoices.
     */
    const closeLapsedInvoices = Effect.fn("Payments.closeLapsedInvoices")(function* (batch = 100) {
      const lapsed = yield* sql<{ orderId: string }>`SELECT p.order_id FROM payments p
          JOIN orders o ON o.id = p.order_id AND o.status IN ('expired', 'cancelled')
          JOIN invoice_states s ON s.invoice_id = p.invoice_id AND s.status = 'open'
          WHERE p.provider = 'invoice' AND p.status IN ('expired', 'cancelled')
            AND NOT EXISTS (SELECT 1 FROM invoices cn WHERE cn.credits_invoice_id = p.invoice_id)
          ORDER BY p.id LIMIT ${batch}`.pipe(Effect.orDie)
      let credited = 0
      for (const { orderId } of lapsed) {
        const order = yield* orders.find(orderId).pipe(Effect.orDie)
        const issued = yield* invoices
          .issueForOrder(order, "credit_note", undefined, { memo: `Order ${order.status}: not paid by the due date` })
          .pipe(
            Effect.as(true),
            Effect.catchTag("CreditNoteExceedsInvoice", () => Effect.succeed(false)),
            Effect.orDie,
          )
        if (issued) credited++
      }
      return credited
    }, system)

    // ---- Stripe webhooks ----------------------------------------------------------------------

    const metadataOf = (object: { metadata?: Stripe.Metadata | null }) => object.metadata ?? {}

    /** The payment an event concerns, found from our ids in its metadata or from Stripe's ids we stored. */
    const paymentForEvent = (mode: StripeMode, event: Stripe.Event) =>
      Effect.gen(function* () {
        const object = event.data.object as unknown as Record<string, unknown> & {
          metadata?: Stripe.Metadata | null
        }
        if (event.type.startsWith("checkout.session.")) {
          return yield* paymentByRef("stripe", String(object.id))
        }
        const fromMetadata = metadataOf(object).paymentId
        if (fromMetadata) return yield* paymentById(fromMetadata)
        const intentId = typeof object.payment_intent === "string" ? object.payment_intent : null
        if (intentId === null) return null
        const known = yield* Effect.map(
          paymentWhere(sql`provider = 'stripe' AND provider_payment_ref = ${intentId}`),
          (rows) => rows[0] ?? null,
        )
        if (known) return known
        // A refund can be reported before the payment's own webhook: ask Stripe whose intent it is.
        const intent = yield* stripe.retrievePaymentIntent(mode, intentId).pipe(Effect.option)
        const paymentId = intent._tag === "Some" ? metadataOf(intent.value).paymentId : undefined
        return paymentId ? yield* paymentById(paymentId) : null
      })

    const syncRefunds = (payment: Payment) =>
      Effect.gen(function* () {
        if (payment.providerPaymentRef === null) return 0
        const remote = yield* stripe.listRefunds(payment.mode, payment.providerPaymentRef).pipe(Effect.orDie)
        const known = new Set(
          (yield* sql<{ providerRef: string }>`SELECT provider_ref FROM refunds WHERE payment_id = ${payment.id}`).map(
            (r) => r.providerRef,
          ),
        )
        let recorded = 0
        let current = payment
        for (const r of remote.filter((r) => r.status === "succeeded" && !known.has(r.id)).reverse()) {
          yield* recordRefund(current, {
            id: uuidv7(),
            amountMinor: r.amount,
            providerRef: r.id,
            reason: r.reason ?? "refunded at Stripe",
          })
          current = new Payment({ ...current, refundedMinor: current.refundedMinor + r.amount }, true)
          recorded++
        }
        return recorded
      })

    /** Brings a Stripe payment in line with its Checkout Session as Stripe reports it now. */
    const applySession = (payment: Payment, session: Stripe.Checkout.Session) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        if (session.status === "complete" && session.payment_status !== "unpaid") {
          const intent =
            typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? null)
          return yield* recordSuccess(payment, {
            amountMinor: session.amount_total ?? payment.amountMinor,
            providerPaymentRef: intent,
            reference: intent,
          })
        }
        if (session.status === "complete") return { outcome: "awaiting_async_payment" as const, returnMoney: null }
        if (session.status === "expired") {
          const moved = yield* moveStatus(payment, "expired", now)
          return { outcome: moved ? ("processed" as const) : ("stale" as const), returnMoney: null }
        }
        return { outcome: "stale" as const, returnMoney: null }
      })

    const handleEvent = (payment: Payment, event: Stripe.Event) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const none = { returnMoney: null }
        switch (event.type) {
          case "checkout.session.completed":
          case "checkout.session.async_payment_succeeded":
          case "checkout.session.expired":
            return yield* applySession(payment, event.data.object)
          case "checkout.session.async_payment_failed":
          case "payment_intent.payment_failed": {
            const object = event.data.object as { last_payment_error?: { message?: string } | null }
            const moved = yield* moveStatus(payment, "failed", now, {
              failureReason: object.last_payment_error?.message ?? "The payment failed",
            })
            return { outcome: moved ? ("processed" as const) : ("stale" as const), ...none }
          }
          case "charge.refunded": {
            // Stripe may report the refund before the payment's own webhook arrived: settle the payment first.
            let current = payment
            if (current.status !== "succeeded") {
              const session = yield* stripe.retrieveSession(payment.mode, payment.providerRef).pipe(Effect.orDie)
              yield* applySession(current, session)
              current = (yield* paymentById(payment.id)) ?? current
            }
            if (current.status !== "succeeded") return { outcome: "stale" as const, ...none }
            const recorded = yield* syncRefunds(current)
            return { outcome: recorded > 0 ? ("refund_recorded" as const) : ("duplicate" as const), ...none }
          }
          default:
            return { outcome: "ignored" as const, ...none }
        }
      })

    const rememberEvent = (event: Stripe.Event, orderId: string | null, outcome: WebhookOutcome, now: number) =>
      sql`INSERT INTO webhook_events ${sql.insert({
        provider: "stripe",
        eventId: event.id,
        eventType: event.type,
        orderId,
        outcome,
        createdAt: now,
        updatedAt: now,
      })}`

    /** Returns money that arrived for an order that could not take it; runs after the payment committed. */
    const returnMoney = (money: ReturnMoney) =>
      locks
        .exclusive(
          money.payment.orderId,
          Effect.gen(function* () {
            const id = uuidv7()
            const providerRef = yield* giveBack(money.payment, money.amountMinor, id, "order closed before payment")
            yield* recordRefund(money.payment, {
              id,
              amountMinor: money.amountMinor,
              providerRef,
              reason: "order closed before payment",
            })
          }),
        )
        .pipe(Effect.orDie)

    /**
     * A verified Stripe event: processed at most once (its id is stored in the same transaction as
     * its effects), under the order's lock, and only against a payment of the same mode, so a test
     * webhook can never settle a live payment.
     */
    const handleStripeWebhook = Effect.fn("Payments.handleStripeWebhook")(function* (
      payload: Uint8Array,
      signature: string,
    ) {
      const { mode, event } = yield* stripe.verifyWebhook(payload, signature)
      const now = yield* Clock.currentTimeMillis
      const seen = yield* sql<{ outcome: string }>`SELECT outcome FROM webhook_events
          WHERE provider = 'stripe' AND event_id = ${event.id}`.pipe(Effect.orDie)
      if (seen.length > 0) return { eventId: event.id, outcome: "duplicate" as WebhookOutcome }
      const payment = yield* paymentForEvent(mode, event).pipe(Effect.orDie)
      if (payment === null || payment.mode !== mode) {
        yield* rememberEvent(event, null, "ignored", now).pipe(
          Effect.catchIf(isUniqueViolation, () => Effect.void),
          Effect.orDie,
        )
        return { eventId: event.id, outcome: "ignored" as WebhookOutcome }
      }
      const result = yield* locks
        .exclusive(
          payment.orderId,
          Effect.gen(function* () {
            const again = yield* sql`SELECT 1 FROM webhook_events WHERE provider = 'stripe' AND event_id = ${event.id}`
            if (again.length > 0) return { outcome: "duplicate" as const, returnMoney: null }
            const current = (yield* paymentById(payment.id)) ?? payment
            const handled = yield* handleEvent(current, event)
            yield* rememberEvent(event, payment.orderId, handled.outcome, now)
            return handled
          }),
        )
        .pipe(
          // Two instances without Redis can both get past the first check; the primary key decides.
          Effect.catchIf(isUniqueViolation, () => Effect.succeed({ outcome: "duplicate" as const, returnMoney: null })),
          Effect.orDie,
        )
      if (result.returnMoney !== null) yield* returnMoney(result.returnMoney)
      if (result.outcome === "processed") yield* requestFulfilmentIfPaid(payment.orderId)
      return { eventId: event.id, outcome: result.outcome as WebhookOutcome }
    }, system)

    /**
     * For webhooks that never arrived: asks Stripe for the state of every Stripe payment still open
     * after `olderThanMs`, and applies it exactly as the webhook would have.
     */
    const reconcile = Effect.fn("Payments.reconcile")(function* (
      options: { olderThanMs?: number; onProgress?: (done: number, total: number) => void } = {},
    ) {
      const now = yield* Clock.currentTimeMillis
      const before = now - (options.olderThanMs ?? 10 * 60_000)
      const open = yield* paymentWhere(
        sql`provider = 'stripe' AND status IN ('pending', 'failed') AND created_at <= ${before}`,
      ).pipe(Effect.orDie)
      const results: Array<ReconcileResult> = []
      for (const [i, payment] of open.entries()) {
        options.onProgress?.(i, open.length)
        if (!stripe.configured(payment.mode)) continue
        const session = yield* stripe.retrieveSession(payment.mode, payment.providerRef).pipe(Effect.orDie)
        const result = yield* locks
          .exclusive(
            payment.orderId,
            Effect.gen(function* () {
              const current = (yield* paymentById(payment.id)) ?? payment
              return yield* applySession(current, session)
            }),
          )
          .pipe(Effect.orDie)
        if (result.returnMoney !== null) yield* returnMoney(result.returnMoney)
        if (result.outcome === "processed") yield* requestFulfilmentIfPaid(payment.orderId)
        const after = (yield* paymentById(payment.id).pipe(Effect.orDie))?.status ?? payment.status
        results.push({ paymentId: payment.id, orderId: payment.orderId, before: payment.status, after })
      }
      options.onProgress?.(open.length, open.length)
      return results
    }, system)

    const getPayment = Effect.fn("Payments.get")(function* (id: PaymentId) {
      const payment = yield* paymentById(id).pipe(Effect.orDie)
      if (payment === null) return yield* new NotFound({ detail: "No such payment", resource: "payment" })
      return payment
    })

    return {
      settings,
      updateSettings,
      start,
      listForOrder,
      get: getPayment,
      refund,
      markPaid,
      handleStripeWebhook,
      reconcile,
      receiveBankTransfer,
      forInvoice,
      closeLapsedInvoices,
    } as const
  }),
  dependencies: [
    Audit.Default,
    Events.Default,
    Orders.Default,
    TicketTypes.Default,
    Ledger.Default,
    StripeGateway.Default,
    OrderLock.Default,
    Invoices.Default,
    Tickets.Default,
    FulfilmentQueue.Default,
  ],
}) {}

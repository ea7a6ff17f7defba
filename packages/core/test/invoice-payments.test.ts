import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, TestClock } from "effect"
import {
  BankImports,
  Fulfilment,
  InvoiceReminderDue,
  Invoices,
  JobQueue,
  type OrderId,
  Orders,
  Payments,
  reminderDueJobId,
  Tickets,
} from "../src/index.js"
import { camt054 } from "./support/Camt.js"
import { engines } from "./support/Databases.js"
import {
  asBuyer,
  countWhere,
  createTicketType,
  invoicingProfile,
  orderInput,
  publishedEvent,
  QR_IBAN,
  remainingSeats,
  systemLayer,
  T0,
} from "./support/Fixtures.js"

const DAY = 86_400_000

const count = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ n: unknown }>`SELECT COUNT(*) AS n FROM ${sql(table)}`.pipe(Effect.map((rows) => Number(rows[0]?.n ?? 0))),
  ).pipe(Effect.orDie)

const ledgerOf = (orderId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<{ entryType: string; amountMinor: number | bigint }>`SELECT entry_type, amount_minor FROM invoice_ledger
      WHERE order_id = ${orderId} ORDER BY seq`.pipe(
      Effect.map((rows) => rows.map((r) => `${r.entryType}:${Number(r.amountMinor)}`)),
    ),
  ).pipe(Effect.orDie)

/** An organisation that invoices, with one event and a ticket type of CHF 79.00. */
const invoicingEvent = Effect.gen(function* () {
  const { org, event } = yield* publishedEvent()
  yield* invoicingProfile(org.id)
  const type = yield* createTicketType(event, { priceMinor: 7_900, capacity: 20 })
  return { org, event, type }
})

const invoiceOrder = (setup: Effect.Effect.Success<typeof invoicingEvent>, quantity: number, buyer = 0) =>
  Effect.gen(function* () {
    const placed = yield* Effect.flatMap(Orders, (o) =>
      o.place(setup.event.id, orderInput([{ ticketTypeId: setup.type.id, quantity }], buyer)),
    ).pipe(asBuyer)
    const started = yield* Effect.flatMap(Payments, (p) =>
      p.start(placed.order.id, placed.accessToken, { provider: "invoice" }),
    ).pipe(asBuyer)
    if (started.next.kind !== "bank_transfer") throw new Error("expected a bank transfer")
    return { placed, started, next: started.next, orderId: placed.order.id as OrderId }
  })

const chf = (minor: number) => (minor / 100).toFixed(2)

describe.each(engines)("payment by invoice (%s)", (engine) => {
  it.scoped("one invoice with a QR reference, seats held to the due date, a reminder before it", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const setup = yield* invoicingEvent
      const { placed, started, next, orderId } = yield* invoiceOrder(setup, 2)
      const dueAt = T0 + 14 * DAY
      expect(next).toMatchObject({ kind: "bank_transfer", dueAt })
      expect(next.reference).toMatch(/^\d{27}$/)
      expect(started.payment).toMatchObject({ provider: "invoice", status: "pending", amountMinor: 15_800 })
      const invoice = yield* Effect.flatMap(Invoices, (i) => i.get(next.invoiceId as never))
      expect(invoice).toMatchObject({
        kind: "final",
        orderId,
        totalMinor: 15_800,
        dueAt,
        paymentReference: next.reference,
      })
      const again = yield* Effect.flatMap(Payments, (p) =>
        p.start(placed.order.id, placed.accessToken, { provider: "invoice" }),
      ).pipe(asBuyer)
      expect(again.payment.id).toBe(started.payment.id)
      expect(again.next).toEqual(next)
      expect(yield* countWhere("invoices", "order_id", orderId)).toBe(1)
      expect((yield* Effect.flatMap(Orders, (o) => o.find(orderId))).expiresAt).toBe(dueAt)
      const reminder = yield* Effect.flatMap(JobQueue, (q) =>
        q.status(InvoiceReminderDue, reminderDueJobId(next.invoiceId)),
      )
      expect(reminder?.state).toBe("delayed")
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.scoped("unpaid at the due date: the order expires, seats return, the invoice is credited once", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const setup = yield* invoicingEvent
      const { next, orderId } = yield* invoiceOrder(setup, 3)
      expect(yield* remainingSeats(setup.type.id)).toBe(17)
      const orders = yield* Orders
      const payments = yield* Payments
      yield* TestClock.adjust(14 * DAY - 1)
      expect(yield* orders.expireDue()).toBe(0)
      yield* TestClock.adjust(1)
      expect(yield* orders.expireDue()).toBe(1)
      expect((yield* orders.find(orderId)).status).toBe("expired")
      expect(yield* remainingSeats(setup.type.id)).toBe(20)
      expect((yield* payments.forInvoice(next.invoiceId))?.status).toBe("expired")
      expect(yield* payments.closeLapsedInvoices()).toBe(1)
      expect(yield* payments.closeLapsedInvoices()).toBe(0)
      const notes = yield* Effect.flatMap(Invoices, (i) => i.list({ orderId, kind: "credit_note", limit: 10 }))
      expect(notes.items).toHaveLength(1)
      expect(notes.items[0]).toMatchObject({ creditsInvoiceId: next.invoiceId, totalMinor: 23_700 })
      expect(yield* ledgerOf(orderId)).toEqual([])
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.live("camt.054: exact credits settle, everything else waits for a person, a second import changes nothing", () =>
    Effect.gen(function* () {
      const setup = yield* invoicingEvent
      const exact = yield* invoiceOrder(setup, 1, 1)
      const partial = yield* invoiceOrder(setup, 2, 2)
      const other = yield* invoiceOrder(setup, 1, 3)
      const imports = yield* BankImports
      const file = camt054("04", QR_IBAN, [
        { bankRef: "TX-1", amount: chf(7_900), reference: exact.next.reference },
        { bankRef: "TX-2", amount: chf(10_000), reference: partial.next.reference },
        { bankRef: "TX-3", amount: "12.50", reference: "210000000003139471430009017" },
        { bankRef: "TX-4", amount: "5.00", direction: "DBIT" },
      ])
      // Two imports of the same file at once: the credits' unique keys let each settle once.
      const [first, second] = yield* Effect.all(
        [imports.importFile(file, "a.xml"), imports.importFile(file, "a.xml")],
        {
          concurrency: 2,
        },
      )
      expect(first!.matched + second!.matched).toBe(1)
      expect(first!.needsReview + second!.needsReview).toBe(2)
      expect(first!.ignored).toBe(1)
      const reasons = [...first!.credits, ...second!.credits]
        .filter((c) => c.status === "needs_review")
        .map((c) => `${c.bankRef}:${c.reason}`)
        .sort()
      expect(reasons).toEqual(["TX-2:partial", "TX-3:unmatched"])
      const orders = yield* Orders
      expect((yield* orders.find(exact.orderId)).status).toBe("paid")
      expect((yield* orders.find(partial.orderId)).status).toBe("pending_payment")
      expect(yield* ledgerOf(exact.orderId)).toEqual(["charge:7900"])
      expect(yield* ledgerOf(partial.orderId)).toEqual([])
      const invoice = yield* Effect.flatMap(Invoices, (i) => i.get(exact.next.invoiceId as never))
      expect(invoice.status).toBe("paid")
      expect(yield* countWhere("order_fulfilments", "order_id", exact.orderId)).toBe(1)

      const before = { credits: yield* count("bank_credits"), audit: yield* count("audit_log") }
      const again = yield* imports.importFile(file, "a-again.xml")
      expect(again).toMatchObject({ seenBefore: true, matched: 0, needsReview: 0, duplicates: 3 })
      expect({ credits: yield* count("bank_credits"), audit: yield* count("audit_log") }).toEqual(before)

      // An overlapping file in the newer format: TX-1 again, a second transfer for a paid order, a
      // transfer in the wrong currency, one too large.
      const overlapping = camt054("08", QR_IBAN, [
        { bankRef: "TX-1", amount: chf(7_900), reference: exact.next.reference },
        { bankRef: "TX-5", amount: chf(7_900), reference: exact.next.reference },
        { bankRef: "TX-6", amount: chf(7_900), currency: "EUR", reference: other.next.reference },
        { bankRef: "TX-7", amount: chf(8_000), reference: other.next.reference.replace(/(\d{5})/g, "$1 ") },
      ])
      const third = yield* imports.importFile(overlapping, "b.xml")
      expect(third.credits.map((c) => `${c.bankRef}:${c.status}:${c.reason}`)).toEqual([
        "TX-1:duplicate:null",
        "TX-5:needs_review:already_paid",
        "TX-6:needs_review:wrong_currency",
        "TX-7:needs_review:overpaid",
      ])
      expect(yield* ledgerOf(exact.orderId)).toEqual(["charge:7900"])
      expect((yield* orders.find(other.orderId)).status).toBe("pending_payment")
      const review = yield* imports.awaitingReview()
      expect(review.map((c) => `${c.bankRef}:${c.reason}`).sort()).toEqual([
        "TX-2:partial",
        "TX-3:unmatched",
        "TX-5:already_paid",
        "TX-6:wrong_currency",
        "TX-7:overpaid",
      ])
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.live(
    "a person resolves credits awaiting review: applied pays the order once, returned and written off only record",
    () =>
      Effect.gen(function* () {
        const setup = yield* invoicingEvent
        const short = yield* invoiceOrder(setup, 1, 1)
        const wrongReference = yield* invoiceOrder(setup, 1, 2)
        const imports = yield* BankImports
        yield* imports.importFile(
          camt054("04", QR_IBAN, [
            // Bank fees took 2.00 off the transfer; the organisation accepts it as paid.
            { bankRef: "R-1", amount: chf(7_700), reference: short.next.reference },
            // The buyer typed a wrong reference: a person finds the order by the debtor's name.
            { bankRef: "R-2", amount: chf(7_900), reference: "210000000003139471430009017" },
            { bankRef: "R-3", amount: "12.50", reference: "210000000003139471430009017" },
            { bankRef: "R-4", amount: "3.00", reference: "210000000003139471430009017" },
          ]),
          "r.xml",
        )
        const waiting = new Map((yield* imports.awaitingReview()).map((c) => [c.bankRef, c]))
        expect([...waiting.keys()].sort()).toEqual(["R-1", "R-2", "R-3", "R-4"])
        const orders = yield* Orders
        const idOf = (ref: string) => waiting.get(ref)!.id

        // Applying without an order to pay, or with no reason given, is refused and changes nothing.
        expect((yield* Effect.flip(imports.resolve(idOf("R-3"), { decision: "applied", note: "?" })))._tag).toBe(
          "InvalidRequest",
        )
        expect((yield* Effect.flip(imports.resolve(idOf("R-1"), { decision: "applied", note: "  " })))._tag).toBe(
          "InvalidRequest",
        )

        // Two people apply the short credit at once: one pays the order, the other is told it is done.
        const both = yield* Effect.all(
          [0, 1].map(() =>
            Effect.either(imports.resolve(idOf("R-1"), { decision: "applied", note: "bank fees, accepted" })),
          ),
          { concurrency: 2 },
        )
        expect(both.filter((r) => r._tag === "Right")).toHaveLength(1)
        expect(both.filter((r) => r._tag === "Left").map((r) => (r.left as { _tag: string })._tag)).toEqual([
          "InvalidStateTransition",
        ])
        expect((yield* orders.find(short.orderId)).status).toBe("paid")
        expect(yield* ledgerOf(short.orderId)).toEqual(["charge:7700"])

        const applied = yield* imports.resolve(idOf("R-2"), {
          decision: "applied",
          orderId: wrongReference.orderId,
          note: "debtor name matches the buyer",
        })
        expect(applied).toMatchObject({ status: "resolved", orderId: wrongReference.orderId })
        expect((yield* orders.find(wrongReference.orderId)).status).toBe("paid")
        expect(yield* ledgerOf(wrongReference.orderId)).toEqual(["charge:7900"])

        // Applying to an order that is paid already fails whole: the credit still waits.
        const onPaid = yield* Effect.flip(
          imports.resolve(idOf("R-3"), { decision: "applied", orderId: short.orderId, note: "wrong guess" }),
        )
        expect(onPaid._tag).toBe("PaymentUnavailable")
        expect(yield* ledgerOf(short.orderId)).toEqual(["charge:7700"])

        yield* imports.resolve(idOf("R-3"), { decision: "returned", note: "sent back to the sender" })
        yield* imports.resolve(idOf("R-4"), { decision: "written_off", note: "too small to send back" })
        expect(yield* imports.awaitingReview()).toEqual([])
        const again = yield* Effect.flip(imports.resolve(idOf("R-3"), { decision: "returned", note: "twice" }))
        expect(again._tag).toBe("InvalidStateTransition")
        expect((yield* Effect.flip(imports.resolve("no-such-credit", { decision: "returned", note: "x" })))._tag).toBe(
          "NotFound",
        )
        const sql = yield* SqlClient.SqlClient
        const audited = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM audit_log
        WHERE action = 'bank_credit.resolved'`
        expect(Number(audited[0]!.n)).toBe(4)
      }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.live("a malformed or foreign file is refused and nothing is written", () =>
    Effect.gen(function* () {
      const imports = yield* BankImports
      const bad = [
        "<Document><BkToCstmrDbtCdtNtfctn>",
        camt054("04", QR_IBAN, [{ bankRef: "X", amount: "1.00" }]).replace("camt.054.001.04", "camt.053.001.04"),
        camt054("04", QR_IBAN, [{ bankRef: "X", amount: "1.00" }]).replace("camt.054.001.04", "camt.054.001.02"),
        camt054("08", QR_IBAN, [{ bankRef: "X", amount: "1,00" }]),
        "",
      ]
      for (const xml of bad) {
        const error = yield* Effect.flip(imports.importFile(xml, "bad.xml"))
        expect(error._tag).toBe("BankFileRejected")
        expect(error.detail.length).toBeGreaterThan(5)
      }
      expect(yield* count("bank_imports")).toBe(0)
      expect(yield* count("bank_credits")).toBe(0)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.live("marked paid by a person, then refunded: credit notes, voided tickets on the revocation list", () =>
    Effect.gen(function* () {
      const setup = yield* invoicingEvent
      const { next, orderId } = yield* invoiceOrder(setup, 3)
      const payments = yield* Payments
      const paid = yield* payments.markPaid(setup.event.id, orderId, { reference: "seen on the statement" })
      expect(paid.status).toBe("paid")
      const invoices = yield* Invoices
      expect((yield* invoices.get(next.invoiceId as never)).status).toBe("paid")
      expect((yield* payments.forInvoice(next.invoiceId))?.status).toBe("succeeded")
      expect(yield* Effect.flatMap(Fulfilment, (f) => f.fulfil(orderId))).toBe("fulfilled")
      const tickets = yield* Tickets
      const issued = yield* tickets.listForOrder(orderId)
      expect(issued).toHaveLength(3)

      // Another order's ticket is refused before any money moves.
      const otherOrder = yield* invoiceOrder(setup, 1, 9)
      yield* payments.markPaid(setup.event.id, otherOrder.orderId)
      const foreign = (yield* tickets.issueForOrder(otherOrder.orderId))[0]!
      const refused = yield* Effect.flip(payments.refund(setup.event.id, orderId, { ticketIds: [foreign.id] }))
      expect(refused._tag).toBe("InvalidRequest")
      expect(yield* ledgerOf(orderId)).toEqual(["charge:23700"])

      const partial = yield* payments.refund(setup.event.id, orderId, {
        amountMinor: 7_900,
        reason: "one attendee cannot come",
        ticketIds: [issued[1]!.id],
      })
      expect(partial).toHaveLength(1)
      const firstNote = partial[0]!.creditNoteId
      expect(firstNote).not.toBeNull()
      expect(yield* invoices.get(firstNote as never)).toMatchObject({
        kind: "credit_note",
        creditsInvoiceId: next.invoiceId,
        totalMinor: 7_900,
      })
      expect((yield* tickets.listForOrder(orderId)).map((t) => t.status)).toEqual(["valid", "void", "valid"])
      expect((yield* tickets.revocationList(setup.event.id)).map((r) => r.ticketId)).toEqual([issued[1]!.id])

      const rest = yield* payments.refund(setup.event.id, orderId, { reason: "event cancelled" })
      expect(rest[0]!.creditNoteId).not.toBe(firstNote)
      const notes = yield* invoices.list({ orderId, kind: "credit_note", limit: 10 })
      expect(notes.items.map((n) => n.totalMinor)).toEqual([7_900, 15_800])
      expect((yield* tickets.listForOrder(orderId)).every((t) => t.status === "void")).toBe(true)
      expect((yield* Effect.flatMap(Orders, (o) => o.find(orderId))).status).toBe("cancelled")
      expect(yield* ledgerOf(orderId)).toEqual(["charge:23700", "refund:-7900", "refund:-15800"])
      const stored = yield* countWhere("refunds", "order_id", orderId)
      expect(stored).toBe(2)
      expect(Option.isSome(yield* invoices.findByPaymentReference(next.reference))).toBe(true)
    }).pipe(Effect.provide(systemLayer(engine))),
  )
})

import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import {
  BillingProfiles,
  Invoices,
  type IssueInvoice,
  Orders,
  type OrgId,
  priceOrder,
  References,
  sampleInvoice,
  withCaller,
} from "../src/index.js"
import { engines } from "./support/Databases.js"
import {
  asBuyer,
  callerWith,
  countWhere,
  createTicketType,
  type Engine,
  invoicingProfile,
  orderInput,
  publishedEvent,
  systemLayer,
} from "./support/Fixtures.js"
import { pdfText } from "./support/Pdf.js"

const layer = (engine: Engine) =>
  Layer.provideMerge(Layer.mergeAll(Invoices.Default, Orders.Default), systemLayer(engine))

const IBAN = "CH58 0079 1123 0008 8901 2"

const setProfile = invoicingProfile

const invoiceInput = (orgId: OrgId, overrides: Partial<IssueInvoice> = {}): IssueInvoice => ({
  orgId,
  kind: "final",
  locale: "de",
  currency: "CHF",
  buyer: sampleInvoice("de").buyer,
  lines: [
    { description: "Booth 3 × 3 m", quantity: 1, unitPriceMinor: 250_000, vatRateBp: 810 },
    { description: "Exhibitor pass", quantity: 3, unitPriceMinor: 7_900, vatRateBp: 810 },
    { description: "Catalogue", quantity: 2, unitPriceMinor: 2_500, vatRateBp: 260 },
  ],
  ...overrides,
})

const issue = (input: IssueInvoice) => Effect.flatMap(Invoices, (i) => i.issue(input))

const stored = (table: string, orgId: OrgId) => countWhere(table, "org_id", orgId)

describe.each(engines)("invoices on %s", (engine) => {
  it.live("billing profiles: validated IBAN and VAT number, nothing stored on refusal, org-level permission", () =>
    Effect.gen(function* () {
      const { org, event } = yield* publishedEvent()
      const badIban = yield* Effect.flip(setProfile(org.id, { iban: "CH44 3199 9123 0008 8901 3" }))
      expect(badIban).toMatchObject({ _tag: "InvalidIban", field: "iban" })
      const badVat = yield* Effect.flip(setProfile(org.id, { vatNumber: "CHE-123.456.789 MWST" }))
      expect(badVat).toMatchObject({ _tag: "InvalidVatNumber", field: "vatNumber" })
      const badShape = yield* Effect.flip(setProfile(org.id, { country: "Switzerland" }))
      expect(badShape).toMatchObject({ _tag: "InvalidRequest", field: "country" })
      expect(yield* stored("org_billing_profiles", org.id)).toBe(0)

      // An event admin holds orders.write for one event, never for the organisation's bank account.
      const eventAdmin = callerWith([{ role: "event_admin", orgId: org.id, eventId: event.id }])
      const refused = yield* Effect.flip(setProfile(org.id).pipe(withCaller(eventAdmin)))
      expect(refused._tag).toBe("Forbidden")

      const orgAdmin = callerWith([{ role: "org_admin", orgId: org.id, eventId: null }])
      const profile = yield* setProfile(org.id, { vatNumber: "CHE-116.281.710 TVA" }).pipe(withCaller(orgAdmin))
      expect(profile).toMatchObject({
        iban: "CH4431999123000889012",
        vatNumber: "CHE-116.281.710 TVA",
        numberPrefixes: { proforma: "PRO", final: "INV", credit_note: "CN" },
        timeZone: "Europe/Zurich",
      })
      const read = yield* Effect.flatMap(BillingProfiles, (p) => p.get(org.id))
      expect(read).toEqual(profile)
    }).pipe(Effect.provide(layer(engine))),
  )

  it.live("issues a numbered, immutable document with the VAT breakdown of priceOrder", () =>
    Effect.gen(function* () {
      const { org, event } = yield* publishedEvent()
      yield* setProfile(org.id)
      const first = yield* issue(invoiceInput(org.id, { eventId: event.id }))
      const year = new Date(first.issuedAt).getUTCFullYear()
      expect(first).toMatchObject({ kind: "final", seq: 1, number: `INV-${year}-000001`, status: "open" })
      const expected = priceOrder(invoiceInput(org.id).lines.map((l, i) => ({ ...l, ticketTypeId: String(i) })))
      expect(first.totalMinor).toBe(expected.totalMinor)
      expect(first.vatBreakdown).toEqual(expected.vatBreakdown)
      expect(first.dueAt! - first.issuedAt).toBe(30 * 86_400_000)
      expect(first.referenceType).toBe("QRR")
      expect(References.isValidQrReference(first.paymentReference!)).toBe(true)

      // The seller snapshot stays what it was at issue; the next invoice takes the new details.
      yield* setProfile(org.id, { legalName: "SRA Events GmbH", iban: IBAN, numberPrefixes: { final: "R" } })
      const second = yield* issue(invoiceInput(org.id))
      expect(second).toMatchObject({ seq: 2, number: `R-${year}-000002`, referenceType: "SCOR" })
      expect(References.isValidCreditorReference(second.paymentReference!)).toBe(true)
      const invoices = yield* Invoices
      expect((yield* invoices.get(first.id)).seller.legalName).toBe("Swiss Robotics Association")
      expect((yield* invoices.get(second.id)).seller.legalName).toBe("SRA Events GmbH")
      const proforma = yield* issue(invoiceInput(org.id, { kind: "proforma" }))
      expect(proforma.number).toBe(`PRO-${year}-000001`)

      const sql = yield* SqlClient.SqlClient
      const update = yield* Effect.flip(sql`UPDATE invoices SET total_minor = 1 WHERE id = ${first.id}`)
      const remove = yield* Effect.flip(sql`DELETE FROM invoices WHERE id = ${first.id}`)
      for (const error of [update, remove]) {
        expect(String((error.cause as { message?: unknown }).message)).toContain("invoices is append-only")
      }

      const spaced = References.formatReference(second.paymentReference!)
      expect(Option.map(yield* invoices.findByPaymentReference(spaced), (i) => i.id)).toEqual(Option.some(second.id))
      expect(yield* invoices.findByPaymentReference("RF18539007547034")).toEqual(Option.none())

      const page1 = yield* invoices.list({ orgId: org.id, limit: 2 })
      const page2 = yield* invoices.list({ orgId: org.id, limit: 2, cursor: page1.nextCursor! })
      expect([...page1.items, ...page2.items].map((i) => i.id)).toEqual([first.id, second.id, proforma.id])
      expect(page2.nextCursor).toBeNull()
      expect((yield* invoices.list({ orgId: org.id, kind: "proforma", limit: 10 })).items).toHaveLength(1)

      const paid = yield* invoices.markPaid(first.id)
      expect(paid).toMatchObject({ status: "paid" })
      expect(paid.paidAt).not.toBeNull()
      expect((yield* Effect.flip(invoices.markPaid(first.id)))._tag).toBe("InvalidStateTransition")
      expect((yield* Effect.flip(invoices.cancel(second.id)))._tag).toBe("InvalidStateTransition")
      expect((yield* invoices.cancel(proforma.id)).status).toBe("cancelled")
    }).pipe(Effect.provide(layer(engine))),
  )

  it.live("500 concurrent invoices on one series get numbers 1..500: contiguous, no duplicates", () =>
    Effect.gen(function* () {
      const { org } = yield* publishedEvent()
      yield* setProfile(org.id)
      const input = invoiceInput(org.id, {
        lines: [{ description: "Ticket", quantity: 1, unitPriceMinor: 7_900, vatRateBp: 810 }],
      })
      const issued = yield* Effect.all(
        Array.from({ length: 500 }, () => issue(input)),
        { concurrency: "unbounded" },
      )
      const seqs = issued.map((i) => i.seq).sort((a, b) => a - b)
      expect(seqs).toEqual(Array.from({ length: 500 }, (_, i) => i + 1))
      expect(new Set(issued.map((i) => i.number)).size).toBe(500)
      expect(new Set(issued.map((i) => i.paymentReference)).size).toBe(500)
      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<{ seq: number | bigint }>`SELECT seq FROM invoices WHERE org_id = ${org.id} ORDER BY seq`
      expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 500 }, (_, i) => i + 1))
      const [counter] = yield* sql<{ lastSeq: number | bigint }>`SELECT last_seq FROM invoice_counters
        WHERE org_id = ${org.id} AND kind = 'final'`
      expect(Number(counter!.lastSeq)).toBe(500)
    }).pipe(Effect.provide(layer(engine))),
  )

  it.live("credit notes never exceed what remains uncredited, also when issued concurrently", () =>
    Effect.gen(function* () {
      const { org } = yield* publishedEvent()
      yield* setProfile(org.id)
      const invoice = yield* issue(
        invoiceInput(org.id, {
          lines: [{ description: "Booth", quantity: 1, unitPriceMinor: 100_000, vatRateBp: 810 }],
        }),
      )
      const credit = (amount: number) =>
        issue(
          invoiceInput(org.id, {
            kind: "credit_note",
            creditsInvoiceId: invoice.id,
            lines: [{ description: "Booth, partial refund", quantity: 1, unitPriceMinor: amount, vatRateBp: 810 }],
          }),
        )
      const tooMuch = yield* Effect.flip(credit(100_001))
      expect(tooMuch).toMatchObject({
        _tag: "CreditNoteExceedsInvoice",
        remainingMinor: 100_000,
        requestedMinor: 100_001,
      })
      expect(yield* countWhere("invoices", "kind", "credit_note")).toBe(0)

      const outcomes = yield* Effect.all(
        Array.from({ length: 6 }, () => Effect.either(credit(40_000))),
        { concurrency: "unbounded" },
      )
      const notes = outcomes.flatMap((o) => (o._tag === "Right" ? [o.right] : []))
      expect(notes).toHaveLength(2)
      expect(notes.map((n) => n.seq).sort()).toEqual([1, 2])
      expect(notes[0]).toMatchObject({ creditsInvoiceNumber: invoice.number, paymentReference: null, dueAt: null })
      expect(notes[0]!.number).toMatch(/^CN-\d{4}-00000[12]$/)
      expect(outcomes.filter((o) => o._tag === "Left").map((o) => (o.left as { _tag: string })._tag)).toEqual(
        Array(4).fill("CreditNoteExceedsInvoice"),
      )
      const rest = yield* credit(20_000)
      expect(rest.seq).toBe(3)
      expect((yield* Effect.flip(credit(1)))._tag).toBe("CreditNoteExceedsInvoice")

      const ofProforma = yield* issue(invoiceInput(org.id, { kind: "proforma" }))
      const wrongKind = yield* Effect.flip(
        issue(invoiceInput(org.id, { kind: "credit_note", creditsInvoiceId: ofProforma.id })),
      )
      expect(wrongKind).toMatchObject({ _tag: "InvalidRequest", field: "creditsInvoiceId" })
    }).pipe(Effect.provide(layer(engine))),
  )

  it.live("bad input is a tagged error and stores nothing", () =>
    Effect.gen(function* () {
      const { org } = yield* publishedEvent()
      const missing = yield* Effect.flip(issue(invoiceInput(org.id)))
      expect(missing._tag).toBe("BillingProfileMissing")
      yield* setProfile(org.id)
      const locale = yield* Effect.flip(issue(invoiceInput(org.id, { locale: "es" as never })))
      expect(locale).toMatchObject({ _tag: "UnsupportedLocale", locale: "es" })
      const vat = yield* Effect.flip(
        issue(invoiceInput(org.id, { buyer: { name: "Pia", vatNumber: "CHE-123.456.789 MWST" } })),
      )
      expect(vat).toMatchObject({ _tag: "InvalidVatNumber", field: "buyer.vatNumber" })
      const noLines = yield* Effect.flip(issue(invoiceInput(org.id, { lines: [] })))
      expect(noLines).toMatchObject({ _tag: "InvalidRequest", field: "lines" })
      const fraction = yield* Effect.flip(
        issue(invoiceInput(org.id, { lines: [{ description: "x", quantity: 1, unitPriceMinor: 1.5, vatRateBp: 0 }] })),
      )
      expect(fraction._tag).toBe("InvalidRequest")
      const orphanCredit = yield* Effect.flip(issue(invoiceInput(org.id, { kind: "credit_note" })))
      expect(orphanCredit).toMatchObject({ _tag: "InvalidRequest", field: "creditsInvoiceId" })
      const anonymous = yield* Effect.flip(issue(invoiceInput(org.id)).pipe(asBuyer))
      expect(anonymous._tag).toBe("Forbidden")
      expect(yield* stored("invoices", org.id)).toBe(0)
      expect(yield* stored("invoice_counters", org.id)).toBe(0)
    }).pipe(Effect.provide(layer(engine))),
  )

  it.live(
    "issueForOrder: lines named by ticket type, once per order and kind; a credit note credits the final invoice",
    () =>
      Effect.gen(function* () {
        const { org, event } = yield* publishedEvent()
        yield* setProfile(org.id)
        const regular = yield* createTicketType(event, { name: "Regular", priceMinor: 7_900 })
        const student = yield* createTicketType(event, { name: "Student", priceMinor: 3_900, vatRateBp: 260 })
        const { order } = yield* Effect.flatMap(Orders, (o) =>
          o.place(
            event.id,
            orderInput([
              { ticketTypeId: regular.id, quantity: 2 },
              { ticketTypeId: student.id, quantity: 1 },
            ]),
          ),
        ).pipe(asBuyer)
        const invoices = yield* Invoices
        const noFinal = yield* Effect.flip(invoices.issueForOrder(order, "credit_note"))
        expect(noFinal._tag).toBe("InvalidStateTransition")

        const billing = {
          name: "Buyer 0",
          organisation: "ACME AG",
          addressLines: ["Bahnhofstrasse 1"],
          postcode: "8001",
          town: "Zürich",
          country: "CH",
        }
        const [a, b] = yield* Effect.all(
          [invoices.issueForOrder(order, "proforma", billing), invoices.issueForOrder(order, "proforma")],
          {
            concurrency: "unbounded",
          },
        )
        expect(a.id).toBe(b.id)
        expect(yield* countWhere("invoices", "order_id", order.id)).toBe(1)
        expect(a).toMatchObject({
          orderId: order.id,
          eventId: event.id,
          totalMinor: order.totalMinor,
          locale: order.locale,
        })
        expect(a.lines.map((l) => [l.description, l.quantity, l.totalMinor])).toEqual(
          order.items.map((item) => [
            item.ticketTypeId === regular.id ? "Regular" : "Student",
            item.quantity,
            item.totalMinor,
          ]),
        )
        expect(a.vatBreakdown).toEqual(order.vatBreakdown)

        const final = yield* invoices.issueForOrder(order, "final", billing)
        const credit = yield* invoices.issueForOrder(order, "credit_note", billing)
        expect(credit).toMatchObject({ creditsInvoiceId: final.id, totalMinor: final.totalMinor, lines: final.lines })
        expect((yield* Effect.flip(invoices.issueForOrder(order, "credit_note")))._tag).toBe("CreditNoteExceedsInvoice")

        if (engine === "sqlite") {
          const text = pdfText(yield* invoices.renderPdf(a.id))
          expect(text).toContain("Proforma invoice")
          expect(text).toContain("Student")
          expect(yield* invoices.renderHtml(a.id)).toContain(a.number)
        }
      }).pipe(Effect.provide(layer(engine))),
  )
})

import { SqlClient } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Clock, Data, Effect, Option, Schedule, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { TicketTypes } from "../catalog/TicketTypes.js"
import { Locale, MinorUnits } from "../domain/Common.js"
import type { EventId, OrgId } from "../domain/Ids.js"
import { uuidv7 } from "../domain/Ids.js"
import type { Order, VatLine } from "../domain/Order.js"
import { Forbidden, InvalidRequest, InvalidStateTransition, NotFound } from "../domain/Problems.js"
import { priceOrder } from "../pricing/Pricing.js"
import { BrowserPool } from "../render/Browser.js"
import { DatabaseInfo } from "../sql/Database.js"
import { isRetryableConflict } from "../sql/Errors.js"
import { affectedRows, decodeCursor, rowDecoder, toPage } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"
import { Caller, can, canSomewhere } from "../tenancy/Caller.js"
import { BillingProfiles, invalidInput } from "./BillingProfiles.js"
import {
  type BillingProfile,
  BillingProfileMissing,
  BuyerDetails,
  type BuyerInput,
  CreditNoteExceedsInvoice,
  InvalidVatNumber,
  Invoice,
  type InvoiceId,
  type InvoiceKind,
  type InvoiceLine,
  IssueInvoice,
  type IssueInvoice as IssueInvoiceInput,
  type ReferenceType,
  UnsupportedLocale,
} from "./Invoice.js"
import { compact, creditorReference, isQrIban, isValidBuyerVatNumber, qrReference } from "./References.js"
import { type InvoiceFormat, layoutInvoice, renderInvoice } from "./Render.js"

const decodeInvoice = rowDecoder(Invoice, { json: ["seller", "buyer", "lines", "vatBreakdown"] })
const decodeIssue = Schema.decodeUnknown(IssueInvoice)
const decodeBuyer = Schema.decodeUnknown(BuyerDetails)
const isLocale = Schema.is(Locale)
const isMinorUnits = Schema.is(MinorUnits)
const notFound = () => new NotFound({ detail: "No such invoice", resource: "invoice" })
const DAY = 86_400_000

/** Inside the issuing transaction: an invoice of this kind exists for the order already. */
class AlreadyIssued extends Data.TaggedError("AlreadyIssued")<{ readonly id: string }> {}

/** The document's money, computed before any lock is taken. */
interface Amounts {
  readonly lines: ReadonlyArray<InvoiceLine>
  readonly subtotalMinor: number
  readonly discountMinor: number
  readonly totalMinor: number
  readonly vatMinor: number
  readonly vatBreakdown: ReadonlyArray<VatLine>
}

interface Prepared {
  readonly orgId: OrgId
  readonly eventId: EventId | null
  readonly kind: InvoiceKind
  readonly locale: Locale
  readonly currency: Invoice["currency"]
  readonly buyer: BuyerDetails
  readonly orderId: string | null
  readonly credits: Invoice | null
  readonly dueAt: number | null | undefined
  readonly memo: string | null
  readonly amounts: Amounts
  /** For a proforma or final invoice of an order: answer with the one issued before instead of a second. */
  readonly oncePerOrder: boolean
}

export interface InvoiceListFilter {
  readonly orgId?: OrgId | undefined
  readonly eventId?: EventId | undefined
  readonly orderId?: string | undefined
  readonly kind?: InvoiceKind | undefined
  readonly cursor?: string | undefined
  readonly limit: number
}

export interface IssueOptions {
  readonly dueAt?: number | null
  readonly memo?: string | null
}

/** The calendar year of an instant where the seller keeps its books: it names the number series. */
const yearIn = (ms: number, timeZone: string) =>
  Number(new Intl.DateTimeFormat("en", { year: "numeric", timeZone }).format(ms))

/**
 * A reference unique to the invoice and derived from its id (a UUIDv7, 122 bits of time and
 * randomness): the id's value modulo 10^26 (QRR) or 10^21 (SCOR). Collisions are astronomically
 * rare, and the UNIQUE index refuses one rather than let two invoices share a reference.
 */
const paymentReferenceFor = (id: string, iban: string): { reference: string; type: ReferenceType } => {
  const value = BigInt(`0x${id.replaceAll("-", "")}`)
  return isQrIban(iban)
    ? { reference: qrReference(String(value % 10n ** 26n)), type: "QRR" }
    : { reference: creditorReference(String(value % 10n ** 21n)), type: "SCOR" }
}

const retryConflicts = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  effect.pipe(
    Effect.retry({
      while: (e: E) => isRetryableConflict(e),
      schedule: Schedule.intersect(Schedule.recurs(10), Schedule.exponential("5 millis").pipe(Schedule.jittered)),
    }),
  )

/**
 * Invoices, proforma invoices and credit notes (docs/invoices.md). Numbers run 1, 2, 3, … per
 * series (organisation, kind, year) without gaps, also under concurrency: the series' counter row
 * is locked in the transaction that inserts the invoice. A stored invoice never changes (triggers
 * refuse it); only its status (open, paid, cancelled) lives in `invoice_states`.
 */
export class Invoices extends Effect.Service<Invoices>()("sratix/invoices/Invoices", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { dialect } = yield* DatabaseInfo
    const audit = yield* Audit
    const profiles = yield* BillingProfiles
    const ticketTypes = yield* TicketTypes
    const pool = yield* BrowserPool

    const selectInvoices = (where: Fragment, tail: Fragment = sql``) =>
      Effect.gen(function* () {
        const scope = yield* tenantScope(sql, { org: "i.org_id", event: "i.event_id" })
        const rows = yield* sql<Record<string, unknown>>`SELECT i.*, s.status, s.paid_at, s.cancelled_at,
            s.updated_at AS state_updated_at
          FROM invoices i JOIN invoice_states s ON s.invoice_id = i.id
          WHERE ${where} AND ${scope} ${tail}`.pipe(Effect.orDie)
        return yield* Effect.forEach(rows, (row) =>
          decodeInvoice({
            ...row,
            lines: row.lineItems,
            updatedAt: Math.max(Number(row.updatedAt), Number(row.stateUpdatedAt)),
          }),
        )
      })

    const mayRead = (permissionTarget: { orgId: OrgId; eventId: EventId | null } | null) =>
      Effect.flatMap(Caller, (caller) =>
        (permissionTarget === null ? canSomewhere(caller, "orders.read") : can(caller, "orders.read", permissionTarget))
          ? Effect.void
          : new Forbidden({ detail: "Reading invoices is not allowed", permission: "orders.read" }),
      )

    const mayWrite = (orgId: OrgId, eventId: EventId | null) =>
      Effect.flatMap(Caller, (caller) =>
        can(caller, "orders.write", { orgId, eventId })
          ? Effect.void
          : new Forbidden({ detail: "Issuing invoices here is not allowed", permission: "orders.write" }),
      )

    const find = (id: string) =>
      Effect.gen(function* () {
        const [invoice] = yield* selectInvoices(sql`i.id = ${id}`)
        if (invoice === undefined) return yield* notFound()
        yield* mayRead({ orgId: invoice.orgId, eventId: invoice.eventId })
        return invoice
      })

    const get = Effect.fn("Invoices.get")(function* (id: InvoiceId) {
      return yield* find(id)
    })

    /** Newest last, cursor over ids (UUIDv7, so issue order), like every list of the API. */
    const list = Effect.fn("Invoices.list")(function* (filter: InvoiceListFilter) {
      yield* mayRead(filter.orgId === undefined ? null : { orgId: filter.orgId, eventId: filter.eventId ?? null })
      const after = decodeCursor(filter.cursor)
      const rows = yield* selectInvoices(
        sql`1=1
          ${filter.orgId !== undefined ? sql`AND i.org_id = ${filter.orgId}` : sql``}
          ${filter.eventId !== undefined ? sql`AND i.event_id = ${filter.eventId}` : sql``}
          ${filter.orderId !== undefined ? sql`AND i.order_id = ${filter.orderId}` : sql``}
          ${filter.kind !== undefined ? sql`AND i.kind = ${filter.kind}` : sql``}
          ${after ? sql`AND i.id > ${after}` : sql``}`,
        sql`ORDER BY i.id LIMIT ${filter.limit + 1}`,
      )
      return toPage(rows, filter.limit)
    })

    /** The invoice a bank payment names (QRR or SCOR, with or without spaces), for camt.054 matching. */
    const findByPaymentReference = Effect.fn("Invoices.findByPaymentReference")(function* (reference: string) {
      yield* mayRead(null)
      const [invoice] = yield* selectInvoices(sql`i.payment_reference = ${compact(reference)}`)
      return Option.fromNullable(invoice)
    })

    /** Locks the series' counter row and returns the number the next invoice of the series gets. */
    const nextSeq = (orgId: string, kind: InvoiceKind, seriesYear: number, now: number) =>
      Effect.gen(function* () {
        const counter = { orgId, kind, seriesYear, lastSeq: 0, createdAt: now, updatedAt: now }
        // As for the ledger's heads: ON DUPLICATE KEY UPDATE takes the exclusive lock at once, where
        // INSERT IGNORE would take a shared one and let two waiters deadlock on the upgrade.
        yield* dialect === "mysql"
          ? sql`INSERT INTO invoice_counters ${sql.insert(counter)} ON DUPLICATE KEY UPDATE last_seq = last_seq`
          : sql`INSERT INTO invoice_counters ${sql.insert(counter)} ON CONFLICT (org_id, kind, series_year) DO NOTHING`
        const rows = yield* sql<{ lastSeq: number | bigint }>`SELECT last_seq FROM invoice_counters
          WHERE org_id = ${orgId} AND kind = ${kind} AND series_year = ${seriesYear}
          ${dialect === "mysql" ? sql`FOR UPDATE` : sql``}`
        return Number(rows[0]?.lastSeq ?? 0) + 1
      })

    /** What the credit notes issued so far leave of an invoice; called with its state row locked. */
    const uncredited = (invoice: Invoice) =>
      Effect.map(
        sql<{ n: number | string | null }>`SELECT SUM(total_minor) AS n FROM invoices
          WHERE credits_invoice_id = ${invoice.id}`,
        (rows) => invoice.totalMinor - Number(rows[0]?.n ?? 0),
      )

    const issueLocked = (p: Prepared, profile: BillingProfile) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        if (p.credits !== null) {
          // First statement of the transaction, so every read after it sees the credit notes
          // committed before this lock was granted (on MariaDB the snapshot starts at the first read).
          yield* sql`UPDATE invoice_states SET updated_at = ${now} WHERE invoice_id = ${p.credits.id}`
          const remainingMinor = yield* uncredited(p.credits)
          if (p.amounts.totalMinor > remainingMinor) {
            return yield* new CreditNoteExceedsInvoice({
              detail: `Invoice ${p.credits.number} has ${remainingMinor} minor units left to credit, not ${p.amounts.totalMinor}`,
              invoiceId: p.credits.id,
              remainingMinor,
              requestedMinor: p.amounts.totalMinor,
            })
          }
        }
        const seriesYear = yearIn(now, profile.timeZone)
        const seq = yield* nextSeq(p.orgId, p.kind, seriesYear, now)
        if (p.oncePerOrder && p.orderId !== null) {
          const earlier = yield* sql<{ id: string }>`SELECT i.id FROM invoices i
            JOIN invoice_states s ON s.invoice_id = i.id
            WHERE i.order_id = ${p.orderId} AND i.kind = ${p.kind} AND s.status <> 'cancelled'`
          if (earlier[0] !== undefined) return yield* new AlreadyIssued({ id: earlier[0].id })
        }
        const id = uuidv7(now) as InvoiceId
        const reference = p.kind === "credit_note" ? null : paymentReferenceFor(id, profile.iban)
        const invoice = new Invoice({
          id,
          orgId: p.orgId,
          eventId: p.eventId,
          kind: p.kind,
          number: `${profile.numberPrefixes[p.kind]}-${seriesYear}-${String(seq).padStart(6, "0")}`,
          seriesYear,
          seq,
          orderId: p.orderId as Invoice["orderId"],
          creditsInvoiceId: p.credits?.id ?? null,
          creditsInvoiceNumber: p.credits?.number ?? null,
          currency: p.currency,
          locale: p.locale,
          seller: {
            legalName: profile.legalName,
            addressLines: profile.addressLines,
            postcode: profile.postcode,
            town: profile.town,
            country: profile.country,
            vatNumber: profile.vatNumber,
            iban: profile.iban,
            footer: profile.footer,
          },
          buyer: p.buyer,
          ...p.amounts,
          paymentReference: reference?.reference ?? null,
          referenceType: reference?.type ?? null,
          memo: p.memo,
          timeZone: profile.timeZone,
          issuedAt: now,
          dueAt:
            p.dueAt !== undefined ? p.dueAt : p.kind === "credit_note" ? null : now + profile.paymentTermsDays * DAY,
          status: "open",
          paidAt: null,
          cancelledAt: null,
          createdAt: now,
          updatedAt: now,
        })
        const { status, paidAt, cancelledAt, lines, ...document } = invoice
        yield* sql`INSERT INTO invoices ${sql.insert({
          ...document,
          lineItems: JSON.stringify(lines),
          seller: JSON.stringify(invoice.seller),
          buyer: JSON.stringify(invoice.buyer),
          vatBreakdown: JSON.stringify(invoice.vatBreakdown),
        })}`
        yield* sql`INSERT INTO invoice_states ${sql.insert({
          invoiceId: id,
          orgId: p.orgId,
          status,
          paidAt,
          cancelledAt,
          createdAt: now,
          updatedAt: now,
        })}`
        yield* sql`UPDATE invoice_counters SET last_seq = ${seq}, updated_at = ${now}
          WHERE org_id = ${p.orgId} AND kind = ${p.kind} AND series_year = ${seriesYear}`
        yield* audit.record({
          action: p.kind === "credit_note" ? "credit_note.issued" : "invoice.issued",
          targetType: "invoice",
          targetId: id,
          orgId: p.orgId,
          eventId: p.eventId,
          data: { kind: p.kind, number: invoice.number, totalMinor: invoice.totalMinor, orderId: p.orderId },
        })
        return invoice
      })

    /** Checks that need no lock, then the locked transaction, retried when the engine gives up on a conflict. */
    const issuePrepared = (p: Prepared) =>
      Effect.gen(function* () {
        yield* mayWrite(p.orgId, p.eventId)
        if (p.buyer.vatNumber !== null && !isValidBuyerVatNumber(p.buyer.vatNumber)) {
          return yield* new InvalidVatNumber({
            detail: `"${p.buyer.vatNumber}" is not a VAT number (Swiss: CHE-123.456.788 MWST)`,
            field: "buyer.vatNumber",
          })
        }
        if (!isMinorUnits(p.amounts.subtotalMinor)) {
          return yield* new InvalidRequest({ detail: "The invoice amount is too large", field: "lines" })
        }
        const profile = yield* profiles.forIssue(p.orgId)
        if (profile === null) {
          return yield* new BillingProfileMissing({
            detail: "Set the organisation's billing profile (legal name, address, IBAN) before issuing invoices",
            orgId: p.orgId,
          })
        }
        return yield* issueLocked(p, profile).pipe(
          sql.withTransaction,
          retryConflicts,
          Effect.catchTag("AlreadyIssued", (e) => find(e.id)),
          Effect.catchTag("SqlError", Effect.die),
        )
      })

    /** The final invoice a credit note may credit: same organisation and currency. */
    const creditable = (id: string, orgId: OrgId, currency: string) =>
      Effect.gen(function* () {
        const invoice = yield* find(id).pipe(
          Effect.catchTag("NotFound", () =>
            Effect.fail(
              new InvalidRequest({ detail: "The credited invoice does not exist", field: "creditsInvoiceId" }),
            ),
          ),
        )
        if (invoice.kind !== "final" || invoice.orgId !== orgId || invoice.currency !== currency) {
          return yield* new InvalidRequest({
            detail: "A credit note credits a final invoice of the same organisation and currency",
            field: "creditsInvoiceId",
          })
        }
        return invoice
      })

    const unsupportedLocale = (locale: unknown) =>
      new UnsupportedLocale({
        detail: `Invoices are rendered in en, de, fr or it, not "${String(locale)}"`,
        locale: String(locale),
      })

    /** Any invoice: free-form lines (booth, tickets, extras), priced as orders are (gross, VAT per rate). */
    const issue = Effect.fn("Invoices.issue")(function* (input: IssueInvoiceInput) {
      if (input.locale !== undefined && !isLocale(input.locale)) return yield* unsupportedLocale(input.locale)
      const valid = yield* Effect.mapError(decodeIssue(input), invalidInput)
      const creditsId = valid.creditsInvoiceId ?? null
      if ((valid.kind === "credit_note") !== (creditsId !== null)) {
        return yield* new InvalidRequest({
          detail: "A credit note names the invoice it credits (creditsInvoiceId); other kinds do not",
          field: "creditsInvoiceId",
        })
      }
      const totals = priceOrder(valid.lines.map((line, i) => ({ ...line, ticketTypeId: String(i) })))
      return yield* issuePrepared({
        orgId: valid.orgId,
        eventId: valid.eventId ?? null,
        kind: valid.kind,
        locale: valid.locale,
        currency: valid.currency,
        buyer: valid.buyer,
        orderId: valid.orderId ?? null,
        credits: creditsId === null ? null : yield* creditable(creditsId, valid.orgId, valid.currency),
        dueAt: valid.dueAt,
        memo: valid.memo ?? null,
        oncePerOrder: false,
        amounts: {
          ...totals,
          lines: totals.lines.map(({ ticketTypeId: _, ...line }, i) => ({
            ...line,
            description: valid.lines[i]!.description,
          })),
        },
      })
    })

    /**
     * The invoice for an order, one line per ticket type named as in the catalogue, with the order's
     * own totals. A proforma or final invoice is issued once per order: asking again answers with
     * the first. A credit note credits the order's final invoice in full.
     */
    const issueForOrder = Effect.fn("Invoices.issueForOrder")(function* (
      order: Order,
      kind: InvoiceKind,
      billing?: BuyerInput,
      options: IssueOptions = {},
    ) {
      const buyer = yield* Effect.mapError(
        decodeBuyer(billing ?? { name: order.buyerName, email: order.buyerEmail }),
        invalidInput,
      )
      const base = {
        orgId: order.orgId,
        eventId: order.eventId,
        kind,
        locale: order.locale,
        currency: order.currency,
        buyer,
        orderId: order.id,
        dueAt: options.dueAt,
        memo: options.memo ?? null,
      }
      if (kind === "credit_note") {
        const [final] = (yield* list({ orgId: order.orgId, orderId: order.id, kind: "final", limit: 1 })).items
        if (final === undefined) {
          return yield* new InvalidStateTransition({
            detail: "This order has no final invoice to credit",
            from: "no_final_invoice",
            to: "credit_note",
          })
        }
        const { lines, subtotalMinor, discountMinor, totalMinor, vatMinor, vatBreakdown } = final
        return yield* issuePrepared({
          ...base,
          credits: final,
          oncePerOrder: false,
          amounts: { lines, subtotalMinor, discountMinor, totalMinor, vatMinor, vatBreakdown },
        })
      }
      const names = new Map((yield* ticketTypes.listForEvent(order.eventId)).map((t) => [t.id, t.name]))
      return yield* issuePrepared({
        ...base,
        credits: null,
        oncePerOrder: true,
        amounts: {
          lines: order.items.map((item) => ({
            description: names.get(item.ticketTypeId) ?? item.ticketTypeId,
            quantity: item.quantity,
            unitPriceMinor: item.unitPriceMinor,
            discountMinor: item.discountMinor,
            totalMinor: item.totalMinor,
            vatRateBp: item.vatRateBp,
          })),
          subtotalMinor: order.subtotalMinor,
          discountMinor: order.discountMinor,
          totalMinor: order.totalMinor,
          vatMinor: order.vatMinor,
          vatBreakdown: order.vatBreakdown,
        },
      })
    })

    const changeStatus = (id: InvoiceId, to: "paid" | "cancelled", allowedKinds: ReadonlyArray<InvoiceKind>) =>
      Effect.gen(function* () {
        const invoice = yield* find(id)
        yield* mayWrite(invoice.orgId, invoice.eventId)
        if (!allowedKinds.includes(invoice.kind)) {
          return yield* new InvalidStateTransition({
            detail: `A ${invoice.kind.replace("_", " ")} cannot be ${to}`,
            from: invoice.status,
            to,
          })
        }
        const now = yield* Clock.currentTimeMillis
        const changed = yield* Effect.gen(function* () {
          const n = yield* sql`UPDATE invoice_states SET status = ${to}, updated_at = ${now},
              ${to === "paid" ? sql`paid_at = ${now}` : sql`cancelled_at = ${now}`}
            WHERE invoice_id = ${id} AND status = 'open'`.raw.pipe(Effect.map(affectedRows))
          if (n === 1) {
            yield* audit.record({
              action: `${invoice.kind === "credit_note" ? "credit_note" : "invoice"}.${to}`,
              targetType: "invoice",
              targetId: id,
              orgId: invoice.orgId,
              eventId: invoice.eventId,
            })
          }
          return n === 1
        }).pipe(sql.withTransaction, retryConflicts, Effect.orDie)
        if (!changed) {
          const fresh = yield* find(id)
          return yield* new InvalidStateTransition({
            detail: `An invoice cannot go from ${fresh.status} to ${to}`,
            from: fresh.status,
            to,
          })
        }
        return yield* find(id)
      })

    /** Records that an invoice was paid (or a credit note's money went back). */
    const markPaid = Effect.fn("Invoices.markPaid")(function* (id: InvoiceId) {
      return yield* changeStatus(id, "paid", ["proforma", "final", "credit_note"])
    })

    /** Withdraws a proforma nobody will pay; a final invoice is corrected by a credit note instead. */
    const cancel = Effect.fn("Invoices.cancel")(function* (id: InvoiceId) {
      return yield* changeStatus(id, "cancelled", ["proforma"])
    })

    const renderHtml = Effect.fn("Invoices.renderHtml")(function* (id: InvoiceId) {
      const invoice = yield* find(id)
      return yield* layoutInvoice(invoice)
    })

    /** The document in any format; `locale` re-renders its labels in another language (the figures stay). */
    const render = Effect.fn("Invoices.render")(function* (
      id: InvoiceId,
      format: InvoiceFormat,
      options: { readonly locale?: Locale } = {},
    ) {
      const stored = yield* find(id)
      const invoice = options.locale === undefined ? stored : new Invoice({ ...stored, locale: options.locale })
      return yield* renderInvoice(invoice, format).pipe(Effect.provideService(BrowserPool, pool))
    })

    const renderPdf = Effect.fn("Invoices.renderPdf")(function* (id: InvoiceId) {
      return (yield* render(id, "pdf")).bytes
    })

    return {
      issue,
      issueForOrder,
      get,
      list,
      findByPaymentReference,
      markPaid,
      cancel,
      render,
      renderHtml,
      renderPdf,
    } as const
  }),
  dependencies: [BillingProfiles.Default, Audit.Default, TicketTypes.Default, BrowserPool.Default],
}) {}

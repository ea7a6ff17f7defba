import { createHash } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Option, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { Timestamp } from "../domain/Common.js"
import { type OrderId, type PaymentId, uuidv7 } from "../domain/Ids.js"
import { BankFileRejected } from "../domain/Payment.js"
import { InvalidRequest, InvalidStateTransition, NotFound } from "../domain/Problems.js"
import { Invoices } from "../invoices/Invoices.js"
import { Orders } from "../orders/Orders.js"
import { isUniqueViolation } from "../sql/Errors.js"
import { affectedRows, rowDecoder } from "../sql/Rows.js"
import { Caller, withCaller } from "../tenancy/Caller.js"
import { type CamtCredit, CamtRejected, parseCamt054 } from "./Camt054.js"
import { type BankCreditDecision, Payments } from "./Payments.js"

/** A credit as stored: matched to an invoice's payment, or waiting for a person with its reason. */
export class StoredBankCredit extends Schema.Class<StoredBankCredit>("StoredBankCredit")({
  id: Schema.String,
  importId: Schema.String,
  accountIban: Schema.String,
  bankRef: Schema.String,
  amountMinor: Schema.Number,
  currency: Schema.String,
  paymentReference: Schema.NullOr(Schema.String),
  debtorName: Schema.NullOr(Schema.String),
  bookedOn: Schema.NullOr(Schema.String),
  status: Schema.Literal("matched", "needs_review", "resolved"),
  reason: Schema.NullOr(Schema.String),
  orgId: Schema.NullOr(Schema.String),
  eventId: Schema.NullOr(Schema.String),
  invoiceId: Schema.NullOr(Schema.String),
  orderId: Schema.NullOr(Schema.String),
  paymentId: Schema.NullOr(Schema.String),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

const decodeCredit = rowDecoder(StoredBankCredit)

/**
 * A person's decision on a credit that waited for review: `applied` pays an order with it (the one it
 * was matched to, or the one named: a buyer who typed a wrong reference), accepting its amount as
 * paid (bank fees deducted, say); `returned` says the money went back through the bank;
 * `written_off` keeps it without an order (a donation, a fee). The note says why, for the audit.
 */
export type BankCreditResolution =
  | { readonly decision: "applied"; readonly orderId?: OrderId | undefined; readonly note: string }
  | { readonly decision: "returned" | "written_off"; readonly note: string }

export interface CreditOutcome {
  readonly bankRef: string
  readonly amountMinor: number
  readonly currency: string
  readonly paymentReference: string | null
  readonly status: "matched" | "needs_review" | "duplicate"
  readonly reason: string | null
  readonly orderId: string | null
  readonly invoiceNumber: string | null
}

export interface ImportSummary {
  readonly importId: string
  readonly fileHash: string
  readonly messageId: string
  readonly version: string
  /** True when this very file (same bytes) was imported before. */
  readonly seenBefore: boolean
  readonly matched: number
  readonly needsReview: number
  readonly duplicates: number
  readonly ignored: number
  readonly credits: ReadonlyArray<CreditOutcome>
}

/**
 * camt.054 imports (docs/payments.md, "Bank transfers"). The file is parsed whole before anything is
 * written, so a bad file changes nothing. Each credit is stored once, unique by the bank's reference
 * per account, in the same transaction as its effect: an exact match of an open invoice's QR
 * reference, amount and currency settles the payment through Payments (under the order's lock);
 * anything else waits for a person with its reason. Importing a file again, or one that overlaps,
 * finds its credits stored and changes nothing. An operations task: it runs as the system and is not
 * exposed on the API.
 */
export class BankImports extends Effect.Service<BankImports>()("sratix/payments/BankImports", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const payments = yield* Payments
    const invoices = yield* Invoices
    const orders = yield* Orders
    const audit = yield* Audit
    const system = withCaller(Caller.system("bank-import"))

    const creditRow = (
      importId: string,
      credit: CamtCredit,
      decision: { status: "matched" | "needs_review"; reason: string | null },
      links: { orgId?: string; eventId?: string | null; invoiceId?: string; orderId?: string; paymentId?: string },
      now: number,
    ) => ({
      id: uuidv7(now),
      importId,
      accountIban: credit.accountIban,
      bankRef: credit.bankRef,
      amountMinor: credit.amountMinor,
      currency: credit.currency,
      paymentReference: credit.paymentReference,
      debtorName: credit.debtorName?.slice(0, 140) ?? null,
      bookedOn: credit.bookedOn,
      status: decision.status,
      reason: decision.reason,
      orgId: links.orgId ?? null,
      eventId: links.eventId ?? null,
      invoiceId: links.invoiceId ?? null,
      orderId: links.orderId ?? null,
      paymentId: links.paymentId ?? null,
      createdAt: now,
      updatedAt: now,
    })

    const importOne = (importId: string, credit: CamtCredit) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const base = {
          bankRef: credit.bankRef,
          amountMinor: credit.amountMinor,
          currency: credit.currency,
          paymentReference: credit.paymentReference,
        }
        const known = yield* sql`SELECT 1 FROM bank_credits
          WHERE account_iban = ${credit.accountIban} AND bank_ref = ${credit.bankRef}`
        if (known.length > 0) {
          return { ...base, status: "duplicate", reason: null, orderId: null, invoiceNumber: null } as CreditOutcome
        }
        const invoice =
          credit.paymentReference === null
            ? Option.none()
            : yield* invoices.findByPaymentReference(credit.paymentReference).pipe(Effect.orDie)
        const payment = Option.isSome(invoice) ? yield* payments.forInvoice(invoice.value.id) : null
        if (Option.isNone(invoice) || payment === null) {
          const stored = yield* sql`INSERT INTO bank_credits ${sql.insert(
            creditRow(
              importId,
              credit,
              { status: "needs_review", reason: "unmatched" },
              Option.isSome(invoice)
                ? { orgId: invoice.value.orgId, eventId: invoice.value.eventId, invoiceId: invoice.value.id }
                : {},
              now,
            ),
          )}`.pipe(
            Effect.as(true),
            Effect.catchIf(isUniqueViolation, () => Effect.succeed(false)),
          )
          return {
            ...base,
            status: stored ? "needs_review" : "duplicate",
            reason: stored ? "unmatched" : null,
            orderId: null,
            invoiceNumber: Option.isSome(invoice) ? invoice.value.number : null,
          } as CreditOutcome
        }
        const decision: BankCreditDecision = yield* payments.receiveBankTransfer(
          payment.id as PaymentId,
          { amountMinor: credit.amountMinor, currency: credit.currency, bankRef: credit.bankRef },
          (decided, current) =>
            Effect.asVoid(
              sql`INSERT INTO bank_credits ${sql.insert(
                creditRow(
                  importId,
                  credit,
                  decided.status === "needs_review"
                    ? { status: "needs_review", reason: decided.reason }
                    : { status: "matched", reason: null },
                  {
                    orgId: current.orgId,
                    eventId: current.eventId,
                    invoiceId: invoice.value.id,
                    orderId: current.orderId,
                    paymentId: current.id,
                  },
                  now,
                ),
              )}`,
            ),
        )
        return {
          ...base,
          status: decision.status,
          reason: decision.status === "needs_review" ? decision.reason : null,
          orderId: payment.orderId,
          invoiceNumber: invoice.value.number,
        } as CreditOutcome
      })

    /** Imports one camt.054 file (its text); `fileName` is kept for the record. */
    const importFile = Effect.fn("BankImports.importFile")(
      function* (xml: string, fileName: string) {
        const notification = yield* Effect.try({
          try: () => parseCamt054(xml),
          catch: (e) =>
            new BankFileRejected({
              detail: e instanceof CamtRejected ? e.message : `The file could not be read: ${String(e)}`,
            }),
        })
        const fileHash = createHash("sha256").update(xml, "utf8").digest("hex")
        const now = yield* Clock.currentTimeMillis
        const [previous] = yield* sql<{ id: string }>`SELECT id FROM bank_imports WHERE file_hash = ${fileHash}`.pipe(
          Effect.orDie,
        )
        const importId = previous?.id ?? uuidv7(now)
        if (previous === undefined) {
          yield* sql`INSERT INTO bank_imports ${sql.insert({
            id: importId,
            fileHash,
            fileName: fileName.slice(0, 255),
            messageId: notification.messageId.slice(0, 255),
            schemaVersion: `camt.054.001.${notification.version}`,
            credits: notification.credits.length,
            matched: 0,
            needsReview: 0,
            duplicates: 0,
            createdAt: now,
            updatedAt: now,
          })}`.pipe(
            // The same file imported at the same moment elsewhere: its credits dedupe one by one below.
            Effect.catchIf(isUniqueViolation, () => Effect.void),
            Effect.orDie,
          )
        }
        const [stored] = yield* sql<{ id: string }>`SELECT id FROM bank_imports WHERE file_hash = ${fileHash}`.pipe(
          Effect.orDie,
        )
        const outcomes: Array<CreditOutcome> = []
        // One credit at a time, in file order: two credits of one order then queue on its lock in order.
        for (const credit of notification.credits) {
          outcomes.push(yield* importOne(stored?.id ?? importId, credit).pipe(Effect.orDie))
        }
        const count = (status: CreditOutcome["status"]) => outcomes.filter((o) => o.status === status).length
        const summary: ImportSummary = {
          importId: stored?.id ?? importId,
          fileHash,
          messageId: notification.messageId,
          version: `camt.054.001.${notification.version}`,
          seenBefore: previous !== undefined,
          matched: count("matched"),
          needsReview: count("needs_review"),
          duplicates: count("duplicate"),
          ignored: notification.ignored,
          credits: outcomes,
        }
        if (summary.matched + summary.needsReview > 0) {
          yield* Effect.gen(function* () {
            yield* sql`UPDATE bank_imports SET matched = matched + ${summary.matched},
              needs_review = needs_review + ${summary.needsReview}, duplicates = duplicates + ${summary.duplicates},
              updated_at = ${now} WHERE id = ${summary.importId}`
            yield* audit.record({
              action: "bank_import.imported",
              targetType: "bank_import",
              targetId: summary.importId,
              orgId: null,
              eventId: null,
              data: {
                fileHash,
                messageId: summary.messageId,
                matched: summary.matched,
                needsReview: summary.needsReview,
                duplicates: summary.duplicates,
              },
            })
          }).pipe(sql.withTransaction, Effect.orDie)
        }
        return summary
      },
      (effect) => system(effect),
    )

    /** Credits waiting for a person to decide, oldest first. */
    const awaitingReview = Effect.fn("BankImports.awaitingReview")(function* (limit = 500) {
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM bank_credits WHERE status = 'needs_review'
        ORDER BY id LIMIT ${limit}`.pipe(Effect.orDie)
      return yield* Effect.forEach(rows, decodeCredit).pipe(Effect.orDie)
    })

    const creditById = (id: string) =>
      Effect.flatMap(
        sql<Record<string, unknown>>`SELECT * FROM bank_credits WHERE id = ${id}`.pipe(Effect.orDie),
        (rows) =>
          rows[0] === undefined
            ? Effect.fail(new NotFound({ detail: "No such bank credit", resource: "bank-credit" }))
            : Effect.orDie(decodeCredit(rows[0])),
      )

    /**
     * Settles a credit awaiting review with a person's decision (BankCreditResolution). One
     * transaction claims the credit by a conditional update (two people deciding at once cannot both
     * act on it), pays the order when applied, and audits: if paying fails (paid meanwhile, cancelled)
     * nothing changes and the credit still waits.
     */
    const resolve = Effect.fn("BankImports.resolve")(
      function* (creditId: string, resolution: BankCreditResolution) {
        const note = resolution.note.trim()
        if (note.length === 0 || note.length > 500) {
          return yield* new InvalidRequest({ detail: "Say why, in 1 to 500 characters", field: "note" })
        }
        const credit = yield* creditById(creditId)
        if (credit.status !== "needs_review") {
          return yield* new InvalidStateTransition({
            detail: `This credit is ${credit.status}; only credits awaiting review can be resolved`,
            from: credit.status,
            to: "resolved",
          })
        }
        const order =
          resolution.decision === "applied"
            ? yield* Effect.gen(function* () {
                const orderId = resolution.orderId ?? credit.orderId
                if (orderId === null) {
                  return yield* new InvalidRequest({ detail: "Name the order this money pays", field: "orderId" })
                }
                const found = yield* orders.find(orderId as OrderId)
                if (found.currency !== credit.currency) {
                  return yield* new InvalidRequest({
                    detail: `The order is in ${found.currency}, the credit in ${credit.currency}`,
                    field: "orderId",
                  })
                }
                return found
              })
            : null
        const now = yield* Clock.currentTimeMillis
        yield* Effect.gen(function* () {
          const claimed = yield* sql`UPDATE bank_credits SET status = 'resolved', updated_at = ${now},
            order_id = ${order?.id ?? credit.orderId}, org_id = ${order?.orgId ?? credit.orgId},
            event_id = ${order?.eventId ?? credit.eventId}
            WHERE id = ${credit.id} AND status = 'needs_review'`.raw.pipe(Effect.map(affectedRows))
          if (claimed === 0) {
            return yield* new InvalidStateTransition({
              detail: "Someone resolved this credit meanwhile",
              from: "resolved",
              to: "resolved",
            })
          }
          if (order !== null) {
            yield* payments.markPaid(order.eventId, order.id, {
              amountMinor: credit.amountMinor,
              reference: `bank credit ${credit.bankRef}`,
            })
          }
          yield* audit.record({
            action: "bank_credit.resolved",
            targetType: "bank_credit",
            targetId: credit.id,
            orgId: order?.orgId ?? credit.orgId,
            eventId: order?.eventId ?? credit.eventId,
            data: {
              decision: resolution.decision,
              note,
              reason: credit.reason,
              orderId: order?.id ?? null,
              amountMinor: credit.amountMinor,
              currency: credit.currency,
            },
          })
        }).pipe(sql.withTransaction, Effect.catchTag("SqlError", Effect.die))
        return yield* creditById(credit.id)
      },
      (effect) => system(effect),
    )

    return { importFile, awaitingReview, resolve } as const
  }),
  dependencies: [Payments.Default, Invoices.Default, Orders.Default, Audit.Default],
}) {}

import { SqlClient } from "@effect/sql"
import { Clock, Effect, type Layer } from "effect"
import type { EventId, OrgId } from "../domain/Ids.js"
import { uuidv7 } from "../domain/Ids.js"
import { Forbidden, InvalidRequest } from "../domain/Problems.js"
import { DatabaseInfo } from "../sql/Database.js"
import { isRetryableConflict } from "../sql/Errors.js"
import { rowDecoder } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"
import { Caller, can, canSomewhere } from "../tenancy/Caller.js"
import {
  chainVerifier,
  entryHash,
  GENESIS_HASH,
  LedgerEntry,
  type LedgerEntryType,
  type LedgerFinding,
  type LedgerVatLine,
} from "./Chain.js"

export interface AppendLedgerEntry {
  readonly orgId: OrgId
  readonly eventId?: EventId | null
  /** Numbering series inside the organisation, e.g. `invoices-2026`; seq runs 1, 2, 3, … per series. */
  readonly series: string
  readonly entryType: LedgerEntryType
  readonly orderId?: string | null
  /** Signed minor units: a charge is positive, a refund or credit note negative. */
  readonly amountMinor: number
  readonly currency: string
  readonly vat?: ReadonlyArray<LedgerVatLine>
  /** External reference: Stripe charge or refund id, invoice number, camt entry reference. */
  readonly reference?: string | null
  readonly memo?: string | null
}

export interface LedgerVerification {
  readonly entries: number
  readonly series: number
  readonly findings: ReadonlyArray<LedgerFinding>
}

const decode = rowDecoder(LedgerEntry, { json: ["vat"] })
const DEFAULT_PAGE = 1000

/**
 * The append-only, hash-chained invoice ledger (docs/ledger.md). `append` takes the series' head
 * row with a locking write (FOR UPDATE semantics on MariaDB; SQLite serialises transactions), so
 * concurrent appends to one series queue up and each gets the next seq and the hash of the one
 * before it. Triggers on both engines refuse UPDATE and DELETE of entries; `verify` finds any
 * change made around them.
 */
export class Ledger extends Effect.Service<Ledger>()("sratix/ledger/Ledger", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { dialect } = yield* DatabaseInfo

    const takeHead = (orgId: string, series: string, now: number) =>
      Effect.gen(function* () {
        const head = { orgId, series, lastSeq: 0, lastHash: GENESIS_HASH, createdAt: now, updatedAt: now }
        // Creating the head and locking it in one statement: on MariaDB a plain INSERT IGNORE would take a
        // shared lock on a duplicate and let two waiters deadlock on the upgrade; ON DUPLICATE KEY UPDATE
        // takes the exclusive lock straight away.
        yield* dialect === "mysql"
          ? sql`INSERT INTO invoice_ledger_heads ${sql.insert(head)} ON DUPLICATE KEY UPDATE last_seq = last_seq`
          : sql`INSERT INTO invoice_ledger_heads ${sql.insert(head)} ON CONFLICT (org_id, series) DO NOTHING`
        // A locking read sees the latest committed head whatever snapshot the transaction holds.
        const rows = yield* sql<{ lastSeq: number | bigint; lastHash: string }>`SELECT last_seq, last_hash
          FROM invoice_ledger_heads WHERE org_id = ${orgId} AND series = ${series}
          ${dialect === "mysql" ? sql`FOR UPDATE` : sql``}`
        const row = rows[0]
        return { lastSeq: Number(row?.lastSeq ?? 0), lastHash: row?.lastHash ?? GENESIS_HASH }
      })

    const appendLocked = (input: AppendLedgerEntry) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const head = yield* takeHead(input.orgId, input.series, now)
        const fields = {
          id: uuidv7(now),
          orgId: input.orgId,
          eventId: input.eventId ?? null,
          series: input.series,
          seq: head.lastSeq + 1,
          entryType: input.entryType,
          orderId: input.orderId ?? null,
          amountMinor: input.amountMinor,
          currency: input.currency,
          vat: input.vat ?? [],
          reference: input.reference ?? null,
          memo: input.memo ?? null,
          prevHash: head.lastHash,
          createdAt: now,
          updatedAt: now,
        }
        const entry = new LedgerEntry({ ...fields, hash: entryHash(fields) })
        yield* sql`INSERT INTO invoice_ledger ${sql.insert({ ...entry, vat: JSON.stringify(entry.vat) })}`
        yield* sql`UPDATE invoice_ledger_heads SET last_seq = ${entry.seq}, last_hash = ${entry.hash},
          updated_at = ${now} WHERE org_id = ${entry.orgId} AND series = ${entry.series}`
        return entry
      }).pipe(sql.withTransaction)

    const invalid = (field: string, detail: string) => new InvalidRequest({ field, detail })

    const append = Effect.fn("Ledger.append")(function* (input: AppendLedgerEntry) {
      const caller = yield* Caller
      if (!can(caller, "orders.write", { orgId: input.orgId, eventId: input.eventId ?? null })) {
        return yield* new Forbidden({ detail: "Writing to this ledger is not allowed", permission: "orders.write" })
      }
      if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/.test(input.series)) {
        return yield* invalid("series", "A series is 1-100 letters, digits or . _ : -")
      }
      if (!/^[A-Z]{3}$/.test(input.currency)) return yield* invalid("currency", "An ISO 4217 code such as CHF")
      const integers = [input.amountMinor, ...(input.vat ?? []).flatMap((l) => [l.rateBp, l.grossMinor, l.vatMinor])]
      if (!integers.every(Number.isSafeInteger)) return yield* invalid("amountMinor", "Amounts are whole minor units")
      return yield* appendLocked(input).pipe(
        // MariaDB may still pick a waiter as a deadlock victim when a series is created under a rush.
        Effect.retry({ while: isRetryableConflict, times: 5 }),
        Effect.orDie,
      )
    })

    /** Walks every visible series (or one organisation's, or one series) in seq order, a page at a time. */
    const verify = Effect.fn("Ledger.verify")(function* (
      filter: {
        readonly orgId?: OrgId
        readonly series?: string
        /** Entries read per query; memory stays flat whatever the ledger's size. */
        readonly pageSize?: number
      } = {},
    ) {
      const caller = yield* Caller
      const allowed =
        filter.orgId === undefined
          ? canSomewhere(caller, "orders.read")
          : can(caller, "orders.read", { orgId: filter.orgId })
      if (!allowed)
        return yield* new Forbidden({ detail: "Reading this ledger is not allowed", permission: "orders.read" })
      const scope = yield* tenantScope(sql)
      const page = Math.max(1, filter.pageSize ?? DEFAULT_PAGE)
      const findings: Array<LedgerFinding> = []
      let entries = 0
      let seriesCount = 0
      let currentKey: string | null = null
      let chain = chainVerifier()
      let after: LedgerEntry | null = null
      while (true) {
        const rows: ReadonlyArray<Record<string, unknown>> = yield* sql<Record<string, unknown>>`SELECT
            id, org_id, event_id, series, seq, entry_type, order_id, amount_minor, currency, vat, reference, memo,
            prev_hash, hash, created_at, updated_at FROM invoice_ledger
          WHERE ${scope}
            ${filter.orgId !== undefined ? sql`AND org_id = ${filter.orgId}` : sql``}
            ${filter.series !== undefined ? sql`AND series = ${filter.series}` : sql``}
            ${after !== null ? sql`AND (org_id, series, seq) > (${after.orgId}, ${after.series}, ${after.seq})` : sql``}
          ORDER BY org_id, series, seq LIMIT ${page}`.pipe(Effect.orDie)
        for (const row of rows) {
          const entry = yield* decode(row)
          const key = JSON.stringify([entry.orgId, entry.series])
          if (currentKey !== key) {
            currentKey = key
            chain = chainVerifier()
            seriesCount++
          }
          findings.push(...chain.push(entry))
          entries++
          after = entry
        }
        if (rows.length < page) break
      }
      return { entries, series: seriesCount, findings } satisfies LedgerVerification
    })

    return { append, verify } as const
  }),
}) {}

export const LedgerLive: Layer.Layer<Ledger, never, SqlClient.SqlClient | DatabaseInfo> = Ledger.Default

import { SqlClient } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Clock, Effect, type Layer, Option, Stream } from "effect"
import type { EventId, OrgId } from "../domain/Ids.js"
import { uuidv7 } from "../domain/Ids.js"
import { Forbidden, InvalidRequest } from "../domain/Problems.js"
import { DatabaseInfo, type Dialect } from "../sql/Database.js"
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

/** Which part of the ledger to read: everything the caller may see, one organisation, or one series. */
export interface LedgerScope {
  readonly orgId?: OrgId
  readonly series?: string
  /** Entries read per query; memory stays flat whatever the ledger's size. */
  readonly pageSize?: number
}

/** A scope narrowed to entries created in `[from, to)`, epoch milliseconds. */
export interface LedgerRange extends LedgerScope {
  readonly from?: number
  readonly to?: number
}

/** One page of the chain walk: its entry count, how many series began in it, and its findings. */
export interface ChainPage {
  readonly entries: number
  readonly newSeries: number
  readonly findings: ReadonlyArray<LedgerFinding>
}

export interface LedgerVerification {
  readonly entries: number
  readonly series: number
  readonly findings: ReadonlyArray<LedgerFinding>
}

const decode = rowDecoder(LedgerEntry, { json: ["vat"] })

/**
 * `AND (org_id, series, seq) > key`, written so that each engine reads it as a range of the unique
 * index: SQLite plans a row value as one, but scans the index for the spelled-out OR; MariaDB is the
 * other way round (it scans from the start for a row value, so every page would cost more than the last).
 */
export const keysetAfter = (
  sql: SqlClient.SqlClient,
  dialect: Dialect,
  key: { readonly orgId: string; readonly series: string; readonly seq: number },
): Fragment =>
  dialect === "sqlite"
    ? sql`AND (org_id, series, seq) > (${key.orgId}, ${key.series}, ${key.seq})`
    : sql`AND (org_id > ${key.orgId} OR (org_id = ${key.orgId} AND (series > ${key.series}
        OR (series = ${key.series} AND seq > ${key.seq}))))`
const DEFAULT_PAGE = 1000
const COLUMNS = `id, org_id, event_id, series, seq, entry_type, order_id, amount_minor, currency, vat, reference, memo,
  prev_hash, hash, created_at, updated_at`

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

    const canRead = (orgId: OrgId | undefined) =>
      Effect.gen(function* () {
        const caller = yield* Caller
        const allowed =
          orgId === undefined ? canSomewhere(caller, "orders.read") : can(caller, "orders.read", { orgId })
        if (!allowed)
          return yield* new Forbidden({ detail: "Reading this ledger is not allowed", permission: "orders.read" })
        return yield* tenantScope(sql)
      })

    const selection = (scope: Fragment, filter: LedgerRange) =>
      sql`${scope}
        ${filter.orgId !== undefined ? sql`AND org_id = ${filter.orgId}` : sql``}
        ${filter.series !== undefined ? sql`AND series = ${filter.series}` : sql``}
        ${filter.from !== undefined ? sql`AND created_at >= ${filter.from}` : sql``}
        ${filter.to !== undefined ? sql`AND created_at < ${filter.to}` : sql``}`

    const afterKey = (e: LedgerEntry) => keysetAfter(sql, dialect, e)

    /**
     * The visible ledger (or one organisation's, or one series', optionally within a creation-time range)
     * in `(org_id, series, seq)` order, one element per page of `pageSize` entries: keyset pagination on
     * the unique key, so each page is an index range and memory stays flat whatever the ledger's size.
     */
    const pages = (filter: LedgerRange = {}): Stream.Stream<ReadonlyArray<LedgerEntry>, Forbidden, Caller> =>
      Stream.unwrap(
        Effect.map(canRead(filter.orgId), (scope) => {
          const size = Math.max(1, filter.pageSize ?? DEFAULT_PAGE)
          return Stream.paginateEffect(null as LedgerEntry | null, (after) =>
            sql<Record<string, unknown>>`SELECT ${sql.literal(COLUMNS)} FROM invoice_ledger
              WHERE ${selection(scope, filter)} ${after === null ? sql`` : afterKey(after)}
              ORDER BY org_id, series, seq LIMIT ${size}`.pipe(
              Effect.orDie,
              Effect.flatMap((rows) => Effect.forEach(rows, decode)),
              Effect.map((entries) => {
                const last = entries[entries.length - 1]
                return [entries, entries.length === size && last ? Option.some(last) : Option.none()] as const
              }),
            ),
          ).pipe(Stream.filter((page) => page.length > 0))
        }),
      ).pipe(Stream.withSpan("Ledger.pages"))

    /** How many entries `pages(filter)` will walk: one COUNT(*), for progress bars. */
    const count = Effect.fn("Ledger.count")(function* (filter: LedgerRange = {}) {
      const scope = yield* canRead(filter.orgId)
      const rows = yield* sql<{ n: number | bigint }>`SELECT COUNT(*) AS n FROM invoice_ledger
        WHERE ${selection(scope, filter)}`.pipe(Effect.orDie)
      return Number(rows[0]?.n ?? 0)
    })

    /**
     * The chain walk over `pages`, one element per page: a fresh `chainVerifier` at every series
     * boundary (pages may end inside a series or between two), so findings stream out in constant memory.
     */
    const walk = (filter: LedgerScope = {}): Stream.Stream<ChainPage, Forbidden, Caller> =>
      Stream.suspend(() => {
        let currentKey: string | null = null
        let chain = chainVerifier()
        return Stream.map(pages(filter), (page): ChainPage => {
          const findings: Array<LedgerFinding> = []
          let newSeries = 0
          for (const entry of page) {
            const key = JSON.stringify([entry.orgId, entry.series])
            if (currentKey !== key) {
              currentKey = key
              chain = chainVerifier()
              newSeries++
            }
            for (const finding of chain.push(entry)) findings.push(finding)
          }
          return { entries: page.length, newSeries, findings }
        })
      })

    /** Walks every visible series (or one organisation's, or one series) and collects every finding. */
    const verify = Effect.fn("Ledger.verify")(function* (filter: LedgerScope = {}) {
      return yield* Stream.runFold(
        walk(filter),
        { entries: 0, series: 0, findings: [] as Array<LedgerFinding> },
        (acc, page) => {
          acc.entries += page.entries
          acc.series += page.newSeries
          acc.findings.push(...page.findings)
          return acc
        },
      ) satisfies Effect.Effect<LedgerVerification, Forbidden, Caller>
    })

    return { append, pages, count, walk, verify } as const
  }),
}) {}

export const LedgerLive: Layer.Layer<Ledger, never, SqlClient.SqlClient | DatabaseInfo> = Ledger.Default

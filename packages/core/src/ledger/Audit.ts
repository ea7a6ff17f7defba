import { SqlClient } from "@effect/sql"
import { Chunk, Context, Effect, Layer, Stream } from "effect"
import type { Forbidden } from "../domain/Problems.js"
import { DatabaseInfo } from "../sql/Database.js"
import type { Caller } from "../tenancy/Caller.js"
import type { LedgerFinding } from "./Chain.js"
import { Ledger, type LedgerScope } from "./Ledger.js"

/** The ledger entry a finding is about. */
export interface AuditEntryRef {
  readonly id: string
  readonly orgId: string
  readonly series: string
  readonly seq: number
}

/** One thing wrong, as `sratix ledger audit` prints it. */
export interface AuditFinding {
  /** The check that found it: `triggers`, `chain`, or an additional check's name. */
  readonly check: string
  /** What is wrong, stable for scripts: `trigger_missing`, `hash_mismatch`, `seq_gap`, … */
  readonly kind: string
  /** The entry concerned; `null` when the finding is about the ledger as a whole (a missing trigger). */
  readonly entry: AuditEntryRef | null
  /** One line for a person, naming what was expected. */
  readonly message: string
}

/** What a check's stream may use; the audit provides the database and the caller's scope. */
export type AuditCheckServices = SqlClient.SqlClient | DatabaseInfo | Caller

/**
 * A check of the ledger beyond its own chain, e.g. "ledger sums match payments" or "invoice numbers
 * have no gaps". `run` streams findings for the part of the ledger in `scope` (all of it, one
 * organisation, one series); it must page through its tables (never load them whole), read only what
 * the caller may see (`tenantScope`), and turn SQL failures into defects. Register a check in
 * `Layers.ts` with `ledgerAuditWithChecks([...])`; docs/ledger.md lists them.
 */
export interface AuditCheck {
  /** Short and stable, e.g. `payments`: it names the check in every finding and in the report. */
  readonly name: string
  /** One line saying what the check proves. */
  readonly description: string
  readonly run: (scope: LedgerScope) => Stream.Stream<AuditFinding, Forbidden, AuditCheckServices>
}

/** The additional checks the audit runs after the built-in ones; none unless a layer provides some. */
export class LedgerAuditChecks extends Context.Reference<LedgerAuditChecks>()("sratix/ledger/LedgerAuditChecks", {
  defaultValue: (): ReadonlyArray<AuditCheck> => [],
}) {}

export interface AuditProgress {
  /** Ledger entries whose chain has been verified so far. */
  readonly checked: number
  /** Entries in scope, counted once (`COUNT(*)`) before the walk; entries appended meanwhile may push `checked` past it. */
  readonly total: number
}

export interface AuditOptions extends LedgerScope {
  /** Called before the walk, after every page, and at the end. */
  readonly onProgress?: (progress: AuditProgress) => void
  /** Called with every finding as it is found, also those past `keep`. */
  readonly onFinding?: (finding: AuditFinding) => void
  /** Findings kept in the report (default 1,000); the rest are only counted, so memory stays bounded. */
  readonly keep?: number
}

export interface AuditReport {
  /** Checks run, in order. */
  readonly checks: ReadonlyArray<string>
  readonly entries: number
  readonly series: number
  /** Every finding, including those not kept. */
  readonly findingCount: number
  readonly findingsByCheck: Readonly<Record<string, number>>
  /** The first `keep` findings, in the order found. */
  readonly findings: ReadonlyArray<AuditFinding>
  readonly truncated: boolean
}

export const DEFAULT_KEPT_FINDINGS = 1000

const LEDGER_TABLE = "invoice_ledger"
const guarded = ["UPDATE", "DELETE"] as const

const short = (hash: string) => `${hash.slice(0, 12)}…`

const chainMessage = (f: LedgerFinding): string => {
  switch (f.kind) {
    case "hash_mismatch":
      return `stored hash ${short(f.actual)} is not the hash of the entry's fields (${short(f.expected)}): the entry was changed`
    case "prev_link_broken":
      return `prev_hash ${short(f.actual)} is not the previous entry's hash (${short(f.expected)}): an entry before it was removed or changed`
    case "seq_gap":
      return `seq ${f.actual} where ${f.expected} was expected: entries are missing before it`
    case "seq_duplicate":
      return `seq ${f.actual} appears twice`
  }
}

export const chainAuditFinding = (f: LedgerFinding): AuditFinding => ({
  check: "chain",
  kind: f.kind,
  entry: { id: f.entryId, orgId: f.orgId, series: f.series, seq: f.seq },
  message: chainMessage(f),
})

const normalised = (text: string) => text.replace(/\s+/g, " ").trim().toLowerCase()

/**
 * Whether a stored trigger unconditionally refuses `op` on the ledger, whatever its name: BEFORE the
 * operation, for every row (no `WHEN`, no `UPDATE OF column`), and its body only aborts. A trigger
 * rewritten to let rows through counts as missing.
 */
const sqliteRefuses = (op: (typeof guarded)[number], createSql: string) =>
  new RegExp(
    `^create trigger (if not exists )?\\S+ before ${op.toLowerCase()} on "?${LEDGER_TABLE}"? (for each row )?` +
      `begin select raise ?\\( ?(abort|fail|rollback) ?, ?'[^']*' ?\\) ?; ?end;?$`,
  ).test(normalised(createSql))

// SQLSTATE classes 00-02 are success, warning and no-data: a SIGNAL with them lets the statement run.
const mysqlRefuses = (statement: string) =>
  /^signal sqlstate (value )?'(?!0[0-2])[0-9a-z]{5}'/.test(normalised(statement))

/** The append-only triggers of migration 0003 (`appendOnlyTriggers`), read back from the engine's catalogue. */
const triggersCheck: AuditCheck = {
  name: "triggers",
  description: `${LEDGER_TABLE} has triggers that refuse every UPDATE and DELETE`,
  run: () =>
    Stream.fromIterableEffect(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const { dialect } = yield* DatabaseInfo
        const refusing = new Set<string>()
        if (dialect === "sqlite") {
          const rows = yield* sql<{ sql: string | null }>`SELECT sql FROM sqlite_master
            WHERE type = 'trigger' AND tbl_name = ${LEDGER_TABLE}`
          for (const op of guarded) if (rows.some((r) => r.sql !== null && sqliteRefuses(op, r.sql))) refusing.add(op)
        } else {
          const rows = yield* sql<{ event: string; timing: string; orientation: string; statement: string }>`SELECT
              EVENT_MANIPULATION AS event, ACTION_TIMING AS timing, ACTION_ORIENTATION AS orientation,
              ACTION_STATEMENT AS statement
            FROM information_schema.TRIGGERS
            WHERE EVENT_OBJECT_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = ${LEDGER_TABLE}`
          for (const r of rows) {
            if (r.timing === "BEFORE" && r.orientation === "ROW" && mysqlRefuses(r.statement)) refusing.add(r.event)
          }
        }
        return guarded
          .filter((op) => !refusing.has(op))
          .map(
            (op): AuditFinding => ({
              check: "triggers",
              kind: "trigger_missing",
              entry: null,
              message:
                `no trigger refuses ${op} on ${LEDGER_TABLE} (expected ${LEDGER_TABLE}_no_${op.toLowerCase()}): ` +
                "entries can be changed without the database stopping it",
            }),
          )
      }).pipe(Effect.orDie),
    ),
}

/**
 * `sratix ledger audit`: the triggers exist, every chain verifies (`Ledger.walk`), then every check
 * registered in `LedgerAuditChecks`. Findings stream out as they are found; the report keeps the
 * first `keep` and counts the rest, so a badly damaged million-entry ledger audits in flat memory.
 */
export class LedgerAudit extends Effect.Service<LedgerAudit>()("sratix/ledger/LedgerAudit", {
  effect: Effect.gen(function* () {
    const ledger = yield* Ledger
    const sql = yield* SqlClient.SqlClient
    const info = yield* DatabaseInfo
    const additional = yield* LedgerAuditChecks
    const names = [triggersCheck.name, "chain", ...additional.map((c) => c.name)]

    const provided = <A, E>(stream: Stream.Stream<A, E, AuditCheckServices>) =>
      stream.pipe(Stream.provideService(SqlClient.SqlClient, sql), Stream.provideService(DatabaseInfo, info))

    const run = Effect.fn("LedgerAudit.run")(function* (options: AuditOptions = {}) {
      const { onProgress, onFinding, keep = DEFAULT_KEPT_FINDINGS, ...scope } = options
      const total = yield* ledger.count(scope)
      let checked = 0
      let series = 0
      onProgress?.({ checked, total })
      const chain = ledger.walk(scope).pipe(
        Stream.tap((page) =>
          Effect.sync(() => {
            checked += page.entries
            series += page.newSeries
            onProgress?.({ checked, total })
          }),
        ),
        Stream.mapConcat((page) => page.findings.map(chainAuditFinding)),
      )
      const all = Stream.concatAll(
        Chunk.make(provided(triggersCheck.run(scope)), chain, ...additional.map((check) => provided(check.run(scope)))),
      )
      const kept: Array<AuditFinding> = []
      const byCheck: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]))
      let count = 0
      yield* Stream.runForEach(all, (finding) =>
        Effect.sync(() => {
          count++
          byCheck[finding.check] = (byCheck[finding.check] ?? 0) + 1
          if (kept.length < keep) kept.push(finding)
          onFinding?.(finding)
        }),
      )
      onProgress?.({ checked, total: Math.max(total, checked) })
      return {
        checks: names,
        entries: checked,
        series,
        findingCount: count,
        findingsByCheck: byCheck,
        findings: kept,
        truncated: count > kept.length,
      } satisfies AuditReport
    })

    return { run, checks: names } as const
  }),
  dependencies: [Ledger.Default],
}) {}

/**
 * The audit with additional `checks`, run in the given order after the built-in ones. A fresh
 * instance: layers are shared by reference, and the plain `LedgerAudit.Default` may already have
 * been built without them.
 */
export const ledgerAuditWithChecks = (
  checks: ReadonlyArray<AuditCheck>,
): Layer.Layer<LedgerAudit, never, SqlClient.SqlClient | DatabaseInfo> =>
  Layer.fresh(LedgerAudit.DefaultWithoutDependencies).pipe(
    Layer.provide(Layer.merge(Ledger.Default, Layer.succeed(LedgerAuditChecks, checks))),
  )

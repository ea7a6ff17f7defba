/**
 * Ledger audit benchmark (issue 4): `sratix ledger audit` over a 1,000,000-entry ledger, with the
 * process's memory sampled throughout to show that it stays flat, beside a same-run baseline: the
 * same keyset-paged SELECT of every row through the same SqlClient, without decoding or verifying.
 *
 *   npm run bench:ledger-audit                                   # SQLite
 *   SRATIX_BENCH_MYSQL_URL=mysql://user:pass@host:port npm run bench:ledger-audit   # SQLite, then MariaDB
 *
 * The ledger is filled with raw multi-row INSERTs whose hash chains are computed here with the core's
 * own `entryHash` (the triggers refuse only UPDATE and DELETE), so every entry is valid and the audit
 * must report zero findings; the run fails otherwise.
 * Knobs (env): SRATIX_BENCH_ENTRIES (1,000,000), SRATIX_BENCH_SERIES (20, spread over 4 organisations),
 * SRATIX_BENCH_PAGE (1,000, the audit's page size), SRATIX_BENCH_ENGINES (sqlite,mysql).
 * Run with `node --expose-gc` (the npm script does) so the start figure is taken after a collection.
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { SqlClient } from "@effect/sql"
import {
  type AuditReport,
  Caller,
  CoreServices,
  Database,
  entryHash,
  environmentLayer,
  GENESIS_HASH,
  keysetAfter,
  LedgerAudit,
  type LedgerEntryType,
  loadEnvironment,
  migrate,
  Organizations,
  uuidv7,
} from "@sratix/core"
import BetterSqlite3 from "better-sqlite3"
import { Effect, Layer, ManagedRuntime } from "effect"
import mysql from "mysql2/promise"

const int = (name: string, fallback: number) => {
  const raw = process.env[name]
  const value = raw === undefined || raw === "" ? fallback : Number(raw)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`)
  return value
}

const ENTRIES = int("SRATIX_BENCH_ENTRIES", 1_000_000)
const SERIES = int("SRATIX_BENCH_SERIES", 20)
const PAGE = int("SRATIX_BENCH_PAGE", 1_000)
const ORGS = Math.min(4, SERIES)
const MYSQL_BASE = (process.env.SRATIX_BENCH_MYSQL_URL || "").replace(/\/+$/, "")
const ENGINES = (process.env.SRATIX_BENCH_ENGINES || "sqlite,mysql").split(",").map((e) => e.trim())
const SECRET = randomBytes(32).toString("hex")
const T0 = Date.parse("2026-01-01T00:00:00Z")

const log = (message: string) => process.stderr.write(`[ledger-audit ${new Date().toISOString()}] ${message}\n`)
const gc = (globalThis as { gc?: () => void }).gc

// ---------------------------------------------------------------------------------------------
// Memory: RSS and heap, sampled on every page and every 100 ms

interface MemorySample {
  readonly atMs: number
  readonly rss: number
  readonly heapUsed: number
}

interface MemoryProfile {
  readonly start: MemorySample
  readonly peak: { readonly rss: number; readonly heapUsed: number }
  readonly end: MemorySample
  /** RSS and heap at 10 %, 50 % and 90 % of the run's samples. */
  readonly along: ReadonlyArray<MemorySample>
  readonly samples: number
  /**
   * Heap still reachable after a full collection, at every tenth of the rows: `heapUsed` above also
   * counts garbage V8 has not collected yet, which grows until the next major GC whatever the code holds.
   */
  readonly live: ReadonlyArray<{ readonly rows: number; readonly heapUsed: number }>
}

const sampler = () => {
  gc?.()
  const started = performance.now()
  const samples: Array<MemorySample> = []
  const live: Array<{ rows: number; heapUsed: number }> = []
  const take = () => {
    const m = process.memoryUsage()
    samples.push({ atMs: performance.now() - started, rss: m.rss, heapUsed: m.heapUsed })
  }
  take()
  const timer = setInterval(take, 100)
  let nextTenth = 0
  /** Called after every page with the rows read so far. */
  const rows = (n: number) => {
    take()
    if (gc && n >= nextTenth) {
      gc()
      live.push({ rows: n, heapUsed: process.memoryUsage().heapUsed })
      nextTenth = n + ENTRIES / 10
    }
  }
  return {
    rows,
    stop: (): MemoryProfile => {
      clearInterval(timer)
      take()
      const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!
      return {
        start: samples[0]!,
        peak: {
          rss: Math.max(...samples.map((s) => s.rss)),
          heapUsed: Math.max(...samples.map((s) => s.heapUsed)),
        },
        end: samples[samples.length - 1]!,
        along: [at(0.1), at(0.5), at(0.9)],
        samples: samples.length,
        live,
      }
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Filling: valid chains computed in memory, written with multi-row INSERTs

const COLUMNS = [
  "id",
  "org_id",
  "event_id",
  "series",
  "seq",
  "entry_type",
  "order_id",
  "amount_minor",
  "currency",
  "vat",
  "reference",
  "memo",
  "prev_hash",
  "hash",
  "created_at",
  "updated_at",
] as const

type RowValues = Array<string | number | null>

/**
 * Entry i goes to series i mod SERIES with the next seq, 30 s after entry i-1: series interleave in
 * time, as charges of several organisations do, so the keyset walk does not follow insertion order.
 */
function* ledgerRows(orgIds: ReadonlyArray<string>): Generator<RowValues> {
  const heads = Array.from({ length: SERIES }, () => ({ seq: 0, hash: GENESIS_HASH }))
  for (let i = 0; i < ENTRIES; i++) {
    const s = i % SERIES
    const head = heads[s]!
    const at = T0 + i * 30_000
    const refund = i % 10 === 9
    const gross = refund ? -7900 : 7900 + (i % 7) * 100
    const entryType: LedgerEntryType = refund ? "refund" : "charge"
    const fields = {
      id: uuidv7(at),
      orgId: orgIds[s % orgIds.length]!,
      eventId: null,
      series: `series-${s}`,
      seq: head.seq + 1,
      entryType,
      orderId: null,
      amountMinor: gross,
      currency: "CHF",
      vat: [{ rateBp: 810, grossMinor: gross, vatMinor: Math.round((gross * 810) / 10_810) }],
      reference: `cs_test_${i}`,
      memo: refund ? "Refund on request" : null,
      prevHash: head.hash,
      createdAt: at,
      updatedAt: at,
    }
    const hash = entryHash(fields)
    heads[s] = { seq: fields.seq, hash }
    yield [
      fields.id,
      fields.orgId,
      fields.eventId,
      fields.series,
      fields.seq,
      fields.entryType,
      fields.orderId,
      fields.amountMinor,
      fields.currency,
      JSON.stringify(fields.vat),
      fields.reference,
      fields.memo,
      fields.prevHash,
      hash,
      fields.createdAt,
      fields.updatedAt,
    ]
  }
}

function* batches<A>(items: Iterable<A>, size: number): Generator<Array<A>> {
  let batch: Array<A> = []
  for (const item of items) {
    batch.push(item)
    if (batch.length === size) {
      yield batch
      batch = []
    }
  }
  if (batch.length > 0) yield batch
}

const fillSqlite = (file: string, orgIds: ReadonlyArray<string>) => {
  const db = new BetterSqlite3(file)
  db.pragma("journal_mode = WAL")
  db.pragma("synchronous = NORMAL")
  const ROWS = 100 // 16 × 100 parameters, well inside SQLite's limit
  const placeholders = (n: number) => Array.from({ length: n }, () => `(${COLUMNS.map(() => "?").join(",")})`).join(",")
  const insert = db.prepare(`INSERT INTO invoice_ledger (${COLUMNS.join(",")}) VALUES ${placeholders(ROWS)}`)
  const many = db.transaction((rows: Array<RowValues>) => {
    for (const chunk of batches(rows, ROWS)) {
      if (chunk.length === ROWS) insert.run(chunk.flat())
      else
        db.prepare(`INSERT INTO invoice_ledger (${COLUMNS.join(",")}) VALUES ${placeholders(chunk.length)}`).run(
          chunk.flat(),
        )
    }
  })
  for (const rows of batches(ledgerRows(orgIds), 50_000)) many(rows)
  db.close()
}

const fillMysql = async (pool: mysql.Pool, orgIds: ReadonlyArray<string>) => {
  for (const rows of batches(ledgerRows(orgIds), 2_000)) {
    await pool.query(`INSERT INTO invoice_ledger (${COLUMNS.join(",")}) VALUES ?`, [rows])
  }
}

// ---------------------------------------------------------------------------------------------
// Measurements

interface Timed {
  readonly rows: number
  readonly seconds: number
  readonly memory: MemoryProfile
}

/** The baseline: the audit's own SQL and keyset, through the same SqlClient, rows counted and dropped. */
const bareSelect = (onPage: (rows: number) => void) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { dialect } = yield* Database.DatabaseInfo
    let after: { orgId: string; series: string; seq: number } | null = null
    let rows = 0
    while (true) {
      const page: ReadonlyArray<Record<string, unknown>> = yield* sql<Record<string, unknown>>`SELECT
        ${sql.literal(COLUMNS.join(", "))} FROM invoice_ledger WHERE 1=1
        ${after === null ? sql`` : keysetAfter(sql, dialect, after)}
        ORDER BY org_id, series, seq LIMIT ${PAGE}`
      rows += page.length
      onPage(rows)
      const last = page[page.length - 1]
      if (page.length < PAGE || !last) break
      after = { orgId: String(last.orgId), series: String(last.series), seq: Number(last.seq) }
    }
    return rows
  })

interface EngineResult {
  readonly engine: string
  readonly entries: number
  readonly fillSeconds: number
  readonly bare: ReadonlyArray<Timed>
  readonly audit: Timed & { readonly report: Omit<AuditReport, "findings"> }
}

const results: Array<EngineResult> = []
const failures: Array<string> = []

const measure = async (engine: string, databaseUrl: string, fill: (orgIds: ReadonlyArray<string>) => Promise<void>) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-bench-ledger-"))
  const environment = loadEnvironment({
    DATABASE_URL: databaseUrl,
    SRATIX_DATA_DIR: dataDir,
    SRATIX_SECRET: SECRET,
    SRATIX_LOG_LEVEL: "error",
  })
  const runtime = ManagedRuntime.make(
    CoreServices.pipe(
      Layer.provideMerge(environmentLayer(environment, new TextEncoder().encode(SECRET))),
      Layer.provideMerge(Caller.layerSystem("bench")),
    ),
  )
  try {
    const orgIds = await runtime.runPromise(
      Effect.gen(function* () {
        yield* migrate
        const orgs = yield* Organizations
        const ids: Array<string> = []
        for (let i = 0; i < ORGS; i++) {
          const slug = `bench-${i}-${randomBytes(3).toString("hex")}`
          ids.push((yield* orgs.create({ name: `Bench ${i}`, slug })).id)
        }
        return ids.sort()
      }).pipe(Effect.orDie),
    )
    log(`${engine}: filling ${ENTRIES.toLocaleString("en")} entries in ${SERIES} series`)
    const fillStarted = performance.now()
    await fill(orgIds)
    const fillSeconds = (performance.now() - fillStarted) / 1000
    log(`${engine}: filled in ${fillSeconds.toFixed(1)} s`)

    const timed = async (name: string, run: (onPage: (rows: number) => void) => Promise<number>): Promise<Timed> => {
      const memory = sampler()
      const started = performance.now()
      const rows = await run(memory.rows)
      const seconds = (performance.now() - started) / 1000
      const profile = memory.stop()
      log(`${engine} ${name}: ${rows} rows in ${seconds.toFixed(1)} s`)
      return { rows, seconds, memory: profile }
    }
    const bare = () => timed("bare SELECT", (onPage) => runtime.runPromise(bareSelect(onPage).pipe(Effect.orDie)))
    const first = await bare()
    let report: AuditReport | undefined
    const audit = await timed("audit", async (onPage) => {
      report = await runtime.runPromise(
        Effect.flatMap(LedgerAudit, (a) => a.run({ pageSize: PAGE, onProgress: (p) => onPage(p.checked) })),
      )
      return report.entries
    })
    const second = await bare()
    const { findings, ...summary } = report!
    if (summary.findingCount !== 0) {
      failures.push(
        `${engine}: ${summary.findingCount} findings on a valid ledger, first: ${JSON.stringify(findings[0])}`,
      )
    }
    if (summary.entries !== ENTRIES) failures.push(`${engine}: audited ${summary.entries} of ${ENTRIES} entries`)
    results.push({ engine, entries: ENTRIES, fillSeconds, bare: [first, second], audit: { ...audit, report: summary } })
  } finally {
    await runtime.dispose()
    fs.rmSync(dataDir, { recursive: true, force: true })
  }
}

const runSqlite = async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-bench-ledger-db-"))
  const file = path.join(dir, "ledger.db")
  try {
    await measure("SQLite", `sqlite:${file}`, async (orgIds) => fillSqlite(file, orgIds))
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const runMysql = async () => {
  const name = `sratix_bench_${randomBytes(4).toString("hex")}`
  const admin = await mysql.createConnection(MYSQL_BASE)
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  const pool = mysql.createPool({ uri: `${MYSQL_BASE}/${name}`, connectionLimit: 2 })
  try {
    await measure("MariaDB", `${MYSQL_BASE}/${name}`, (orgIds) => fillMysql(pool, orgIds))
  } finally {
    await pool.end().catch(() => undefined)
    await admin.query(`DROP DATABASE IF EXISTS ${name}`).catch((e) => log(`could not drop ${name}: ${e}`))
    await admin.end().catch(() => undefined)
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`

const report = (startedAt: number) => {
  const out: Array<string> = [
    "",
    `ledger-audit — ${ENTRIES.toLocaleString("en")} entries, ${SERIES} series over ${ORGS} organisations, ` +
      `pages of ${PAGE}, ${os.cpus().length} CPUs, Node ${process.version}${gc ? "" : " (no --expose-gc)"}`,
  ]
  for (const r of results) {
    const bareBest = Math.min(...r.bare.map((b) => b.seconds))
    out.push("")
    out.push(
      `${r.engine}: filled in ${r.fillSeconds.toFixed(1)} s (${Math.round(r.entries / r.fillSeconds)} entries/s)`,
    )
    const line = (name: string, t: Timed) =>
      `  ${name.padEnd(14)} ${t.seconds.toFixed(1).padStart(6)} s  ${Math.round(t.rows / t.seconds)
        .toLocaleString("en")
        .padStart(
          9,
        )} rows/s   RSS ${mb(t.memory.start.rss)} → peak ${mb(t.memory.peak.rss)} → end ${mb(t.memory.end.rss)}` +
      `   heap ${mb(t.memory.start.heapUsed)} → peak ${mb(t.memory.peak.heapUsed)} → end ${mb(t.memory.end.heapUsed)}` +
      `   (at 10/50/90 %: RSS ${t.memory.along.map((s) => mb(s.rss)).join(" / ")}, heap ${t.memory.along
        .map((s) => mb(s.heapUsed))
        .join(" / ")}; live heap after GC per tenth: ${t.memory.live.map((l) => mb(l.heapUsed)).join(" ")})`
    out.push(line("bare SELECT", r.bare[0]!))
    out.push(line("audit", r.audit))
    out.push(line("bare SELECT", r.bare[1]!))
    out.push(
      `  audit ÷ bare (time, best bare): ${(r.audit.seconds / bareBest).toFixed(2)}; findings ${r.audit.report.findingCount}, ` +
        `series ${r.audit.report.series}`,
    )
  }
  out.push("")
  out.push(
    failures.length === 0
      ? "OK: every entry audited, zero findings"
      : `FAILED:\n${failures.map((f) => `  - ${f}`).join("\n")}`,
  )
  out.push(`total ${((Date.now() - startedAt) / 1000).toFixed(1)} s`)
  process.stdout.write(`${out.join("\n")}\n`)
  process.stdout.write(
    `${JSON.stringify({
      bench: "ledger-audit",
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      config: { entries: ENTRIES, series: SERIES, orgs: ORGS, page: PAGE },
      results,
      failures,
      ok: failures.length === 0,
    })}\n`,
  )
}

const main = async () => {
  const startedAt = Date.now()
  try {
    if (ENGINES.includes("sqlite")) await runSqlite()
    if (ENGINES.includes("mysql") && MYSQL_BASE) await runMysql()
  } catch (e) {
    failures.push(`aborted: ${(e as Error)?.stack ?? e}`)
  }
  report(startedAt)
  process.exitCode = failures.length === 0 ? 0 : 1
  setTimeout(() => process.exit(), 2_000).unref()
}

await main()

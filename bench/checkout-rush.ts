/**
 * Checkout rush benchmark (issue 2): thousands of distinct buyers race for one ticket type over
 * the real HTTP API, on SQLite and on MariaDB, beside ceilings measured in the same run on the
 * same database:
 *   (a) raw driver transactions: decrement one capacity row + insert one order row,
 *   (b) raw single-row `UPDATE … SET remaining = remaining - 1 WHERE remaining > 0`, autocommit,
 *   (c) a bare node:http JSON endpoint in its own process (req/s), against which the public
 *       availability read is compared.
 * The server and the bare endpoint run as child processes; this process is only the load
 * generator (undici pools with keep-alive). Exits non-zero on any oversell, 5xx or transport error.
 *
 *   SRATIX_BENCH_MYSQL_URL=mysql://user:pass@host:port npm run bench:checkout-rush
 *
 * Sizing: each rush gets a ticket type sized from its own warm-up rate so that selling out takes about
 * SRATIX_BENCH_TARGET_SECONDS (8) — between 1,000 and 3,000 seats — and twice as many buyers.
 * Knobs (env): SRATIX_BENCH_CAPACITY (fixed capacity instead), SRATIX_BENCH_BUYERS (2 × capacity),
 * SRATIX_BENCH_CONCURRENCY (64), SRATIX_BENCH_PHASE_SECONDS (20), SRATIX_BENCH_CEILING_SECONDS (5),
 * SRATIX_BENCH_DB_POOL (20, the server's own pool size), SRATIX_BENCH_ENGINES (sqlite,mysql),
 * SRATIX_BENCH_MYSQL_BUCKETS (1,8), SRATIX_BENCH_CEILINGS (0 skips the raw ceilings),
 * SRATIX_BENCH_CPU_PROF (a folder: each server child writes CPU profiles of exactly the rush and the
 * reads there, e.g. mariadb-http-rush-1-bucket.1.cpuprofile; summarise with bench/profile-summary.ts).
 */
import { execFileSync } from "node:child_process"
import { createHash, randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import {
  Caller,
  CoreServices,
  type EventId,
  Events,
  environmentLayer,
  loadEnvironment,
  migrate,
  Organizations,
  type TicketTypeId,
  TicketTypes,
} from "@sratix/core"
import BetterSqlite3 from "better-sqlite3"
import { Effect, Layer, ManagedRuntime } from "effect"
import mysql from "mysql2/promise"
import { Pool as HttpPool } from "undici"
import {
  mysqlServerSequence,
  mysqlTransactions,
  mysqlUpdates,
  sqliteTransactions,
  sqliteUpdates,
} from "./lib/ceilings.js"
import { type Child, cpuSeconds, killAllChildren, startChild } from "./lib/children.js"
import { hammer, type LoadResult, percentile } from "./lib/load.js"

// ---------------------------------------------------------------------------------------------
// Configuration

const int = (name: string, fallback: number) => {
  const raw = process.env[name]
  const value = raw === undefined || raw === "" ? fallback : Number(raw)
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`)
  return value
}

const FIXED_CAPACITY = process.env.SRATIX_BENCH_CAPACITY ? int("SRATIX_BENCH_CAPACITY", 0) : null
const FIXED_BUYERS = process.env.SRATIX_BENCH_BUYERS ? int("SRATIX_BENCH_BUYERS", 0) : null
const TARGET_SECONDS = int("SRATIX_BENCH_TARGET_SECONDS", 8)
const MIN_CAPACITY = 1_000
const MAX_CAPACITY = 3_000
const CONCURRENCY = int("SRATIX_BENCH_CONCURRENCY", 64)
const PHASE_MS = int("SRATIX_BENCH_PHASE_SECONDS", 20) * 1000
const CEILING_MS = int("SRATIX_BENCH_CEILING_SECONDS", 5) * 1000
const DB_POOL = int("SRATIX_BENCH_DB_POOL", 20)
const MAX_TOTAL_MS = int("SRATIX_BENCH_MAX_SECONDS", 300) * 1000
const MYSQL_BUCKETS = (process.env.SRATIX_BENCH_MYSQL_BUCKETS || "1,8").split(",").map(Number)
const CEILINGS = process.env.SRATIX_BENCH_CEILINGS !== "0"
const CEILING_OPS = 200_000
const READS = 200_000
const WARMUP = 400
const CPU_PROF = process.env.SRATIX_BENCH_CPU_PROF ? path.resolve(process.env.SRATIX_BENCH_CPU_PROF) : undefined
const MYSQL_BASE = (process.env.SRATIX_BENCH_MYSQL_URL || process.env.SRATIX_TEST_MYSQL_URL || "").replace(/\/+$/, "")
const ENGINES = (process.env.SRATIX_BENCH_ENGINES || "sqlite,mysql").split(",").map((e) => e.trim())
const SECRET = randomBytes(32).toString("hex")

// ---------------------------------------------------------------------------------------------
// Which code is measured: the server children compile packages/*/src when they start, so an edit
// during the run would mix versions. Fingerprint the sources at start and end and say so.

const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..")

const sourceFingerprint = () => {
  const hash = createHash("sha256")
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (entry.name.endsWith(".ts")) hash.update(full).update(fs.readFileSync(full))
    }
  }
  for (const pkg of ["core", "server"]) walk(path.join(repoRoot, "packages", pkg, "src"))
  return hash.digest("hex").slice(0, 16)
}

const git = (...args: Array<string>) => {
  try {
    return execFileSync("git", args, { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
  } catch {
    return ""
  }
}

// ---------------------------------------------------------------------------------------------
// Safety: bounded in time; children always killed by pid.

const watchdog = setTimeout(() => {
  console.error(`checkout-rush: exceeded ${MAX_TOTAL_MS / 1000} s, aborting`)
  killAllChildren()
  process.exit(2)
}, MAX_TOTAL_MS)
watchdog.unref()
process.on("exit", killAllChildren)
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killAllChildren()
    process.exit(130)
  })
}

// ---------------------------------------------------------------------------------------------
// Results

interface Row {
  readonly engine: string
  readonly name: string
  readonly rate: number
  readonly unit: string
  readonly p50: number
  readonly p99: number
  readonly ok: number
  readonly soldOut: number
  readonly serverErrors: number
  readonly other: number
  readonly seconds: number
  /** Server child CPU time (user + system) per request during the phase. */
  readonly cpuMsPerRequest: number | null
  readonly note: string
}

interface Diagnostics {
  readonly cpuMsPerRequest: number
  readonly extra: string
}

const rows: Array<Row> = []
const failures: Array<string> = []
const verifications: Array<Record<string, unknown>> = []

const count = (r: LoadResult, f: (o: number) => boolean) => [...r.outcomes].reduce((n, [o, c]) => (f(o) ? n + c : n), 0)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const log = (message: string) => process.stderr.write(`[checkout-rush ${new Date().toISOString()}] ${message}\n`)

// ---------------------------------------------------------------------------------------------
// Seeding through the core services (the same code the API calls)

interface Seeded {
  readonly eventId: EventId
  readonly ticketTypeId: TicketTypeId
  readonly capacity: number
}

/** A published event with one priced ticket type of `capacity` seats in `buckets` bucket rows. */
const seedEvent = async (
  databaseUrl: string,
  buckets: number,
  dataDir: string,
  capacity: number,
  kind: "warm" | "rush",
): Promise<Seeded> => {
  const environment = loadEnvironment({
    DATABASE_URL: databaseUrl,
    SRATIX_DATA_DIR: dataDir,
    SRATIX_SECRET: SECRET,
    SRATIX_INVENTORY_BUCKETS: String(buckets),
    SRATIX_LOG_LEVEL: "error",
  })
  const runtime = ManagedRuntime.make(
    CoreServices.pipe(
      Layer.provideMerge(environmentLayer(environment, new TextEncoder().encode(SECRET))),
      Layer.provideMerge(Caller.layerSystem("bench")),
    ),
  )
  const slug = `${kind}-${randomBytes(4).toString("hex")}`
  try {
    return await runtime.runPromise(
      Effect.gen(function* () {
        yield* migrate
        const events = yield* Events
        const org = yield* Effect.flatMap(Organizations, (o) => o.create({ name: `Bench ${slug}`, slug }))
        const draft = yield* events.create(org.id, {
          slug,
          name: `Checkout rush ${slug}`,
          startsAt: Date.parse("2027-03-01T08:00:00Z"),
          endsAt: Date.parse("2027-03-01T18:00:00Z"),
          timezone: "Europe/Zurich",
          currency: "CHF",
        })
        const event = yield* events.update(draft.id, { status: "published" })
        const ticketType = yield* Effect.flatMap(TicketTypes, (t) =>
          t.create(event, {
            name: "Regular",
            priceMinor: 7900,
            vatRateBp: 810,
            capacity,
            minPerOrder: 1,
            maxPerOrder: 10,
            visibility: "public",
            sortOrder: 0,
          }),
        )
        return { eventId: event.id, ticketTypeId: ticketType.id, capacity }
      }).pipe(Effect.orDie),
    )
  } finally {
    await runtime.dispose()
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP phases

const orderBody = (ticketTypeId: string, i: number) =>
  JSON.stringify({
    items: [{ ticketTypeId, quantity: 1 }],
    buyer: { email: `buyer${i}@example.com`, name: `Buyer ${i}` },
    locale: "en",
  })

let problemSample: string | null = null

const placeOrders = (http: HttpPool, eventId: string, ticketTypeId: string, total: number, offset: number) =>
  hammer({
    concurrency: CONCURRENCY,
    total,
    maxMs: PHASE_MS,
    isSuccess: (s) => s === 201,
    op: async (i) => {
      const response = await http.request({
        method: "POST",
        path: `/api/v1/public/events/${eventId}/orders`,
        headers: { "content-type": "application/json" },
        body: orderBody(ticketTypeId, offset + i),
      })
      const text = await response.body.text()
      if (response.statusCode !== 201 && response.statusCode !== 409) {
        problemSample ??= `${response.statusCode} ${text.slice(0, 500)}`
      }
      return response.statusCode
    },
  })

const getMany = (http: HttpPool, pathname: string, total: number, maxMs: number) =>
  hammer({
    concurrency: CONCURRENCY,
    total,
    maxMs,
    isSuccess: (s) => s === 200,
    op: async () => {
      const response = await http.request({ method: "GET", path: pathname })
      await response.body.text()
      return response.statusCode
    },
  })

const httpPool = (url: string) =>
  new HttpPool(url, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 60_000 })

const recordRush = (engine: string, name: string, r: LoadResult, d: Diagnostics) => {
  const sellingSeconds = r.lastSuccessMs / 1000
  const serverErrors = count(r, (o) => o >= 500)
  const other = count(r, (o) => o !== 201 && o !== 409 && !(o >= 500))
  rows.push({
    engine,
    name,
    rate: r.successes / sellingSeconds,
    unit: "orders/s",
    p50: percentile(r.successLatencies, 50),
    p99: percentile(r.successLatencies, 99),
    ok: r.successes,
    soldOut: r.outcomes.get(409) ?? 0,
    serverErrors,
    other,
    seconds: r.elapsedMs / 1000,
    cpuMsPerRequest: d.cpuMsPerRequest,
    note:
      d.extra +
      `all ${r.attempted} responses: ${(r.attempted / (r.elapsedMs / 1000)).toFixed(0)} req/s, ` +
      `p50 ${percentile(r.latencies, 50).toFixed(1)} / p99 ${percentile(r.latencies, 99).toFixed(1)} ms` +
      (r.truncated ? "; TRUNCATED at the phase limit" : ""),
  })
  if (serverErrors > 0) failures.push(`${engine} ${name}: ${serverErrors} responses with 5xx (${problemSample})`)
  if (other > 0) failures.push(`${engine} ${name}: ${other} unexpected responses (${problemSample ?? r.errorSample})`)
}

const recordReads = (engine: string, name: string, r: LoadResult, d?: Diagnostics) => {
  const bad = r.attempted - r.successes
  rows.push({
    engine,
    name,
    rate: r.successes / (r.elapsedMs / 1000),
    unit: "req/s",
    p50: percentile(r.latencies, 50),
    p99: percentile(r.latencies, 99),
    ok: r.successes,
    soldOut: 0,
    serverErrors: count(r, (o) => o >= 500),
    other: count(r, (o) => o < 500 && o !== 200),
    seconds: r.elapsedMs / 1000,
    cpuMsPerRequest: d?.cpuMsPerRequest ?? null,
    note: d?.extra ?? "",
  })
  if (bad > 0) failures.push(`${engine} ${name}: ${bad} failed reads (${r.errorSample ?? "non-200"})`)
}

/** The MariaDB server's pid when it runs on this machine (for its CPU share); null otherwise. */
let mariadbPid: number | null = null

/**
 * CPU used during a phase, in % of one core: this process (the load generator / raw client), the
 * server child (if any) and MariaDB (if local).
 */
const cpuMeter = (serverPid?: number) => {
  const self = process.cpuUsage()
  const server = serverPid === undefined ? Number.NaN : cpuSeconds(serverPid)
  const db = mariadbPid === null ? Number.NaN : cpuSeconds(mariadbPid)
  const started = performance.now()
  return () => {
    const wall = (performance.now() - started) / 1000
    const used = process.cpuUsage(self)
    const pct = (seconds: number) => (100 * seconds) / wall
    const parts = [`client ${pct((used.user + used.system) / 1e6).toFixed(0)} %`]
    const serverSeconds = serverPid === undefined ? Number.NaN : cpuSeconds(serverPid) - server
    if (Number.isFinite(serverSeconds)) parts.push(`server ${pct(serverSeconds).toFixed(0)} %`)
    if (mariadbPid !== null) parts.push(`MariaDB ${pct(cpuSeconds(mariadbPid) - db).toFixed(0)} %`)
    return { serverSeconds, text: `CPU (% of one core): ${parts.join(", ")}` }
  }
}

/** MariaDB's row-lock counters (server-wide), when measuring on MariaDB. */
let lockStats: (() => Promise<LockStats>) | null = null

const lockText = (before: LockStats | undefined, after: LockStats | undefined) =>
  before && after
    ? `InnoDB row-lock waits ${after.waits - before.waits} ` +
      `(${((after.timeMs - before.timeMs) / 1000).toFixed(1)} s waited in all, server-wide)`
    : ""

const withCpu = async <A>(run: () => Promise<A> | A): Promise<[A, string]> => {
  const locksBefore = await lockStats?.()
  const stop = cpuMeter()
  const result = await run()
  const cpu = stop().text
  const locks = lockText(locksBefore, await lockStats?.())
  return [result, locks ? `${cpu}; ${locks}` : cpu]
}

const recordCeiling = (engine: string, name: string, r: LoadResult, note: string) => {
  rows.push({
    engine,
    name,
    rate: r.successes / (r.elapsedMs / 1000),
    unit: "commits/s",
    p50: percentile(r.latencies, 50),
    p99: percentile(r.latencies, 99),
    ok: r.successes,
    soldOut: 0,
    serverErrors: 0,
    other: r.attempted - r.successes,
    seconds: r.elapsedMs / 1000,
    cpuMsPerRequest: null,
    note,
  })
  if (r.errorSample) failures.push(`${engine} ${name}: ${r.errorSample}`)
}

// ---------------------------------------------------------------------------------------------
// Verification: sold = capacity exactly (or = the number of 201s if the phase was cut short)

interface LockStats {
  readonly waits: number
  readonly timeMs: number
}

type Query = (statement: string, params: ReadonlyArray<unknown>) => Promise<Record<string, unknown>>

const verify = async (
  engine: string,
  name: string,
  query: Query,
  http: HttpPool,
  seeded: Seeded,
  buyers: number,
  rush: LoadResult,
) => {
  const { ticketTypeId: id, capacity: CAPACITY } = seeded
  const n = async (statement: string) => Number(Object.values(await query(statement, [id]))[0] ?? 0)
  const remaining = await n("SELECT COALESCE(SUM(remaining), 0) AS n FROM inventory_buckets WHERE ticket_type_id = ?")
  const sold = await n("SELECT COALESCE(SUM(quantity), 0) AS n FROM order_items WHERE ticket_type_id = ?")
  const held = await n(
    "SELECT COALESCE(SUM(quantity), 0) AS n FROM holds WHERE ticket_type_id = ? AND state IN ('active', 'converted')",
  )
  const response = await http.request({ method: "GET", path: `/api/v1/public/events/${seeded.eventId}/availability` })
  const availability = (await response.body.json()) as { ticketTypes: Array<{ id: string; available: number }> }
  const available = availability.ticketTypes.find((t) => t.id === id)?.available ?? Number.NaN
  const complete = !rush.truncated && buyers >= CAPACITY
  const problems: Array<string> = []
  if (sold > CAPACITY || remaining < 0) problems.push(`OVERSELL: sold ${sold} of ${CAPACITY}, remaining ${remaining}`)
  if (sold !== rush.successes) problems.push(`sold ${sold} in the database but ${rush.successes} buyers got 201`)
  if (remaining !== CAPACITY - sold) problems.push(`remaining ${remaining} ≠ capacity ${CAPACITY} − sold ${sold}`)
  if (held !== sold) problems.push(`held ${held} ≠ sold ${sold}`)
  if (available !== remaining) problems.push(`availability endpoint says ${available}, database ${remaining}`)
  if (complete && sold !== CAPACITY) problems.push(`rush completed but sold ${sold} ≠ capacity ${CAPACITY}`)
  verifications.push({ engine, name, capacity: CAPACITY, sold, held, remaining, available, ok: problems.length === 0 })
  for (const p of problems) failures.push(`${engine} ${name}: ${p}`)
  log(
    `${engine} ${name}: sold ${sold}/${CAPACITY}, remaining ${remaining}, availability ${available}` +
      (problems.length === 0 ? " — exact" : ` — ${problems.join("; ")}`),
  )
}

// ---------------------------------------------------------------------------------------------
// One rush against a fresh server child

const serverEnv = (databaseUrl: string, dataDir: string, buckets: number): Record<string, string | undefined> => ({
  ...process.env,
  REDIS_URL: undefined,
  NODE_ENV: "production",
  PORT: "0",
  HOST: "127.0.0.1",
  SRATIX_DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl,
  SRATIX_SECRET: SECRET,
  SRATIX_LOG_LEVEL: "error",
  SRATIX_INVENTORY_BUCKETS: String(buckets),
})

const rushPhase = async (
  engine: string,
  name: string,
  databaseUrl: string,
  dataDir: string,
  buckets: number,
  query: Query,
  withReads: boolean,
) => {
  const warmup = await seedEvent(databaseUrl, buckets, dataDir, WARMUP, "warm")
  log(`${engine} ${name}: starting the server child`)
  const profilePrefix = CPU_PROF && path.join(CPU_PROF, `${engine}-${name}`.toLowerCase().replace(/[^a-z0-9]+/g, "-"))
  const env = { ...serverEnv(databaseUrl, dataDir, buckets), SRATIX_BENCH_CPU_PROF: profilePrefix }
  const server = await startChild("serve.ts", env)
  let profiles = 0
  /**
   * Runs one measured phase, bracketed by the server child's CPU profiler when asked for, and
   * measures the server's CPU time per request and (MariaDB) row-lock waits during it.
   */
  const measured = async (phase: () => Promise<LoadResult>): Promise<[LoadResult, Diagnostics]> => {
    if (profilePrefix) {
      process.kill(server.pid, "SIGUSR2")
      await sleep(200)
    }
    const locksBefore = await lockStats?.()
    const stopCpu = cpuMeter(server.pid)
    const result = await phase()
    const cpuUse = stopCpu()
    const cpu = cpuUse.serverSeconds
    const locksAfter = await lockStats?.()
    if (profilePrefix) {
      process.kill(server.pid, "SIGUSR2")
      const file = `${profilePrefix}.${++profiles}.cpuprofile`
      for (let i = 0; i < 100 && !fs.existsSync(file); i++) await sleep(100)
      log(`CPU profile: ${file}`)
    }
    const locks = lockText(locksBefore, locksAfter)
    const extra = `${cpuUse.text}; ${locks ? `${locks}; ` : ""}`
    return [result, { cpuMsPerRequest: (1000 * cpu) / Math.max(1, result.attempted), extra }]
  }
  const http = httpPool(server.url)
  try {
    // Warm-up on a separate event (JIT, connection pools, prepared statements); its selling rate
    // sizes the rush so that it sells out in about TARGET_SECONDS.
    const warm = await placeOrders(http, warmup.eventId, warmup.ticketTypeId, WARMUP, 1_000_000)
    if (count(warm, (o) => o !== 201) > 0) {
      failures.push(`${engine} ${name}: warm-up orders failed (${problemSample})`)
    }
    await getMany(http, `/api/v1/public/events/${warmup.eventId}/availability`, 1_000, 3_000)
    const warmRate = warm.successes / Math.max(0.001, warm.lastSuccessMs / 1000)
    const capacity =
      FIXED_CAPACITY ??
      Math.min(MAX_CAPACITY, Math.max(MIN_CAPACITY, Math.round((warmRate * TARGET_SECONDS) / 100) * 100))
    const buyers = FIXED_BUYERS ?? 2 * capacity
    const seeded = await seedEvent(databaseUrl, buckets, dataDir, capacity, "rush")
    log(
      `${engine} ${name}: warm-up sold at ${warmRate.toFixed(0)}/s; rush of ${buyers} buyers on ${capacity} seats, ` +
        `${CONCURRENCY} in flight`,
    )
    const [rush, diagnostics] = await measured(() => placeOrders(http, seeded.eventId, seeded.ticketTypeId, buyers, 0))
    recordRush(engine, name, rush, {
      ...diagnostics,
      extra: `${capacity} seats, ${buyers} buyers; ${diagnostics.extra}`,
    })
    await verify(engine, name, query, http, seeded, buyers, rush)
    if (withReads) {
      log(`${engine}: availability reads`)
      const [reads, readDiagnostics] = await measured(() =>
        getMany(http, `/api/v1/public/events/${seeded.eventId}/availability`, READS, CEILING_MS),
      )
      recordReads(engine, "GET availability", reads, readDiagnostics)
      // The framework floor: the same middleware and one trivial query (SELECT 1), no domain work.
      const [health, healthDiagnostics] = await measured(() => getMany(http, "/api/v1/health", READS, CEILING_MS))
      recordReads(engine, "GET health (floor)", health, healthDiagnostics)
    }
  } finally {
    await http.close()
    await server.stop()
  }
}

// ---------------------------------------------------------------------------------------------
// Engines

const runSqlite = async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-bench-"))
  const file = path.join(dir, "bench.db")
  const url = `sqlite:${file}`
  try {
    fs.mkdirSync(path.join(dir, "data"))
    let db: BetterSqlite3.Database | undefined
    const query: Query = async (statement, params) => {
      db ??= new BetterSqlite3(file, { readonly: true })
      return db.prepare(statement).get(...params) as Record<string, unknown>
    }
    await rushPhase("SQLite", "HTTP rush", url, path.join(dir, "data"), 1, query, true)
    db?.close()
    if (!CEILINGS) return
    log("SQLite: raw ceilings (better-sqlite3, same file, WAL, synchronous=NORMAL)")
    const raw = new BetterSqlite3(file)
    try {
      raw.pragma("journal_mode = WAL")
      raw.pragma("synchronous = NORMAL")
      raw.pragma("busy_timeout = 10000")
      const a = sqliteTransactions(raw, { total: CEILING_OPS, maxMs: CEILING_MS })
      recordCeiling("SQLite", "(a) raw tx: decrement + insert", a, "better-sqlite3, one connection, BEGIN IMMEDIATE")
      const b = sqliteUpdates(raw, { total: CEILING_OPS, maxMs: CEILING_MS })
      recordCeiling("SQLite", "(b) raw UPDATE … WHERE remaining > 0", b, "better-sqlite3, one connection, autocommit")
    } finally {
      raw.close()
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const runMysql = async () => {
  const name = `sratix_bench_${randomBytes(5).toString("hex")}`
  const admin = await mysql.createConnection({ uri: MYSQL_BASE })
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-bench-"))
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  const url = `${MYSQL_BASE}/${name}`
  const pool = mysql.createPool({ uri: url, connectionLimit: DB_POOL, waitForConnections: true, queueLimit: 0 })
  try {
    try {
      const [result] = await pool.query("SELECT @@pid_file AS f")
      const pid = Number(fs.readFileSync((result as Array<{ f: string }>)[0]!.f, "utf8").trim())
      if (Number.isFinite(cpuSeconds(pid))) mariadbPid = pid
    } catch {
      // MariaDB on another host or pid file unreadable: no DB CPU figures
    }
    const query: Query = async (statement, params) => {
      const [result] = await pool.query(statement, params as Array<unknown>)
      return (result as Array<Record<string, unknown>>)[0] ?? {}
    }
    lockStats = async (): Promise<LockStats> => {
      const [result] = await pool.query("SHOW GLOBAL STATUS LIKE 'Innodb_row_lock_%'")
      const status = new Map(
        (result as Array<{ Variable_name: string; Value: string }>).map((r) => [r.Variable_name, Number(r.Value)]),
      )
      return { waits: status.get("Innodb_row_lock_waits") ?? 0, timeMs: status.get("Innodb_row_lock_time") ?? 0 }
    }
    for (const [i, buckets] of MYSQL_BUCKETS.entries()) {
      await rushPhase(
        "MariaDB",
        `HTTP rush, ${buckets} bucket${buckets === 1 ? "" : "s"}`,
        url,
        dir,
        buckets,
        query,
        i === 0,
      )
    }
    if (!CEILINGS) return
    log(`MariaDB: raw ceilings (mysql2 pool of ${DB_POOL}, ${CONCURRENCY} in flight)`)
    const opts = { concurrency: CONCURRENCY, total: CEILING_OPS, maxMs: CEILING_MS }
    const [a, cpuA] = await withCpu(() => mysqlTransactions(pool, { ...opts, rows: 1 }))
    recordCeiling("MariaDB", "(a) raw tx: decrement + insert", a, `mysql2, pool ${DB_POOL}, one capacity row; ${cpuA}`)
    const [a8, cpuA8] = await withCpu(() => mysqlTransactions(pool, { ...opts, rows: 8 }))
    recordCeiling("MariaDB", "(a8) raw tx over 8 rows", a8, `mysql2, pool ${DB_POOL}, random one of 8 rows; ${cpuA8}`)
    const [b, cpuB] = await withCpu(() => mysqlUpdates(pool, opts))
    recordCeiling("MariaDB", "(b) raw UPDATE … WHERE remaining > 0", b, `mysql2, pool ${DB_POOL}, autocommit; ${cpuB}`)
    // The server's exact statement sequence per order, without the server: splits the gap
    // between the HTTP rush and (a) into "SQL shape" and "everything the process adds".
    const target = await seedEvent(url, 1, dir, 1_000, "rush")
    const [s, cpuS] = await withCpu(() => mysqlServerSequence(pool, target, { ...opts, decrementLast: false }))
    recordCeiling(
      "MariaDB",
      "(s) server's SQL per order, raw",
      s,
      `the 13 statements of Orders.place, 1 bucket; ${cpuS}`,
    )
    const [sLate, cpuLate] = await withCpu(() => mysqlServerSequence(pool, target, { ...opts, decrementLast: true }))
    recordCeiling("MariaDB", "(s') same, decrement last", sLate, `UPDATE just before COMMIT; ${cpuLate}`)
  } finally {
    lockStats = null
    mariadbPid = null
    await pool.end().catch(() => undefined)
    if (verifications.some((v) => v.engine === "MariaDB" && !v.ok)) {
      // Evidence of a broken invariant is worth more than a tidy server.
      log(`kept database ${name} for inspection (DROP DATABASE ${name} when done)`)
    } else {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`).catch((e) => log(`could not drop ${name}: ${e}`))
    }
    await admin.end().catch(() => undefined)
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const runBare = async () => {
  log("(c) bare node:http endpoint")
  const bare: Child = await startChild("bare.ts", { ...process.env })
  const http = httpPool(bare.url)
  try {
    await getMany(http, "/", 5_000, 3_000)
    const stop = cpuMeter(bare.pid)
    const r = await getMany(http, "/", READS, CEILING_MS)
    const cpu = stop()
    recordReads("node:http", "(c) bare JSON endpoint", r, {
      cpuMsPerRequest: (1000 * cpu.serverSeconds) / Math.max(1, r.attempted),
      extra: `${cpu.text} (client = this load generator)`,
    })
  } finally {
    await http.close()
    await bare.stop()
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "—")

const find = (engine: string, name: string) => rows.find((r) => r.engine === engine && r.name.startsWith(name))

const report = (startedAt: number, source: { fingerprint: string; changed: boolean }) => {
  const header = [
    "engine",
    "measurement",
    "rate",
    "unit",
    "p50 ms",
    "p99 ms",
    "ok",
    "409",
    "5xx",
    "other",
    "s",
    "srv CPU ms/req",
  ]
  const table = rows.map((r) => [
    r.engine,
    r.name,
    fmt(r.rate),
    r.unit,
    fmt(r.p50, 2),
    fmt(r.p99, 2),
    String(r.ok),
    String(r.soldOut),
    String(r.serverErrors),
    String(r.other),
    fmt(r.seconds, 1),
    r.cpuMsPerRequest === null ? "" : fmt(r.cpuMsPerRequest, 2),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)))
  const line = (cells: Array<string>) =>
    cells.map((c, i) => (i >= 2 && i !== 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ")
  const out: Array<string> = []
  out.push("")
  out.push(
    `checkout-rush — one ticket type per rush, distinct buyers, quantity 1, ${CONCURRENCY} in flight, ` +
      `DB pool ${DB_POOL}, ` +
      `${os.cpus().length} CPUs, Node ${process.version}`,
  )
  const dirty = git("status", "--porcelain", "--", "packages/core/src", "packages/server/src") !== ""
  out.push(
    `code: ${git("rev-parse", "--short", "HEAD") || "?"}${dirty ? " + uncommitted changes" : ""}, ` +
      `sources ${source.fingerprint}${source.changed ? " (CHANGED DURING THE RUN)" : ""}`,
  )
  out.push(line(header))
  out.push(widths.map((w) => "-".repeat(w)).join("  "))
  for (const row of table) out.push(line(row))
  out.push("")
  for (const r of rows) if (r.note) out.push(`  ${r.engine} ${r.name}: ${r.note}`)

  const ratios: Array<{ name: string; value: number; goal?: number; met?: boolean }> = []
  const bare = find("node:http", "(c)")
  for (const engine of ["SQLite", "MariaDB"]) {
    const a = find(engine, "(a) ")
    const b = find(engine, "(b) ")
    for (const rush of rows.filter((r) => r.engine === engine && r.name.startsWith("HTTP rush"))) {
      if (a) {
        const value = rush.rate / a.rate
        ratios.push({ name: `${engine} ${rush.name} ÷ (a)`, value, goal: 0.5, met: value >= 0.5 })
      }
      if (b) ratios.push({ name: `${engine} ${rush.name} ÷ (b)`, value: rush.rate / b.rate })
    }
    const seq = find(engine, "(s) ")
    const seqLate = find(engine, "(s') ")
    const rush1 = find(engine, "HTTP rush, 1")
    if (seq && rush1) ratios.push({ name: `${engine} HTTP rush, 1 bucket ÷ (s)`, value: rush1.rate / seq.rate })
    if (seq && a) ratios.push({ name: `${engine} (s) ÷ (a)`, value: seq.rate / a.rate })
    if (seq && seqLate) ratios.push({ name: `${engine} (s') ÷ (s)`, value: seqLate.rate / seq.rate })
    const a8 = find(engine, "(a8)")
    const rush8 = find(engine, "HTTP rush, 8")
    if (a8 && rush8) ratios.push({ name: `${engine} HTTP rush, 8 buckets ÷ (a8)`, value: rush8.rate / a8.rate })
    const reads = find(engine, "GET availability")
    if (reads && bare) ratios.push({ name: `${engine} GET availability ÷ (c)`, value: reads.rate / bare.rate })
    const health = find(engine, "GET health")
    if (health && bare) ratios.push({ name: `${engine} GET health ÷ (c)`, value: health.rate / bare.rate })
  }
  out.push("")
  out.push("ratios")
  for (const r of ratios) {
    const goal = r.goal === undefined ? "" : `   goal ≥ ${r.goal}: ${r.met ? "met" : "NOT met"}`
    out.push(`  ${r.name.padEnd(48)} ${r.value.toFixed(3)}${goal}`)
  }
  out.push("")
  out.push(`verification (sold = capacity exactly, database = 201 count = availability endpoint)`)
  for (const v of verifications) {
    out.push(
      `  ${v.engine} ${v.name}: sold ${v.sold}/${v.capacity}, held ${v.held}, remaining ${v.remaining}, ` +
        `available ${v.available} — ${v.ok ? "OK" : "FAILED"}`,
    )
  }
  out.push("")
  if (failures.length > 0) {
    out.push(`FAILED (${failures.length}):`)
    for (const f of failures) out.push(`  - ${f}`)
  } else {
    out.push("OK: zero oversell, zero 5xx")
  }
  if (source.changed) {
    out.push(
      "WARNING: packages/core or packages/server sources changed during the run; server children started at " +
        "different times may have run different code. Re-run on a quiet tree before trusting these figures.",
    )
  }
  out.push(`total ${((Date.now() - startedAt) / 1000).toFixed(1)} s`)
  process.stdout.write(`${out.join("\n")}\n`)
  process.stdout.write(
    `${JSON.stringify({
      bench: "checkout-rush",
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      commit: git("rev-parse", "--short", "HEAD"),
      dirty: git("status", "--porcelain", "--", "packages/core/src", "packages/server/src") !== "",
      sources: source,
      config: {
        concurrency: CONCURRENCY,
        dbPool: DB_POOL,
        phaseSeconds: PHASE_MS / 1000,
        ceilingSeconds: CEILING_MS / 1000,
      },
      rows: rows.map((r) => ({ ...r, rate: Math.round(r.rate), p50: +r.p50.toFixed(3), p99: +r.p99.toFixed(3) })),
      ratios: ratios.map((r) => ({ ...r, value: +r.value.toFixed(4) })),
      verifications,
      failures,
      ok: failures.length === 0,
    })}\n`,
  )
}

const main = async () => {
  const startedAt = Date.now()
  const fingerprint = sourceFingerprint()
  try {
    await runBare()
    if (ENGINES.includes("sqlite")) await runSqlite()
    if (ENGINES.includes("mysql")) {
      if (MYSQL_BASE) await runMysql()
      else failures.push("MariaDB skipped: set SRATIX_BENCH_MYSQL_URL (or SRATIX_TEST_MYSQL_URL)")
    }
  } catch (e) {
    failures.push(`aborted: ${(e as Error)?.stack ?? e}`)
  } finally {
    killAllChildren()
  }
  // A warning, not a failure: the exit status speaks only of oversell, 5xx and broken phases.
  const changed = sourceFingerprint() !== fingerprint
  report(startedAt, { fingerprint, changed })
  process.exitCode = failures.length === 0 ? 0 : 1
  // Nothing should keep the loop alive now; if something does, do not hang.
  setTimeout(() => process.exit(), 2_000).unref()
}

await main()

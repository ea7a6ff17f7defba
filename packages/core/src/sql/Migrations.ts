import { NodeContext } from "@effect/platform-node"
import { SqlClient } from "@effect/sql"
import { MysqlMigrator } from "@effect/sql-mysql2"
import { SqliteMigrator } from "@effect/sql-sqlite-node"
import { Effect } from "effect"
import { DatabaseInfo } from "./Database.js"
import { isUniqueViolation } from "./Errors.js"
import ticketingCore from "./migrations/0001_ticketing_core.js"
import forms from "./migrations/0002_forms.js"
import ledger from "./migrations/0003_ledger.js"
import payments from "./migrations/0004_payments.js"
import invoices from "./migrations/0005_invoices.js"
import jobs from "./migrations/0006_jobs.js"
import tickets from "./migrations/0007_tickets.js"
import fulfilmentBankImports from "./migrations/0008_fulfilment_bank_imports.js"
import communications from "./migrations/0009_communications.js"
import badges from "./migrations/0010_badges.js"
import checkin from "./migrations/0011_checkin.js"
import wordpressConnectors from "./migrations/0013_wordpress_connectors.js"

/** The one migration set for both engines, in order. Append only: never edit a shipped entry. */
export const migrations = [
  { id: 1, name: "ticketing_core", run: ticketingCore },
  { id: 2, name: "forms", run: forms },
  { id: 3, name: "ledger", run: ledger },
  { id: 4, name: "payments", run: payments },
  { id: 5, name: "invoices", run: invoices },
  { id: 6, name: "jobs", run: jobs },
  { id: 7, name: "tickets", run: tickets },
  { id: 8, name: "fulfilment_bank_imports", run: fulfilmentBankImports },
  { id: 9, name: "communications", run: communications },
  { id: 10, name: "badges", run: badges },
  { id: 11, name: "checkin", run: checkin },
  { id: 13, name: "wordpress_connectors", run: wordpressConnectors },
] as const

const MIGRATIONS_TABLE = "sratix_migrations"

/**
 * Migration ids are handed out ahead of the work (several changes land in parallel), so one can be
 * registered after a higher id has been applied somewhere. The migrators only run ids above the
 * latest applied one and would skip it forever: such migrations run here first, in id order, each
 * with its row. They may depend only on lower ids, as every migration does.
 */
const applyLateRegistered = (info: typeof DatabaseInfo.Service) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const applied = yield* appliedAt
    const latest = Math.max(0, ...applied.keys())
    const late = migrations.filter((m) => m.id < latest && !applied.has(m.id))
    const ran: Array<{ id: number; name: string }> = []
    for (const m of late) {
      // The row first, as the migrators do: a process racing this one finds it taken and leaves the migration to us.
      const claimed =
        yield* sql`INSERT INTO ${sql(MIGRATIONS_TABLE)} (migration_id, name) VALUES (${m.id}, ${m.name})`.pipe(
          Effect.as(true),
          Effect.catchIf(isUniqueViolation, () => Effect.succeed(false)),
          Effect.tap((mine) => (mine ? Effect.provideService(m.run, DatabaseInfo, info) : Effect.void)),
          sql.withTransaction,
        )
      if (claimed) ran.push({ id: m.id, name: m.name })
    }
    return ran
  })

/** Applies pending migrations; returns the ones applied by this call. */
export const migrate = Effect.gen(function* () {
  const info = yield* DatabaseInfo
  const late = yield* applyLateRegistered(info)
  const loader = Effect.succeed(
    migrations.map((m) => [m.id, m.name, Effect.succeed(Effect.provideService(m.run, DatabaseInfo, info))] as const),
  )
  const run = info.dialect === "mysql" ? MysqlMigrator.run : SqliteMigrator.run
  // The migrators can dump schemas through platform services; we never ask them to, but they need them.
  const applied = yield* run({ loader, table: MIGRATIONS_TABLE }).pipe(Effect.provide(NodeContext.layer))
  return [...late, ...applied.map(([id, name]) => ({ id, name }))]
}).pipe(Effect.withSpan("Migrations.migrate"))

export interface MigrationStatus {
  readonly id: number
  readonly name: string
  readonly appliedAt: number | null
}

/** Applied migration ids and when each was applied (epoch ms); empty before the first migration. */
const appliedAt = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const info = yield* DatabaseInfo
  const tableExists =
    info.dialect === "mysql"
      ? yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM information_schema.tables
          WHERE table_schema = DATABASE() AND table_name = ${MIGRATIONS_TABLE}`
      : yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM sqlite_master
          WHERE type = 'table' AND name = ${MIGRATIONS_TABLE}`
  // The migrators stamp rows with the database's clock (a UTC DATETIME text on SQLite, a TIMESTAMP
  // on MySQL that mysql2 would read in the process's zone): let the engine turn it into epoch seconds.
  const epochSeconds = info.dialect === "mysql" ? sql`UNIX_TIMESTAMP(created_at)` : sql`strftime('%s', created_at)`
  const applied =
    Number(tableExists[0]?.n ?? 0) > 0
      ? yield* sql<{ migrationId: number; appliedAt: string | number }>`SELECT migration_id,
          ${epochSeconds} AS applied_at FROM ${sql(MIGRATIONS_TABLE)}`
      : []
  return new Map(applied.map((row) => [Number(row.migrationId), Number(row.appliedAt) * 1000]))
})

export const migrationStatus = Effect.map(appliedAt, (byId) =>
  migrations.map((m): MigrationStatus => ({ id: m.id, name: m.name, appliedAt: byId.get(m.id) ?? null })),
)

import { SqlClient } from "@effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { migrate, migrationStatus, migrations } from "../src/index.js"
import { DatabaseInfo } from "../src/sql/Database.js"
import { engines } from "./support/Databases.js"
import { bareDatabaseLayer } from "./support/Fixtures.js"

const tables = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const { dialect } = yield* DatabaseInfo
  const rows =
    dialect === "mysql"
      ? yield* sql<{ name: string }>`SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = DATABASE()`
      : yield* sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`
  return rows.map((r) => r.name).sort()
})

// The test databases keep UTC; a process in another zone must still read when a migration ran.
const zone = process.env.TZ
beforeAll(() => {
  process.env.TZ = "America/New_York"
})
afterAll(() => {
  if (zone === undefined) delete process.env.TZ
  else process.env.TZ = zone
})

describe.each(engines)("migrations on %s", (engine) => {
  it.live("migrate applies everything once; a second run applies nothing", () =>
    Effect.gen(function* () {
      const before = yield* migrationStatus
      expect(before.map((m) => m.appliedAt)).toEqual(migrations.map(() => null))

      const first = yield* migrate
      expect(first).toEqual(migrations.map((m) => ({ id: m.id, name: m.name })))
      const tablesAfterFirst = yield* tables
      expect(tablesAfterFirst).toEqual(
        expect.arrayContaining([
          "audit_log",
          "events",
          "holds",
          "idempotency_keys",
          "inventory_buckets",
          "order_items",
          "orders",
          "organizations",
          "promo_codes",
          "sratix_migrations",
          "ticket_types",
          "users",
        ]),
      )

      expect(yield* migrate).toEqual([])
      expect(yield* tables).toEqual(tablesAfterFirst)

      const status = yield* migrationStatus
      expect(status.map(({ id, name }) => ({ id, name }))).toEqual(first)
      for (const m of status) {
        expect(Number.isFinite(m.appliedAt)).toBe(true)
        // Applied just now, whatever the time zone of the process.
        expect(Math.abs((m.appliedAt ?? 0) - Date.now())).toBeLessThan(5 * 60 * 1000)
      }
    }).pipe(Effect.provide(bareDatabaseLayer(engine))),
  )
})

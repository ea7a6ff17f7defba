import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { migrate, migrationStatus } from "../src/index.js"
import { engines } from "./support/Databases.js"
import { bareDatabaseLayer } from "./support/Fixtures.js"

describe.each(engines)("migration 0005 on %s", (engine) => {
  it.live("a database migrated past 0005 before it was registered gets it on the next run", () =>
    Effect.gen(function* () {
      yield* migrate
      // As a database migrated to 0006 while 0005 was still being written looks.
      const sql = yield* SqlClient.SqlClient
      for (const table of ["invoice_states", "invoices", "invoice_counters", "org_billing_profiles"]) {
        yield* sql.unsafe(`DROP TABLE ${table}`)
      }
      yield* sql`DELETE FROM sratix_migrations WHERE migration_id = 5`
      expect((yield* migrationStatus).find((m) => m.id === 5)?.appliedAt).toBeNull()

      expect(yield* migrate).toEqual([{ id: 5, name: "invoices" }])
      expect((yield* migrationStatus).every((m) => m.appliedAt !== null)).toBe(true)
      const rows = yield* sql<{ n: number | bigint }>`SELECT COUNT(*) AS n FROM invoices`
      expect(Number(rows[0]!.n)).toBe(0)
      expect(yield* migrate).toEqual([])
    }).pipe(Effect.provide(bareDatabaseLayer(engine))),
  )
})

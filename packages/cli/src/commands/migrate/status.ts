import { Database, migrationStatus } from "@sratix/core"
import { Effect } from "effect"
import { BaseCommand, migrationLabel, plural } from "../../BaseCommand.js"
import { table } from "../../Output.js"

export interface MigrateStatusResult {
  readonly database: string
  readonly migrations: ReadonlyArray<{ readonly id: number; readonly name: string; readonly appliedAt: string | null }>
  readonly pending: number
}

export default class MigrateStatus extends BaseCommand<typeof MigrateStatus> {
  static override summary = "Show which database migrations are applied and which are pending."
  static override description =
    "Reads the migrations table of the database in DATABASE_URL (default: SQLite under SRATIX_DATA_DIR) and " +
    "compares it with the migrations this version ships. Changes nothing."
  static override examples = [
    "<%= config.bin %> <%= command.id %>",
    "DATABASE_URL=mysql://sratix:secret@127.0.0.1:3306/sratix <%= config.bin %> <%= command.id %> --json",
  ]

  async run(): Promise<MigrateStatusResult> {
    const result = await this.withDatabase(
      Effect.gen(function* () {
        const info = yield* Database.DatabaseInfo
        const migrations = yield* migrationStatus
        return {
          database: info.description,
          migrations: migrations.map((m) => ({
            id: m.id,
            name: m.name,
            appliedAt: m.appliedAt === null ? null : new Date(m.appliedAt).toISOString(),
          })),
          pending: migrations.filter((m) => m.appliedAt === null).length,
        }
      }),
    )
    this.log(result.database)
    this.log(
      table(
        ["MIGRATION", "APPLIED"],
        result.migrations.map((m) => [migrationLabel(m), m.appliedAt ?? "pending"]),
      ),
    )
    this.log(
      result.pending === 0
        ? "Up to date."
        : `${plural(result.pending, "migration")} pending: apply with \`${this.config.bin} migrate up\`.`,
    )
    return result
  }
}

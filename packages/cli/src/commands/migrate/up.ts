import { Database, migrate } from "@sratix/core"
import { Effect } from "effect"
import { BaseCommand, migrationLabel, plural } from "../../BaseCommand.js"

export interface MigrateUpResult {
  readonly database: string
  readonly applied: ReadonlyArray<{ readonly id: number; readonly name: string }>
}

export default class MigrateUp extends BaseCommand<typeof MigrateUp> {
  static override summary = "Apply pending database migrations."
  static override description =
    "Applies every pending migration to the database in DATABASE_URL (default: SQLite under SRATIX_DATA_DIR), " +
    "in order, each in a transaction. Safe to run again: applied migrations are skipped. " +
    "`sratix serve` runs this on start; run it yourself before switching traffic to a new version."
  static override examples = [
    "<%= config.bin %> <%= command.id %>",
    "DATABASE_URL=mysql://sratix:secret@127.0.0.1:3306/sratix <%= config.bin %> <%= command.id %> --json",
  ]

  async run(): Promise<MigrateUpResult> {
    const result = await this.withDatabase(
      Effect.gen(function* () {
        const info = yield* Database.DatabaseInfo
        const applied = yield* migrate
        return { database: info.description, applied: applied.map(({ id, name }) => ({ id, name })) }
      }),
    )
    this.log(
      result.applied.length === 0
        ? `${result.database}: already up to date.`
        : `${result.database}: applied ${plural(result.applied.length, "migration")}: ${result.applied.map(migrationLabel).join(", ")}`,
    )
    return result
  }
}

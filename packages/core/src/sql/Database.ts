import * as fs from "node:fs"
import * as path from "node:path"
import { SqlClient } from "@effect/sql"
import { MysqlClient } from "@effect/sql-mysql2"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Context, Effect, Layer, Redacted, String as Str } from "effect"

export type Dialect = "sqlite" | "mysql"

/** Which engine the process talks to; repositories branch on it only where SQL differs. */
export class DatabaseInfo extends Context.Tag("sratix/sql/DatabaseInfo")<
  DatabaseInfo,
  { readonly dialect: Dialect; readonly description: string }
>() {}

export interface DatabaseOptions {
  /** `sqlite:/path/file.db`, `sqlite::memory:` or `mysql://user:pass@host:port/db`. */
  readonly url: string
  readonly maxConnections?: number
}

export const defaultDatabaseUrl = (dataDir: string) => `sqlite:${path.join(dataDir, "sratix.db")}`

export const parseDatabaseUrl = (url: string): { dialect: Dialect; target: string } => {
  if (url.startsWith("sqlite:")) return { dialect: "sqlite", target: url.slice("sqlite:".length) }
  if (url.startsWith("file:")) return { dialect: "sqlite", target: url.slice("file:".length) }
  if (url.startsWith("mysql://") || url.startsWith("mariadb://")) {
    return { dialect: "mysql", target: url.replace(/^mariadb:/, "mysql:") }
  }
  throw new Error(`DATABASE_URL must start with sqlite:, mysql:// or mariadb:// (got "${redactUrl(url)}")`)
}

export const redactUrl = (url: string) => url.replace(/\/\/([^:/@]+):([^@]*)@/, "//$1:***@")

const names = { transformQueryNames: Str.camelToSnake, transformResultNames: Str.snakeToCamel }

/**
 * SqlClient for the configured engine. SQLite gets WAL plus a busy timeout so the CLI and a
 * running server can share one file; MySQL/MariaDB gets a pool sized for the process.
 */
export const layer = (options: DatabaseOptions): Layer.Layer<SqlClient.SqlClient | DatabaseInfo> => {
  const { dialect, target } = parseDatabaseUrl(options.url)
  if (dialect === "sqlite") {
    if (target !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(target)), { recursive: true })
    const client = SqliteClient.layer({ filename: target, ...names })
    const tuned = Layer.effectDiscard(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql.unsafe("PRAGMA busy_timeout = 10000")
        yield* sql.unsafe("PRAGMA foreign_keys = ON")
        yield* sql.unsafe("PRAGMA synchronous = NORMAL")
      }),
    )
    return Layer.mergeAll(
      Layer.provideMerge(tuned, client),
      Layer.succeed(DatabaseInfo, { dialect, description: `SQLite ${target}` }),
    ).pipe(Layer.orDie)
  }
  const client = MysqlClient.layer({
    url: Redacted.make(target),
    maxConnections: options.maxConnections ?? 20,
    ...names,
  })
  return Layer.mergeAll(
    client,
    Layer.succeed(DatabaseInfo, { dialect, description: `MySQL ${redactUrl(target)}` }),
  ).pipe(Layer.orDie)
}

/** The database server's own version string, e.g. `10.11.6-MariaDB-0+deb12u1` or SQLite's `3.45.1`. */
export const serverVersion = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const info = yield* DatabaseInfo
  const rows = yield* info.dialect === "mysql"
    ? sql<{ version: string }>`SELECT VERSION() AS version`
    : sql<{ version: string }>`SELECT sqlite_version() AS version`
  return rows[0]?.version ?? "unknown"
})

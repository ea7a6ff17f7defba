import type { Dialect } from "./Database.js"

/**
 * The column vocabulary our migrations use. One migration set serves both engines; this is the
 * only place where their type names differ.
 */
export const columnTypes = (dialect: Dialect) =>
  dialect === "mysql"
    ? {
        id: "CHAR(36)",
        text: (n: number) => `VARCHAR(${n})`,
        /** Compared byte for byte: identifiers, emails, codes, keys (the default collation folds case and accents). */
        exact: (n: number) => `VARCHAR(${n}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
        longText: "MEDIUMTEXT",
        int: "INT",
        bigint: "BIGINT",
        bool: "TINYINT(1)",
        json: "LONGTEXT",
      }
    : {
        id: "TEXT",
        text: (_n: number) => "TEXT",
        exact: (_n: number) => "TEXT",
        longText: "TEXT",
        int: "INTEGER",
        bigint: "INTEGER",
        bool: "INTEGER",
        json: "TEXT",
      }

export const tableOptions = (dialect: Dialect) =>
  dialect === "mysql" ? " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci" : ""

/** Triggers that make a table append-only: any UPDATE or DELETE aborts. */
export const appendOnlyTriggers = (dialect: Dialect, table: string): ReadonlyArray<string> =>
  (["UPDATE", "DELETE"] as const).map((op) =>
    dialect === "mysql"
      ? `CREATE TRIGGER ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table} FOR EACH ROW ` +
        `SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = '${table} is append-only'`
      : `CREATE TRIGGER ${table}_no_${op.toLowerCase()} BEFORE ${op} ON ${table} ` +
        `BEGIN SELECT RAISE(ABORT, '${table} is append-only'); END`,
  )

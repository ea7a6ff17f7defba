import { SqlError } from "@effect/sql/SqlError"

const causeOf = (e: unknown): { code?: unknown; errno?: unknown; message?: unknown } =>
  e instanceof SqlError && typeof e.cause === "object" && e.cause !== null ? (e.cause as never) : {}

/** A UNIQUE or PRIMARY KEY constraint refused the write (either engine). */
export const isUniqueViolation = (e: unknown): boolean => {
  const c = causeOf(e)
  return c.code === "ER_DUP_ENTRY" || c.code === "SQLITE_CONSTRAINT_UNIQUE" || c.code === "SQLITE_CONSTRAINT_PRIMARYKEY"
}

/** The engine gave up on a transaction that may succeed when retried. */
export const isRetryableConflict = (e: unknown): boolean => {
  const c = causeOf(e)
  return (
    c.code === "ER_LOCK_DEADLOCK" ||
    c.code === "ER_LOCK_WAIT_TIMEOUT" ||
    c.code === "SQLITE_BUSY" ||
    c.code === "SQLITE_BUSY_SNAPSHOT"
  )
}

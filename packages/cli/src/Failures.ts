import { Errors } from "@oclif/core"
import { ConfigError, Database } from "@sratix/core"
import { Cause, Option, ParseResult, Runtime } from "effect"

/**
 * Exit codes scripts can branch on. Parse errors from oclif (unknown or missing flags) already
 * exit with 2, so invalid input of any kind shares it.
 */
export const ExitCode = {
  failure: 1,
  invalidInput: 2,
  configuration: 3,
  notFound: 4,
  conflict: 5,
  /** The command ran to the end and found something wrong (`ledger audit`): its report says what. */
  auditFindings: 6,
  interrupted: 130,
} as const

export type FailureCode = "failure" | "invalid-input" | "configuration" | "not-found" | "conflict" | "interrupted"

/** What the operator sees: one line, and the exit code that goes with it. */
export interface Failure {
  readonly message: string
  readonly code: FailureCode
  readonly exit: number
}

export interface FailureContext {
  /** Shown (redacted) when the database cannot be reached. */
  readonly databaseUrl?: string
  /** Extra advice per domain error tag, e.g. `{ NotFound: "list events with `sratix event list`" }`. */
  readonly hints?: Partial<Record<string, string>>
}

const codeOfExit: Record<number, FailureCode> = {
  [ExitCode.invalidInput]: "invalid-input",
  [ExitCode.configuration]: "configuration",
  [ExitCode.notFound]: "not-found",
  [ExitCode.conflict]: "conflict",
  [ExitCode.interrupted]: "interrupted",
}

const failure = (message: string, exit: number): Failure => ({
  message: oneLine(message),
  code: codeOfExit[exit] ?? "failure",
  exit,
})

/**
 * Error messages from drivers and oclif span lines (oclif lists several parse errors under a
 * heading, then "See more help with --help"); a terminal line and a log line want one.
 */
export const oneLine = (message: string) => {
  const lines = message
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
  const help = lines.find((line) => line.startsWith("See more help"))
  const [head = "", ...rest] = lines.filter((line) => line !== help)
  const body = rest.length === 0 ? head : head.endsWith(":") ? `${head} ${rest.join("; ")}` : [head, ...rest].join(" ")
  return help === undefined ? body : `${body.replace(/\.?$/, ".")} ${help}`
}

/** Driver error codes that mean the database cannot be used as configured (not there, no access), as opposed to a failing statement. */
const unreachableCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ECONNRESET",
  "PROTOCOL_CONNECTION_LOST",
  "ER_ACCESS_DENIED_ERROR",
  "ER_DBACCESS_DENIED_ERROR",
  "ER_BAD_DB_ERROR",
  "ER_NOT_SUPPORTED_AUTH_MODE",
  "SQLITE_CANTOPEN",
  "SQLITE_NOTADB",
  "SQLITE_READONLY",
])

interface Coded {
  readonly code?: unknown
  readonly message?: unknown
  readonly errors?: ReadonlyArray<{ readonly message?: unknown }>
}

const describeCoded = (e: Coded) => {
  const message = typeof e.message === "string" && e.message.length > 0 ? e.message : undefined
  // Node reports a refused `localhost` (IPv4 and IPv6) as an AggregateError with no message.
  const inner = e.errors?.map((x) => x.message).find((m): m is string => typeof m === "string" && m.length > 0)
  return message ?? inner ?? (typeof e.code === "string" ? e.code : "unknown error")
}

const tagOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && typeof (e as { _tag?: unknown })._tag === "string"
    ? (e as { _tag: string })._tag
    : undefined

/** Problem errors from core (RFC 9457 shaped): a `detail` for people and an HTTP-like `status`. */
const isProblem = (e: unknown): e is { _tag: string; detail: string; status: number } =>
  tagOf(e) !== undefined &&
  typeof (e as { detail?: unknown }).detail === "string" &&
  typeof (e as { status?: unknown }).status === "number"

const exitForStatus = (status: number) =>
  status === 404
    ? ExitCode.notFound
    : status === 409
      ? ExitCode.conflict
      : status === 400 || status === 422
        ? ExitCode.invalidInput
        : ExitCode.failure

/** Turns anything a command can fail with into one actionable line and an exit code. */
export const describeFailure = (error: unknown, context: FailureContext = {}): Failure => {
  if (Runtime.isFiberFailure(error)) return describeCause(error[Runtime.FiberFailureCauseId], context)
  if (error instanceof Errors.CLIError) {
    const exit = error.oclif.exit ?? ExitCode.failure
    return failure(error.message, exit)
  }
  if (error instanceof ConfigError || (error instanceof Error && error.name === "ConfigError")) {
    return failure(`${error.message} (check the environment variables; see \`sratix doctor\`)`, ExitCode.configuration)
  }
  if (isProblem(error)) {
    const hint = context.hints?.[error._tag]
    return failure(hint ? `${error.detail}: ${hint}` : error.detail, exitForStatus(error.status))
  }
  if (ParseResult.isParseError(error)) return failure(formatParseError(error), ExitCode.invalidInput)

  const tag = tagOf(error)
  const coded = (error ?? {}) as Coded & { readonly cause?: Coded }
  const driver: Coded = tag === "SqlError" && typeof coded.cause === "object" && coded.cause ? coded.cause : coded
  if (tag === "SqlError" || (typeof driver.code === "string" && /^(SQLITE_|ER_)/.test(driver.code))) {
    const where = context.databaseUrl ? ` at ${Database.redactUrl(context.databaseUrl)}` : ""
    const detail = describeCoded(driver)
    const unreachable =
      (typeof driver.code === "string" && unreachableCodes.has(driver.code)) ||
      (typeof coded.message === "string" && /failed to connect|connection timeout/i.test(coded.message))
    if (unreachable) {
      return failure(
        `Cannot use the database${where} (${detail}): check DATABASE_URL and that the database server is running`,
        ExitCode.configuration,
      )
    }
    return failure(`Database error${where}: ${detail}`, ExitCode.failure)
  }
  if (tag === "MigrationError") {
    return failure(`Migration failed: ${describeCoded(coded)}`, ExitCode.failure)
  }
  if (typeof coded.code === "string" && coded.code === "EADDRINUSE") {
    return failure(
      `${describeCoded(coded)}: another process (a running server?) holds the port; stop it or choose another with --port or PORT`,
      ExitCode.failure,
    )
  }
  // Wrappers such as @effect/platform's ServeError carry the real reason in `cause`.
  if (tag !== undefined && typeof coded.cause === "object" && coded.cause !== null && !coded.message) {
    return describeFailure(coded.cause, context)
  }
  if (error instanceof Error) return failure(describeCoded(error), ExitCode.failure)
  return failure(String(error), ExitCode.failure)
}

/** The first failure of an Effect cause: typed errors first, then defects, then interruption. */
export const describeCause = (cause: Cause.Cause<unknown>, context: FailureContext = {}): Failure => {
  const failed = Cause.failureOption(cause)
  if (Option.isSome(failed)) return describeFailure(failed.value, context)
  const died = Cause.dieOption(cause)
  if (Option.isSome(died)) return describeFailure(died.value, context)
  if (Cause.isInterruptedOnly(cause)) return failure("Interrupted", ExitCode.interrupted)
  return failure(Cause.pretty(cause), ExitCode.failure)
}

/**
 * Schema decoding errors as `--flag: message`, so the operator sees the flag to fix rather than
 * the domain field name. `fieldFlags` maps domain fields to flag names.
 */
export const formatParseError = (error: ParseResult.ParseError, fieldFlags: Record<string, string> = {}) => {
  const rename = (text: string) =>
    Object.entries(fieldFlags).reduce(
      (acc, [field, flag]) => acc.replace(new RegExp(`\\b${field}\\b`, "g"), flag),
      text,
    )
  return ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => {
      const field = issue.path.map(String).join(".")
      const where = field === "" ? "" : `${fieldFlags[field] ?? field}: `
      return field === "" ? rename(issue.message) : `${where}${issue.message}`
    })
    .join("; ")
}

import { spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { Database, type Environment, migrationStatus, migrations } from "@sratix/core"
import { Duration, Effect, Exit } from "effect"
import { migrationLabel, plural } from "../BaseCommand.js"
import { describeCause } from "../Failures.js"
import { formatBytes } from "../Output.js"
import {
  connect,
  ehloExtensions,
  encodeCommand,
  exchange,
  parseResp,
  parseSmtpReply,
  RespError,
  redisVersion,
} from "./Probes.js"
import { appleWalletCheck, googleWalletCheck } from "./WalletChecks.js"

/**
 * What `sratix doctor` reports, one capability per check (reference architecture §25):
 * - PASS: works as SRAtix needs it;
 * - WARN: SRAtix runs, with a fallback or a reduced feature, or something needs attention;
 * - FAIL: SRAtix cannot run here as configured (the command exits 1);
 * - SKIP: not configured, so the built-in fallback is used.
 */
export type CheckStatus = "PASS" | "WARN" | "FAIL" | "SKIP"

export interface CheckResult {
  readonly check: string
  readonly status: CheckStatus
  readonly detail: string
}

export interface DoctorContext {
  readonly env: NodeJS.ProcessEnv
  /** `undefined` when the environment did not parse; `configError` then says why. */
  readonly environment: Environment | undefined
  readonly configError: string | undefined
}

export const MIN_NODE: readonly [number, number] = [20, 19]
export const MIN_FREE_MEMORY = 512 * 1024 * 1024
export const DEFAULT_CHROMIUM = "/usr/bin/chromium"
const NETWORK_TIMEOUT = Duration.seconds(10)
const CHROMIUM_TIMEOUT_MS = 30_000

const result = (check: string, status: CheckStatus, detail: string): CheckResult => ({ check, status, detail })
const elapsed = (since: number) => `${Date.now() - since} ms`
const messageOf = (e: unknown) => (e instanceof Error ? e.message || String((e as { code?: unknown }).code) : String(e))
const skipUnconfigured = (check: string) => result(check, "SKIP", "configuration invalid (see config)")

/** Hides the password of a connection URL. */
export const redact = (url: URL) => {
  const copy = new URL(url.href)
  if (copy.password !== "") copy.password = "***"
  return copy.href.replace(/\/$/, "")
}

export const nodeCheck = (version = process.versions.node): CheckResult => {
  const [major = 0, minor = 0] = version.split(".").map(Number)
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])
  return ok
    ? result("node", "PASS", `Node.js ${version}`)
    : result(
        "node",
        "FAIL",
        `Node.js ${version}: SRAtix needs ${MIN_NODE.join(".")} or newer (22 or 24 LTS recommended)`,
      )
}

const configCheck = (context: DoctorContext): CheckResult => {
  if (context.environment === undefined) return result("config", "FAIL", context.configError ?? "invalid environment")
  const e = context.environment
  const engine = Database.parseDatabaseUrl(e.databaseUrl).dialect === "mysql" ? "MySQL/MariaDB" : "SQLite"
  return result("config", "PASS", `${engine}, listening on ${e.host}:${e.port}, data in ${e.dataDir}`)
}

const secretCheck = (context: DoctorContext): CheckResult => {
  const e = context.environment
  if (e === undefined) return skipUnconfigured("secret")
  if (e.secret !== null) {
    return e.secret.length >= 32
      ? result("secret", "PASS", "SRATIX_SECRET is set")
      : result("secret", "FAIL", `SRATIX_SECRET has ${e.secret.length} characters: it needs at least 32`)
  }
  const file = path.join(e.dataDir, "keys", "secret")
  return fs.existsSync(file)
    ? result(
        "secret",
        "WARN",
        `using the generated ${file}: set SRATIX_SECRET (32+ characters) so every instance shares one`,
      )
    : result(
        "secret",
        "WARN",
        `SRATIX_SECRET not set: one will be generated into ${file} on first start; set it in production`,
      )
}

const MIN_MARIADB = [10, 6] as const
const MIN_MYSQL = [8, 0] as const

/**
 * Why a MySQL-protocol server is too old for our migrations (enforced CHECK constraints, several
 * triggers per table and event), or null when it will do. `VERSION()` reads e.g. `10.11.6-MariaDB-0+deb12u1`.
 */
export const serverVersionProblem = (version: string): string | null => {
  const [major = 0, minor = 0] = version.split(/[.-]/).map(Number)
  const isMariaDb = /mariadb/i.test(version)
  const [needMajor, needMinor] = isMariaDb ? MIN_MARIADB : MIN_MYSQL
  const name = isMariaDb ? "MariaDB" : "MySQL"
  return major > needMajor || (major === needMajor && minor >= needMinor)
    ? null
    : `${name} ${version} is too old: SRAtix needs ${name} ${needMajor}.${needMinor} or newer`
}

/** Connects, then reads which migrations are applied. A missing SQLite file is not created. */
const databaseChecks = (context: DoctorContext): Effect.Effect<ReadonlyArray<CheckResult>> =>
  Effect.gen(function* () {
    const e = context.environment
    if (e === undefined) return [skipUnconfigured("database"), skipUnconfigured("migrations")]
    const { dialect, target } = Database.parseDatabaseUrl(e.databaseUrl)
    const pendingAll = result(
      "migrations",
      "WARN",
      `${plural(migrations.length, "migration")} pending: applied when \`sratix serve\` starts, or run \`sratix migrate up\``,
    )
    if (dialect === "sqlite" && target !== ":memory:" && !fs.existsSync(path.resolve(target))) {
      return [result("database", "PASS", `SQLite ${target}: not created yet, created on first start`), pendingAll]
    }
    const started = Date.now()
    const exit = yield* Effect.gen(function* () {
      const info = yield* Database.DatabaseInfo
      const status = yield* migrationStatus
      const version = yield* Database.serverVersion
      return { info, status, version }
    }).pipe(
      Effect.provide(Database.layer({ url: e.databaseUrl, maxConnections: 1 })),
      Effect.timeoutFail({
        duration: Duration.seconds(15),
        onTimeout: () => new Error("no answer within 15 s"),
      }),
      Effect.exit,
    )
    if (Exit.isFailure(exit)) {
      const failure = describeCause(exit.cause, { databaseUrl: e.databaseUrl })
      return [result("database", "FAIL", failure.message), result("migrations", "SKIP", "database unavailable")]
    }
    const { info, status, version } = exit.value
    const pending = status.filter((m) => m.appliedAt === null)
    const tooOld = info.dialect === "mysql" ? serverVersionProblem(version) : null
    return [
      tooOld !== null
        ? result("database", "FAIL", `${info.description}: ${tooOld}`)
        : result("database", "PASS", `${info.description}, version ${version} (${elapsed(started)})`),
      pending.length === 0
        ? result("migrations", "PASS", `all ${status.length} applied`)
        : result(
            "migrations",
            "WARN",
            `${pending.length} pending (${pending.map(migrationLabel).join(", ")}): applied when \`sratix serve\` starts, or run \`sratix migrate up\``,
          ),
    ]
  })

/** PING (after AUTH when the URL has credentials) and the server version, over raw RESP. */
export const redisCheck = (redisUrl: string | null): Effect.Effect<CheckResult> => {
  if (redisUrl === null) return Effect.succeed(result("redis", "SKIP", "not configured: in-process queue and pub/sub"))
  let url: URL
  try {
    url = new URL(redisUrl)
  } catch {
    return Effect.succeed(result("redis", "FAIL", "REDIS_URL is not a URL (expected redis://host:6379 or rediss://…)"))
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    return Effect.succeed(
      result("redis", "FAIL", `REDIS_URL must start with redis:// or rediss:// (got ${url.protocol})`),
    )
  }
  const shown = redact(url)
  const started = Date.now()
  return Effect.gen(function* () {
    const conversation = yield* connect({
      host: url.hostname || "127.0.0.1",
      port: Number(url.port || 6379),
      tls: url.protocol === "rediss:",
    })
    if (url.password !== "") {
      const credentials = [decodeURIComponent(url.username), decodeURIComponent(url.password)].filter((s) => s !== "")
      const auth = yield* exchange(conversation, encodeCommand(["AUTH", ...credentials]), parseResp)
      if (auth instanceof RespError) return result("redis", "FAIL", `${shown}: AUTH refused (${auth.message})`)
    }
    const pong = yield* exchange(conversation, encodeCommand(["PING"]), parseResp)
    if (pong instanceof RespError) {
      const hint = /NOAUTH/.test(pong.message) ? ": put the password in REDIS_URL (redis://:password@host:port)" : ""
      return result("redis", "FAIL", `${shown}: ${pong.message.replace(/\.$/, "")}${hint}`)
    }
    if (pong !== "PONG") return result("redis", "FAIL", `${shown}: unexpected reply to PING: ${JSON.stringify(pong)}`)
    const info = yield* exchange(conversation, encodeCommand(["INFO", "server"]), parseResp)
    const version = redisVersion(info)
    conversation.write(encodeCommand(["QUIT"]))
    return result("redis", "PASS", `${version ? `Redis ${version}` : "Redis"} at ${shown}, PONG in ${elapsed(started)}`)
  }).pipe(
    Effect.scoped,
    Effect.timeoutFail({ duration: NETWORK_TIMEOUT, onTimeout: () => new Error("no answer within 10 s") }),
    Effect.catchAll((e) => Effect.succeed(result("redis", "FAIL", `${shown}: ${messageOf(e)}`))),
  )
}

/** Greeting (220) and EHLO (250) only: credentials are never sent by `doctor`. */
export const smtpCheck = (mail: Environment["mail"]): Effect.Effect<CheckResult> => {
  if (mail.smtpUrl === null) {
    return Effect.succeed(result("smtp", "SKIP", `not configured: mail goes to the file outbox (${mail.outboxDir})`))
  }
  // Checked when the environment was loaded (a bad SMTP_URL fails the config check instead).
  const url = new URL(mail.smtpUrl)
  const secure = url.protocol === "smtps:"
  const host = url.hostname || "127.0.0.1"
  const port = Number(url.port || (secure ? 465 : 587))
  const shown = redact(url)
  const started = Date.now()
  return Effect.gen(function* () {
    const conversation = yield* connect({ host, port, tls: secure })
    const greeting = yield* exchange(conversation, null, parseSmtpReply)
    if (greeting.code !== 220) {
      return result("smtp", "FAIL", `${shown}: greeted with ${greeting.code} ${greeting.lines.join(" ")}`)
    }
    const ehlo = yield* exchange(conversation, `EHLO ${os.hostname() || "sratix-doctor"}\r\n`, parseSmtpReply)
    conversation.write("QUIT\r\n")
    if (ehlo.code !== 250) return result("smtp", "FAIL", `${shown}: EHLO answered ${ehlo.code} ${ehlo.lines.join(" ")}`)
    const extensions = ehloExtensions(ehlo)
    const starttls = extensions.includes("STARTTLS")
    const auth = extensions.find((x) => x.startsWith("AUTH"))
    const offers = [starttls ? "STARTTLS" : null, auth ?? null].filter((x) => x !== null)
    const detail = `${shown} ready (220, EHLO 250${offers.length ? `; offers ${offers.join(", ")}` : ""}) in ${elapsed(started)}`
    const loopback = host === "localhost" || host === "::1" || host.startsWith("127.")
    if (!secure && !starttls && !loopback) {
      return result("smtp", "WARN", `${detail}: no TLS, credentials and mail would travel in clear text`)
    }
    return result("smtp", "PASS", detail)
  }).pipe(
    Effect.scoped,
    Effect.timeoutFail({ duration: NETWORK_TIMEOUT, onTimeout: () => new Error("no answer within 10 s") }),
    Effect.catchAll((e) => Effect.succeed(result("smtp", "FAIL", `${shown}: ${messageOf(e)}`))),
  )
}

interface Spawned {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly timedOut: boolean
}

/** Runs a program in its own process group, so a timeout kills Chromium's helpers too. */
const run = (file: string, args: ReadonlyArray<string>, timeoutMs: number) =>
  Effect.async<Spawned, Error>((resume) => {
    const child = spawn(file, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    let timedOut = false
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL")
      } catch {
        // already gone
      }
    }
    const timer = setTimeout(() => {
      timedOut = true
      killGroup()
    }, timeoutMs)
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString()
    })
    child.on("error", (e) => {
      clearTimeout(timer)
      resume(Effect.fail(e))
    })
    child.on("close", (code) => {
      clearTimeout(timer)
      killGroup()
      resume(Effect.succeed({ code, stdout, stderr, timedOut }))
    })
    return Effect.sync(() => {
      clearTimeout(timer)
      killGroup()
    })
  })

/** Launches headless Chromium on a data: URL, as badge and invoice rendering will. */
export const chromiumCheck = (env: NodeJS.ProcessEnv): Effect.Effect<CheckResult> => {
  const binary = env.SRATIX_CHROMIUM_PATH || DEFAULT_CHROMIUM
  const need = "only badge and invoice PDFs need it"
  if (!fs.existsSync(binary)) {
    return Effect.succeed(
      result("chromium", "WARN", `not found at ${binary} (${need}): install chromium or set SRATIX_CHROMIUM_PATH`),
    )
  }
  return Effect.gen(function* () {
    const version = yield* run(binary, ["--version"], 10_000).pipe(
      Effect.map((r) => r.stdout.trim().split("\n")[0] ?? ""),
      Effect.orElseSucceed(() => ""),
    )
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-doctor-chromium-"))
    const started = Date.now()
    const launched = yield* run(
      binary,
      [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        `--user-data-dir=${profile}`,
        "--dump-dom",
        "data:text/html,<p>ok</p>",
      ],
      CHROMIUM_TIMEOUT_MS,
    ).pipe(Effect.ensuring(Effect.sync(() => fs.rmSync(profile, { recursive: true, force: true }))))
    const name = version || binary
    if (launched.stdout.includes("<p>ok</p>")) {
      return result("chromium", "PASS", `${name}: rendered a page headless in ${elapsed(started)}`)
    }
    const why = launched.timedOut
      ? `no page within ${CHROMIUM_TIMEOUT_MS / 1000} s`
      : `exit ${launched.code}: ${launched.stderr.trim().split("\n").slice(-1)[0] ?? ""}`
    return result("chromium", "WARN", `${name} did not render (${why}); ${need}`)
  }).pipe(
    Effect.catchAll((e) =>
      Effect.succeed(result("chromium", "WARN", `${binary} failed to start (${messageOf(e)}); ${need}`)),
    ),
  )
}

/** Creates each folder the server writes to, and writes, reads and deletes a file in it. */
export const foldersCheck = (context: DoctorContext): CheckResult => {
  const e = context.environment
  if (e === undefined) return skipUnconfigured("folders")
  const folders = [
    { label: "data", dir: e.dataDir, mode: 0o755 },
    { label: "outbox", dir: path.join(e.dataDir, "outbox"), mode: 0o755 },
    { label: "keys", dir: path.join(e.dataDir, "keys"), mode: 0o700 },
    { label: "tmp", dir: os.tmpdir(), mode: 0o755 },
  ]
  const problems: Array<string> = []
  for (const { dir, mode } of folders) {
    const probe = path.join(dir, `.sratix-doctor-${randomBytes(6).toString("hex")}`)
    try {
      fs.mkdirSync(dir, { recursive: true, mode })
      fs.writeFileSync(probe, "ok")
      if (fs.readFileSync(probe, "utf8") !== "ok") throw new Error("read back something else")
      fs.unlinkSync(probe)
    } catch (error) {
      problems.push(`${dir}: ${messageOf(error)}`)
      try {
        fs.rmSync(probe, { force: true })
      } catch {
        // the folder itself is the problem
      }
    }
  }
  return problems.length === 0
    ? result("folders", "PASS", `writable: ${folders.map((f) => f.dir).join(", ")}`)
    : result("folders", "FAIL", `${problems.join("; ")}: give the server's user write access`)
}

export const memoryCheck = (
  free = os.freemem(),
  total = os.totalmem(),
  limit: number | undefined = process.constrainedMemory?.(),
): CheckResult => {
  const limited = limit !== undefined && limit > 0 && limit < total
  const detail = `${formatBytes(free)} free of ${formatBytes(total)}${limited ? `, limited to ${formatBytes(limit)}` : ""}`
  const low = free < MIN_FREE_MEMORY || (limited && limit < MIN_FREE_MEMORY)
  return low
    ? result("memory", "WARN", `${detail}: under ${formatBytes(MIN_FREE_MEMORY)}, PDF rendering (Chromium) may fail`)
    : result("memory", "PASS", detail)
}

/** Binds PORT on HOST for a moment, as the server will. */
export const portCheck = (context: DoctorContext): Effect.Effect<CheckResult> => {
  const e = context.environment
  if (e === undefined) return Effect.succeed(skipUnconfigured("port"))
  if (e.port === 0) return Effect.succeed(result("port", "PASS", "PORT=0: the system picks a free port at start"))
  const where = `${e.host}:${e.port}`
  return Effect.async<CheckResult>((resume) => {
    const server = net.createServer()
    server.once("error", (error: NodeJS.ErrnoException) => {
      resume(
        Effect.succeed(
          error.code === "EADDRINUSE"
            ? result("port", "WARN", `${where} in use (is a server running?)`)
            : error.code === "EACCES"
              ? result("port", "FAIL", `${where}: permission denied; ports below 1024 need privileges, set PORT`)
              : error.code === "EADDRNOTAVAIL"
                ? result("port", "FAIL", `${where}: HOST is not an address of this machine`)
                : result("port", "FAIL", `${where}: ${error.message}`),
        ),
      )
    })
    server.listen({ port: e.port, host: e.host, exclusive: true }, () => {
      server.close(() => resume(Effect.succeed(result("port", "PASS", `${where} can be bound`))))
    })
    return Effect.sync(() => server.close())
  })
}

/** Every check, run concurrently, reported in a fixed order. */
export const runChecks = (context: DoctorContext): Effect.Effect<ReadonlyArray<CheckResult>> =>
  Effect.all(
    [
      Effect.sync(() => [nodeCheck()]),
      Effect.sync(() => [configCheck(context)]),
      Effect.sync(() => [secretCheck(context)]),
      databaseChecks(context),
      context.environment === undefined
        ? Effect.succeed([skipUnconfigured("redis")])
        : Effect.map(redisCheck(context.environment.redisUrl), (r) => [r]),
      context.environment === undefined
        ? Effect.succeed([skipUnconfigured("smtp")])
        : Effect.map(smtpCheck(context.environment.mail), (r) => [r]),
      Effect.map(chromiumCheck(context.env), (r) => [r]),
      Effect.sync(() =>
        context.environment === undefined
          ? [skipUnconfigured("wallet.apple"), skipUnconfigured("wallet.google")]
          : [appleWalletCheck(context.environment.wallet), googleWalletCheck(context.environment.wallet)],
      ),
      Effect.sync(() => [foldersCheck(context)]),
      Effect.sync(() => [memoryCheck()]),
      Effect.map(portCheck(context), (r) => [r]),
    ],
    { concurrency: "unbounded" },
  ).pipe(Effect.map((groups) => groups.flat()))

import { ux } from "@oclif/core"
import { loadEnvironment } from "@sratix/core"
import { Effect } from "effect"
import { BaseCommand, plural } from "../BaseCommand.js"
import { type CheckResult, type CheckStatus, type DoctorContext, runChecks } from "../doctor/Checks.js"
import { ExitCode } from "../Failures.js"
import { table } from "../Output.js"

export interface DoctorResult {
  readonly checks: ReadonlyArray<CheckResult>
  /** No check failed (warnings allowed). */
  readonly ok: boolean
}

const colour: Record<CheckStatus, Parameters<typeof ux.colorize>[0]> = {
  PASS: "green",
  WARN: "yellow",
  FAIL: "red",
  SKIP: "dim",
}

export default class Doctor extends BaseCommand<typeof Doctor> {
  static override summary = "Check that this host can run SRAtix as configured."
  static override description = `Probes what the server will use, with the configuration from the environment:
Node.js version, configuration and secret, database connection and pending migrations, Redis (PING over
REDIS_URL), SMTP (greeting and EHLO on SMTP_URL, checked with the rest of the configuration; no credentials are sent), headless Chromium
(SRATIX_CHROMIUM_PATH, default /usr/bin/chromium), wallet passes (Apple certificates readable, matching and their
expiry; the Google issuer key; nothing secret is printed), writable data folders, free memory and the HTTP port.

PASS works; WARN runs with a fallback or needs attention; FAIL means SRAtix cannot run here as configured;
SKIP means not configured, so the built-in fallback is used. Exits 1 when any check fails. Changes nothing
except creating the data folders; a missing SQLite database is not created.`
  static override examples = [
    "<%= config.bin %> <%= command.id %>",
    "DATABASE_URL=mysql://sratix:secret@db:3306/sratix REDIS_URL=rediss://:token@redis.example.com:6379 <%= config.bin %> <%= command.id %>",
    "<%= config.bin %> <%= command.id %> --json",
  ]

  async run(): Promise<DoctorResult> {
    const context = readContext()
    const progress = !this.jsonEnabled()
    if (progress) ux.action.start("Running checks")
    const checks = await Effect.runPromise(runChecks(context))
    if (progress) ux.action.stop()
    const failed = checks.filter((c) => c.status === "FAIL")
    const warned = checks.filter((c) => c.status === "WARN")
    this.log(
      table(
        ["STATUS", "CHECK", "DETAIL"],
        checks.map((c) => [ux.colorize(colour[c.status], c.status), c.check, c.detail]),
      ),
    )
    this.log("")
    this.log(
      failed.length > 0
        ? `${plural(failed.length, "check")} failed: ${failed.map((c) => c.check).join(", ")}.`
        : warned.length > 0
          ? `Ready, with ${plural(warned.length, "warning")}.`
          : "Ready.",
    )
    if (failed.length > 0) process.exitCode = ExitCode.failure
    return { checks, ok: failed.length === 0 }
  }
}

const readContext = (): DoctorContext => {
  try {
    return { env: process.env, environment: loadEnvironment(process.env), configError: undefined }
  } catch (error) {
    return { env: process.env, environment: undefined, configError: (error as Error).message }
  }
}

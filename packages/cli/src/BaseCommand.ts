import * as path from "node:path"
import { Command, Errors, type Interfaces, ux } from "@oclif/core"
import { BrowserPool, type Environment, loadEnvironment, migrate, resolveSecret } from "@sratix/core"
import { Cause, type Effect, Exit, ManagedRuntime } from "effect"
import { describeCause, describeFailure, type FailureContext } from "./Failures.js"
import { type CliServices, coreLayer, type DatabaseServices, databaseLayer } from "./Runtime.js"

export type Flags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)["baseFlags"] & T["flags"]>
export type Args<T extends typeof Command> = Interfaces.InferredArgs<T["args"]>

const debugging = () => process.env.SRATIX_DEBUG === "1" || process.env.SRATIX_DEBUG === "true"

/**
 * Shared behaviour of every `sratix` command:
 * - `--json` on every command: `run()` returns the payload that `--json` prints, and human output
 *   (`this.log`) is silent in JSON mode;
 * - the environment is read once, and the Effect runtimes (database only, or every core service as
 *   the system caller `cli`) are built once per process and disposed when the command ends;
 * - every failure becomes one line on stderr (or `{ "error": … }` with `--json`) and a documented
 *   exit code; `SRATIX_DEBUG=1` adds the full cause for a bug report.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true

  protected flags!: Flags<T>
  protected args!: Args<T>

  private cachedEnvironment: Environment | undefined
  private runtimes: Array<ManagedRuntime.ManagedRuntime<never, unknown>> = []
  private database: ManagedRuntime.ManagedRuntime<DatabaseServices, never> | undefined
  private core: ManagedRuntime.ManagedRuntime<CliServices, never> | undefined
  private schemaReady = false

  override async init(): Promise<void> {
    await super.init()
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as Flags<T>
    this.args = args as Args<T>
  }

  /** The process environment, parsed once; a bad value throws a `ConfigError` (exit 3). */
  protected get environment(): Environment {
    this.cachedEnvironment ??= loadEnvironment(process.env)
    return this.cachedEnvironment
  }

  /** Runs an effect against the database only (no migrations, no secret). */
  protected async withDatabase<A, E>(
    effect: Effect.Effect<A, E, DatabaseServices>,
    context: FailureContext = {},
  ): Promise<A> {
    this.database ??= this.keep(ManagedRuntime.make(databaseLayer(this.environment)))
    return this.runIn(this.database, effect, context)
  }

  /**
   * Runs an effect with every core service as the system caller `cli`, after applying pending
   * migrations (reported on stderr in human mode), so a fresh data folder just works.
   */
  protected async withCore<A, E>(effect: Effect.Effect<A, E, CliServices>, context: FailureContext = {}): Promise<A> {
    if (this.core === undefined) {
      const environment = this.environment
      const { secret, generated } = resolveSecret(environment)
      if (generated) {
        // stderr in both modes: stdout stays pure JSON, and the warning must not be missed.
        process.stderr.write(
          `Warning: SRATIX_SECRET is not set; generated a secret into ${path.join(environment.dataDir, "keys", "secret")}. ` +
            "Set SRATIX_SECRET (32+ characters) in production so every instance shares it.\n",
        )
      }
      this.core = this.keep(ManagedRuntime.make(coreLayer(environment, secret)))
    }
    if (!this.schemaReady) {
      const applied = await this.runIn(this.core, migrate, context)
      this.schemaReady = true
      if (applied.length > 0) {
        this.logToStderr(`Applied ${plural(applied.length, "migration")}: ${applied.map(migrationLabel).join(", ")}`)
      }
    }
    return this.runIn(this.core, effect, context)
  }

  /** Only the browser pool: previews of samples and template files need no database, secret or migrations. */
  protected async withBrowser<A, E>(
    effect: Effect.Effect<A, E, BrowserPool>,
    context: FailureContext = {},
  ): Promise<A> {
    return this.runIn(this.keep(ManagedRuntime.make(BrowserPool.Default)), effect, context)
  }

  private keep<R, ER>(runtime: ManagedRuntime.ManagedRuntime<R, ER>) {
    this.runtimes.push(runtime as ManagedRuntime.ManagedRuntime<never, unknown>)
    return runtime
  }

  private async runIn<A, E, R>(
    runtime: ManagedRuntime.ManagedRuntime<R, never>,
    effect: Effect.Effect<A, E, R>,
    context: FailureContext,
  ): Promise<A> {
    const exit = await runtime.runPromiseExit(effect)
    if (Exit.isSuccess(exit)) return exit.value
    if (debugging()) process.stderr.write(`${Cause.pretty(exit.cause)}\n`)
    const failure = describeCause(exit.cause, { databaseUrl: this.environment.databaseUrl, ...context })
    throw new Errors.CLIError(failure.message, { exit: failure.exit })
  }

  /** One line on stderr (or a JSON error document on stdout with `--json`), never a stack trace. */
  protected override async catch(error: Error): Promise<unknown> {
    if (error instanceof Errors.ExitError) throw error
    if (debugging() && !(error instanceof Errors.CLIError)) process.stderr.write(`${error.stack ?? error}\n`)
    const failure = describeFailure(
      error,
      this.cachedEnvironment ? { databaseUrl: this.cachedEnvironment.databaseUrl } : {},
    )
    if (this.jsonEnabled()) {
      process.exitCode = failure.exit
      this.logJson({ error: failure })
      return undefined
    }
    process.stderr.write(`${ux.colorize("red", "Error:")} ${failure.message}\n`)
    throw new Errors.ExitError(failure.exit)
  }

  protected override async finally(error: Error | undefined): Promise<unknown> {
    await Promise.allSettled(this.runtimes.map((runtime) => runtime.dispose()))
    return super.finally(error)
  }
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`

export const migrationLabel = (m: { readonly id: number; readonly name: string }) =>
  `${String(m.id).padStart(4, "0")}_${m.name}`

import { Flags } from "@oclif/core"
import { Fulfilment } from "@sratix/core"
import { Deferred, Effect } from "effect"
import { BaseCommand } from "../BaseCommand.js"

export interface WorkerResult {
  readonly backend: "bullmq" | "in-process"
  readonly stoppedBy: string
}

export default class WorkerCommand extends BaseCommand<typeof WorkerCommand> {
  static override summary = "Run the background workers (order fulfilment, invoice reminders, sweeps) until stopped."
  static override description =
    "Works the `orders.fulfil` and `invoices.reminder_due` jobs and runs the sweeps that re-enqueue lost " +
    "fulfilments and credit invoices of orders that closed unpaid. With REDIS_URL it takes jobs from BullMQ " +
    "alongside any number of servers and workers; without it, it works an in-process queue of its own, which " +
    "the sweeps fill. SIGTERM or SIGINT stops it gracefully: no new jobs, running ones get --grace seconds."
  static override examples = [
    "REDIS_URL=redis://127.0.0.1:6379 <%= config.bin %> <%= command.id %>",
    "<%= config.bin %> <%= command.id %> --concurrency 8 --grace 60",
  ]
  static override flags = {
    concurrency: Flags.integer({ description: "Jobs of each type run at once", min: 1, max: 64 }),
    grace: Flags.integer({ description: "Seconds running jobs get to finish on shutdown", default: 30, min: 0 }),
    "sweep-every": Flags.integer({ description: "Seconds between sweeps", default: 30, min: 1, helpValue: "SECONDS" }),
  }

  async run(): Promise<WorkerResult> {
    const { concurrency, grace } = this.flags
    const sweepEvery = this.flags["sweep-every"]
    const backend = this.environment.redisUrl === null ? "in-process" : "bullmq"
    const stoppedBy = await this.withCore(
      Effect.scoped(
        Effect.gen(function* () {
          const stop = yield* Deferred.make<string>()
          const onSignal = (signal: string) => () => Deferred.unsafeDone(stop, Effect.succeed(signal))
          const handlers = { SIGTERM: onSignal("SIGTERM"), SIGINT: onSignal("SIGINT") }
          yield* Effect.acquireRelease(
            Effect.sync(() => {
              process.once("SIGTERM", handlers.SIGTERM)
              process.once("SIGINT", handlers.SIGINT)
            }),
            () =>
              Effect.sync(() => {
                process.off("SIGTERM", handlers.SIGTERM)
                process.off("SIGINT", handlers.SIGINT)
              }),
          )
          const fulfilment = yield* Fulfilment
          yield* fulfilment.runWorkers({
            ...(concurrency === undefined ? {} : { concurrency }),
            shutdownGraceMs: grace * 1000,
            sweepEvery: `${sweepEvery} seconds`,
          })
          yield* Effect.sync(() => process.stderr.write(`Workers running on the ${backend} queue; stop with Ctrl-C.\n`))
          // Closing the scope after this is the graceful shutdown of every worker.
          return yield* Deferred.await(stop)
        }),
      ),
    )
    this.logToStderr(`Workers stopped (${stoppedBy}).`)
    return { backend, stoppedBy }
  }
}

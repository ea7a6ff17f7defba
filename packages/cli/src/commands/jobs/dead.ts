import { Errors, Flags } from "@oclif/core"
import { type DeadLetter, JobQueue, jobTypes } from "@sratix/core"
import { Effect } from "effect"
import { BaseCommand } from "../../BaseCommand.js"
import { ExitCode } from "../../Failures.js"
import { table } from "../../Output.js"

export interface JobsDeadResult {
  readonly deadLetters: ReadonlyArray<DeadLetter>
}

/** Dead letters live where the queue lives: only a shared queue (BullMQ) can be read from another process. */
export const requireSharedQueue = (redisUrl: string | null) => {
  if (redisUrl === null) {
    throw new Errors.CLIError(
      "The in-process queue keeps its jobs inside the server process; set REDIS_URL to the server's Redis",
      { exit: ExitCode.configuration },
    )
  }
}

export const typeNames = jobTypes.map((t) => t.name)

export default class JobsDeadCommand extends BaseCommand<typeof JobsDeadCommand> {
  static override summary = "List background jobs that failed their last attempt (the dead-letter list)."
  static override description =
    "Jobs land here after their last retry failed, or at once when their payload no longer decodes. They stay " +
    "until retried with `jobs retry`. Reads the shared BullMQ queue (REDIS_URL); the in-process queue of a " +
    "server without Redis is not reachable from another process."
  static override examples = [
    "REDIS_URL=redis://127.0.0.1:6379 <%= config.bin %> <%= command.id %>",
    "REDIS_URL=redis://127.0.0.1:6379 <%= config.bin %> <%= command.id %> --type email.order_confirmation --json",
  ]
  static override flags = {
    type: Flags.string({ description: "Only this job type", options: typeNames }),
    limit: Flags.integer({ description: "At most this many per job type", min: 1, max: 10_000, default: 100 }),
  }

  async run(): Promise<JobsDeadResult> {
    requireSharedQueue(this.environment.redisUrl)
    const { type, limit } = this.flags
    const chosen = jobTypes.filter((t) => type === undefined || t.name === type)
    const deadLetters = await this.withCore(
      Effect.flatMap(JobQueue, (queue) =>
        Effect.map(
          Effect.forEach(chosen, (t) => queue.deadLetters(t, limit)),
          (lists) => lists.flat(),
        ),
      ),
    )
    if (deadLetters.length === 0) this.log("No dead jobs.")
    else {
      this.log(
        table(
          ["TYPE", "ID", "ATTEMPTS", "FAILED", "ERROR"],
          deadLetters.map((d) => [d.type, d.id, String(d.attemptsMade), new Date(d.failedAt).toISOString(), d.error]),
        ),
      )
    }
    return { deadLetters }
  }
}

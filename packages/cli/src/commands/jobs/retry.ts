import { Errors, Flags } from "@oclif/core"
import { JobQueue, jobTypes } from "@sratix/core"
import { Effect } from "effect"
import { BaseCommand } from "../../BaseCommand.js"
import { ExitCode } from "../../Failures.js"
import { requireSharedQueue, typeNames } from "./dead.js"

export interface JobsRetryResult {
  readonly type: string
  readonly id: string
  readonly retried: true
}

export default class JobsRetryCommand extends BaseCommand<typeof JobsRetryCommand> {
  static override summary = "Send a dead job back to the queue with a fresh set of attempts."
  static override description =
    "For a job whose cause is fixed (an SMTP server back, a template corrected). Handlers are idempotent, so a " +
    "retried job that had partly run does not repeat what it already did. Ids come from `jobs dead`."
  static override examples = [
    "REDIS_URL=redis://127.0.0.1:6379 <%= config.bin %> <%= command.id %> --type email.order_confirmation --id order-confirmation-0193…",
  ]
  static override flags = {
    type: Flags.string({ description: "Job type", options: typeNames, required: true }),
    id: Flags.string({ description: "Job id (from `jobs dead`)", required: true, helpValue: "ID" }),
  }

  async run(): Promise<JobsRetryResult> {
    requireSharedQueue(this.environment.redisUrl)
    const { type, id } = this.flags
    const jobType = jobTypes.find((t) => t.name === type)!
    const retried = await this.withCore(Effect.flatMap(JobQueue, (queue) => queue.retryDeadLetter(jobType, id)))
    if (!retried) {
      throw new Errors.CLIError(
        `No dead ${type} job with id "${id}"; list them with \`${this.config.bin} jobs dead\``,
        {
          exit: ExitCode.notFound,
        },
      )
    }
    this.log(`Job ${id} is queued again with fresh attempts.`)
    return { type, id, retried: true }
  }
}

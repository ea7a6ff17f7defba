import { Flags } from "@oclif/core"
import { WebhookEntry, Webhooks } from "@sratix/core"
import { Effect, Schema } from "effect"
import { BaseCommand } from "../../BaseCommand.js"
import { resolveOrganization } from "../../Lookups.js"
import { table } from "../../Output.js"

export interface WebhookListResult {
  readonly webhooks: ReadonlyArray<typeof WebhookEntry.Encoded>
}

export default class WebhooksList extends BaseCommand<typeof WebhooksList> {
  static override summary = "List outbound webhooks to WordPress sites, newest first."
  static override description =
    "Each webhook is one row of the outbox: pending (queued or being retried), delivered, or failed after its " +
    "last attempt. `sratix webhooks replay` queues failed ones again."
  static override examples = [
    "<%= config.bin %> <%= command.id %>",
    "<%= config.bin %> <%= command.id %> --status failed --org swiss-robotics-association",
    "<%= config.bin %> <%= command.id %> --status pending --limit 20 --json",
  ]
  static override flags = {
    org: Flags.string({ description: "Only this organisation (id or slug)", helpValue: "SLUG_OR_ID" }),
    status: Flags.string({ description: "Only webhooks in this state", options: ["pending", "delivered", "failed"] }),
    limit: Flags.integer({ description: "At most this many", min: 1, max: 1000, default: 100 }),
  }

  async run(): Promise<WebhookListResult> {
    const { org, status, limit } = this.flags
    const entries = await this.withCore(
      Effect.gen(function* () {
        const orgId = org === undefined ? undefined : (yield* resolveOrganization(org)).id
        return yield* Effect.flatMap(Webhooks, (w) =>
          w.list({
            ...(orgId === undefined ? {} : { orgId }),
            ...(status === undefined ? {} : { status: status as WebhookEntry["status"] }),
            limit,
          }),
        )
      }),
      { hints: { NotFound: "check --org (an organisation id or slug)" } },
    )
    if (entries.length === 0) this.log("No webhooks.")
    else {
      this.log(
        table(
          ["ID", "TYPE", "STATUS", "ATTEMPTS", "LAST ERROR", "CREATED"],
          entries.map((e) => [
            e.id,
            e.eventType,
            e.status,
            String(e.attempts),
            e.lastError ?? "",
            new Date(e.createdAt).toISOString(),
          ]),
        ),
      )
    }
    return { webhooks: entries.map((e) => Schema.encodeSync(WebhookEntry)(e)) }
  }
}

import { Errors, Flags } from "@oclif/core"
import { WebhookEntry, Webhooks } from "@sratix/core"
import { Effect, Schema } from "effect"
import { BaseCommand } from "../../BaseCommand.js"
import { ExitCode } from "../../Failures.js"
import { resolveOrganization } from "../../Lookups.js"

export interface WebhookReplayResult {
  readonly replayed: ReadonlyArray<typeof WebhookEntry.Encoded>
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export default class WebhooksReplay extends BaseCommand<typeof WebhooksReplay> {
  static override summary = "Queue outbound webhooks again: the ones named, or every failed one."
  static override description =
    "A replayed webhook gets fresh attempts and is signed anew. With REDIS_URL it is queued at once; on the " +
    "in-process queue a running server's sweep picks it up within about a minute. Webhooks still pending are " +
    "left as they are."
  static override examples = [
    "<%= config.bin %> <%= command.id %> --id 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60",
    "<%= config.bin %> <%= command.id %> --failed --org swiss-robotics-association --json",
  ]
  static override flags = {
    id: Flags.string({ description: "Webhook id (repeatable)", multiple: true, helpValue: "ID" }),
    failed: Flags.boolean({ description: "Every failed webhook (of --org, when given)", default: false }),
    org: Flags.string({ description: "With --failed: only this organisation (id or slug)", helpValue: "SLUG_OR_ID" }),
  }

  async run(): Promise<WebhookReplayResult> {
    const { id, failed, org } = this.flags
    const ids = id ?? []
    if (ids.length === 0 && !failed) {
      throw new Errors.CLIError("Name webhooks with --id, or pass --failed for every failed one", {
        exit: ExitCode.invalidInput,
      })
    }
    const bad = ids.find((value) => !uuid.test(value))
    if (bad !== undefined) {
      throw new Errors.CLIError(
        `"${bad}" is not a webhook id (a UUID): find it with \`${this.config.bin} webhooks list\``,
        {
          exit: ExitCode.invalidInput,
        },
      )
    }
    const replayed = await this.withCore(
      Effect.gen(function* () {
        const webhooks = yield* Webhooks
        const orgId = org === undefined ? undefined : (yield* resolveOrganization(org)).id
        const failedIds = failed
          ? (yield* webhooks.list({ ...(orgId === undefined ? {} : { orgId }), status: "failed", limit: 1000 })).map(
              (e) => e.id,
            )
          : []
        return yield* Effect.forEach([...new Set([...ids, ...failedIds])], (webhookId) =>
          webhooks.replay(webhookId, orgId),
        )
      }),
      { hints: { NotFound: `check the ids with \`${this.config.bin} webhooks list\`` } },
    )
    this.log(replayed.length === 0 ? "Nothing to replay." : `Queued ${replayed.length} webhook(s) again.`)
    return { replayed: replayed.map((e) => Schema.encodeSync(WebhookEntry)(e)) }
  }
}

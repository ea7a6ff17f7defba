import { seedDemo } from "@sratix/core"
import { BaseCommand } from "../../BaseCommand.js"

export interface SeedDemoResult {
  readonly created: boolean
  readonly orgId: string
  readonly eventId: string
}

export default class SeedDemo extends BaseCommand<typeof SeedDemo> {
  static override summary = "Create the demo organisation and event (Swiss Robotics Day)."
  static override description =
    "Creates the Swiss Robotics Association with a published Swiss Robotics Day: five ticket types and two " +
    "promo codes. Idempotent: when the demo exists already, nothing changes and its ids are returned."
  static override examples = ["<%= config.bin %> <%= command.id %>", "<%= config.bin %> <%= command.id %> --json"]

  async run(): Promise<SeedDemoResult> {
    const result = await this.withCore(seedDemo)
    this.log(
      result.created
        ? `Created the demo event ${result.eventId}.`
        : `The demo exists already: event ${result.eventId} (nothing changed).`,
    )
    this.log(`Show it with: ${this.config.bin} event show ${result.eventId}`)
    return { created: result.created, orgId: result.orgId, eventId: result.eventId }
  }
}

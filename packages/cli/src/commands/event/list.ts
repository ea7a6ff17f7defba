import { Flags } from "@oclif/core"
import { Event, Events } from "@sratix/core"
import { Effect, Schema } from "effect"
import { BaseCommand } from "../../BaseCommand.js"
import { allPages, listOrganizations, resolveOrganization } from "../../Lookups.js"
import { formatInstant, table } from "../../Output.js"

export interface EventListResult {
  readonly events: ReadonlyArray<typeof Event.Encoded & { readonly orgSlug: string }>
}

export default class EventList extends BaseCommand<typeof EventList> {
  static override summary = "List events, of every organisation or of one."
  static override examples = [
    "<%= config.bin %> <%= command.id %>",
    "<%= config.bin %> <%= command.id %> --org swiss-robotics-association",
    "<%= config.bin %> <%= command.id %> --org 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60 --json",
  ]
  static override flags = {
    org: Flags.string({ description: "Only this organisation (id or slug)", helpValue: "SLUG_OR_ID" }),
  }

  async run(): Promise<EventListResult> {
    const org = this.flags.org
    const rows = await this.withCore(
      Effect.gen(function* () {
        const events = yield* Events
        const orgs = org === undefined ? yield* listOrganizations : [yield* resolveOrganization(org)]
        return yield* Effect.forEach(orgs, (o) =>
          Effect.map(
            allPages((page) => events.list(o.id, page)),
            (list) => list.map((event) => ({ event, orgSlug: o.slug })),
          ),
        ).pipe(Effect.map((perOrg) => perOrg.flat()))
      }),
      { hints: { NotFound: "check --org (an organisation id or slug)" } },
    )
    if (rows.length === 0) this.log(org === undefined ? "No events yet." : `No events in ${org}.`)
    else {
      this.log(
        table(
          ["ID", "ORG", "SLUG", "NAME", "STARTS", "STATUS"],
          rows.map(({ event, orgSlug }) => [
            event.id,
            orgSlug,
            event.slug,
            event.name,
            formatInstant(event.startsAt, event.timezone),
            event.status,
          ]),
        ),
      )
    }
    return { events: rows.map(({ event, orgSlug }) => ({ ...Schema.encodeSync(Event)(event), orgSlug })) }
  }
}

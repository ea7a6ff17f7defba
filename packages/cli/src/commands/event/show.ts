import { Args } from "@oclif/core"
import {
  Event,
  Events,
  Organizations,
  type SalesState,
  salesState,
  TicketTypes,
  TicketTypeWithAvailability,
} from "@sratix/core"
import { Clock, Effect, Schema } from "effect"
import { BaseCommand } from "../../BaseCommand.js"
import { requireEventId } from "../../Lookups.js"
import { fields, formatInstant, formatMoney, table } from "../../Output.js"

export interface EventShowResult {
  readonly event: typeof Event.Encoded
  readonly organization: { readonly id: string; readonly slug: string; readonly name: string }
  readonly ticketTypes: ReadonlyArray<typeof TicketTypeWithAvailability.Encoded & { readonly salesState: SalesState }>
}

export default class EventShow extends BaseCommand<typeof EventShow> {
  static override summary = "Show an event with its ticket types and their live availability."
  static override examples = [
    "<%= config.bin %> <%= command.id %> 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60",
    "<%= config.bin %> <%= command.id %> 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60 --json",
  ]
  static override args = {
    id: Args.string({ description: "Event id (see `sratix event list`)", required: true }),
  }

  async run(): Promise<EventShowResult> {
    const id = requireEventId(this.args.id, this.config.bin)
    const { event, organization, ticketTypes, now } = await this.withCore(
      Effect.gen(function* () {
        const event = yield* Effect.flatMap(Events, (events) => events.get(id))
        const organization = yield* Effect.flatMap(Organizations, (orgs) => orgs.get(event.orgId))
        const ticketTypes = yield* Effect.flatMap(TicketTypes, (types) => types.listForEvent(id))
        return { event, organization, ticketTypes, now: yield* Clock.currentTimeMillis }
      }),
      { hints: { NotFound: `find the id with \`${this.config.bin} event list\`` } },
    )

    const zone = event.timezone
    const venue = event.venue ? [event.venue.name, event.venue.city].filter(Boolean).join(", ") : "—"
    this.log(
      fields([
        ["event", `${event.name} (${event.status})`],
        ["id", event.id],
        ["organisation", `${organization.name} (${organization.slug})`],
        ["slug", event.slug],
        ["starts", `${formatInstant(event.startsAt, zone)} ${zone}`],
        ["ends", `${formatInstant(event.endsAt, zone)} ${zone}`],
        ["venue", venue],
        ["currency", event.currency],
      ]),
    )
    this.log("")
    this.log(
      ticketTypes.length === 0
        ? "No ticket types yet."
        : table(
            ["TICKET TYPE", "PRICE", "CAPACITY", "AVAILABLE", "VISIBILITY", "SALES"],
            ticketTypes.map((t) => [
              t.name,
              formatMoney(t.priceMinor, event.currency),
              String(t.capacity),
              String(t.available),
              t.visibility,
              salesState(t, now),
            ]),
          ),
    )
    return {
      event: Schema.encodeSync(Event)(event),
      organization: { id: organization.id, slug: organization.slug, name: organization.name },
      ticketTypes: ticketTypes.map((t) => ({
        ...Schema.encodeSync(TicketTypeWithAvailability)(t),
        salesState: salesState(t, now),
      })),
    }
  }
}

import { Errors, Flags } from "@oclif/core"
import { CreateEvent, Currency, Event, Events } from "@sratix/core"
import { Effect, Schema } from "effect"
import { BaseCommand } from "../../BaseCommand.js"
import { ExitCode, formatParseError } from "../../Failures.js"
import { resolveOrganization } from "../../Lookups.js"
import { formatInstant } from "../../Output.js"

export interface EventCreateResult {
  readonly event: typeof Event.Encoded
}

/** Domain field → the flag that sets it, so validation messages name what to fix. */
const flagOf = {
  slug: "--slug",
  name: "--name",
  startsAt: "--starts",
  endsAt: "--ends",
  timezone: "--timezone",
  currency: "--currency",
  "venue.name": "--venue",
}

export default class EventCreate extends BaseCommand<typeof EventCreate> {
  static override summary = "Create an event (as a draft) in an organisation."
  static override description =
    "Times are ISO-8601 instants with an offset, e.g. 2026-09-10T09:00:00+02:00 or 2026-09-10T07:00:00Z. " +
    "The time zone (default Europe/Zurich) is how the event's times are shown; the currency defaults to CHF."
  static override examples = [
    "<%= config.bin %> <%= command.id %> --org swiss-robotics-association --slug robotics-summit --name 'Robotics Summit' --starts 2026-09-10T09:00:00+02:00 --ends 2026-09-10T18:00:00+02:00",
    "<%= config.bin %> <%= command.id %> --org 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60 --slug meetup --name Meetup --starts 2026-10-01T17:00:00Z --ends 2026-10-01T20:00:00Z --currency EUR --venue 'Kraftwerk Zürich' --json",
  ]
  static override flags = {
    org: Flags.string({ description: "Organisation id or slug", required: true, helpValue: "SLUG_OR_ID" }),
    slug: Flags.string({
      description: "URL name, unique in the organisation: lowercase letters, digits, single hyphens",
      required: true,
    }),
    name: Flags.string({ description: "Event name", required: true }),
    starts: Flags.string({ description: "Start, ISO-8601 with offset", required: true, helpValue: "ISO" }),
    ends: Flags.string({ description: "End, ISO-8601 with offset, after --starts", required: true, helpValue: "ISO" }),
    timezone: Flags.string({ description: "IANA time zone [default: Europe/Zurich]", helpValue: "ZONE" }),
    currency: Flags.string({ description: "Currency [default: CHF]", options: [...Currency.literals] }),
    venue: Flags.string({ description: "Venue name", helpValue: "NAME" }),
  }

  async run(): Promise<EventCreateResult> {
    const { org, slug, name, starts, ends, timezone, currency, venue } = this.flags
    const decoded = Schema.decodeUnknownEither(CreateEvent)({
      slug,
      name,
      startsAt: starts,
      endsAt: ends,
      ...(timezone === undefined ? {} : { timezone }),
      ...(currency === undefined ? {} : { currency }),
      ...(venue === undefined ? {} : { venue: { name: venue } }),
    })
    if (decoded._tag === "Left") {
      throw new Errors.CLIError(formatParseError(decoded.left, flagOf), { exit: ExitCode.invalidInput })
    }
    const input = decoded.right
    const { event, orgSlug } = await this.withCore(
      Effect.gen(function* () {
        const organization = yield* resolveOrganization(org)
        const event = yield* Effect.flatMap(Events, (events) => events.create(organization.id, input))
        return { event, orgSlug: organization.slug }
      }),
      {
        hints: {
          NotFound: "check --org (an organisation id or slug)",
          Conflict: "choose another --slug",
        },
      },
    )
    this.log(
      `Created the draft event "${event.name}" (${event.id}) in ${orgSlug}, ` +
        `starting ${formatInstant(event.startsAt, event.timezone)} ${event.timezone}.`,
    )
    return { event: Schema.encodeSync(Event)(event) }
  }
}

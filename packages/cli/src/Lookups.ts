import { Errors } from "@oclif/core"
import { CheckIns, EventId, NotFound, Organizations, OrgId } from "@sratix/core"
import { Effect, Schema } from "effect"
import { ExitCode } from "./Failures.js"

interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly nextCursor: string | null
}

const PAGE_SIZE = 100

/** Follows the cursor of a core list operation to the end: the CLI prints whole lists. */
export const allPages = <A, E, R>(
  fetch: (page: { readonly cursor?: string; readonly limit: number }) => Effect.Effect<Page<A>, E, R>,
): Effect.Effect<ReadonlyArray<A>, E, R> =>
  Effect.gen(function* () {
    const items: Array<A> = []
    let cursor: string | null = null
    do {
      const page: Page<A> = yield* fetch(cursor === null ? { limit: PAGE_SIZE } : { cursor, limit: PAGE_SIZE })
      items.push(...page.items)
      cursor = page.nextCursor
    } while (cursor !== null)
    return items
  })

export const listOrganizations = Effect.flatMap(Organizations, (orgs) => allPages((page) => orgs.list(page)))

const isOrgId = Schema.is(OrgId)
export const isEventId = Schema.is(EventId)

/** An event id given on the command line, checked before any database work (exit 2 when malformed). */
export const requireEventId = (value: string, bin: string): EventId => {
  if (isEventId(value)) return value
  throw new Errors.CLIError(`"${value}" is not an event id (a UUID): find it with \`${bin} event list\``, {
    exit: ExitCode.invalidInput,
  })
}

/** `--org` takes an organisation id or its slug, whichever the operator has at hand. */
export const resolveOrganization = (slugOrId: string) =>
  Effect.gen(function* () {
    if (isOrgId(slugOrId)) return yield* Effect.flatMap(Organizations, (orgs) => orgs.get(slugOrId))
    const found = (yield* listOrganizations).find((org) => org.slug === slugOrId)
    if (found) return found
    return yield* new NotFound({ detail: `No organisation with slug "${slugOrId}"`, resource: "organization" })
  })

/** `--list` takes a check-in list id or its name within the event; a name two lists share must be given as an id. */
export const requireCheckinList = (eventId: EventId, idOrName: string) =>
  Effect.gen(function* () {
    const lists = yield* Effect.flatMap(CheckIns, (checkIns) => checkIns.lists(eventId))
    const byId = lists.find((l) => l.id === idOrName)
    if (byId) return byId
    const named = lists.filter((l) => l.name === idOrName)
    if (named.length === 1) return named[0]!
    const known = lists.map((l) => `"${l.name}" (${l.id})`).join(", ") || "none yet"
    return yield* new NotFound({
      detail:
        named.length > 1
          ? `Several check-in lists are named "${idOrName}": give the id (${known})`
          : `No check-in list "${idOrName}" in this event; its lists: ${known}`,
      resource: "checkin-list",
    })
  })

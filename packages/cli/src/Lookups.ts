import { Errors } from "@oclif/core"
import { EventId, NotFound, Organizations, OrgId } from "@sratix/core"
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

import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"
import { Audit } from "../audit/Audit.js"
import type { OrgId } from "../domain/Ids.js"
import { uuidv7 } from "../domain/Ids.js"
import { type CreateOrganization, Organization } from "../domain/Organization.js"
import { Conflict, NotFound } from "../domain/Problems.js"
import { isUniqueViolation } from "../sql/Errors.js"
import { decodeCursor, rowDecoder, toPage } from "../sql/Rows.js"
import { orgMembershipScope } from "../sql/Tenant.js"

const decode = rowDecoder(Organization)

export class Organizations extends Effect.Service<Organizations>()("sratix/organizations/Organizations", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit

    const create = Effect.fn("Organizations.create")(function* (input: CreateOrganization) {
      const now = yield* Clock.currentTimeMillis
      const id = uuidv7(now) as OrgId
      yield* sql`INSERT INTO organizations ${sql.insert({ id, ...input, createdAt: now, updatedAt: now })}`.pipe(
        Effect.zipRight(
          audit.record({ action: "organization.created", targetType: "organization", targetId: id, orgId: id }),
        ),
        sql.withTransaction,
        Effect.catchTag("SqlError", (e) =>
          isUniqueViolation(e)
            ? new Conflict({ detail: `An organisation with slug "${input.slug}" exists already` })
            : Effect.die(e),
        ),
      )
      return new Organization({ id, ...input, createdAt: now, updatedAt: now })
    })

    const get = Effect.fn("Organizations.get")(function* (id: OrgId) {
      const scope = yield* orgMembershipScope(sql)
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM organizations
        WHERE id = ${id} AND ${scope}`.pipe(Effect.orDie)
      if (rows[0] === undefined)
        return yield* new NotFound({ detail: "No such organisation", resource: "organization" })
      return yield* decode(rows[0])
    })

    const list = Effect.fn("Organizations.list")(function* (page: { cursor?: string | undefined; limit: number }) {
      const scope = yield* orgMembershipScope(sql)
      const after = decodeCursor(page.cursor)
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM organizations WHERE ${scope}
        ${after ? sql`AND id > ${after}` : sql``} ORDER BY id LIMIT ${page.limit + 1}`.pipe(Effect.orDie)
      return toPage(yield* Effect.forEach(rows, decode), page.limit)
    })

    return { create, get, list } as const
  }),
  dependencies: [Audit.Default],
}) {}

import type { SqlClient } from "@effect/sql"
import type { Fragment } from "@effect/sql/Statement"
import { Effect } from "effect"
import { Caller, visibility } from "../tenancy/Caller.js"

/**
 * The WHERE clause that limits a tenant table to what the current caller may see. Every
 * repository query on a tenant table includes it; nothing else decides tenancy.
 */
export const tenantScope = (
  sql: SqlClient.SqlClient,
  columns: { readonly org: string; readonly event?: string } = { org: "org_id", event: "event_id" },
) =>
  Effect.map(Caller, (caller): Fragment => {
    const v = visibility(caller)
    if (v.kind === "all") return sql`1=1`
    const parts: Array<Fragment> = []
    if (v.orgIds.length > 0) parts.push(sql`${sql(columns.org)} IN ${sql.in(v.orgIds)}`)
    if (columns.event !== undefined && v.eventIds.length > 0) {
      parts.push(sql`${sql(columns.event)} IN ${sql.in(v.eventIds)}`)
    }
    return parts.length === 0 ? sql`1=0` : sql.or(parts)
  })

/** Organisations the caller belongs to in any way. */
export const orgMembershipScope = (sql: SqlClient.SqlClient) =>
  Effect.map(Caller, (caller): Fragment => {
    const v = visibility(caller)
    if (v.kind === "all") return sql`1=1`
    return v.memberOrgIds.length === 0 ? sql`1=0` : sql`id IN ${sql.in(v.memberOrgIds)}`
  })

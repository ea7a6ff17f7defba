import { SqlClient } from "@effect/sql"
import { Clock, Effect, type Layer, Schema } from "effect"
import { Timestamp } from "../domain/Common.js"
import { uuidv7 } from "../domain/Ids.js"
import { decodeCursor, rowDecoder, toPage } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"
import { Caller, type CallerShape } from "../tenancy/Caller.js"

export class AuditEntry extends Schema.Class<AuditEntry>("AuditEntry")({
  id: Schema.String,
  orgId: Schema.NullOr(Schema.String),
  eventId: Schema.NullOr(Schema.String),
  actorType: Schema.String,
  actorId: Schema.NullOr(Schema.String),
  action: Schema.String,
  targetType: Schema.String,
  targetId: Schema.String,
  ipHash: Schema.NullOr(Schema.String),
  userAgent: Schema.NullOr(Schema.String),
  data: Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  createdAt: Timestamp,
}) {}

export interface AuditRecord {
  /** Dotted id: `<noun>.<past-tense verb>`, e.g. `order.expired`. */
  readonly action: string
  readonly targetType: string
  readonly targetId: string
  readonly orgId: string | null
  readonly eventId?: string | null
  /** Non-personal facts only: ids, counts, statuses. Never names, emails or addresses. */
  readonly data?: Record<string, unknown>
}

const decode = rowDecoder(AuditEntry, { json: ["data"] })

/**
 * The append-only audit log. `record` runs inside the caller's transaction, so an entry exists
 * exactly when its state change committed; triggers on both engines refuse UPDATE and DELETE.
 */
export class Audit extends Effect.Service<Audit>()("sratix/audit/Audit", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient

    const row = (entry: AuditRecord, caller: CallerShape, now: number) => ({
      id: uuidv7(now),
      orgId: entry.orgId,
      eventId: entry.eventId ?? null,
      actorType: caller.actor.type,
      actorId: caller.actor.type === "anonymous" ? null : caller.actor.id,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      ipHash: caller.meta.ipHash,
      userAgent: caller.meta.userAgent?.slice(0, 512) ?? null,
      data: entry.data === undefined ? null : JSON.stringify(entry.data),
      createdAt: now,
      updatedAt: now,
    })

    const record = Effect.fn("Audit.record")(function* (entry: AuditRecord) {
      const caller = yield* Caller
      const now = yield* Clock.currentTimeMillis
      yield* sql`INSERT INTO audit_log ${sql.insert(row(entry, caller, now))}`.pipe(Effect.orDie)
    })

    /**
     * Several entries in one statement, each with the caller who caused it: for work done on behalf
     * of several requests at once (orders committed together). Same transaction rule as `record`.
     */
    const recordMany = Effect.fn("Audit.recordMany")(function* (
      entries: ReadonlyArray<{ readonly entry: AuditRecord; readonly caller: CallerShape }>,
    ) {
      if (entries.length === 0) return
      const now = yield* Clock.currentTimeMillis
      yield* sql`INSERT INTO audit_log ${sql.insert(entries.map((e) => row(e.entry, e.caller, now)))}`.pipe(
        Effect.orDie,
      )
    })

    const list = Effect.fn("Audit.list")(function* (filter: {
      readonly orgId: string
      readonly eventId?: string
      readonly cursor?: string | undefined
      readonly limit: number
    }) {
      const scope = yield* tenantScope(sql)
      const after = decodeCursor(filter.cursor)
      const rows = yield* sql<Record<string, unknown>>`SELECT id, org_id, event_id, actor_type, actor_id, action,
          target_type, target_id, ip_hash, user_agent, data, created_at FROM audit_log
        WHERE org_id = ${filter.orgId} AND ${scope}
          ${filter.eventId ? sql`AND event_id = ${filter.eventId}` : sql``}
          ${after ? sql`AND id < ${after}` : sql``}
        ORDER BY id DESC LIMIT ${filter.limit + 1}`.pipe(Effect.orDie)
      return toPage(yield* Effect.forEach(rows, decode), filter.limit)
    })

    return { record, recordMany, list } as const
  }),
}) {}

export const AuditLive: Layer.Layer<Audit, never, SqlClient.SqlClient> = Audit.Default

import { SqlClient } from "@effect/sql"
import { Clock, type Duration, Effect, Option, Schedule, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import {
  type ConnectorSite,
  type EnsureEntity,
  type OutboundEventType,
  WebhookDelivery,
  WebhookEntry,
  type WebhookStatus,
} from "../domain/Connector.js"
import { type OrgId, uuidv7 } from "../domain/Ids.js"
import { InvalidRequest, NotFound } from "../domain/Problems.js"
import { type JobInfo, JobQueue, PermanentJobFailure, type WorkOptions } from "../jobs/JobQueue.js"
import { isUniqueViolation } from "../sql/Errors.js"
import { affectedRows, rowDecoder } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"
import { Caller, withCaller } from "../tenancy/Caller.js"
import { Connectors } from "./Connectors.js"
import { DeliverWebhook, deliverJobId } from "./Jobs.js"
import { signatureHeaders } from "./Signature.js"

/** A `pending` row untouched this long has lost its job (a restart of the in-process queue): the sweep enqueues it again. */
export const WEBHOOK_SWEEP_AFTER_MS = 60_000
/** A site that has not answered by then counts as down for this attempt. */
export const DELIVERY_TIMEOUT_MS = 10_000

const decodeEntry = rowDecoder(WebhookEntry)
const decodeDelivery = rowDecoder(WebhookDelivery)
const ENTRY_COLUMNS =
  "id, org_id, site_id, event_type, subject_id, status, attempts, generation, last_error, delivered_at, created_at, updated_at"

/** The REST route of the plugin each event goes to (wp-plugins/*, docs/wordpress.md). */
export const deliveryPath = (kind: ConnectorSite["kind"], eventType: OutboundEventType) =>
  kind === "client"
    ? "/wp-json/sratix-client/v1/webhook"
    : eventType === "entity.create"
      ? "/wp-json/sratix-control/v1/create-entity"
      : eventType === "entity.mark"
        ? "/wp-json/sratix-control/v1/mark-entity"
        : "/wp-json/sratix-control/v1/webhook"

const EntityCreatedAnswer = Schema.Struct({ wpPostId: Schema.Int.pipe(Schema.positive()) })

interface OutboxInsert {
  readonly site: Pick<ConnectorSite, "id" | "orgId">
  readonly eventType: OutboundEventType
  readonly subjectId: string
  readonly data: Record<string, unknown>
}

/**
 * Outbound webhooks to WordPress (docs/wordpress.md): rows in `webhook_outbox` written in the
 * transaction of the change they report, delivered by the `webhooks.deliver` job with retries and
 * backoff, every attempt in `webhook_deliveries`, a sweep for lost jobs, and manual replay.
 */
export class Webhooks extends Effect.Service<Webhooks>()("sratix/connectors/Webhooks", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const queue = yield* JobQueue
    const audit = yield* Audit
    const connectors = yield* Connectors
    const system = withCaller(Caller.system("webhooks"))

    /** Inside the caller's transaction. The same (site, event, subject) twice is one row. */
    const record = (entry: OutboxInsert, now: number) =>
      Effect.gen(function* () {
        const id = uuidv7(now)
        const inserted = yield* sql`INSERT INTO webhook_outbox ${sql.insert({
          id,
          orgId: entry.site.orgId,
          siteId: entry.site.id,
          eventType: entry.eventType,
          subjectId: entry.subjectId,
          payload: JSON.stringify(entry.data),
          status: "pending",
          attempts: 0,
          generation: 0,
          lastError: null,
          deliveredAt: null,
          createdAt: now,
          updatedAt: now,
        })}`.pipe(
          Effect.as(true),
          Effect.catchIf(isUniqueViolation, () => Effect.succeed(false)),
        )
        return inserted ? Option.some({ id, generation: 0 }) : Option.none()
      })

    /** After the commit. Never fails the caller: a row whose job was not enqueued is picked up by the sweep. */
    const request = (rows: ReadonlyArray<{ readonly id: string; readonly generation: number }>) =>
      Effect.forEach(
        rows,
        (row) =>
          queue
            .enqueue(
              DeliverWebhook,
              { outboxId: row.id, generation: row.generation },
              {
                id: deliverJobId(row.id, row.generation),
              },
            )
            .pipe(
              Effect.catchAllCause((cause) =>
                Effect.logWarning("webhook enqueue failed; the sweep will retry", { outboxId: row.id, cause }),
              ),
            ),
        { discard: true },
      )

    /**
     * Inside the transaction that fulfils an order: `registration.confirmed` to every Control site
     * where the buyer is a mapped WordPress user (their user meta shows the registration), and to
     * every Client site of the order's event (no personal data: the event site only learns that a
     * registration happened).
     */
    const recordOrderConfirmed = (orderId: string, tickets: number, now: number) =>
      Effect.gen(function* () {
        const [order] = yield* sql<{ orgId: string; eventId: string; buyerEmail: string }>`SELECT org_id, event_id,
            buyer_email FROM orders WHERE id = ${orderId}`
        if (order === undefined) return []
        const members = yield* sql<{ siteId: string; wpEntityId: number }>`SELECT m.site_id, m.wp_entity_id
          FROM wp_mappings m
            JOIN users u ON u.id = m.sratix_entity_id
            JOIN connector_sites s ON s.id = m.site_id
          WHERE m.org_id = ${order.orgId} AND m.wp_entity_type = 'user' AND m.sratix_entity_type = 'user'
            AND u.email = ${order.buyerEmail} AND s.kind = 'control' AND s.disabled_at IS NULL`
        const eventSites = yield* sql<{ id: string }>`SELECT id FROM connector_sites WHERE org_id = ${order.orgId}
          AND kind = 'client' AND event_id = ${order.eventId} AND disabled_at IS NULL`
        const base = { orderId, eventId: order.eventId, tickets, confirmedAt: new Date(now).toISOString() }
        const rows = [
          ...members.map((m) => ({ siteId: m.siteId, data: { ...base, wpUserId: Number(m.wpEntityId) } })),
          ...eventSites.map((s) => ({ siteId: s.id, data: base })),
        ]
        const recorded = yield* Effect.forEach(rows, (row) =>
          record(
            {
              site: { id: row.siteId, orgId: order.orgId },
              eventType: "registration.confirmed",
              subjectId: orderId,
              data: row.data,
            },
            now,
          ),
        )
        return recorded.flatMap((r) => (Option.isSome(r) ? [r.value] : []))
      })

    const entryById = (id: string) =>
      sql<Record<string, unknown>>`SELECT ${sql.unsafe(ENTRY_COLUMNS)} FROM webhook_outbox WHERE id = ${id}`.pipe(
        Effect.orDie,
        Effect.flatMap((rows) =>
          rows[0] ? Effect.map(decodeEntry(rows[0]), Option.some) : Effect.succeed(Option.none()),
        ),
      )

    /**
     * §16: when the exhibitor (partner, sponsor) has a mapped entity post, ask Control to mark it;
     * otherwise ask Control to create one, and map the post id it answers with. Asked once per
     * entity (and per mark): asking again returns the request already queued.
     */
    const ensureEntity = Effect.fn("Webhooks.ensureEntity")(function* (
      orgId: OrgId,
      siteId: string,
      input: EnsureEntity,
    ) {
      const site = yield* connectors.siteOf(orgId, siteId)
      if (site.kind !== "control") {
        return yield* new InvalidRequest({ detail: "Entities live on a Control site", field: "siteId" })
      }
      const existing = yield* connectors.mappedPost(site.id, input.sratixEntityType, input.sratixEntityId)
      const subject = `${input.sratixEntityType}:${input.sratixEntityId}`
      const entry: OutboxInsert = Option.isSome(existing)
        ? {
            site,
            eventType: "entity.mark",
            subjectId: `${subject}:${input.mark ?? "linked"}`.slice(0, 100),
            data: { wpPostId: existing.value, ...input },
          }
        : { site, eventType: "entity.create", subjectId: subject, data: { ...input } }
      const now = yield* Clock.currentTimeMillis
      const recorded = yield* Effect.gen(function* () {
        const row = yield* record(entry, now)
        if (Option.isSome(row)) {
          yield* audit.record({
            action: entry.eventType === "entity.create" ? "wp_entity.create_requested" : "wp_entity.mark_requested",
            targetType: input.sratixEntityType,
            targetId: input.sratixEntityId,
            orgId,
            data: { siteId: site.id, outboxId: row.value.id },
          })
        }
        return row
      }).pipe(sql.withTransaction, Effect.orDie)
      if (Option.isSome(recorded)) yield* request([recorded.value])
      const [row] = yield* sql<{ id: string }>`SELECT id FROM webhook_outbox WHERE site_id = ${site.id}
        AND event_type = ${entry.eventType} AND subject_id = ${entry.subjectId}`.pipe(Effect.orDie)
      return (yield* entryById(row!.id)).pipe(Option.getOrThrow)
    })

    /** One HTTP attempt; resolves with what happened, never fails. */
    const send = (site: ConnectorSite, secret: string, entry: WebhookEntry, payload: unknown) =>
      Effect.gen(function* () {
        const url = new URL(`${site.baseUrl}${deliveryPath(site.kind, entry.eventType)}`)
        const body = JSON.stringify({
          id: entry.id,
          type: entry.eventType,
          createdAt: new Date(entry.createdAt).toISOString(),
          data: payload,
        })
        const now = yield* Clock.currentTimeMillis
        const parts = {
          method: "POST",
          path: `${url.pathname}${url.search}`,
          timestamp: Math.floor(now / 1000),
          nonce: uuidv7(now).replaceAll("-", ""),
          body,
        }
        const started = Date.now()
        const result = yield* Effect.tryPromise(async (signal) => {
          const response = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json", ...signatureHeaders(site.id, secret, parts) },
            body,
            redirect: "manual",
            signal: AbortSignal.any([signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
          })
          return { status: response.status, text: (await response.text()).slice(0, 10_000) }
        }).pipe(Effect.either)
        const durationMs = Date.now() - started
        if (result._tag === "Left") {
          const cause = result.left.cause
          const message = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
          return { ok: false as const, statusCode: null, error: message.slice(0, 500), durationMs, text: "" }
        }
        const { status, text } = result.right
        const ok = status >= 200 && status < 300
        return { ok, statusCode: status, error: ok ? null : `HTTP ${status}`, durationMs, text }
      })

    /**
     * The `webhooks.deliver` handler. Skips rows already delivered or replayed since (another
     * generation). Every attempt leaves a delivery row; the last allowed failure marks the row
     * `failed`. An entity.create answer maps the created post in the same transaction that marks
     * the row delivered.
     */
    const deliver = Effect.fn("Webhooks.deliver")(function* (
      payload: { readonly outboxId: string; readonly generation: number },
      job: Pick<JobInfo, "attempt">,
    ) {
      const [row] = yield* sql<{ payload: string; siteId: string }>`SELECT payload, site_id FROM webhook_outbox
        WHERE id = ${payload.outboxId}`.pipe(Effect.orDie)
      const entry = Option.getOrUndefined(yield* entryById(payload.outboxId))
      if (row === undefined || entry === undefined) return "gone" as const
      if (entry.status !== "pending" || entry.generation !== payload.generation) return "skipped" as const
      const found = yield* connectors.siteWithSecrets(row.siteId)
      if (Option.isNone(found) || found.value.site.disabledAt !== null) {
        return yield* new PermanentJobFailure({ message: "the connector site is gone or disabled" })
      }
      const { site, outboundSecret } = found.value
      const data = JSON.parse(row.payload) as Record<string, unknown>
      const outcome = yield* send(site, outboundSecret, entry, data)
      let answered: Option.Option<number> = Option.none()
      if (outcome.ok && entry.eventType === "entity.create") {
        const parsed = yield* Effect.try(() => JSON.parse(outcome.text) as unknown).pipe(
          Effect.flatMap(Schema.decodeUnknown(EntityCreatedAnswer)),
          Effect.option,
        )
        answered = Option.map(parsed, (a) => a.wpPostId)
      }
      const delivered = outcome.ok && (entry.eventType !== "entity.create" || Option.isSome(answered))
      const error = delivered ? null : (outcome.error ?? "the answer carries no wpPostId")
      const last = job.attempt >= DeliverWebhook.attempts
      const now = yield* Clock.currentTimeMillis
      yield* Effect.gen(function* () {
        yield* sql`INSERT INTO webhook_deliveries ${sql.insert({
          id: uuidv7(now),
          outboxId: entry.id,
          attempt: entry.attempts + 1,
          outcome: delivered ? "delivered" : "failed",
          statusCode: outcome.statusCode,
          error,
          durationMs: outcome.durationMs,
          createdAt: now,
          updatedAt: now,
        })}`
        const status: typeof WebhookStatus.Type = delivered ? "delivered" : last ? "failed" : "pending"
        yield* sql`UPDATE webhook_outbox SET status = ${status}, attempts = attempts + 1, last_error = ${error},
            delivered_at = ${delivered ? now : null}, updated_at = ${now}
          WHERE id = ${entry.id} AND generation = ${entry.generation}`
        if (Option.isSome(answered)) {
          yield* connectors
            .insertMapping(
              site,
              { type: "post", id: answered.value },
              { type: String(data.sratixEntityType), id: String(data.sratixEntityId) },
              null,
              now,
            )
            .pipe(Effect.catchIf(isUniqueViolation, () => Effect.void))
          yield* audit.record({
            action: "wp_entity.mapped",
            targetType: String(data.sratixEntityType),
            targetId: String(data.sratixEntityId),
            orgId: site.orgId,
            data: { siteId: site.id, wpPostId: answered.value, outboxId: entry.id },
          })
        }
      }).pipe(sql.withTransaction, Effect.orDie, system)
      if (!delivered) return yield* Effect.fail(new Error(`delivery failed: ${error}`))
      return "delivered" as const
    })

    const list = Effect.fn("Webhooks.list")(function* (filter: {
      readonly orgId?: OrgId
      readonly status?: typeof WebhookStatus.Type
      readonly limit?: number
    }) {
      const scope = yield* tenantScope(sql, { org: "org_id" })
      const rows = yield* sql<Record<string, unknown>>`SELECT ${sql.unsafe(ENTRY_COLUMNS)} FROM webhook_outbox
        WHERE ${scope}
          ${filter.orgId ? sql`AND org_id = ${filter.orgId}` : sql``}
          ${filter.status ? sql`AND status = ${filter.status}` : sql``}
        ORDER BY id DESC LIMIT ${Math.min(filter.limit ?? 100, 1000)}`.pipe(Effect.orDie)
      return yield* Effect.forEach(rows, decodeEntry)
    })

    const deliveries = Effect.fn("Webhooks.deliveries")(function* (outboxId: string, orgId?: OrgId) {
      const scope = yield* tenantScope(sql, { org: "o.org_id" })
      const [owned] = yield* sql<{ id: string }>`SELECT o.id FROM webhook_outbox o
        WHERE o.id = ${outboxId} AND ${scope} ${orgId ? sql`AND o.org_id = ${orgId}` : sql``}`.pipe(Effect.orDie)
      if (owned === undefined) return yield* new NotFound({ detail: "No such webhook", resource: "webhook" })
      const rows = yield* sql<Record<string, unknown>>`SELECT d.id, d.outbox_id, d.attempt, d.outcome, d.status_code,
          d.error, d.duration_ms, d.created_at
        FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.outbox_id
        WHERE d.outbox_id = ${outboxId} AND ${scope} ${orgId ? sql`AND o.org_id = ${orgId}` : sql``}
        ORDER BY d.id LIMIT 1000`.pipe(Effect.orDie)
      return yield* Effect.forEach(rows, decodeDelivery)
    })

    /** Queues a failed (or delivered) webhook again under the next generation, with fresh attempts. */
    const replay = Effect.fn("Webhooks.replay")(function* (outboxId: string, orgId?: OrgId) {
      const scope = yield* tenantScope(sql, { org: "org_id" })
      const now = yield* Clock.currentTimeMillis
      const changed = yield* Effect.gen(function* () {
        const [row] = yield* sql<{ orgId: string; status: string; generation: number }>`SELECT org_id, status,
            generation FROM webhook_outbox
          WHERE id = ${outboxId} AND ${scope} ${orgId ? sql`AND org_id = ${orgId}` : sql``}`
        if (row === undefined) return "missing" as const
        if (row.status === "pending") return "pending" as const
        const generation = Number(row.generation) + 1
        const result = yield* sql`UPDATE webhook_outbox SET status = 'pending', generation = ${generation},
            last_error = NULL, updated_at = ${now}
          WHERE id = ${outboxId} AND status = ${row.status} AND generation = ${row.generation}`.raw
        if (affectedRows(result) !== 1) return "pending" as const
        yield* audit.record({
          action: "webhook.replayed",
          targetType: "webhook",
          targetId: outboxId,
          orgId: row.orgId,
          data: { generation, was: row.status },
        })
        return { generation }
      }).pipe(sql.withTransaction, Effect.orDie)
      if (changed === "missing") return yield* new NotFound({ detail: "No such webhook", resource: "webhook" })
      // Already queued: replaying would only race the job that holds it, so the entry is left as it is.
      if (changed !== "pending") yield* request([{ id: outboxId, generation: changed.generation }])
      return (yield* entryById(outboxId)).pipe(Option.getOrThrow)
    })

    /** Pending rows whose job went missing are enqueued again (the job id dedupes the ones still held). */
    const sweep = Effect.fn("Webhooks.sweep")(function* (options: { readonly olderThanMs?: number } = {}) {
      const now = yield* Clock.currentTimeMillis
      const rows = yield* sql<{ id: string; generation: number }>`SELECT id, generation FROM webhook_outbox
        WHERE status = 'pending' AND updated_at <= ${now - (options.olderThanMs ?? WEBHOOK_SWEEP_AFTER_MS)}
        ORDER BY updated_at LIMIT 500`.pipe(Effect.orDie)
      yield* request(rows.map((r) => ({ id: r.id, generation: Number(r.generation) })))
      yield* connectors.sweepNonces()
      return rows.length
    })

    const runWorkers = (options: WorkOptions & { readonly sweepEvery?: Duration.DurationInput } = {}) =>
      Effect.gen(function* () {
        const { sweepEvery, ...work } = options
        yield* queue.work(DeliverWebhook, deliver, work)
        yield* sweep().pipe(
          Effect.catchAllCause((cause) => Effect.logError("webhook sweep failed", { cause })),
          Effect.repeat(Schedule.spaced(sweepEvery ?? "30 seconds")),
          Effect.forkScoped,
        )
      })

    return {
      record,
      request,
      recordOrderConfirmed,
      ensureEntity,
      deliver,
      list,
      deliveries,
      replay,
      sweep,
      runWorkers,
    } as const
  }),
  dependencies: [Audit.Default, Connectors.Default],
}) {}

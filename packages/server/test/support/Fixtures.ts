import { createHash } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import {
  Connectors,
  CreateEvent,
  CreatePromoCode,
  CreateTicketType,
  Database,
  Events,
  FormDefinitionSchema,
  FormSchemas,
  Identity,
  Organizations,
  PromoCodes,
  TicketTypes,
  Webhooks,
} from "../../../core/src/index.js"
import type { EndpointRule } from "../../src/http/Access.js"
import type { TestServer } from "./TestServer.js"

/**
 * Seeded tenants, one example request per endpoint, and database snapshots for the tenancy and
 * fuzz suites. Field names of `EventFixture` are the API's path parameter names, so a path is
 * filled from a fixture by name and a new parameter without a fixture fails loudly.
 */

let serial = 0
export const unique = (prefix: string) => `${prefix}-${process.pid.toString(36)}-${(++serial).toString(36)}`

/** One published event of an org with one of everything an endpoint can point at. */
export interface EventFixture {
  readonly orgId: string
  readonly eventId: string
  readonly ticketTypeId: string
  readonly promoCodeId: string
  readonly promoCode: string
  readonly orderId: string
  readonly orderToken: string
  /** An API key scoped to this event (role staff): the target of the revoke endpoint. */
  readonly apiKeyId: string
  /** The event's active form version (as a path segment). */
  readonly version: string
  /** A file uploaded for the form and claimed by the fixture order. */
  readonly uploadId: string
  /** A connected WordPress Control site of the org (its URL answers nothing). */
  readonly siteId: string
  /** A delivered outbound webhook to that site. */
  readonly webhookId: string
}

/** Where fixture sites "are": a loopback port nothing listens on, so deliveries fail fast and stay local. */
export const UNREACHABLE_SITE = "http://127.0.0.1:9"

/** A webhook of `site` in a final state (`delivered` or `failed`), written the way the outbox writes rows. */
export const seedWebhook = (site: { id: string; orgId: string }, status: "delivered" | "failed") =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const webhooks = yield* Webhooks
    const now = Date.now()
    const row = yield* webhooks
      .record({ site, eventType: "attendee.updated", subjectId: unique("subject"), data: { fixture: true } }, now)
      .pipe(sql.withTransaction)
    const id = row.pipe((o) => (o._tag === "Some" ? o.value.id : ""))
    yield* sql`UPDATE webhook_outbox SET status = ${status}, attempts = 1 WHERE id = ${id}`
    return id
  })

/** A form that asks nothing mandatory, so any order can carry it: an organisation and an optional file. */
export const optionalForm = {
  name: "Fixture form",
  fields: [
    { id: "company", type: "text", label: { en: "Company" }, normalizeAs: "organization" },
    {
      id: "attachment",
      type: "file",
      label: { en: "Attachment" },
      validation: { fileTypes: ["application/pdf", "image/png"], maxFileBytes: 65_536 },
    },
  ],
}

/** The smallest file the upload endpoint recognises by content, as text so any client can send it. */
export const SAMPLE_PDF = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

/** One attendee with no answers per seat: what an order needs under `optionalForm`. */
export const blankAttendees = (ticketTypeId: string, quantity: number) =>
  Array.from({ length: quantity }, () => ({ ticketTypeId, answers: {} }))

export const seedOrg = (server: TestServer, label: string) =>
  server
    .run(
      Effect.flatMap(Organizations, (orgs) => orgs.create({ name: `Org ${label}`, slug: unique(label.toLowerCase()) })),
    )
    .then((org) => org.id as string)

/** A published event with a ticket type, a promo code, an event API key and an order placed over HTTP. */
export const seedEvent = async (server: TestServer, orgId: string, label: string): Promise<EventFixture> => {
  const code = unique(`P${label}`).toUpperCase().replaceAll("-", "_")
  const seeded = await server.run(
    Effect.gen(function* () {
      const events = yield* Events
      const draft = yield* events.create(
        orgId as never,
        Schema.decodeUnknownSync(CreateEvent)({
          slug: unique(`event-${label.toLowerCase()}`),
          name: `Event ${label}`,
          startsAt: "2027-09-01T08:00:00Z",
          endsAt: "2027-09-01T18:00:00Z",
        }),
      )
      const event = yield* events.update(draft.id, { status: "published" })
      const ticketType = yield* (yield* TicketTypes).create(
        event,
        Schema.decodeUnknownSync(CreateTicketType)({ name: `Seat ${label}`, priceMinor: 4500, capacity: 1000 }),
      )
      const promo = yield* (yield* PromoCodes).create(
        event,
        Schema.decodeUnknownSync(CreatePromoCode)({ code, kind: "percent", value: 1000, maxUses: 1000 }),
      )
      const key = yield* (yield* Identity).createApiKey(orgId as never, {
        name: `Door ${label}`,
        role: "staff",
        eventId: event.id,
      })
      const forms = yield* FormSchemas
      const form = yield* forms.create(event.id, Schema.decodeUnknownSync(FormDefinitionSchema)(optionalForm))
      yield* forms.activate(event.id, form.version)
      const site = yield* (yield* Connectors).createSite(orgId as never, {
        kind: "control",
        sourceSite: `${unique(`members-${label.toLowerCase()}`)}.example.org`,
        baseUrl: UNREACHABLE_SITE,
        eventId: event.id,
      })
      const webhookId = yield* seedWebhook({ id: site.keyId, orgId }, "delivered")
      return {
        siteId: site.keyId,
        webhookId,
        eventId: event.id as string,
        ticketTypeId: ticketType.id as string,
        promoCodeId: promo.id,
        key,
        version: String(form.version),
      }
    }).pipe(Effect.orDie),
  )
  const uploaded = await send(server, {
    method: "POST",
    path: `/api/v1/public/events/${seeded.eventId}/uploads`,
    headers: { "content-type": "application/pdf", "x-sratix-field": "attachment" },
    body: SAMPLE_PDF,
  })
  if (uploaded.status !== 201) throw new Error(`uploading a fixture file failed: ${uploaded.status} ${uploaded.text}`)
  const uploadId = (uploaded.json as { uploadId: string }).uploadId
  const order = await placeOrder(server, seeded.eventId, seeded.ticketTypeId, code, { attachment: uploadId })
  return {
    orgId,
    eventId: seeded.eventId,
    ticketTypeId: seeded.ticketTypeId,
    promoCodeId: seeded.promoCodeId,
    promoCode: code,
    orderId: order.orderId,
    orderToken: order.orderToken,
    apiKeyId: seeded.key.id,
    version: seeded.version,
    uploadId,
    siteId: seeded.siteId,
    webhookId: seeded.webhookId,
  }
}

/** Places an order of two seats through the public endpoint, as a buyer would; `answers` are the first attendee's. */
export const placeOrder = async (
  server: TestServer,
  eventId: string,
  ticketTypeId: string,
  promoCode?: string,
  answers: Record<string, unknown> = {},
) => {
  const response = await send(server, {
    method: "POST",
    path: `/api/v1/public/events/${eventId}/orders`,
    json: {
      items: [{ ticketTypeId, quantity: 2 }],
      buyer: { email: `${unique("buyer")}@example.com`, name: "Buyer" },
      ...(promoCode === undefined ? {} : { promoCode }),
      attendees: [{ ticketTypeId, answers }, ...blankAttendees(ticketTypeId, 1)],
    },
  })
  if (response.status !== 201) throw new Error(`placing a fixture order failed: ${response.status} ${response.text}`)
  const placed = response.json as { order: { id: string }; accessToken: string }
  return { orderId: placed.order.id, orderToken: placed.accessToken }
}

/** A user with the given grants (no password), e.g. someone who works for two organisers. */
export const seedUser = (
  server: TestServer,
  email: string,
  grants: ReadonlyArray<{ role: "org_admin" | "event_admin" | "staff"; orgId: string; eventId: string | null }>,
) =>
  server.run(
    Effect.gen(function* () {
      const identity = yield* Identity
      const user = yield* identity.createUser({ email, name: "Shared Person" })
      for (const g of grants)
        yield* identity.grant(user.id, g.role, { orgId: g.orgId as never, eventId: g.eventId as never })
      return user.id
    }).pipe(Effect.orDie),
  )

export const createApiKey = (server: TestServer, orgId: string, role: "org_admin" | "staff", eventId?: string) =>
  server.run(
    Effect.flatMap(Identity, (identity) =>
      identity.createApiKey(orgId as never, { name: unique("key"), role, ...(eventId ? { eventId } : {}) }),
    ).pipe(Effect.orDie),
  )

// ---------------------------------------------------------------------------------------------
// Requests

export interface RawRequest {
  readonly method: string
  /** Full path from the root, e.g. `/api/v1/orgs`, already encoded; may carry a query string. */
  readonly path: string
  readonly headers?: Readonly<Record<string, string>>
  /** Sent as JSON with `content-type: application/json` unless `body` is given. */
  readonly json?: unknown
  /** Raw body text, sent as is with whatever content-type `headers` say. */
  readonly body?: string
}

export interface RawResponse {
  readonly status: number
  readonly headers: Headers
  readonly text: string
  /** The parsed body, or `undefined` when it is not JSON. */
  readonly json: unknown
}

export const send = async (server: { url: string }, request: RawRequest): Promise<RawResponse> => {
  const body = request.body ?? (request.json === undefined ? undefined : JSON.stringify(request.json))
  const response = await fetch(`${server.url}${request.path}`, {
    method: request.method,
    headers: {
      ...(request.json !== undefined && request.body === undefined ? { "content-type": "application/json" } : {}),
      ...request.headers,
    },
    ...(body === undefined ? {} : { body }),
    // A hung request fails as itself, with the request in the report, not as a test timeout.
    signal: AbortSignal.timeout(15_000),
  })
  const text = await response.text()
  let json: unknown
  try {
    json = text === "" ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

/** Fills `:name` path parameters from `ids` (keyed by parameter name); an unknown one is an error. */
export const pathFor = (rule: EndpointRule, ids: Readonly<Record<string, string>>) =>
  rule.path.replace(/:(\w+)/g, (_, name: string) => {
    const value = ids[name]
    if (value === undefined) {
      throw new Error(
        `${rule.method} ${rule.path} has the path parameter :${name}, which no fixture provides: ` +
          "add it to EventFixture in packages/server/test/support/Fixtures.ts",
      )
    }
    return encodeURIComponent(value)
  })

export const pathParams = (rule: EndpointRule) => [...rule.path.matchAll(/:(\w+)/g)].map((m) => m[1]!)

/** The ids below an org or event in a path: the ones a caller could borrow from another tenant. */
export const nestedParams = (rule: EndpointRule) =>
  // A form version is a number within its event, not an id another tenant could own.
  pathParams(rule).filter((p) => p !== "orgId" && p !== "eventId" && p !== "version")

export interface Example {
  readonly query?: Readonly<Record<string, string>>
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: unknown
  /** A body that is not JSON (a file upload), sent as is with its own content type. */
  readonly raw?: { readonly contentType: string; readonly text: string }
  /** The body or query names ids of `ids` (beyond the path), so borrowing them is worth testing. */
  readonly refersToIds?: boolean
}

const isoIn2027 = (month: number) => `2027-${String(month).padStart(2, "0")}-10T08:00:00Z`

/**
 * A valid request for every endpoint, keyed by `group.name`, built from the ids it should point
 * at. Path parameters come from the rule; this says what else the request carries.
 */
export const examples: Readonly<Record<string, (ids: EventFixture) => Example>> = {
  "health.health": () => ({}),
  "auth.login": () => ({ body: { email: "nobody@example.com", password: "not the password" } }),
  "auth.refresh": () => ({ body: { refreshToken: "rt_unknown" } }),
  "auth.logout": () => ({ body: { refreshToken: "rt_unknown" } }),
  "auth.me": () => ({}),
  "orgs.list": () => ({ query: { limit: "50" } }),
  "orgs.create": () => ({ body: { name: "New org", slug: unique("org") } }),
  "orgs.get": () => ({}),
  "orgs.listMembers": () => ({}),
  "orgs.addMember": (ids) => ({
    body: { email: `${unique("member")}@example.com`, name: "Member", role: "staff", eventId: ids.eventId },
    refersToIds: true,
  }),
  "orgs.listApiKeys": () => ({}),
  "orgs.createApiKey": (ids) => ({
    body: { name: "Box office", role: "staff", eventId: ids.eventId },
    refersToIds: true,
  }),
  "orgs.revokeApiKey": () => ({}),
  "orgs.auditLog": () => ({ query: { limit: "200" } }),
  "events.list": () => ({ query: { limit: "50" } }),
  "events.create": () => ({
    body: { slug: unique("event"), name: "Another event", startsAt: isoIn2027(10), endsAt: isoIn2027(11) },
  }),
  "events.get": () => ({}),
  "events.update": () => ({ body: { name: unique("Renamed") } }),
  "ticketTypes.list": () => ({}),
  "ticketTypes.create": () => ({ body: { name: "Extra", priceMinor: 1000, capacity: 10 } }),
  "ticketTypes.get": () => ({}),
  "ticketTypes.update": () => ({ body: { description: unique("Edited"), capacity: 1200 } }),
  "promoCodes.list": () => ({}),
  "promoCodes.create": (ids) => ({
    body: {
      code: unique("C").toUpperCase().replaceAll("-", "_"),
      kind: "fixed",
      value: 500,
      ticketTypeIds: [ids.ticketTypeId],
    },
    refersToIds: true,
  }),
  "promoCodes.get": () => ({}),
  "promoCodes.update": () => ({ body: { maxUses: 2000 } }),
  "orders.list": () => ({ query: { status: "pending_payment", limit: "50" } }),
  "orders.get": () => ({}),
  "orders.cancel": () => ({}),
  "orders.markPaid": () => ({}),
  "forms.create": () => ({ body: optionalForm }),
  "forms.list": () => ({}),
  "forms.get": () => ({}),
  "forms.activate": () => ({}),
  "forms.submissions": () => ({ query: { version: "1", limit: "50" } }),
  "forms.download": () => ({}),
  "public.getForm": () => ({}),
  "public.upload": () => ({
    headers: { "x-sratix-field": "attachment", "x-sratix-filename": "programme.pdf" },
    raw: { contentType: "application/pdf", text: SAMPLE_PDF },
  }),
  "public.listEvents": () => ({}),
  "public.getEvent": () => ({}),
  "public.availability": () => ({}),
  "public.placeOrder": (ids) => ({
    body: {
      items: [{ ticketTypeId: ids.ticketTypeId, quantity: 1 }],
      buyer: { email: `${unique("buyer")}@example.com`, name: "Buyer" },
      promoCode: ids.promoCode,
      attendees: blankAttendees(ids.ticketTypeId, 1),
    },
    headers: { "idempotency-key": unique("idem") },
    refersToIds: true,
  }),
  "public.getOrder": (ids) => ({ headers: { "x-order-token": ids.orderToken }, refersToIds: true }),
  // Signature-gated: an unsigned request is refused before it reaches any data (401 signature-refused).
  "connectors.tokenExchange": () => ({
    body: { wpUserId: 7, roles: ["administrator"], email: "wp.admin@example.com", name: "WP Admin" },
  }),
  "connectors.receiveWebhook": () => ({
    body: { id: unique("hook"), type: "user.updated", data: { wpUserId: 7, email: "wp@example.com", name: "WP" } },
  }),
  "connectors.createSite": (ids) => ({
    body: {
      kind: "client",
      sourceSite: `${unique("event-site")}.example.org`,
      baseUrl: UNREACHABLE_SITE,
      eventId: ids.eventId,
    },
    refersToIds: true,
  }),
  "connectors.listSites": () => ({}),
  "connectors.ensureEntity": () => ({
    body: {
      sratixEntityType: "exhibitor",
      sratixEntityId: "0190a0a0-2222-7000-8000-000000000002",
      name: "RoboTech AG",
    },
  }),
  "connectors.listWebhooks": () => ({ query: { status: "delivered" } }),
  "connectors.webhookDeliveries": () => ({}),
  "connectors.replayWebhook": () => ({}),
}

export const ruleKey = (rule: EndpointRule) => `${rule.group}.${rule.name}`

export const exampleFor = (rule: EndpointRule, ids: EventFixture): Example => {
  const example = examples[ruleKey(rule)]
  if (example === undefined) {
    throw new Error(
      `No example request for ${ruleKey(rule)} (${rule.method} ${rule.path}): ` +
        "add one to `examples` in packages/server/test/support/Fixtures.ts",
    )
  }
  return example(ids)
}

/** The request an example describes, against the given path ids and with the given caller headers. */
export const exampleRequest = (
  rule: EndpointRule,
  pathIds: Readonly<Record<string, string>>,
  example: Example,
  headers: Readonly<Record<string, string>> = {},
): RawRequest => {
  const query = example.query ? `?${new URLSearchParams(example.query as Record<string, string>)}` : ""
  return {
    method: rule.method,
    path: pathFor(rule, pathIds) + query,
    headers: { ...example.headers, ...(example.raw ? { "content-type": example.raw.contentType } : {}), ...headers },
    ...(example.raw ? { body: example.raw.text } : example.body === undefined ? {} : { json: example.body }),
  }
}

// ---------------------------------------------------------------------------------------------
// Database snapshots

type Columns = ReadonlyMap<string, ReadonlySet<string>>

/** Every table of the database with its columns, read from the catalogue of either engine. */
export const tableColumns = (server: TestServer): Promise<Columns> =>
  server.run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const { dialect } = yield* Database.DatabaseInfo
      const pairs: Array<{ t: string; c: string }> = []
      if (dialect === "mysql") {
        pairs.push(
          ...(yield* sql<{ t: string; c: string }>`SELECT table_name AS t, column_name AS c
            FROM information_schema.columns WHERE table_schema = DATABASE()`),
        )
      } else {
        const tables = yield* sql<{ name: string }>`SELECT name FROM sqlite_master
          WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
        for (const { name } of tables) {
          const columns = yield* sql.unsafe<{ name: string }>(`PRAGMA table_info("${name}")`)
          pairs.push(...columns.map((c) => ({ t: name, c: c.name })))
        }
      }
      const map = new Map<string, Set<string>>()
      for (const { t, c } of pairs) map.set(t, (map.get(t) ?? new Set()).add(c))
      return map
    }).pipe(Effect.orDie),
  )

const sha = (value: unknown) => createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16)
const plain = (rows: ReadonlyArray<unknown>) =>
  JSON.parse(JSON.stringify(rows, (_, v) => (typeof v === "bigint" ? v.toString() : v))) as Array<unknown>

/**
 * A fingerprint of the whole database: the row count of every table, a sum over `updated_at`
 * where a table has one (so an UPDATE shows even when the count does not move), and checksums
 * of the seat counters and promo code uses.
 */
export const fingerprint = (server: TestServer, columns: Columns): Promise<Record<string, string>> =>
  server.run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const parts = [...columns.keys()]
        .sort()
        .map(
          (t) =>
            `SELECT '${t}' AS t, COUNT(*) AS n, ${columns.get(t)!.has("updated_at") ? "SUM(updated_at)" : "0"} AS u FROM ${t}`,
        )
      const rows = yield* sql.unsafe<{ t: string; n: unknown; u: unknown }>(parts.join(" UNION ALL "))
      const result: Record<string, string> = {}
      for (const row of rows) result[row.t] = `${String(row.n)}/${String(row.u ?? 0)}`
      const seats = yield* sql`SELECT ticket_type_id, bucket, remaining FROM inventory_buckets
        ORDER BY ticket_type_id, bucket`
      const uses = yield* sql`SELECT id, uses, active FROM promo_codes ORDER BY id`
      result["inventory_buckets.remaining"] = sha(plain(seats))
      result["promo_codes.uses"] = sha(plain(uses))
      return result
    }).pipe(Effect.orDie),
  )

export type Scope = { readonly orgId: string } | { readonly eventId: string }

/**
 * Every row that belongs to an org (or to one event): the tenant's whole footprint, including
 * its members' users, grants and sessions, for before/after comparison.
 */
export const tenantRows = (server: TestServer, columns: Columns, scope: Scope) =>
  server.run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const snapshot: Record<string, Array<unknown>> = {}
      const byOrg = "orgId" in scope
      const value = byOrg ? scope.orgId : scope.eventId
      const members = "SELECT user_id FROM role_grants WHERE org_id = ?"
      for (const [table, cols] of [...columns].sort(([a], [b]) => a.localeCompare(b))) {
        let where: string | undefined
        if (byOrg && table === "organizations") where = "id = ?"
        else if (!byOrg && table === "events") where = "id = ?"
        else if (byOrg && cols.has("org_id")) where = "org_id = ?"
        else if (!byOrg && cols.has("event_id")) where = "event_id = ?"
        else if (byOrg && table === "users") where = `id IN (${members})`
        else if (byOrg && cols.has("user_id")) where = `user_id IN (${members})`
        if (where === undefined) continue
        const rows = yield* sql.unsafe(`SELECT * FROM ${table} WHERE ${where}`, [value])
        snapshot[table] = plain(rows)
          .map((r) => JSON.stringify(r))
          .sort()
          .map((r) => JSON.parse(r))
      }
      return snapshot
    }).pipe(Effect.orDie),
  )

/** The ids of a tenant that must never appear in another tenant's successful responses. */
export const idsOf = (fixture: EventFixture) => [
  fixture.orgId,
  fixture.eventId,
  fixture.ticketTypeId,
  fixture.promoCodeId,
  fixture.orderId,
  fixture.apiKeyId,
  fixture.uploadId,
  fixture.siteId,
  fixture.webhookId,
]

/**
 * The fingerprint once the database has stopped changing (two equal reads 200 ms apart, at most 10 s):
 * a paid or free order starts background fulfilment, which must finish before "unchanged" means anything.
 */
export const settledFingerprint = async (server: TestServer, columns: Columns) => {
  let previous = await fingerprint(server, columns)
  for (let i = 0; i < 50; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    const current = await fingerprint(server, columns)
    if (JSON.stringify(current) === JSON.stringify(previous)) return current
    previous = current
  }
  return previous
}

import { createHash, randomUUID } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import {
  Badges,
  BillingProfiles,
  CheckInDevices,
  CheckIns,
  Connectors,
  CreateCheckinList,
  CreateEvent,
  CreatePromoCode,
  CreateTicketType,
  Database,
  type Event,
  Events,
  FormDefinitionSchema,
  FormSchemas,
  Identity,
  Invoices,
  Orders,
  Organizations,
  PromoCodes,
  SAMPLE_BADGE_TEMPLATE,
  TicketTypes,
  Webhooks,
} from "../../../core/src/index.js"
import type { EndpointRule } from "../../src/http/Access.js"
import { signedStripeEvent, type TestServer } from "./TestServer.js"

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
  /** The proforma invoice of the fixture order. */
  readonly invoiceId: string
  /** A check-in list of the event, and a scanner device enrolled for it. */
  readonly listId: string
  readonly deviceId: string
  /** A valid ticket of a second, free order (fulfilled, its confirmation sent before the fixture returns). */
  readonly ticketId: string
  readonly ticketOrderId: string
  readonly ticketOrderToken: string
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
      const guestType = yield* (yield* TicketTypes).create(
        event,
        Schema.decodeUnknownSync(CreateTicketType)({
          name: `Guest ${label}`,
          priceMinor: 0,
          vatRateBp: 0,
          capacity: 1000,
        }),
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
      const list = yield* (yield* CheckIns).createList(
        event,
        Schema.decodeUnknownSync(CreateCheckinList)({ name: `Door ${label}` }),
      )
      const device = yield* enrolled(event, list.id, `Door ${label}`)
      const site = yield* (yield* Connectors).createSite(orgId as never, {
        kind: "control",
        sourceSite: `${unique(`members-${label.toLowerCase()}`)}.example.org`,
        baseUrl: UNREACHABLE_SITE,
        eventId: event.id,
      })
      const webhookId = yield* seedWebhook({ id: site.keyId, orgId }, "delivered")
      return {
        listId: list.id as string,
        deviceId: device.deviceId as string,
        siteId: site.keyId,
        webhookId,
        eventId: event.id as string,
        ticketTypeId: ticketType.id as string,
        guestTypeId: guestType.id as string,
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
  const invoiceId = await issueInvoice(server, orgId, order.orderId)
  const guest = await placeOrder(server, seeded.eventId, seeded.guestTypeId)
  const ticketId = await fulfilled(server, guest.orderId)
  // Saved after the guest order's confirmation went out, so seeding renders no badge it does not need.
  await server.run(
    Effect.flatMap(Badges, (badges) =>
      badges.save(seeded.eventId as never, {
        name: `Badge ${label}`,
        size: { name: "A6" },
        html: SAMPLE_BADGE_TEMPLATE.html,
        css: SAMPLE_BADGE_TEMPLATE.css,
      }),
    ).pipe(Effect.orDie),
  )
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
    invoiceId,
    listId: seeded.listId,
    deviceId: seeded.deviceId,
    ticketId,
    ticketOrderId: guest.orderId,
    ticketOrderToken: guest.orderToken,
    siteId: seeded.siteId,
    webhookId: seeded.webhookId,
  }
}

/**
 * Waits until the server's own workers fulfilled a paid order and sent its confirmation, so no
 * background write of the fixture lands inside a later test's before/after snapshot. Its first ticket.
 */
const fulfilled = async (server: TestServer, orderId: string) => {
  for (let i = 0; i < 300; i++) {
    const ticket = await server.run(
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        Effect.all([
          sql<{ id: string }>`SELECT id FROM tickets WHERE order_id = ${orderId} ORDER BY seat_index`,
          sql<{ status: string }>`SELECT status FROM communications WHERE subject_id = ${orderId}`,
        ]),
      ).pipe(
        Effect.map(([tickets, sent]) => (sent[0]?.status === "sent" ? (tickets[0]?.id ?? null) : null)),
        Effect.orDie,
      ),
    )
    if (ticket !== null) return ticket
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`the fixture order ${orderId} was not fulfilled within 30 s`)
}

const enrolled = (event: Event, listId: string, deviceName: string) =>
  Effect.flatMap(CheckInDevices, (devices) =>
    Effect.flatMap(devices.createEnrolmentCode(event, { listId: listId as never, deviceName }), (enrolment) =>
      devices.enrol(enrolment.code),
    ),
  )

/** A further scanner device enrolled for the fixture's list (a target for the revoke endpoint). */
export const enrolDevice = (server: TestServer, fixture: EventFixture) =>
  server
    .run(
      Effect.flatMap(Events, (events) => events.get(fixture.eventId as never)).pipe(
        Effect.flatMap((event) => enrolled(event, fixture.listId, unique("Door"))),
        Effect.orDie,
      ),
    )
    .then((device) => device.deviceId as string)

/** Seller details that pass every check (a valid IBAN), for orgs that issue invoices in tests. */
export const billingProfile = {
  legalName: "Fixture Association",
  addressLines: ["Technoparkstrasse 1"],
  postcode: "8005",
  town: "Zürich",
  country: "CH",
  iban: "CH44 3199 9123 0008 8901 2",
  paymentTermsDays: 30,
}

/** A proforma invoice for an order, under a billing profile of its org (set once, kept after). */
export const issueInvoice = (server: TestServer, orgId: string, orderId: string) =>
  server.run(
    Effect.gen(function* () {
      const profiles = yield* BillingProfiles
      if ((yield* Effect.option(profiles.get(orgId as never)))._tag === "None") {
        yield* profiles.set(orgId as never, billingProfile)
      }
      const order = yield* (yield* Orders).find(orderId)
      return (yield* (yield* Invoices).issueForOrder(order, "proforma")).id as string
    }).pipe(Effect.orDie),
  )

/** Endpoints whose example needs the order paid first (nothing can be refunded otherwise). */
export const needsPaidOrder: ReadonlySet<string> = new Set(["payments.refund"])

/** A signed delivery of an event for a session this server never opened: valid, and `ignored`. */
const strangerWebhook = () => {
  const { payload, signature } = signedStripeEvent("checkout.session.completed", {
    id: `cs_test_${unique("stranger").replaceAll("-", "")}`,
    object: "checkout.session",
    metadata: {},
  })
  return { headers: { "stripe-signature": signature }, raw: { contentType: "application/json", text: payload } }
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
  if (isEventStream(response)) {
    await response.body?.cancel()
    return { status: response.status, headers: response.headers, text: "", json: undefined }
  }
  const text = await response.text()
  let json: unknown
  try {
    json = text === "" ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: response.status, headers: response.headers, text, json }
}

/** A server-sent event stream never ends by itself: callers that only need the status leave its body unread. */
export const isEventStream = (response: Response) =>
  response.headers.get("content-type")?.startsWith("text/event-stream") === true

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
  /** Path ids other than the fixture's same-named ones (a buyer's ticket lives in the fixture's free order). */
  readonly pathIds?: Readonly<Record<string, string>>
}

/** A buyer's request for a document of their ticket: the free order's id and token. */
const buyerDocument = (ids: EventFixture): Example => ({
  headers: { "x-order-token": ids.ticketOrderToken },
  pathIds: { orderId: ids.ticketOrderId },
  refersToIds: true,
})

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
  "payments.paymentOptions": () => ({}),
  "payments.start": (ids) => ({
    headers: { "x-order-token": ids.orderToken, "idempotency-key": unique("pay") },
    body: { provider: "stripe" },
    refersToIds: true,
  }),
  "payments.settings": () => ({}),
  "payments.updateSettings": () => ({ body: { invoiceDueDays: 21 } }),
  "payments.listForOrder": () => ({}),
  "payments.refund": () => ({
    headers: { "idempotency-key": unique("refund") },
    body: { reason: "Cancelled by request" },
  }),
  "payments.markPaid": () => ({ body: { reference: "Cash at the desk" } }),
  "invoices.billingProfile": () => ({}),
  "invoices.setBillingProfile": () => ({ body: billingProfile }),
  "invoices.list": () => ({ query: { limit: "50" } }),
  "invoices.get": () => ({}),
  "invoices.pdf": () => ({}),
  "invoices.publicPdf": (ids) => ({ headers: { "x-order-token": ids.orderToken }, refersToIds: true }),
  "webhooks.stripe": () => strangerWebhook(),
  "checkIn.lists": () => ({}),
  "checkIn.createList": () => ({ body: { name: unique("Door"), reentry: true } }),
  "checkIn.createEnrolmentCode": (ids) => ({
    body: { listId: ids.listId, deviceName: unique("Door") },
    refersToIds: true,
  }),
  "checkIn.devices": () => ({}),
  "checkIn.revokeDevice": () => ({}),
  "checkIn.enrol": () => ({ body: { code: "x".repeat(32) } }),
  "checkIn.pack": (ids) => ({ query: { device: ids.deviceId }, refersToIds: true }),
  "checkIn.checkInOnline": (ids) => ({
    body: { id: randomUUID(), code: "SX1.not.a.code", listId: ids.listId },
    refersToIds: true,
  }),
  "checkIn.sync": () => ({ body: { cursor: 0, checkIns: [] } }),
  "checkIn.checkIns": () => ({}),
  "checkIn.stream": () => ({}),
  "badges.ticketBadge": () => ({}),
  "badges.printSheet": (ids) => ({ query: { orderIds: ids.ticketOrderId, order: "name" }, refersToIds: true }),
  "ticketDocuments.badge": (ids) => buyerDocument(ids),
  "ticketDocuments.applePass": (ids) => buyerDocument(ids),
  "ticketDocuments.googleWallet": (ids) => buyerDocument(ids),
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
    path: pathFor(rule, { ...pathIds, ...example.pathIds }) + query,
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
/**
 * Outbound webhooks to the fixtures' WordPress site (whose address answers nothing) are retried in the
 * background for minutes: their attempts and delivery log change at any time. A request may still not
 * add outbox rows, so those are counted; their retry bookkeeping is not compared.
 */
const RETRIED_IN_BACKGROUND: ReadonlySet<string> = new Set(["webhook_outbox"])
const DELIVERY_LOG_TABLES: ReadonlySet<string> = new Set(["webhook_deliveries"])

export const fingerprint = (server: TestServer, columns: Columns): Promise<Record<string, string>> =>
  server.run(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const parts = [...columns.keys()]
        .filter((t) => !DELIVERY_LOG_TABLES.has(t))
        .sort()
        .map(
          (t) =>
            `SELECT '${t}' AS t, COUNT(*) AS n, ${columns.get(t)!.has("updated_at") && !RETRIED_IN_BACKGROUND.has(t) ? "SUM(updated_at)" : "0"} AS u FROM ${t}`,
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
  fixture.invoiceId,
  fixture.listId,
  fixture.deviceId,
  fixture.siteId,
  fixture.webhookId,
]

/**
 * Fulfilled orders whose confirmation is not settled yet. Between the tickets and the e-mail the
 * confirmation's documents are rendered, a quiet stretch of no writes that can outlast 200 ms.
 */
const unsentConfirmations = (server: TestServer) =>
  server.run(
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql<{ n: unknown }>`SELECT COUNT(*) AS n FROM order_fulfilments f
        WHERE f.status = 'done' AND NOT EXISTS (SELECT 1 FROM communications c
          WHERE c.subject_id = f.order_id AND c.template = 'confirmation' AND c.status <> 'sending')`,
    ).pipe(
      Effect.map((rows) => Number(rows[0]?.n ?? 0)),
      Effect.orDie,
    ),
  )

/**
 * The fingerprint once the database has stopped changing (two equal reads 200 ms apart, with every
 * fulfilled order's confirmation settled; at most 20 s): a paid or free order starts background
 * fulfilment, which must finish before "unchanged" means anything.
 */
export const settledFingerprint = async (server: TestServer, columns: Columns) => {
  let previous = await fingerprint(server, columns)
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    const current = await fingerprint(server, columns)
    if (JSON.stringify(current) === JSON.stringify(previous) && (await unsentConfirmations(server)) === 0) {
      return current
    }
    previous = current
  }
  return previous
}

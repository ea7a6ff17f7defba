import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  Badges,
  Connectors,
  type EventId,
  Identity,
  type OrderId,
  type Permission,
  type Role,
  rolePermissions,
  roleScope,
  roles,
  SAMPLE_BADGE_TEMPLATE,
  signatureHeaders,
  Tickets,
} from "../../core/src/index.js"
import { SratixApi } from "../src/Api.js"
import { type EndpointRule, endpointRules } from "../src/http/Access.js"
import {
  billingProfile,
  blankAttendees,
  issueInvoice,
  optionalForm,
  SAMPLE_PDF,
  seedWebhook,
  UNREACHABLE_SITE,
} from "./support/Fixtures.js"
import {
  api,
  login,
  PASSWORD,
  signedStripeEvent,
  startTestServer,
  type TestServer,
  tokenFor,
} from "./support/TestServer.js"

/**
 * The RBAC matrix: every endpoint of the API definition × every role × anonymous. The expected
 * verdict is derived here from the role table and the scope each role is granted at, not from
 * the server's own authorization code; an endpoint without an example request fails the test.
 */

interface World {
  server: TestServer
  orgId: string
  eventId: string
  ticketTypeId: string
  promoCodeId: string
  listId: string
  deviceId: string
  superToken: string
  /** A valid ticket of a free (so paid) order, its event having a badge template. */
  ticket: { id: string; orderId: string; orderToken: string }
  /** A Control site of the org, with the secret its plugin signs with. */
  site: { id: string; apiSecret: string }
}

/** A request as the site's plugin signs it: fresh nonce, the exact body bytes `api` sends. */
const signedBySite = (w: World, path: string, body: unknown): Request => {
  const parts = {
    method: "POST",
    path: `/api/v1${path}`,
    timestamp: Math.floor(Date.now() / 1000),
    nonce: `rbac-${unique()}-nonce`.padEnd(16, "x"),
    body: JSON.stringify(body),
  }
  return { path, body, headers: signatureHeaders(w.site.id, w.site.apiSecret, parts) }
}

interface Request {
  path: string
  body?: unknown
  raw?: { contentType: string; data: string }
  headers?: Record<string, string>
}

let counter = 0
const unique = () => `${Date.now().toString(36)}${(++counter).toString(36)}`

const upload = async (w: World) => {
  const uploaded = await api(w.server, "POST", `/public/events/${w.eventId}/uploads`, uploadRequest())
  if (uploaded.status !== 201) throw new Error(`upload setup failed: ${JSON.stringify(uploaded.body)}`)
  return uploaded.body.uploadId as string
}

const uploadRequest = () => ({
  headers: { "x-sratix-field": "attachment" },
  raw: { contentType: "application/pdf", data: SAMPLE_PDF },
})

const placeOrder = async (w: World, answers: Record<string, unknown> = {}) => {
  const placed = await api(w.server, "POST", `/public/events/${w.eventId}/orders`, {
    body: {
      items: [{ ticketTypeId: w.ticketTypeId, quantity: 1 }],
      buyer: { email: `b${unique()}@x.ch`, name: "Buyer" },
      attendees: [{ ticketTypeId: w.ticketTypeId, answers }],
    },
  })
  if (placed.status !== 201) throw new Error(`order setup failed: ${JSON.stringify(placed.body)}`)
  return placed.body as { order: { id: string }; accessToken: string }
}

const paidOrder = async (w: World) => {
  const placed = await placeOrder(w)
  const paid = await api(w.server, "POST", `/events/${w.eventId}/orders/${placed.order.id}/mark-paid`, {
    token: w.superToken,
  })
  if (paid.status !== 200) throw new Error(`mark-paid setup failed: ${JSON.stringify(paid.body)}`)
  return placed
}

const invoiceOf = async (w: World) => {
  const placed = await placeOrder(w)
  return { ...placed, invoiceId: await issueInvoice(w.server, w.orgId, placed.order.id) }
}

/** One valid request per endpoint, built fresh for every call so that mutations can repeat. */
const examples: Record<string, (w: World) => Promise<Request>> = {
  "health.health": async () => ({ path: "/health" }),
  "auth.login": async (w) => {
    const email = `login${unique()}@test.sratix.org`
    await w.server.run(
      Effect.flatMap(Identity, (i) => i.createUser({ email, name: "L", password: PASSWORD })).pipe(Effect.orDie),
    )
    return { path: "/auth/login", body: { email, password: PASSWORD } }
  },
  "auth.refresh": async (w) => ({ path: "/auth/refresh", body: { refreshToken: await freshRefreshToken(w) } }),
  "auth.logout": async (w) => ({ path: "/auth/logout", body: { refreshToken: await freshRefreshToken(w) } }),
  "auth.me": async () => ({ path: "/auth/me" }),
  "orgs.list": async () => ({ path: "/orgs" }),
  "orgs.create": async () => ({ path: "/orgs", body: { name: "New org", slug: `org-${unique()}` } }),
  "orgs.get": async (w) => ({ path: `/orgs/${w.orgId}` }),
  "orgs.listMembers": async (w) => ({ path: `/orgs/${w.orgId}/members` }),
  "orgs.addMember": async (w) => ({
    path: `/orgs/${w.orgId}/members`,
    body: { email: `m${unique()}@test.sratix.org`, name: "Member", role: "staff", eventId: w.eventId },
  }),
  "orgs.listApiKeys": async (w) => ({ path: `/orgs/${w.orgId}/api-keys` }),
  "orgs.createApiKey": async (w) => ({
    path: `/orgs/${w.orgId}/api-keys`,
    body: { name: "Box office", role: "staff", eventId: w.eventId },
  }),
  "orgs.revokeApiKey": async (w) => {
    const created = await api(w.server, "POST", `/orgs/${w.orgId}/api-keys`, {
      token: w.superToken,
      body: { name: "k", role: "org_admin" },
    })
    return { path: `/orgs/${w.orgId}/api-keys/${created.body.id}` }
  },
  "orgs.auditLog": async (w) => ({ path: `/orgs/${w.orgId}/audit-log` }),
  "events.list": async (w) => ({ path: `/orgs/${w.orgId}/events` }),
  "events.create": async (w) => ({
    path: `/orgs/${w.orgId}/events`,
    body: { slug: `ev-${unique()}`, name: "Another", startsAt: "2027-05-01T08:00:00Z", endsAt: "2027-05-01T18:00:00Z" },
  }),
  "events.get": async (w) => ({ path: `/events/${w.eventId}` }),
  "events.update": async (w) => ({ path: `/events/${w.eventId}`, body: { name: `Renamed ${unique()}` } }),
  "ticketTypes.list": async (w) => ({ path: `/events/${w.eventId}/ticket-types` }),
  "ticketTypes.create": async (w) => ({
    path: `/events/${w.eventId}/ticket-types`,
    body: { name: "Extra", priceMinor: 1000, capacity: 10 },
  }),
  "ticketTypes.get": async (w) => ({ path: `/events/${w.eventId}/ticket-types/${w.ticketTypeId}` }),
  "ticketTypes.update": async (w) => ({
    path: `/events/${w.eventId}/ticket-types/${w.ticketTypeId}`,
    body: { description: `Edited ${unique()}` },
  }),
  "promoCodes.list": async (w) => ({ path: `/events/${w.eventId}/promo-codes` }),
  "promoCodes.create": async (w) => ({
    path: `/events/${w.eventId}/promo-codes`,
    body: { code: `C${unique()}`.toUpperCase(), kind: "percent", value: 1000 },
  }),
  "promoCodes.get": async (w) => ({ path: `/events/${w.eventId}/promo-codes/${w.promoCodeId}` }),
  "promoCodes.update": async (w) => ({
    path: `/events/${w.eventId}/promo-codes/${w.promoCodeId}`,
    body: { maxUses: 500 },
  }),
  "orders.list": async (w) => ({ path: `/events/${w.eventId}/orders` }),
  "orders.get": async (w) => ({ path: `/events/${w.eventId}/orders/${(await placeOrder(w)).order.id}` }),
  "orders.cancel": async (w) => ({ path: `/events/${w.eventId}/orders/${(await placeOrder(w)).order.id}/cancel` }),
  "forms.create": async (w) => ({ path: `/events/${w.eventId}/forms`, body: optionalForm }),
  "forms.list": async (w) => ({ path: `/events/${w.eventId}/forms` }),
  "forms.get": async (w) => ({ path: `/events/${w.eventId}/forms/1` }),
  "forms.activate": async (w) => ({ path: `/events/${w.eventId}/forms/1/activate` }),
  "forms.submissions": async (w) => ({ path: `/events/${w.eventId}/submissions` }),
  "forms.download": async (w) => {
    const uploadId = await upload(w)
    await placeOrder(w, { attachment: uploadId })
    return { path: `/events/${w.eventId}/uploads/${uploadId}` }
  },
  "public.getForm": async (w) => ({ path: `/public/events/${w.eventId}/form` }),
  "public.upload": async (w) => ({ path: `/public/events/${w.eventId}/uploads`, ...uploadRequest() }),
  "public.listEvents": async () => ({ path: "/public/events" }),
  "public.getEvent": async (w) => ({ path: `/public/events/${w.eventId}` }),
  "public.availability": async (w) => ({ path: `/public/events/${w.eventId}/availability` }),
  "public.placeOrder": async (w) => ({
    path: `/public/events/${w.eventId}/orders`,
    body: {
      items: [{ ticketTypeId: w.ticketTypeId, quantity: 1 }],
      buyer: { email: `p${unique()}@x.ch`, name: "P" },
      attendees: blankAttendees(w.ticketTypeId, 1),
    },
    headers: { "idempotency-key": unique() },
  }),
  "public.getOrder": async (w) => {
    const placed = await placeOrder(w)
    return { path: `/public/orders/${placed.order.id}`, headers: { "x-order-token": placed.accessToken } }
  },
  "payments.paymentOptions": async (w) => ({ path: `/public/events/${w.eventId}/payment-options` }),
  "payments.start": async (w) => {
    const placed = await placeOrder(w)
    return {
      path: `/public/orders/${placed.order.id}/payments`,
      body: { provider: "stripe" },
      headers: { "x-order-token": placed.accessToken },
    }
  },
  "payments.settings": async (w) => ({ path: `/events/${w.eventId}/payment-settings` }),
  "payments.updateSettings": async (w) => ({
    path: `/events/${w.eventId}/payment-settings`,
    body: { invoiceDueDays: 20 },
  }),
  "payments.listForOrder": async (w) => ({
    path: `/events/${w.eventId}/orders/${(await placeOrder(w)).order.id}/payments`,
  }),
  "payments.refund": async (w) => ({
    path: `/events/${w.eventId}/orders/${(await paidOrder(w)).order.id}/refunds`,
    body: {},
    headers: { "idempotency-key": unique() },
  }),
  "payments.markPaid": async (w) => ({
    path: `/events/${w.eventId}/orders/${(await placeOrder(w)).order.id}/mark-paid`,
    body: { reference: "Cash at the desk" },
  }),
  "invoices.billingProfile": async (w) => {
    await invoiceOf(w)
    return { path: `/orgs/${w.orgId}/billing-profile` }
  },
  "invoices.setBillingProfile": async (w) => ({ path: `/orgs/${w.orgId}/billing-profile`, body: billingProfile }),
  "invoices.list": async (w) => ({ path: `/orgs/${w.orgId}/invoices` }),
  "invoices.get": async (w) => ({ path: `/orgs/${w.orgId}/invoices/${(await invoiceOf(w)).invoiceId}` }),
  "invoices.pdf": async (w) => ({ path: `/orgs/${w.orgId}/invoices/${(await invoiceOf(w)).invoiceId}/pdf` }),
  "invoices.publicPdf": async (w) => {
    const { order, accessToken, invoiceId } = await invoiceOf(w)
    return { path: `/public/orders/${order.id}/invoices/${invoiceId}/pdf`, headers: { "x-order-token": accessToken } }
  },
  "webhooks.stripe": async () => {
    const { payload, signature } = signedStripeEvent("checkout.session.completed", {
      id: `cs_test_stranger${unique()}`,
      object: "checkout.session",
      metadata: {},
    })
    return {
      path: "/webhooks/stripe",
      raw: { contentType: "application/json", data: payload },
      headers: { "stripe-signature": signature },
    }
  },
  "checkIn.lists": async (w) => ({ path: `/events/${w.eventId}/check-in-lists` }),
  "checkIn.createList": async (w) => ({
    path: `/events/${w.eventId}/check-in-lists`,
    body: { name: `Door ${unique()}` },
  }),
  "checkIn.createEnrolmentCode": async (w) => ({
    path: `/events/${w.eventId}/check-in-devices/enrolment-codes`,
    body: { listId: w.listId, deviceName: "Door" },
  }),
  "checkIn.devices": async (w) => ({ path: `/events/${w.eventId}/check-in-devices` }),
  "checkIn.revokeDevice": async (w) => ({
    path: `/events/${w.eventId}/check-in-devices/${(await enrolDevice(w)).deviceId}`,
  }),
  "checkIn.enrol": async (w) => ({ path: "/check-in/enrol", body: { code: await enrolmentCode(w) } }),
  "checkIn.pack": async (w) => ({
    path: `/events/${w.eventId}/check-in-lists/${w.listId}/pack?device=${w.deviceId}`,
  }),
  "checkIn.checkInOnline": async (w) => ({
    path: `/events/${w.eventId}/check-ins`,
    body: { id: crypto.randomUUID(), code: "SX1.not.a.code", listId: w.listId },
  }),
  "checkIn.sync": async (w) => ({
    path: `/events/${w.eventId}/check-ins/sync`,
    body: { cursor: 0, checkIns: [] },
  }),
  "checkIn.checkIns": async (w) => ({ path: `/events/${w.eventId}/check-ins` }),
  "checkIn.stream": async (w) => ({ path: `/events/${w.eventId}/check-ins/stream` }),
  "badges.ticketBadge": async (w) => ({ path: `/events/${w.eventId}/tickets/${w.ticket.id}/badge.pdf` }),
  "badges.printSheet": async (w) => ({ path: `/events/${w.eventId}/badges.pdf?orderIds=${w.ticket.orderId}` }),
  "ticketDocuments.badge": async (w) => buyerDocument(w, "badge.pdf"),
  "ticketDocuments.applePass": async (w) => buyerDocument(w, "pass.pkpass"),
  "ticketDocuments.googleWallet": async (w) => buyerDocument(w, "google-wallet"),
  "connectors.tokenExchange": async (w) =>
    signedBySite(w, "/auth/token-exchange", {
      wpUserId: ++counter,
      roles: ["administrator"],
      email: `wp${unique()}@test.sratix.org`,
      name: "WP Admin",
    }),
  "connectors.receiveWebhook": async (w) =>
    signedBySite(w, "/connectors/webhooks", {
      id: `hook-${unique()}`,
      type: "membership.changed",
      data: { wpUserId: 1, roles: ["subscriber"], memberships: ["gold"] },
    }),
  "connectors.createSite": async (w) => ({
    path: `/orgs/${w.orgId}/wp-sites`,
    body: { kind: "client", sourceSite: `s${unique()}.example.org`, baseUrl: UNREACHABLE_SITE, eventId: w.eventId },
  }),
  "connectors.listSites": async (w) => ({ path: `/orgs/${w.orgId}/wp-sites` }),
  "connectors.ensureEntity": async (w) => ({
    path: `/orgs/${w.orgId}/wp-sites/${w.site.id}/entities`,
    body: { sratixEntityType: "sponsor", sratixEntityId: "0190a0a0-3333-7000-8000-000000000003", name: "Sponsor AG" },
  }),
  "connectors.listWebhooks": async (w) => ({ path: `/orgs/${w.orgId}/webhooks` }),
  "connectors.webhookDeliveries": async (w) => ({
    path: `/orgs/${w.orgId}/webhooks/${await w.server.run(seedWebhook({ id: w.site.id, orgId: w.orgId }, "failed"))}/deliveries`,
  }),
  "connectors.replayWebhook": async (w) => ({
    path: `/orgs/${w.orgId}/webhooks/${await w.server.run(seedWebhook({ id: w.site.id, orgId: w.orgId }, "failed"))}/replay`,
  }),
}

function buyerDocument(w: World, document: string): Request {
  return {
    path: `/public/orders/${w.ticket.orderId}/tickets/${w.ticket.id}/${document}`,
    headers: { "x-order-token": w.ticket.orderToken },
  }
}

/** A free order's first ticket once the server's workers issued it; the event gets a badge template. */
const freeTicket = async (w: World) => {
  const guestType = (
    await api(w.server, "POST", `/events/${w.eventId}/ticket-types`, {
      token: w.superToken,
      body: { name: "Guest", priceMinor: 0, vatRateBp: 0, capacity: 10 },
    })
  ).body.id as string
  const placed = await api(w.server, "POST", `/public/events/${w.eventId}/orders`, {
    body: {
      items: [{ ticketTypeId: guestType, quantity: 1 }],
      buyer: { email: `g${unique()}@x.ch`, name: "Guest" },
      attendees: [{ ticketTypeId: guestType, answers: {} }],
    },
  })
  if (placed.status !== 201) throw new Error(`free order setup failed: ${JSON.stringify(placed.body)}`)
  const orderId = placed.body.order.id as string
  await w.server.run(
    Effect.flatMap(Badges, (b) =>
      b.save(w.eventId as EventId, {
        name: "Default",
        size: { name: "A6" },
        html: SAMPLE_BADGE_TEMPLATE.html,
        css: SAMPLE_BADGE_TEMPLATE.css,
      }),
    ).pipe(Effect.orDie),
  )
  for (let i = 0; i < 300; i++) {
    const [ticket] = await w.server.run(
      Effect.flatMap(Tickets, (t) => t.listForOrder(orderId as OrderId)).pipe(Effect.orDie),
    )
    if (ticket !== undefined) return { id: ticket.id as string, orderId, orderToken: placed.body.accessToken as string }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error("the free order's ticket was not issued within 30 s")
}

const enrolmentCode = async (w: World) => {
  const issued = await api(w.server, "POST", `/events/${w.eventId}/check-in-devices/enrolment-codes`, {
    token: w.superToken,
    body: { listId: w.listId, deviceName: `Door ${unique()}` },
  })
  if (issued.status !== 201) throw new Error(`enrolment code setup failed: ${JSON.stringify(issued.body)}`)
  return issued.body.code as string
}

const enrolDevice = async (w: World) => {
  const enrolled = await api(w.server, "POST", "/check-in/enrol", { body: { code: await enrolmentCode(w) } })
  if (enrolled.status !== 200) throw new Error(`enrolment setup failed: ${JSON.stringify(enrolled.body)}`)
  return enrolled.body as { deviceId: string; token: string }
}

const freshRefreshToken = async (w: World) => {
  const email = `r${unique()}@test.sratix.org`
  await w.server.run(
    Effect.flatMap(Identity, (i) => i.createUser({ email, name: "R", password: PASSWORD })).pipe(Effect.orDie),
  )
  const response = await api(w.server, "POST", "/auth/login", { body: { email, password: PASSWORD } })
  return response.body.refreshToken as string
}

/** `elsewhere`: the role is held in another org or another event than the one every example targets. */
type Principal = { kind: "anonymous" } | { kind: "role"; role: Role; token: string; reach: "home" | "elsewhere" }

/** What the role table says, independent of the server: the permission and the reach of the grant. */
const expectedVerdict = (rule: EndpointRule, principal: Principal): "allowed" | "forbidden" | "unauthenticated" => {
  if (rule.access.kind === "public") return "allowed"
  if (principal.kind === "anonymous") return "unauthenticated"
  if (rule.access.kind === "authenticated") return "allowed"
  const permitted = (rolePermissions[principal.role] as ReadonlyArray<Permission>).includes(rule.access.permission)
  const level = roleScope[principal.role]
  const targetsEvent = rule.path.includes(":eventId")
  const targetsOrg = rule.path.includes(":orgId")
  if (principal.reach === "elsewhere" && (targetsEvent || targetsOrg)) return "forbidden"
  // Every example targets org A or its event E; an event grant does not reach org-level resources.
  const reaches = level !== "event" || targetsEvent || !targetsOrg
  return permitted && reaches ? "allowed" : "forbidden"
}

describe("RBAC matrix", () => {
  const rules = endpointRules(SratixApi)
  const world = {} as World
  const principals: Array<Principal> = [{ kind: "anonymous" }]

  beforeAll(async () => {
    world.server = await startTestServer("sqlite")
    world.superToken = await tokenFor(world.server, "super_admin", { orgId: null, eventId: null })
    const t = world.superToken
    world.orgId = (await api(world.server, "POST", "/orgs", { token: t, body: { name: "A", slug: "org-a" } })).body.id
    world.eventId = (
      await api(world.server, "POST", `/orgs/${world.orgId}/events`, {
        token: t,
        body: { slug: "e", name: "E", startsAt: "2027-03-01T08:00:00Z", endsAt: "2027-03-01T18:00:00Z" },
      })
    ).body.id
    world.ticketTypeId = (
      await api(world.server, "POST", `/events/${world.eventId}/ticket-types`, {
        token: t,
        body: { name: "Regular", priceMinor: 5000, capacity: 10_000, maxPerOrder: 10 },
      })
    ).body.id
    world.promoCodeId = (
      await api(world.server, "POST", `/events/${world.eventId}/promo-codes`, {
        token: t,
        body: { code: "MATRIX", kind: "percent", value: 1000 },
      })
    ).body.id
    await api(world.server, "PATCH", `/events/${world.eventId}`, { token: t, body: { status: "published" } })
    world.listId = (
      await api(world.server, "POST", `/events/${world.eventId}/check-in-lists`, { token: t, body: { name: "Door" } })
    ).body.id
    world.deviceId = (await enrolDevice(world)).deviceId
    const site = await world.server.run(
      Effect.flatMap(Connectors, (c) =>
        c.createSite(world.orgId as never, {
          kind: "control",
          sourceSite: "members.example.org",
          baseUrl: UNREACHABLE_SITE,
          eventId: world.eventId,
        }),
      ).pipe(Effect.orDie),
    )
    world.site = { id: site.keyId, apiSecret: site.apiSecret }
    await api(world.server, "POST", `/events/${world.eventId}/forms`, { token: t, body: optionalForm })
    await api(world.server, "POST", `/events/${world.eventId}/forms/1/activate`, { token: t })
    world.ticket = await freeTicket(world)
    for (const role of roles) {
      const scope =
        roleScope[role] === "platform"
          ? { orgId: null, eventId: null }
          : roleScope[role] === "org"
            ? { orgId: world.orgId, eventId: null }
            : { orgId: world.orgId, eventId: world.eventId }
      principals.push({ kind: "role", role, reach: "home", token: await tokenFor(world.server, role, scope) })
    }
    const otherOrg = (await api(world.server, "POST", "/orgs", { token: t, body: { name: "B", slug: "org-b" } })).body
      .id
    const otherEvent = (
      await api(world.server, "POST", `/orgs/${world.orgId}/events`, {
        token: t,
        body: { slug: "e2", name: "E2", startsAt: "2027-04-01T08:00:00Z", endsAt: "2027-04-01T18:00:00Z" },
      })
    ).body.id
    principals.push(
      {
        kind: "role",
        role: "org_admin",
        reach: "elsewhere",
        token: await tokenFor(world.server, "org_admin", { orgId: otherOrg, eventId: null }),
      },
      {
        kind: "role",
        role: "event_admin",
        reach: "elsewhere",
        token: await tokenFor(world.server, "event_admin", { orgId: world.orgId, eventId: otherEvent }),
      },
    )
  }, 120_000)
  afterAll(() => world.server?.stop())

  it("has an example request for every endpoint of the API definition", () => {
    const missing = rules.map((r) => `${r.group}.${r.name}`).filter((key) => !(key in examples))
    expect(missing, `add examples for: ${missing.join(", ")}`).toEqual([])
  })

  it("covers the ten roles, anonymous, and roles held elsewhere", () => {
    expect(roles).toHaveLength(10)
    expect(principals).toHaveLength(13)
  })

  it("enforces every endpoint's declared access for every role and for anonymous callers", async () => {
    const mismatches: Array<string> = []
    let checked = 0
    for (const rule of rules) {
      const example = examples[`${rule.group}.${rule.name}`]
      if (example === undefined) continue
      for (const principal of principals) {
        const request = await example(world)
        const response = await api(world.server, rule.method, request.path, {
          ...(principal.kind === "role" ? { token: principal.token } : {}),
          ...(request.body !== undefined ? { body: request.body } : {}),
          ...(request.raw ? { raw: request.raw } : {}),
          ...(request.headers ? { headers: request.headers } : {}),
        })
        const expected = expectedVerdict(rule, principal)
        const who = principal.kind === "role" ? `${principal.role} (${principal.reach})` : "anonymous"
        const ok =
          (expected === "allowed" && response.status >= 200 && response.status < 300) ||
          (expected === "forbidden" && response.status === 403) ||
          (expected === "unauthenticated" && response.status === 401)
        if (!ok) {
          mismatches.push(
            `${rule.method} ${rule.path} as ${who}: expected ${expected}, got ${response.status} ${JSON.stringify(response.body).slice(0, 160)}`,
          )
        }
        checked++
      }
    }
    expect(mismatches).toEqual([])
    expect(checked).toBe(rules.length * principals.length)
  }, 300_000)

  it("answers 401 for a forged or expired token on every protected endpoint", async () => {
    const forged = `${world.superToken.slice(0, -4)}AAAA`
    for (const rule of rules.filter((r) => r.access.kind !== "public")) {
      const request = await examples[`${rule.group}.${rule.name}`]!(world)
      const response = await api(world.server, rule.method, request.path, {
        token: forged,
        ...(request.body !== undefined ? { body: request.body } : {}),
      })
      expect(response.status, `${rule.method} ${rule.path}`).toBe(401)
      expect(response.headers.get("content-type")).toBe("application/problem+json")
    }
  }, 120_000)

  it("lets a login be used only with the password that was set", async () => {
    await expect(login(world.server, "nobody@test.sratix.org")).rejects.toThrow(/401/)
  })
})

import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Permission, roleGrants } from "../../core/src/index.js"
import { engines } from "../../core/test/support/Databases.js"
import { SratixApi } from "../src/Api.js"
import { type EndpointRule, endpointRules } from "../src/http/Access.js"
import {
  bearer,
  blankAttendees,
  createApiKey,
  type EventFixture,
  enrolDevice,
  exampleFor,
  exampleRequest,
  fingerprint,
  idsOf,
  nestedParams,
  pathParams,
  placeOrder,
  type RawRequest,
  type RawResponse,
  ruleKey,
  type Scope,
  seedEvent,
  seedOrg,
  seedUser,
  send,
  settledFingerprint,
  tableColumns,
  tenantRows,
} from "./support/Fixtures.js"
import { startTestServer, type TestServer, tokenFor } from "./support/TestServer.js"

/**
 * Invariant 5: no endpoint leaks across tenants. Org A's callers (an org_admin by token and by
 * API key, and an event_admin of A's event) call every endpoint whose path names an org or an
 * event, once with org B's ids and once with their own org or event but B's nested ids (ticket
 * type, promo code, order, API key, and ids inside the body). Each call must be refused, and
 * every row of B must be exactly as before. The endpoint list comes from the API definition, so a
 * new endpoint is covered as soon as it has an example request in Fixtures.ts.
 */

const rules = endpointRules(SratixApi)
/** Endpoints that act inside a tenant: the ones a tenant's caller could aim at another tenant. */
const tenantScoped = rules.filter(
  (r) => r.access.kind !== "public" && (pathParams(r).includes("orgId") || pathParams(r).includes("eventId")),
)

/** Org A's callers: the same org admin signed in and through an API key, and an event admin. */
const CALLERS = ["org_admin of A (access token)", "org_admin of A (API key)", "event_admin of A's event"] as const
type CallerName = (typeof CALLERS)[number]

interface TenantCaller {
  readonly name: CallerName
  readonly headers: Record<string, string>
  readonly role: "org_admin" | "event_admin"
}

const describeRequest = (request: RawRequest) =>
  `${request.method} ${request.path}${request.json === undefined ? "" : ` ${JSON.stringify(request.json)}`}`
const describeResponse = (response: RawResponse) => `${response.status} ${response.text.slice(0, 200)}`
const isSuccess = (status: number) => status >= 200 && status < 300

/** Someone who works for org B; org A may add the same person to its own team. */
const B_MEMBER_EMAIL = "shared.person@example.com"

describe.each(engines)("tenant isolation on %s", (engine) => {
  let server: TestServer
  let columns: Awaited<ReturnType<typeof tableColumns>>
  /** Org A with two events (A is home, A2 is a sibling event of the same org) and org B. */
  let A: EventFixture
  let A2: EventFixture
  let B: EventFixture
  const callers = new Map<CallerName, TenantCaller>()
  const baselines = new Map<string, unknown>()

  const scopeKey = (scope: Scope) => JSON.stringify(scope)
  const snapshot = (scope: Scope) => tenantRows(server, columns, scope)
  /** Compares a tenant's rows with the baseline taken after seeding; returns a message or null. */
  const changedRows = async (scope: Scope) => {
    const now = await snapshot(scope)
    const before = baselines.get(scopeKey(scope)) as Record<string, Array<unknown>>
    const tables = Object.keys(before).filter((t) => JSON.stringify(before[t]) !== JSON.stringify(now[t]))
    return tables.length === 0 ? null : `rows of ${scopeKey(scope)} changed in: ${tables.join(", ")}`
  }

  beforeAll(async () => {
    server = await startTestServer(engine)
    columns = await tableColumns(server)
    const orgA = await seedOrg(server, "A")
    const orgB = await seedOrg(server, "B")
    A = await seedEvent(server, orgA, "A")
    A2 = await seedEvent(server, orgA, "A2")
    B = await seedEvent(server, orgB, "B")
    // B has members and an org key of its own, so its grants, users and sessions are part of the snapshot.
    await tokenFor(server, "org_admin", { orgId: orgB, eventId: null })
    await tokenFor(server, "event_admin", { orgId: orgB, eventId: B.eventId })
    await createApiKey(server, orgB, "org_admin")
    await seedUser(server, B_MEMBER_EMAIL, [
      { role: "org_admin", orgId: orgB, eventId: null },
      { role: "event_admin", orgId: orgB, eventId: B.eventId },
    ])
    const add = (name: CallerName, role: TenantCaller["role"], credential: string) =>
      callers.set(name, { name, role, headers: bearer(credential) })
    add(CALLERS[0], "org_admin", await tokenFor(server, "org_admin", { orgId: orgA, eventId: null }))
    add(CALLERS[1], "org_admin", (await createApiKey(server, orgA, "org_admin")).key)
    add(CALLERS[2], "event_admin", await tokenFor(server, "event_admin", { orgId: orgA, eventId: A.eventId }))
    for (const scope of [{ orgId: B.orgId }, { eventId: A2.eventId }, { eventId: A.eventId }] as Array<Scope>) {
      baselines.set(scopeKey(scope), await snapshot(scope))
    }
  }, 120_000)
  afterAll(() => server?.stop())

  it("has an example request and fixture ids for every endpoint of the API definition", () => {
    const problems: Array<string> = []
    for (const rule of rules) {
      try {
        exampleRequest(rule, A as never, exampleFor(rule, A))
      } catch (error) {
        problems.push((error as Error).message)
      }
    }
    expect(problems).toEqual([])
    expect(tenantScoped.length).toBeGreaterThan(0)
  })

  it("seeded two tenants whose rows are disjoint and non-empty", async () => {
    const a = await snapshot({ orgId: A.orgId })
    const b = baselines.get(scopeKey({ orgId: B.orgId })) as Record<string, Array<unknown>>
    for (const table of ["events", "ticket_types", "inventory_buckets", "promo_codes", "orders", "api_keys"]) {
      expect(b[table]?.length, `B's ${table}`).toBeGreaterThan(0)
      expect(a[table]?.length, `A's ${table}`).toBeGreaterThan(0)
    }
    expect(b.role_grants?.length).toBeGreaterThan(0)
    expect(JSON.stringify(a)).not.toContain(B.orgId)
  })

  it("notices a change to any of a tenant's rows (self-check of the snapshot)", async () => {
    const C = await seedEvent(server, await seedOrg(server, "C"), "C")
    const before = await snapshot({ orgId: C.orgId })
    const superAdmin = bearer(await tokenFor(server, "super_admin", { orgId: null, eventId: null }))
    const cancelled = await send(server, {
      method: "POST",
      path: `/api/v1/events/${C.eventId}/orders/${C.orderId}/cancel`,
      headers: superAdmin,
    })
    expect(cancelled.status, describeResponse(cancelled)).toBe(200)
    const after = await snapshot({ orgId: C.orgId })
    const changed = Object.keys(before).filter((t) => JSON.stringify(before[t]) !== JSON.stringify(after[t]))
    expect(changed.sort()).toEqual(["audit_log", "holds", "inventory_buckets", "orders", "promo_codes"])
  })

  /**
   * The calls a caller must be refused: B's ids everywhere; home scope with B's nested ids; and
   * for an event admin, the sibling event A2 of its own org, both ways.
   */
  const attacks = (rule: EndpointRule, caller: TenantCaller) => {
    const foreignTenants = caller.role === "event_admin" ? [B, A2] : [B]
    const list: Array<{ label: string; request: RawRequest; allowed: ReadonlyArray<number>; watch: Scope }> = []
    for (const foreign of foreignTenants) {
      const watch: Scope = foreign === B ? { orgId: B.orgId } : { eventId: A2.eventId }
      list.push({
        label: `${foreign === B ? "B" : "A2"}'s ids`,
        request: exampleRequest(rule, foreign as never, exampleFor(rule, foreign), caller.headers),
        allowed: [403, 404],
        watch,
      })
      const example = exampleFor(rule, foreign)
      if (nestedParams(rule).length > 0 || example.refersToIds) {
        const pathIds = { ...foreign, orgId: A.orgId, eventId: A.eventId }
        list.push({
          label: `A's scope with ${foreign === B ? "B" : "A2"}'s nested ids`,
          request: exampleRequest(rule, pathIds, example, caller.headers),
          allowed: [403, 404, 422],
          watch,
        })
      }
    }
    return list
  }

  it.each(CALLERS)(
    "refuses every cross-tenant call of the %s and changes nothing of the other tenant",
    async (name) => {
      const caller = callers.get(name)!
      const failures: Array<string> = []
      const covered = new Set<string>()
      let calls = 0
      for (const rule of tenantScoped) {
        for (const attack of attacks(rule, caller)) {
          const response = await send(server, attack.request)
          calls++
          covered.add(ruleKey(rule))
          const where = `${caller.name}, ${attack.label}: ${describeRequest(attack.request)}`
          if (!attack.allowed.includes(response.status)) {
            failures.push(`${where} → ${describeResponse(response)} (expected ${attack.allowed.join("/")})`)
          }
          const changed = await changedRows(attack.watch)
          if (changed !== null) {
            failures.push(`${where} → ${changed}`)
            baselines.set(scopeKey(attack.watch), await snapshot(attack.watch))
          }
        }
      }
      expect(failures).toEqual([])
      expect([...covered].sort()).toEqual(tenantScoped.map(ruleKey).sort())
      // Every endpoint is called with foreign ids, and those with nested ids once more with own scope.
      expect(calls).toBeGreaterThan(tenantScoped.length)
    },
    120_000,
  )

  it("refuses another event's ticket types and promo codes on the public order endpoint", async () => {
    const fp = await settledFingerprint(server, columns)
    const order = (items: Array<{ ticketTypeId: string; quantity: number }>, promoCode?: string) =>
      send(server, {
        method: "POST",
        path: `/api/v1/public/events/${A.eventId}/orders`,
        json: {
          items,
          buyer: { email: "buyer@example.com", name: "Buyer" },
          ...(promoCode ? { promoCode } : {}),
          attendees: items.flatMap((item) => blankAttendees(item.ticketTypeId, item.quantity)),
        },
      })
    const refusals = [
      ["B's ticket type", await order([{ ticketTypeId: B.ticketTypeId, quantity: 1 }]), 422],
      [
        "A's and B's ticket types together",
        await order([
          { ticketTypeId: A.ticketTypeId, quantity: 1 },
          { ticketTypeId: B.ticketTypeId, quantity: 1 },
        ]),
        422,
      ],
      ["the sibling event's ticket type", await order([{ ticketTypeId: A2.ticketTypeId, quantity: 1 }]), 422],
      ["B's promo code", await order([{ ticketTypeId: A.ticketTypeId, quantity: 1 }], B.promoCode), 409],
    ] as const
    for (const [what, response, status] of refusals) {
      expect(response.status, `${what}: ${describeResponse(response)}`).toBe(status)
    }
    expect(await fingerprint(server, columns)).toEqual(fp)
    for (const scope of [{ orgId: B.orgId }, { eventId: A2.eventId }]) expect(await changedRows(scope)).toBeNull()
    // The same endpoint sells A's own ticket type, so the refusals above are about the foreign ids.
    const own = await order([{ ticketTypeId: A.ticketTypeId, quantity: 1 }], A.promoCode)
    expect(own.status, describeResponse(own)).toBe(201)
  })

  it("shows a buyer's order only with that order's own access token", async () => {
    const get = (orderId: string, token: string) =>
      send(server, { method: "GET", path: `/api/v1/public/orders/${orderId}`, headers: { "x-order-token": token } })
    const foreign = await get(B.orderId, A.orderToken)
    expect(foreign.status, describeResponse(foreign)).toBe(404)
    expect(foreign.text).not.toContain("buyer")
    const own = await get(B.orderId, B.orderToken)
    expect(own.status).toBe(200)
    expect((own.json as { eventId: string }).eventId).toBe(B.eventId)
  })

  it("public event pages show only that event's ticket types", async () => {
    for (const path of [`/api/v1/public/events/${A.eventId}`, `/api/v1/public/events/${A.eventId}/availability`]) {
      const response = await send(server, { method: "GET", path })
      expect(response.status).toBe(200)
      expect(response.text).toContain(A.ticketTypeId)
      for (const id of [...idsOf(B), A2.ticketTypeId]) expect(response.text, path).not.toContain(id)
    }
  })

  it("lists only the caller's own org, events and records", async () => {
    const orgAdmin = callers.get(CALLERS[0])!.headers
    const orgs = await send(server, { method: "GET", path: "/api/v1/orgs?limit=200", headers: orgAdmin })
    expect(orgs.status).toBe(200)
    expect((orgs.json as { items: Array<{ id: string }> }).items.map((o) => o.id)).toEqual([A.orgId])
    const events = await send(server, {
      method: "GET",
      path: `/api/v1/orgs/${A.orgId}/events?limit=200`,
      headers: orgAdmin,
    })
    expect(events.status).toBe(200)
    const eventIds = (events.json as { items: Array<{ id: string; orgId: string }> }).items.map((e) => e.id)
    expect(eventIds).toContain(A.eventId)
    expect(eventIds).toContain(A2.eventId)
    expect(eventIds).not.toContain(B.eventId)
    const audit = await send(server, {
      method: "GET",
      path: `/api/v1/orgs/${A.orgId}/audit-log?limit=200&eventId=${B.eventId}`,
      headers: orgAdmin,
    })
    expect(audit.status).toBe(200)
    expect((audit.json as { items: Array<unknown> }).items).toEqual([])
    // A super admin sees both orgs: the filter above is the caller's scope, not a missing org.
    const superAdmin = bearer(await tokenFor(server, "super_admin", { orgId: null, eventId: null }))
    const all = await send(server, { method: "GET", path: "/api/v1/orgs?limit=200", headers: superAdmin })
    const allIds = (all.json as { items: Array<{ id: string }> }).items.map((o) => o.id)
    expect(allIds).toEqual(expect.arrayContaining([A.orgId, B.orgId]))
  })

  /**
   * Adding someone who also works for B to A's team answers with that user, and listing A's
   * members shows them: neither may reveal the person's roles in B (B's org and event ids).
   */
  it("adding a person who also works for B reveals nothing of B", async () => {
    const orgAdmin = callers.get(CALLERS[0])!.headers
    const added = await send(server, {
      method: "POST",
      path: `/api/v1/orgs/${A.orgId}/members`,
      headers: orgAdmin,
      json: { email: B_MEMBER_EMAIL, name: "Shared", role: "staff", eventId: A.eventId },
    })
    expect(added.status, describeResponse(added)).toBe(201)
    const members = await send(server, { method: "GET", path: `/api/v1/orgs/${A.orgId}/members`, headers: orgAdmin })
    expect(members.status).toBe(200)
    expect(members.text).toContain(B_MEMBER_EMAIL)
    for (const response of [members, added]) {
      for (const id of idsOf(B)) expect(response.text, describeResponse(response)).not.toContain(id)
    }
  })

  /**
   * An email that differs from B's member only by accents is another person. With MariaDB's
   * default collation (utf8mb4_unicode_ci) "jose@…" matched "josé@…"; identifiers, emails, codes
   * and keys are therefore compared byte for byte (utf8mb4_bin).
   */
  it("an accent or case variant of B's member's email does not reach that member (MariaDB's default collation folded them)", async () => {
    await seedUser(server, "josé.b@example.com", [{ role: "org_admin", orgId: B.orgId, eventId: null }])
    const added = await send(server, {
      method: "POST",
      path: `/api/v1/orgs/${A.orgId}/members`,
      headers: callers.get(CALLERS[0])!.headers,
      json: { email: "Jose.B@example.com", name: "Jose", role: "staff", eventId: A.eventId },
    })
    expect(added.status, describeResponse(added)).toBe(201)
    expect((added.json as { email: string }).email).toBe("jose.b@example.com")
    expect(added.text).not.toContain(B.orgId)
  })

  /**
   * The control: every caller can use the same endpoints on its own tenant (so the refusals above
   * are about the tenant, not a broken example or token), and what it gets back carries no id of
   * another tenant. Orders and API keys are fresh per call, since cancelling or revoking is final.
   */
  it.each(CALLERS)(
    "serves the %s its own tenant, without a foreign id in any response",
    async (name) => {
      const caller = callers.get(name)!
      const foreignIds = caller.role === "event_admin" ? [...idsOf(B), ...idsOf(A2).slice(1)] : idsOf(B)
      const failures: Array<string> = []
      let served = 0
      for (const rule of tenantScoped) {
        const permission = rule.access.kind === "permission" ? (rule.access.permission as Permission) : null
        const reaches = caller.role === "org_admin" || (pathParams(rule).includes("eventId") && permission !== null)
        if (!reaches || (permission !== null && !roleGrants(caller.role, permission))) continue
        let home: EventFixture = A
        if (nestedParams(rule).includes("orderId"))
          home = { ...home, ...(await placeOrder(server, A.eventId, A.ticketTypeId)) }
        if (nestedParams(rule).includes("apiKeyId")) {
          home = { ...home, apiKeyId: (await createApiKey(server, A.orgId, "staff", A.eventId)).id }
        }
        if (nestedParams(rule).includes("deviceId")) home = { ...home, deviceId: await enrolDevice(server, A) }
        const request = exampleRequest(rule, home as never, exampleFor(rule, home), caller.headers)
        const response = await send(server, request)
        served++
        if (!isSuccess(response.status)) {
          failures.push(`${caller.name}: ${describeRequest(request)} → ${describeResponse(response)} (expected 2xx)`)
        }
        const leaked = foreignIds.filter((id) => response.text.includes(id))
        if (leaked.length > 0) failures.push(`${caller.name}: ${describeRequest(request)} leaked ${leaked.join(", ")}`)
      }
      expect(failures).toEqual([])
      expect(served).toBeGreaterThan(caller.role === "org_admin" ? tenantScoped.length - 1 : 5)
    },
    120_000,
  )
})

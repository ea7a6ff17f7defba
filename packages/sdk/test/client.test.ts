import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Identity } from "../../core/src/index.js"
import { PASSWORD, startTestServer, type TestServer } from "../../server/test/support/TestServer.js"
import {
  createSratixClient,
  type Event,
  idempotencyKey,
  isSratixProblem,
  type SratixClient,
  SratixProblem,
  type TokenPair,
  unwrap,
} from "../src/index.js"

const createAdmin = async (server: TestServer): Promise<string> => {
  const email = `sdk-admin-${Date.now()}@test.sratix.org`
  await server.runtime.runPromise(
    Effect.gen(function* () {
      const identity = yield* Identity
      const user = yield* identity.createUser({ email, name: "SDK Admin", password: PASSWORD })
      yield* identity.grant(user.id, "super_admin", { orgId: null, eventId: null } as never)
    }).pipe(Effect.orDie),
  )
  return email
}

/** A fetch that records the path of every request it sends. */
const recordingFetch = () => {
  const paths: Array<string> = []
  const fetch = (request: Request) => {
    paths.push(`${request.method} ${new URL(request.url).pathname}`)
    return globalThis.fetch(request)
  }
  return { paths, fetch }
}

describe("@sratix/sdk against a real server", () => {
  let server: TestServer
  let email: string
  let admin: SratixClient
  let eventId: string
  let ticketTypeId: string

  beforeAll(async () => {
    server = await startTestServer("sqlite")
    email = await createAdmin(server)
    admin = createSratixClient({ baseUrl: server.url })
  })
  afterAll(() => server?.stop())

  it("logs in and keeps the tokens for later calls", async () => {
    const seen: Array<TokenPair | null> = []
    admin = createSratixClient({ baseUrl: server.url, onTokens: (tokens) => seen.push(tokens) })
    const tokens = await admin.login(email, PASSWORD)
    expect(tokens.tokenType).toBe("Bearer")
    expect(seen).toEqual([tokens])
    expect(admin.tokens()).toEqual({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken })
    const me = await unwrap(admin.GET("/api/v1/auth/me"))
    expect(me.email).toBe(email)
  })

  it("rejects a wrong password as a SratixProblem", async () => {
    const anonymous = createSratixClient({ baseUrl: server.url })
    const error = await anonymous.login(email, "wrong password").catch((e: unknown) => e)
    expect(isSratixProblem(error)).toBe(true)
    expect((error as SratixProblem).status).toBe(401)
    expect(anonymous.tokens()).toEqual({ accessToken: undefined, refreshToken: undefined })
  })

  it("creates an org, an event and a ticket type, and publishes the event", async () => {
    const org = await unwrap(admin.POST("/api/v1/orgs", { body: { name: "SDK Org", slug: "sdk-org" } }))
    const event = await unwrap(
      admin.POST("/api/v1/orgs/{orgId}/events", {
        params: { path: { orgId: org.id } },
        body: { slug: "sdk-conf", name: "SDK Conf", startsAt: "2030-05-01T09:00:00Z", endsAt: "2030-05-01T17:00:00Z" },
      }),
    )
    eventId = event.id
    expect(event.status).toBe("draft")
    const ticketType = await unwrap(
      admin.POST("/api/v1/events/{eventId}/ticket-types", {
        params: { path: { eventId } },
        body: { name: "Standard", priceMinor: 2500, capacity: 5, maxPerOrder: 10 },
      }),
    )
    ticketTypeId = ticketType.id
    const published = await unwrap(
      admin.PATCH("/api/v1/events/{eventId}", { params: { path: { eventId } }, body: { status: "published" } }),
    )
    expect(published.status).toBe("published")

    const publicClient = createSratixClient({ baseUrl: server.url })
    const detail = await unwrap(publicClient.GET("/api/v1/public/events/{eventId}", { params: { path: { eventId } } }))
    expect(detail.ticketTypes.map((t) => t.id)).toEqual([ticketTypeId])
  })

  it("places a public order once for one idempotency key, and availability reflects it", async () => {
    const buyer = createSratixClient({ baseUrl: server.url })
    const key = idempotencyKey()
    const place = () =>
      buyer.POST("/api/v1/public/events/{eventId}/orders", {
        params: { path: { eventId }, header: { "idempotency-key": key } },
        body: { items: [{ ticketTypeId, quantity: 2 }], buyer: { email: "buyer@example.org", name: "Buyer" } },
      })
    const first = await unwrap(place())
    const second = await unwrap(place())
    expect(second.order.id).toBe(first.order.id)
    expect(first.order.totalMinor).toBe(5000)

    const availability = await unwrap(
      buyer.GET("/api/v1/public/events/{eventId}/availability", { params: { path: { eventId } } }),
    )
    expect(availability.ticketTypes).toEqual([{ id: ticketTypeId, state: "on_sale", available: 3 }])

    const order = await unwrap(
      buyer.GET("/api/v1/public/orders/{orderId}", {
        params: { path: { orderId: first.order.id }, header: { "x-order-token": first.accessToken } },
      }),
    )
    expect(order.items.reduce((n, item) => n + item.quantity, 0)).toBe(2)
  })

  it("surfaces an oversell as a SratixProblem of type sold-out", async () => {
    const buyer = createSratixClient({ baseUrl: server.url })
    const result = await buyer.POST("/api/v1/public/events/{eventId}/orders", {
      params: { path: { eventId }, header: { "idempotency-key": idempotencyKey() } },
      body: { items: [{ ticketTypeId, quantity: 4 }], buyer: { email: "late@example.org", name: "Late" } },
    })
    expect(result.response.status).toBe(409)
    expect(result.response.headers.get("content-type")).toContain("application/problem+json")
    const error = await unwrap(result).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SratixProblem)
    const problem = error as SratixProblem
    expect(problem.type).toMatch(/\/sold-out$/)
    expect(problem.hasType("sold-out")).toBe(true)
    expect(problem.status).toBe(409)
    expect(problem.problem.available).toBe(3)
  })

  it("pages through events with a cursor", async () => {
    const org = await unwrap(admin.POST("/api/v1/orgs", { body: { name: "Paging Org", slug: "paging-org" } }))
    const created: Array<string> = []
    for (const n of [1, 2, 3]) {
      const event = await unwrap(
        admin.POST("/api/v1/orgs/{orgId}/events", {
          params: { path: { orgId: org.id } },
          body: {
            slug: `paged-${n}`,
            name: `Paged ${n}`,
            startsAt: `2030-06-0${n}T09:00:00Z`,
            endsAt: `2030-06-0${n}T17:00:00Z`,
          },
        }),
      )
      created.push(event.id)
    }
    const seen: Array<Event> = []
    const pageSizes: Array<number> = []
    let cursor: string | undefined
    do {
      const page = await unwrap(
        admin.GET("/api/v1/orgs/{orgId}/events", {
          params: { path: { orgId: org.id }, query: { limit: 2, ...(cursor !== undefined ? { cursor } : {}) } },
        }),
      )
      seen.push(...page.items)
      pageSizes.push(page.items.length)
      cursor = page.nextCursor ?? undefined
    } while (cursor !== undefined)
    expect(pageSizes).toEqual([2, 1])
    expect(seen.map((e) => e.id).sort()).toEqual([...created].sort())
  })

  it("refreshes an invalid access token once and retries, also for concurrent requests", async () => {
    const tokens = await createSratixClient({ baseUrl: server.url }).login(email, PASSWORD)
    const { paths, fetch } = recordingFetch()
    const updates: Array<TokenPair | null> = []
    const client = createSratixClient({
      baseUrl: server.url,
      accessToken: "not-a-valid-token",
      refreshToken: tokens.refreshToken,
      onTokens: (t) => updates.push(t),
      fetch,
    })
    const [me, orgs, event] = await Promise.all([
      unwrap(client.GET("/api/v1/auth/me")),
      unwrap(client.GET("/api/v1/orgs", { params: { query: { limit: 10 } } })),
      unwrap(client.GET("/api/v1/events/{eventId}", { params: { path: { eventId } } })),
    ])
    expect(me.email).toBe(email)
    expect(orgs.items.length).toBeGreaterThan(0)
    expect(event.id).toBe(eventId)

    // One shared refresh (a second one would reuse the rotated token and revoke the login).
    expect(paths.filter((p) => p === "POST /api/v1/auth/refresh")).toHaveLength(1)
    expect(paths.filter((p) => p === "GET /api/v1/auth/me")).toHaveLength(2)
    expect(updates).toHaveLength(1)
    const renewed = updates[0]!
    expect(renewed.refreshToken).not.toBe(tokens.refreshToken)
    expect(client.tokens()).toEqual({ accessToken: renewed.accessToken, refreshToken: renewed.refreshToken })

    // Later calls use the new token directly.
    paths.length = 0
    await unwrap(client.GET("/api/v1/auth/me"))
    expect(paths).toEqual(["GET /api/v1/auth/me"])
  })

  it("replays a request body after refreshing", async () => {
    const tokens = await createSratixClient({ baseUrl: server.url }).login(email, PASSWORD)
    const client = createSratixClient({
      baseUrl: server.url,
      accessToken: "expired",
      refreshToken: tokens.refreshToken,
    })
    const org = await unwrap(client.POST("/api/v1/orgs", { body: { name: "Replayed Org", slug: "replayed-org" } }))
    expect(org.slug).toBe("replayed-org")
  })

  it("gives up after a refused refresh and reports the sign-out", async () => {
    const updates: Array<TokenPair | null> = []
    const client = createSratixClient({
      baseUrl: server.url,
      accessToken: "expired",
      refreshToken: "not-a-refresh-token",
      onTokens: (t) => updates.push(t),
    })
    const error = await unwrap(client.GET("/api/v1/auth/me")).catch((e: unknown) => e)
    expect((error as SratixProblem).status).toBe(401)
    expect((error as SratixProblem).hasType("unauthorized")).toBe(true)
    expect(updates).toEqual([null])
    expect(client.tokens()).toEqual({ accessToken: undefined, refreshToken: undefined })
  })

  it("logs out: the refresh token stops working", async () => {
    const client = createSratixClient({ baseUrl: server.url })
    const tokens = await client.login(email, PASSWORD)
    await client.logout()
    expect(client.tokens()).toEqual({ accessToken: undefined, refreshToken: undefined })
    const refused = await client.POST("/api/v1/auth/refresh", { body: { refreshToken: tokens.refreshToken } })
    expect(refused.response.status).toBe(401)
  })
})

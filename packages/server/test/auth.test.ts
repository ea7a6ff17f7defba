import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Identity } from "../../core/src/index.js"
import { api, PASSWORD, startTestServer, type TestServer, tokenFor } from "./support/TestServer.js"

describe("authentication over HTTP", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer("sqlite")
  })
  afterAll(() => server.stop())

  const createUser = async (email: string) =>
    server.run(
      Effect.flatMap(Identity, (i) => i.createUser({ email, name: "U", password: PASSWORD })).pipe(Effect.orDie),
    )

  it("rotates refresh tokens and revokes the whole family when an old one is reused", async () => {
    await createUser("rotate@test.sratix.org")
    const first = await api(server, "POST", "/auth/login", {
      body: { email: "rotate@test.sratix.org", password: PASSWORD },
    })
    expect(first.status).toBe(200)
    expect(first.body.expiresIn).toBe(900)
    const second = await api(server, "POST", "/auth/refresh", { body: { refreshToken: first.body.refreshToken } })
    expect(second.status).toBe(200)
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken)
    const third = await api(server, "POST", "/auth/refresh", { body: { refreshToken: second.body.refreshToken } })
    expect(third.status).toBe(200)

    // An attacker replays the first token: refused, and the legitimate newest token dies with it.
    const replay = await api(server, "POST", "/auth/refresh", { body: { refreshToken: first.body.refreshToken } })
    expect(replay.status).toBe(401)
    expect(replay.headers.get("content-type")).toBe("application/problem+json")
    const newest = await api(server, "POST", "/auth/refresh", { body: { refreshToken: third.body.refreshToken } })
    expect(newest.status).toBe(401)
    // Another login is a new family and works.
    const fresh = await api(server, "POST", "/auth/login", {
      body: { email: "rotate@test.sratix.org", password: PASSWORD },
    })
    expect(fresh.status).toBe(200)
  })

  it("locks an account after repeated failures, even for the right password, and says for how long", async () => {
    await createUser("lock@test.sratix.org")
    const attempt = (password: string) =>
      api(server, "POST", "/auth/login", { body: { email: "lock@test.sratix.org", password } })
    for (let i = 0; i < 5; i++) expect((await attempt("wrong password")).status).toBe(401)
    const locked = await attempt(PASSWORD)
    expect(locked.status).toBe(423)
    expect(locked.body.type).toBe("https://sratix.org/problems/account-locked")
    expect(locked.body.retryAfterSeconds).toBeGreaterThan(0)
  })

  it("does not tell unknown users from wrong passwords", async () => {
    const unknown = await api(server, "POST", "/auth/login", {
      body: { email: "ghost@test.sratix.org", password: "x" },
    })
    await createUser("known@test.sratix.org")
    const wrong = await api(server, "POST", "/auth/login", { body: { email: "known@test.sratix.org", password: "x" } })
    expect(unknown.status).toBe(401)
    expect(wrong.status).toBe(401)
    expect(unknown.body.detail).toBe(wrong.body.detail)
  })

  it("logout revokes the refresh token", async () => {
    await createUser("logout@test.sratix.org")
    const pair = await api(server, "POST", "/auth/login", {
      body: { email: "logout@test.sratix.org", password: PASSWORD },
    })
    expect((await api(server, "POST", "/auth/logout", { body: { refreshToken: pair.body.refreshToken } })).status).toBe(
      204,
    )
    expect(
      (await api(server, "POST", "/auth/refresh", { body: { refreshToken: pair.body.refreshToken } })).status,
    ).toBe(401)
  })

  it("accepts API keys, stores only their hash, and stops accepting them once revoked", async () => {
    const admin = await tokenFor(server, "super_admin", { orgId: null, eventId: null })
    const org = await api(server, "POST", "/orgs", { token: admin, body: { name: "Keys", slug: "keys" } })
    const created = await api(server, "POST", `/orgs/${org.body.id}/api-keys`, {
      token: admin,
      body: { name: "Integration", role: "org_admin" },
    })
    expect(created.status).toBe(201)
    const key = created.body.key as string
    expect(key.startsWith("sk_")).toBe(true)
    expect((await api(server, "GET", `/orgs/${org.body.id}/events`, { token: key })).status).toBe(200)
    const listed = await api(server, "GET", `/orgs/${org.body.id}/api-keys`, { token: admin })
    expect(JSON.stringify(listed.body)).not.toContain(key)
    expect(
      (await api(server, "DELETE", `/orgs/${org.body.id}/api-keys/${created.body.id}`, { token: admin })).status,
    ).toBe(204)
    expect((await api(server, "GET", `/orgs/${org.body.id}/events`, { token: key })).status).toBe(401)
  })
})

describe("edge protections", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer("sqlite", {
      rateLimitPerMinute: 30,
      authRateLimitPerMinute: 3,
      env: { SRATIX_CORS_ORIGINS: "https://swissroboticsday.ch" },
    })
  })
  afterAll(() => server.stop())

  it("answers CORS preflights only for allowed origins", async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/api/v1/public/events`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      })
    const allowed = await preflight("https://swissroboticsday.ch")
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://swissroboticsday.ch")
    const denied = await preflight("https://evil.example")
    expect(denied.headers.get("access-control-allow-origin")).toBeNull()
    const simple = await fetch(`${server.url}/api/v1/public/events`, { headers: { origin: "https://evil.example" } })
    expect(simple.headers.get("access-control-allow-origin")).toBeNull()
  })

  it("sends security headers on API responses and pages", async () => {
    const response = await fetch(`${server.url}/`)
    expect(response.headers.get("x-content-type-options")).toBe("nosniff")
    expect(response.headers.get("x-frame-options")).toBe("DENY")
    expect(response.headers.get("content-security-policy")).toContain("default-src 'self'")
    const apiResponse = await fetch(`${server.url}/api/v1/nowhere`)
    expect(apiResponse.status).toBe(404)
    expect(apiResponse.headers.get("content-security-policy")).toContain("default-src 'none'")
    expect(apiResponse.headers.get("content-type")).toBe("application/problem+json")
  })
  it("rate-limits the authentication endpoints more strictly, with Retry-After", async () => {
    const statuses: Array<number> = []
    let last: Awaited<ReturnType<typeof api>> | undefined
    for (let i = 0; i < 5; i++) {
      last = await api(server, "POST", "/auth/login", { body: { email: "a@b.ch", password: "x" } })
      statuses.push(last.status)
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429])
    expect(last!.headers.get("retry-after")).toMatch(/^\d+$/)
    expect(last!.body.type).toBe("https://sratix.org/problems/rate-limited")
  })

  it("rate-limits the rest of the API per client", async () => {
    const statuses = new Set<number>()
    for (let i = 0; i < 35; i++) statuses.add((await api(server, "GET", "/health")).status)
    expect([...statuses].sort()).toEqual([200, 429])
  })
})

const redisUrl = process.env.SRATIX_TEST_REDIS_URL
if (!redisUrl && process.env.CI) throw new Error("SRATIX_TEST_REDIS_URL is not set: run the suite through `npm test`")

describe.runIf(redisUrl)("rate limits shared through Redis", () => {
  const servers: Array<TestServer> = []
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      servers.push(
        await startTestServer("sqlite", {
          rateLimitPerMinute: 6,
          env: { REDIS_URL: redisUrl!, SRATIX_TRUST_PROXY: "true" },
        }),
      )
    }
  })
  afterAll(async () => {
    for (const s of servers) await s.stop()
  })

  it("counts a client's requests across server instances", async () => {
    // A client address of its own (through the trusted proxy header), so earlier runs' counters don't count.
    const client = `198.51.100.${Math.floor(Math.random() * 250) + 1}, 10.0.0.1`
    const statuses: Array<number> = []
    for (let i = 0; i < 8; i++) {
      statuses.push((await api(servers[i % 2]!, "GET", "/health", { headers: { "x-forwarded-for": client } })).status)
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429])
  })
})

import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { api, startTestServer, type TestServer, tokenFor } from "./support/TestServer.js"

describe("server smoke", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer("sqlite")
  })
  afterAll(() => server.stop())

  it("creates an org and event as super admin", async () => {
    const token = await tokenFor(server, "super_admin", { orgId: null, eventId: null })
    const org = await api(server, "POST", "/orgs", { token, body: { name: "Org A", slug: "org-a" } })
    expect(org.status).toBe(201)
    const event = await api(server, "POST", `/orgs/${org.body.id}/events`, {
      token,
      body: { slug: "e1", name: "Event 1", startsAt: "2027-01-01T09:00:00Z", endsAt: "2027-01-01T17:00:00Z" },
    })
    expect(event.status).toBe(201)
    const me = await api(server, "GET", "/auth/me", { token })
    expect(me.status).toBe(200)
  })
})

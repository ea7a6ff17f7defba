import { connect } from "node:net"
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

/** Sends raw bytes, since fetch would refuse to send what these tests need to send. */
const rawRequest = (port: number, request: string) =>
  new Promise<{ head: string; body: string }>((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(request))
    const chunks: Array<Buffer> = []
    socket.on("data", (chunk) => chunks.push(chunk))
    socket.on("error", reject)
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8")
      const split = text.indexOf("\r\n\r\n")
      resolve({ head: text.slice(0, split), body: text.slice(split + 4) })
    })
  })

describe("requests Node refuses before routing", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer("sqlite")
  })
  afterAll(() => server.stop())

  it("oversized headers get a 431 problem+json, not a bare status line", async () => {
    const big = "x".repeat(20_000)
    const { head, body } = await rawRequest(
      server.port,
      `GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${big}\r\n\r\n`,
    )
    expect(head).toMatch(/^HTTP\/1\.1 431 /)
    expect(head.toLowerCase()).toContain("content-type: application/problem+json")
    expect(JSON.parse(body)).toMatchObject({ status: 431, type: expect.stringMatching(/headers-too-large$/) })
  })

  it("a request that is not HTTP gets a 400 problem+json", async () => {
    const { head, body } = await rawRequest(server.port, "HELLO\r\n\r\n")
    expect(head).toMatch(/^HTTP\/1\.1 400 /)
    expect(JSON.parse(body)).toMatchObject({ status: 400, type: expect.stringMatching(/bad-request$/) })
  })

  it("the server still answers ordinary requests afterwards", async () => {
    const health = await fetch(`${server.url}/api/v1/health`)
    expect(health.status).toBe(200)
  })
})

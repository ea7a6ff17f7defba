import type { ChildProcess } from "node:child_process"
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { engines } from "../../core/test/support/Databases.js"
import { api, spawnServer, startTestServer, type TestServer, tokenFor } from "./support/TestServer.js"

/**
 * Never oversell, over real HTTP: a rush of 1,000 buyers on 100 seats, on each engine and with two
 * server processes sharing one MariaDB; expired holds come back; a 10-use code stays at 10.
 */

interface Target {
  readonly urls: ReadonlyArray<string>
  readonly server: TestServer
}

const setupEvent = async (server: TestServer, capacity: number, priceMinor = 4500) => {
  const token = await tokenFor(server, "super_admin", { orgId: null, eventId: null })
  const org = await api(server, "POST", "/orgs", { token, body: { name: "Rush", slug: `rush-${Date.now()}` } })
  const event = await api(server, "POST", `/orgs/${org.body.id}/events`, {
    token,
    body: { slug: "rush", name: "Rush", startsAt: "2027-06-01T08:00:00Z", endsAt: "2027-06-01T18:00:00Z" },
  })
  const ticketType = await api(server, "POST", `/events/${event.body.id}/ticket-types`, {
    token,
    body: { name: "Seat", priceMinor, capacity, maxPerOrder: 4 },
  })
  const promo = await api(server, "POST", `/events/${event.body.id}/promo-codes`, {
    token,
    body: { code: "TENUSES", kind: "percent", value: 5000, maxUses: 10 },
  })
  await api(server, "PATCH", `/events/${event.body.id}`, { token, body: { status: "published" } })
  return {
    token,
    eventId: event.body.id as string,
    ticketTypeId: ticketType.body.id as string,
    promoCode: promo.body.code,
  }
}

const rush = async (target: Target, eventId: string, body: (i: number) => unknown, attempts: number) => {
  const results = await Promise.all(
    Array.from({ length: attempts }, async (_, i) => {
      const url = target.urls[i % target.urls.length]!
      const response = await fetch(`${url}/api/v1/public/events/${eventId}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body(i)),
      })
      return { status: response.status, body: (await response.json()) as Record<string, any> }
    }),
  )
  const byStatus = new Map<number, number>()
  for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1)
  return { results, byStatus }
}

const available = async (url: string, eventId: string) => {
  const response = await fetch(`${url}/api/v1/public/events/${eventId}/availability`)
  const body = (await response.json()) as { ticketTypes: Array<{ available: number }> }
  return body.ticketTypes[0]!.available
}

const buyer =
  (ticketTypeId: string, extra: Record<string, unknown> = {}) =>
  (i: number) => ({
    items: [{ ticketTypeId, quantity: 1 }],
    buyer: { email: `buyer${i}@rush.test`, name: `Buyer ${i}` },
    ...extra,
  })

const expireAllHolds = (server: TestServer) =>
  server.run(
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql`UPDATE orders SET expires_at = 1 WHERE status = 'pending_payment'`,
    ).pipe(Effect.orDie),
  )

const waitFor = async (predicate: () => Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await predicate()) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error("condition not met in time")
}

const scenarios = [
  ...engines.map((engine) => ({ name: `${engine}, one server`, engine, processes: 0 })),
  ...(engines.includes("mysql")
    ? [{ name: "mysql, two server processes", engine: "mysql" as const, processes: 2 }]
    : []),
]

describe.each(scenarios)("checkout rush ($name)", ({ engine, processes }) => {
  let server: TestServer
  let target: Target
  const children: Array<ChildProcess> = []

  beforeAll(async () => {
    server = await startTestServer(engine, { sweepEvery: "200 millis" })
    if (processes === 0) {
      target = { server, urls: [server.url] }
    } else {
      const started = await Promise.all(
        Array.from({ length: processes }, () => spawnServer(server.db.url, server.dataDir)),
      )
      children.push(...started.map((s) => s.child))
      target = { server, urls: started.map((s) => s.url) }
    }
  }, 120_000)

  afterAll(async () => {
    for (const child of children) child.kill("SIGTERM")
    await server?.stop()
  })

  it("sells exactly 100 of 100 seats to 1,000 concurrent buyers, refusing the rest as sold out", async () => {
    const { eventId, ticketTypeId } = await setupEvent(server, 100)
    const { results, byStatus } = await rush(target, eventId, buyer(ticketTypeId), 1000)
    expect(Object.fromEntries(byStatus)).toEqual({ 201: 100, 409: 900 })
    for (const r of results.filter((r) => r.status === 409)) {
      expect(r.body.type).toBe("https://sratix.org/problems/sold-out")
      expect(r.body.available).toBe(0)
    }
    expect(await available(target.urls[0]!, eventId)).toBe(0)

    // Expired holds return their seats: the sweeper of a running server releases them.
    await expireAllHolds(server)
    await waitFor(async () => (await available(target.urls[0]!, eventId)) === 100)
    const again = await rush(target, eventId, buyer(ticketTypeId), 150)
    expect(Object.fromEntries(again.byStatus)).toEqual({ 201: 100, 409: 50 })
  }, 180_000)

  it("redeems a 10-use promo code exactly 10 times out of 50 concurrent tries", async () => {
    const { eventId, ticketTypeId, promoCode } = await setupEvent(server, 1000)
    const { results, byStatus } = await rush(target, eventId, buyer(ticketTypeId, { promoCode }), 50)
    expect(Object.fromEntries(byStatus)).toEqual({ 201: 10, 409: 40 })
    for (const r of results.filter((r) => r.status === 409)) {
      expect(r.body.type).toBe("https://sratix.org/problems/promo-code-unavailable")
      expect(r.body.reason).toBe("exhausted")
    }
    // Seats of the refused orders were not kept.
    expect(await available(target.urls[0]!, eventId)).toBe(990)
  }, 120_000)

  it("never oversells with mixed quantities", async () => {
    const { eventId, ticketTypeId } = await setupEvent(server, 50)
    const { results } = await rush(
      target,
      eventId,
      (i) => ({ items: [{ ticketTypeId, quantity: (i % 4) + 1 }], buyer: { email: `m${i}@x.ch`, name: "M" } }),
      200,
    )
    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true)
    const sold = results
      .filter((r) => r.status === 201)
      .reduce((n, r) => n + (r.body.order.items[0].quantity as number), 0)
    expect(sold).toBeLessThanOrEqual(50)
    expect(sold + (await available(target.urls[0]!, eventId))).toBe(50)
    // Demand far exceeded supply, so whatever is left is smaller than the smallest refused request.
    expect(await available(target.urls[0]!, eventId)).toBeLessThan(4)
  }, 120_000)
})

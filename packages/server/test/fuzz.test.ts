import { Effect } from "effect"
import { afterAll, beforeAll, describe, it } from "vitest"
import { Events, Organizations, TicketTypes } from "../../core/src/index.js"
import { api, startTestServer, type TestServer, tokenFor } from "./support/TestServer.js"

const engine = (process.env.PROBE_ENGINE ?? "sqlite") as "sqlite" | "mysql"
describe("probe", () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer(engine)
  })
  afterAll(() => server.stop())
  it("probes", async () => {
    const token = await tokenFor(server, "super_admin", { orgId: null, eventId: null })
    const { event, tt } = await server.run(
      Effect.gen(function* () {
        const org = yield* (yield* Organizations).create({ name: "O", slug: "o" })
        const events = yield* Events
        const e = yield* events.create(org.id, { slug: "e", name: "E", startsAt: 1e12 * 2, endsAt: 1e12 * 2 + 1000, timezone: "Europe/Zurich", currency: "CHF" })
        const event = yield* events.update(e.id, { status: "published" })
        const tt = yield* (yield* TicketTypes).create(event, { name: "X", priceMinor: 100_000_000_00, vatRateBp: 810, capacity: 100, minPerOrder: 1, maxPerOrder: 100, visibility: "public", sortOrder: 0 })
        return { event, tt }
      }).pipe(Effect.orDie),
    )
    const show = (label: string, r: { status: number; headers: Headers; body: unknown }) =>
      console.log(label, r.status, r.headers.get("content-type"), JSON.stringify(r.body).slice(0, 300))
    show("overflow", await api(server, "POST", `/public/events/${event.id}/orders`, { body: { items: [{ ticketTypeId: tt.id, quantity: 2 }], buyer: { email: "a@b.cd", name: "n" } } }))
    const email = `${"İ".repeat(248)}@b.cd`
    show("email-I", await api(server, "POST", `/public/events/${event.id}/orders`, { body: { items: [{ ticketTypeId: tt.id, quantity: 1 }], buyer: { email, name: "n" } } }))
    show("addMember-I", await api(server, "POST", `/orgs/${event.orgId}/members`, { token, body: { email, name: "n", role: "org_admin" } }))
    for (const ct of ["multipart/form-data", "multipart/form-data; boundary=xyz", "application/x-www-form-urlencoded", "text/plain", "application/json; charset=latin1", "application/octet-stream", ""]) {
      const r = await fetch(`${server.url}/api/v1/orgs`, { method: "POST", headers: { "content-type": ct, authorization: `Bearer ${token}` }, body: '{"name":"x","slug":"ct-x"}' })
      console.log("ct", JSON.stringify(ct), r.status, r.headers.get("content-type"), (await r.text()).slice(0, 200))
    }
    for (const body of ['{"name":', "", "null", "[]", '"str"', "1e999", '{"__proto__":{"a":1},"name":"x","slug":"proto-x"}']) {
      const r = await fetch(`${server.url}/api/v1/orgs`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body })
      console.log("json", JSON.stringify(body), r.status, r.headers.get("content-type"), (await r.text()).slice(0, 200))
    }
    for (const seg of ["..%2F..%2F", "%00", "a".repeat(20000), "a".repeat(5000), "%", "%E0%A4%A", "\u00e9", "%F0%9F%98%80"]) {
      const r = await fetch(`${server.url}/api/v1/events/${seg}/ticket-types`, { headers: { authorization: `Bearer ${token}` } })
      console.log("seg", seg.slice(0, 20), r.status, r.headers.get("content-type"), (await r.text()).slice(0, 200))
    }
    const r = await fetch(`${server.url}/api/v1/orgs?limit=1&limit=2&cursor=%ZZ`, { headers: { authorization: `Bearer ${token}` } })
    console.log("q", r.status, r.headers.get("content-type"), (await r.text()).slice(0, 200))
    const r2 = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${"x".repeat(12000)}` } })
    console.log("hdr", r2.status, r2.headers.get("content-type"), (await r2.text()).slice(0, 200))
  })
})

import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { SqlClient } from "@effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import {
  Connectors,
  DeliverWebhook,
  Fulfilment,
  Identity,
  Orders,
  type OrgId,
  signatureHeaders,
  verifyRequest,
  Webhooks,
} from "../../src/index.js"
import { engines } from "../support/Databases.js"
import { asBuyer, createTicketType, orderInput, outcome, publishedEvent, systemLayer } from "../support/Fixtures.js"

/** A WordPress stand-in: verifies each webhook's signature with the site's secret, and can be "down". */
interface Receiver {
  url: string
  secret: string
  down: boolean
  received: Array<{ path: string; body: Record<string, unknown>; verdict: string | null }>
  answer: (path: string) => unknown
  close: () => Promise<void>
}

let receiver: Receiver
beforeAll(async () => {
  const state = {
    secret: "",
    down: false,
    received: [] as Receiver["received"],
    answer: (() => ({ ok: true })) as Receiver["answer"],
  }
  const server = http.createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (c: Buffer) => chunks.push(c))
    request.on("end", () => {
      if (state.down) {
        response.writeHead(503).end("maintenance")
        return
      }
      const body = Buffer.concat(chunks).toString("utf8")
      const header = (name: string) => request.headers[name] as string | undefined
      const verdict = verifyRequest(
        state.secret,
        {
          method: request.method ?? "",
          path: request.url ?? "",
          timestamp: header("x-sratix-timestamp"),
          nonce: header("x-sratix-nonce"),
          signature: header("x-sratix-signature"),
          body,
        },
        Math.floor(Date.now() / 1000),
      )
      state.received.push({ path: request.url ?? "", body: JSON.parse(body), verdict })
      response.writeHead(verdict === null ? 200 : 401, { "content-type": "application/json" })
      response.end(JSON.stringify(verdict === null ? state.answer(request.url ?? "") : { error: verdict }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  receiver = Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/blog`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }) as Receiver
})
afterAll(() => receiver.close())

const signed = (
  keyId: string,
  secret: string,
  body: string,
  overrides: { nonce?: string; timestamp?: number } = {},
) => {
  const parts = {
    method: "POST",
    path: "/api/v1/auth/token-exchange",
    timestamp: overrides.timestamp ?? Math.floor(Date.now() / 1000),
    nonce: overrides.nonce ?? `n${Math.random().toString(36).slice(2)}${Date.now()}`.padEnd(20, "x"),
    body,
  }
  const headers = signatureHeaders(keyId, secret, parts)
  return {
    keyId,
    method: parts.method,
    path: parts.path,
    timestamp: headers["x-sratix-timestamp"],
    nonce: headers["x-sratix-nonce"],
    signature: headers["x-sratix-signature"],
    body,
  }
}

const controlSite = (orgId: OrgId, eventId: string, baseUrl = "https://members.example.org") =>
  Effect.flatMap(Connectors, (c) =>
    c.createSite(orgId, {
      kind: "control",
      sourceSite: `members${Math.random().toString(36).slice(2, 8)}.example.org`,
      baseUrl,
      eventId,
      roleMap: { administrator: "event_admin", sra_member: "attendee", editor: "org_admin" },
    }),
  )

describe.each(engines)("WordPress connectors (%s)", (engine) => {
  it.scopedLive("a signed token exchange maps the WP user once and yields a token limited to the mapped roles", () =>
    Effect.gen(function* () {
      const connectors = yield* Connectors
      const identity = yield* Identity
      const sql = yield* SqlClient.SqlClient
      const { org, event } = yield* publishedEvent()
      const created = yield* controlSite(org.id, event.id)
      const stored = yield* sql<{ enc: string }>`SELECT inbound_secret_enc AS enc FROM connector_sites`
      expect(stored[0]?.enc).not.toContain(created.apiSecret.slice(4))

      const body = JSON.stringify({ wpUserId: 7, roles: ["administrator", "subscriber"] })
      const site = yield* connectors.authenticate(signed(created.keyId, created.apiSecret, body))
      const input = { wpUserId: 7, roles: ["administrator", "subscriber"], email: "ada@example.org", name: "Ada" }
      const token = yield* connectors.exchangeToken(site, input)
      expect(token.grants).toEqual([{ role: "event_admin", orgId: org.id, eventId: event.id }])
      const again = yield* connectors.exchangeToken(site, { ...input, email: "changed@example.org" })
      expect(again.userId).toBe(token.userId)
      const mappings = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM wp_mappings`
      expect(Number(mappings[0]?.n)).toBe(1)

      const caller = yield* identity.authenticate(token.accessToken, { ipHash: null, userAgent: null })
      expect(caller.grants).toEqual([{ role: "event_admin", orgId: org.id, eventId: event.id }])
      // Stored grants of the same user do not widen a scoped token.
      yield* identity.grant(token.userId, "org_admin", { orgId: org.id, eventId: null })
      const still = yield* identity.authenticate(token.accessToken, { ipHash: null, userAgent: null })
      expect(still.grants).toEqual([{ role: "event_admin", orgId: org.id, eventId: event.id }])

      expect(yield* outcome(connectors.exchangeToken(site, { ...input, wpUserId: 8, roles: ["subscriber"] }))).toBe(
        "Forbidden",
      )
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.scopedLive("refuses replays, wrong keys, stale and unknown-key requests; one of concurrent replays wins", () =>
    Effect.gen(function* () {
      const connectors = yield* Connectors
      const { org, event } = yield* publishedEvent()
      const created = yield* controlSite(org.id, event.id)
      const body = "{}"
      const request = signed(created.keyId, created.apiSecret, body)
      const verdicts = yield* Effect.all(
        Array.from({ length: 8 }, () => outcome(connectors.authenticate(request))),
        { concurrency: "unbounded" },
      )
      expect(verdicts.filter((v) => v === "ok")).toHaveLength(1)
      expect(verdicts.filter((v) => v === "SignatureRefused:replayed")).toHaveLength(7)
      expect(yield* outcome(connectors.authenticate(signed(created.keyId, "wpk_wrong", body)))).toBe(
        "SignatureRefused:bad-signature",
      )
      const stale = signed(created.keyId, created.apiSecret, body, { timestamp: Math.floor(Date.now() / 1000) - 301 })
      expect(yield* outcome(connectors.authenticate(stale))).toBe("SignatureRefused:stale")
      const other = yield* controlSite(org.id, event.id)
      expect(yield* outcome(connectors.authenticate(signed(other.keyId, created.apiSecret, body)))).toBe(
        "SignatureRefused:bad-signature",
      )
      expect(
        yield* outcome(
          connectors.authenticate(signed("0190a0a0-0000-7000-8000-000000000000", created.apiSecret, body)),
        ),
      ).toBe("SignatureRefused:unknown-key")
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.scopedLive("registration.confirmed reaches the site signed, survives the site being down, and replays", () =>
    Effect.gen(function* () {
      const connectors = yield* Connectors
      const webhooks = yield* Webhooks
      const fulfilment = yield* Fulfilment
      const sql = yield* SqlClient.SqlClient
      const { org, event } = yield* publishedEvent()
      const created = yield* controlSite(org.id, event.id, receiver.url)
      receiver.secret = created.webhookSecret
      receiver.received.length = 0
      const site = yield* connectors.authenticate(signed(created.keyId, created.apiSecret, "{}"))
      yield* connectors.exchangeToken(site, {
        wpUserId: 42,
        roles: ["sra_member"],
        email: "buyer3@example.com",
        name: "Buyer",
      })
      const free = yield* createTicketType(event, { priceMinor: 0, vatRateBp: 0, capacity: 5 })
      const placed = yield* Effect.flatMap(Orders, (o) =>
        o.place(event.id, orderInput([{ ticketTypeId: free.id, quantity: 1 }], 3)),
      ).pipe(asBuyer)
      expect(yield* fulfilment.fulfil(placed.order.id)).toBe("fulfilled")
      const [entry] = yield* webhooks.list({ orgId: org.id })
      expect(entry).toMatchObject({
        eventType: "registration.confirmed",
        subjectId: placed.order.id,
        status: "pending",
      })
      const id = entry!.id

      receiver.down = true
      const first = yield* Effect.either(webhooks.deliver({ outboxId: id, generation: 0 }, { attempt: 1 }))
      expect(first._tag).toBe("Left")
      expect((yield* webhooks.list({ orgId: org.id }))[0]).toMatchObject({ status: "pending", attempts: 1 })
      receiver.down = false
      expect(yield* webhooks.deliver({ outboxId: id, generation: 0 }, { attempt: 2 })).toBe("delivered")
      expect(receiver.received).toHaveLength(1)
      expect(receiver.received[0]).toMatchObject({
        path: "/blog/wp-json/sratix-control/v1/webhook",
        verdict: null,
        body: { id, type: "registration.confirmed", data: { orderId: placed.order.id, wpUserId: 42, tickets: 1 } },
      })
      // A second run of the same job (at-least-once delivery) sends nothing.
      expect(yield* webhooks.deliver({ outboxId: id, generation: 0 }, { attempt: 3 })).toBe("skipped")
      const log = yield* webhooks.deliveries(id)
      expect(log.map((d) => [d.attempt, d.outcome, d.statusCode])).toEqual([
        [1, "failed", 503],
        [2, "delivered", 200],
      ])

      // Past the last attempt the row is failed; a replay queues it under the next generation.
      receiver.down = true
      const replayed = yield* webhooks.replay(id)
      expect(replayed).toMatchObject({ status: "pending", generation: 1 })
      expect(yield* webhooks.replay(id)).toMatchObject({ status: "pending", generation: 1 })
      yield* Effect.either(webhooks.deliver({ outboxId: id, generation: 1 }, { attempt: DeliverWebhook.attempts }))
      expect((yield* webhooks.list({ orgId: org.id, status: "failed" })).map((e) => e.id)).toEqual([id])
      receiver.down = false
      yield* webhooks.replay(id)
      expect(yield* webhooks.deliver({ outboxId: id, generation: 1 }, { attempt: 1 })).toBe("skipped")
      expect(yield* webhooks.deliver({ outboxId: id, generation: 2 }, { attempt: 1 })).toBe("delivered")
      const audit = yield* sql<{ action: string }>`SELECT action FROM audit_log WHERE target_id = ${id} ORDER BY id`
      expect(audit.map((a) => a.action)).toEqual(["webhook.replayed", "webhook.replayed"])
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.scopedLive("entity auto-creation asks Control once and maps the post it answers with; then marks it", () =>
    Effect.gen(function* () {
      const connectors = yield* Connectors
      const webhooks = yield* Webhooks
      const { org, event } = yield* publishedEvent()
      const created = yield* controlSite(org.id, event.id, receiver.url)
      receiver.secret = created.webhookSecret
      receiver.received.length = 0
      receiver.answer = (path) => (path.endsWith("/create-entity") ? { wpPostId: 991 } : { ok: true })
      const exhibitor = "0190a0a0-1111-7000-8000-000000000001"
      const input = { sratixEntityType: "exhibitor" as const, sratixEntityId: exhibitor, name: "RoboTech AG" }
      const request = yield* webhooks.ensureEntity(org.id, created.keyId, input)
      expect(request.eventType).toBe("entity.create")
      expect((yield* webhooks.ensureEntity(org.id, created.keyId, input)).id).toBe(request.id)
      expect(yield* webhooks.deliver({ outboxId: request.id, generation: 0 }, { attempt: 1 })).toBe("delivered")
      expect(receiver.received[0]?.path).toBe("/blog/wp-json/sratix-control/v1/create-entity")
      expect((yield* connectors.mappedPost(created.keyId, "exhibitor", exhibitor))._tag).toBe("Some")

      const mark = yield* webhooks.ensureEntity(org.id, created.keyId, { ...input, mark: "SRD 2026 Exhibitor" })
      expect(mark.eventType).toBe("entity.mark")
      expect(yield* webhooks.deliver({ outboxId: mark.id, generation: 0 }, { attempt: 1 })).toBe("delivered")
      expect(receiver.received[1]).toMatchObject({
        path: "/blog/wp-json/sratix-control/v1/mark-entity",
        body: { data: { wpPostId: 991, mark: "SRD 2026 Exhibitor" } },
      })
      // Another organisation cannot reach the site.
      const other = yield* publishedEvent()
      expect(yield* outcome(webhooks.ensureEntity(other.org.id, created.keyId, input))).toBe("NotFound")
      receiver.answer = () => ({ ok: true })
    }).pipe(Effect.provide(systemLayer(engine))),
  )
})

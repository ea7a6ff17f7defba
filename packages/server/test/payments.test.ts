import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PROBLEM_BASE } from "../../core/src/index.js"
import { engines } from "../../core/test/support/Databases.js"
import type { StripeStandIn } from "../../core/test/support/StripeStandIn.js"
import {
  bearer,
  type EventFixture,
  fingerprint,
  placeOrder,
  seedEvent,
  seedOrg,
  send,
  tableColumns,
} from "./support/Fixtures.js"
import { startTestServer, stripeStandIn, type TestServer, tokenFor } from "./support/TestServer.js"

/**
 * Payments over HTTP against the Stripe stand-in: a buyer starts a payment with the order's
 * token, Stripe's signed webhook pays the order exactly once however often it arrives, staff
 * refund and record payments, and the buyer's invoice PDF is served only for that order.
 */

const ledgerOf = (server: TestServer, orderId: string) =>
  server.run(
    Effect.flatMap(SqlClient.SqlClient, (sql) =>
      sql<{ n: unknown; c: unknown }>`SELECT SUM(amount_minor) AS n, COUNT(*) AS c
        FROM invoice_ledger WHERE order_id = ${orderId}`.pipe(
        Effect.map((rows) => ({ sum: Number(rows[0]?.n ?? 0), entries: Number(rows[0]?.c ?? 0) })),
      ),
    ).pipe(Effect.orDie),
  )

describe.each(engines)("payments over HTTP on %s", (engine) => {
  let server: TestServer
  let stripe: StripeStandIn
  let fixture: EventFixture
  let staff: Record<string, string>
  let columns: Awaited<ReturnType<typeof tableColumns>>

  beforeAll(async () => {
    server = await startTestServer(engine)
    stripe = await stripeStandIn()
    columns = await tableColumns(server)
    fixture = await seedEvent(server, await seedOrg(server, "Pay"), "Pay")
    staff = bearer(await tokenFor(server, "event_admin", { orgId: fixture.orgId, eventId: fixture.eventId }))
  }, 120_000)
  afterAll(() => server?.stop())

  const order = (
    method: string,
    orderId: string,
    suffix = "",
    extra: Parameters<typeof send>[1] extends infer R ? Partial<R> : never = {},
  ) =>
    send(server, {
      method,
      path: `/api/v1/events/${fixture.eventId}/orders/${orderId}${suffix}`,
      headers: { ...staff, ...extra.headers },
      ...(extra.json === undefined ? {} : { json: extra.json }),
    })

  const startStripe = async () => {
    const placed = await placeOrder(server, fixture.eventId, fixture.ticketTypeId)
    const started = await send(server, {
      method: "POST",
      path: `/api/v1/public/orders/${placed.orderId}/payments`,
      headers: { "x-order-token": placed.orderToken, "idempotency-key": `start-${placed.orderId}` },
      json: { provider: "stripe" },
    })
    expect(started.status, started.text).toBe(201)
    const body = started.json as { payment: { id: string; providerRef: string }; next: { kind: string; url: string } }
    return { ...placed, payment: body.payment, next: body.next }
  }

  const webhook = (payload: string, signature: string) =>
    send(server, {
      method: "POST",
      path: "/api/v1/webhooks/stripe",
      headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": signature },
      body: payload,
    })

  const orderStatus = async (orderId: string, token: string) => {
    const got = await send(server, {
      method: "GET",
      path: `/api/v1/public/orders/${orderId}`,
      headers: { "x-order-token": token },
    })
    return (got.json as { status: string }).status
  }

  it("offers the event's providers to buyers, without any of its secrets", async () => {
    const options = await send(server, {
      method: "GET",
      path: `/api/v1/public/events/${fixture.eventId}/payment-options`,
    })
    expect(options.status).toBe(200)
    expect(options.json).toEqual({ eventId: fixture.eventId, currency: "CHF", providers: ["stripe", "invoice"] })
    expect(options.text).not.toContain(stripe.secretKey)
    expect(options.text).not.toContain("whsec_")
  })

  it("starts a Stripe payment once, then a signed webhook pays the order", async () => {
    const { orderId, orderToken, payment, next } = await startStripe()
    expect(next.kind).toBe("redirect")
    expect(next.url).toContain(payment.providerRef)
    const again = await send(server, {
      method: "POST",
      path: `/api/v1/public/orders/${orderId}/payments`,
      headers: { "x-order-token": orderToken },
      json: { provider: "stripe" },
    })
    expect((again.json as { payment: { id: string } }).payment.id).toBe(payment.id)
    const payload = stripe.event("checkout.session.completed", stripe.complete(payment.providerRef))
    const delivered = await webhook(payload, stripe.sign(payload))
    expect(delivered.status, delivered.text).toBe(200)
    expect(delivered.json).toEqual({ received: true, outcome: "processed" })
    expect(await orderStatus(orderId, orderToken)).toBe("paid")
    const listed = await order("GET", orderId, "/payments")
    expect((listed.json as { payments: Array<{ status: string }> }).payments.map((p) => p.status)).toEqual([
      "succeeded",
    ])
  })

  it("pays once for ten concurrent deliveries of the same webhook: one ledger entry", async () => {
    const { orderId, orderToken, payment } = await startStripe()
    const payload = stripe.event("checkout.session.completed", stripe.complete(payment.providerRef))
    const signature = stripe.sign(payload)
    const responses = await Promise.all(Array.from({ length: 10 }, () => webhook(payload, signature)))
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200))
    const outcomes = responses.map((r) => (r.json as { outcome: string }).outcome)
    expect(outcomes.filter((o) => o === "processed")).toHaveLength(1)
    expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(9)
    expect(await orderStatus(orderId, orderToken)).toBe("paid")
    expect(await ledgerOf(server, orderId)).toEqual({ sum: 9_000, entries: 1 })
  })

  it("refuses forged, expired and altered deliveries with a 400 problem and changes nothing", async () => {
    const { orderId, orderToken, payment } = await startStripe()
    const payload = stripe.event("checkout.session.completed", stripe.complete(payment.providerRef))
    const before = await fingerprint(server, columns)
    const attempts = [
      webhook(payload, stripe.sign(payload, { secret: "whsec_not_ours" })),
      webhook(payload, stripe.sign(payload, { timestamp: Math.floor(Date.now() / 1000) - 3_600 })),
      webhook(payload.replace('"paid"', '"unpaid"'), stripe.sign(payload)),
      webhook(payload, "t=1,v1=00"),
    ]
    for (const response of await Promise.all(attempts)) {
      expect(response.status, response.text).toBe(400)
      expect(response.headers.get("content-type")).toBe("application/problem+json")
      expect((response.json as { type: string }).type).toBe(`${PROBLEM_BASE}webhook-rejected`)
    }
    const unsigned = await send(server, { method: "POST", path: "/api/v1/webhooks/stripe", body: payload })
    expect(unsigned.status).toBe(400)
    expect(await fingerprint(server, columns)).toEqual(before)
    expect(await orderStatus(orderId, orderToken)).toBe("pending_payment")
  })

  it("takes the webhook's exact bytes whatever their media type, and nothing in between rejects them", async () => {
    const { orderId, orderToken, payment } = await startStripe()
    // Whitespace and a non-ASCII character: any parsing and re-encoding would break the signature.
    const payload = stripe
      .event("checkout.session.completed", {
        ...stripe.complete(payment.providerRef),
        customer_details: { name: "Zoë" },
      })
      .replace("{", "{\n  ")
    const response = await send(server, {
      method: "POST",
      path: "/api/v1/webhooks/stripe",
      headers: { "content-type": "text/plain", "stripe-signature": stripe.sign(payload) },
      body: payload,
    })
    expect(response.status, response.text).toBe(200)
    expect(await orderStatus(orderId, orderToken)).toBe("paid")
  })

  it("refunds over HTTP once per Idempotency-Key, on the ledger, and only with the refund permission", async () => {
    const { orderId, payment } = await startStripe()
    const payload = stripe.event("checkout.session.completed", stripe.complete(payment.providerRef))
    expect((await webhook(payload, stripe.sign(payload))).status).toBe(200)
    const desk = bearer(await tokenFor(server, "staff", { orgId: fixture.orgId, eventId: fixture.eventId }))
    const refused = await order("POST", orderId, "/refunds", { headers: desk, json: { amountMinor: 1_000 } })
    expect(refused.status).toBe(403)
    const key = { "idempotency-key": `refund-${orderId}` }
    const partial = await Promise.all(
      Array.from({ length: 3 }, () =>
        order("POST", orderId, "/refunds", { headers: key, json: { amountMinor: 1_000 } }),
      ),
    )
    for (const response of partial) expect(response.status, response.text).toBe(201)
    const after = partial[0]!.json as { refunds: Array<{ amountMinor: number }> }
    expect(after.refunds.map((r) => r.amountMinor)).toEqual([1_000])
    expect(await ledgerOf(server, orderId)).toEqual({ sum: 8_000, entries: 2 })
    const tooMuch = await order("POST", orderId, "/refunds", { json: { amountMinor: 100_000 } })
    expect(tooMuch.status).toBe(409)
    expect((tooMuch.json as { type: string; refundableMinor: number }).refundableMinor).toBe(8_000)
    const rest = await order("POST", orderId, "/refunds", { json: { reason: "Event left early" } })
    expect(rest.status, rest.text).toBe(201)
    expect(await ledgerOf(server, orderId)).toEqual({ sum: 0, entries: 3 })
    expect((await order("GET", orderId)).json).toMatchObject({ status: "cancelled" })
  })

  it("records a manual payment with its reference and amount, then refuses a second one", async () => {
    const placed = await placeOrder(server, fixture.eventId, fixture.ticketTypeId)
    const paid = await order("POST", placed.orderId, "/mark-paid", { json: { reference: "Receipt 42" } })
    expect(paid.status, paid.text).toBe(200)
    expect((paid.json as { status: string }).status).toBe("paid")
    expect(await ledgerOf(server, placed.orderId)).toEqual({ sum: 9_000, entries: 1 })
    const twice = await order("POST", placed.orderId, "/mark-paid")
    expect(twice.status).toBe(409)
    expect((twice.json as { type: string }).type).toBe(`${PROBLEM_BASE}payment-unavailable`)
    const bare = await placeOrder(server, fixture.eventId, fixture.ticketTypeId)
    expect((await order("POST", bare.orderId, "/mark-paid")).status).toBe(200)
  })

  it("changes an event's payment settings and offers buyers what they say", async () => {
    const updated = await send(server, {
      method: "PUT",
      path: `/api/v1/events/${fixture.eventId}/payment-settings`,
      headers: staff,
      json: { providers: ["invoice"], invoiceDueDays: 10 },
    })
    expect(updated.status, updated.text).toBe(200)
    const read = await send(server, {
      method: "GET",
      path: `/api/v1/events/${fixture.eventId}/payment-settings`,
      headers: staff,
    })
    expect(read.json).toMatchObject({ providers: ["invoice"], stripeMode: "test", invoiceDueDays: 10 })
    const options = await send(server, {
      method: "GET",
      path: `/api/v1/public/events/${fixture.eventId}/payment-options`,
    })
    expect((options.json as { providers: Array<string> }).providers).toEqual(["invoice"])
    const placed = await placeOrder(server, fixture.eventId, fixture.ticketTypeId)
    const card = await send(server, {
      method: "POST",
      path: `/api/v1/public/orders/${placed.orderId}/payments`,
      headers: { "x-order-token": placed.orderToken },
      json: { provider: "stripe" },
    })
    expect(card.status).toBe(409)
    expect((card.json as { reason: string }).reason).toBe("provider_not_offered")
    await send(server, {
      method: "PUT",
      path: `/api/v1/events/${fixture.eventId}/payment-settings`,
      headers: staff,
      json: { providers: ["stripe", "invoice"] },
    })
  })

  it("serves the buyer's invoice PDF with the order's token, and never another order's invoice", async () => {
    const pdf = await fetch(`${server.url}/api/v1/public/orders/${fixture.orderId}/invoices/${fixture.invoiceId}/pdf`, {
      headers: { "x-order-token": fixture.orderToken },
    })
    expect(pdf.status).toBe(200)
    expect(pdf.headers.get("content-type")).toBe("application/pdf")
    expect(
      Buffer.from(await pdf.arrayBuffer())
        .subarray(0, 4)
        .toString(),
    ).toBe("%PDF")
    const other = await placeOrder(server, fixture.eventId, fixture.ticketTypeId)
    for (const [orderId, token] of [
      [other.orderId, other.orderToken],
      [fixture.orderId, other.orderToken],
      [fixture.orderId, "not-the-token"],
    ] as const) {
      const refused = await send(server, {
        method: "GET",
        path: `/api/v1/public/orders/${orderId}/invoices/${fixture.invoiceId}/pdf`,
        headers: { "x-order-token": token },
      })
      expect(refused.status, `${orderId} with ${token.slice(0, 6)}`).toBe(404)
      expect(refused.headers.get("content-type")).toBe("application/problem+json")
    }
    const staffPdf = await fetch(`${server.url}/api/v1/orgs/${fixture.orgId}/invoices/${fixture.invoiceId}/pdf`, {
      headers: bearer(await tokenFor(server, "org_admin", { orgId: fixture.orgId, eventId: null })),
    })
    expect(staffPdf.status).toBe(200)
  })

  it("shows the return pages in the visitor's language, with the order's state and nothing personal", async () => {
    const { orderId, payment } = await startStripe()
    const page = (path: string, language: string) =>
      fetch(`${server.url}${path}`, { headers: { "accept-language": language } }).then(async (r) => ({
        status: r.status,
        type: r.headers.get("content-type"),
        html: await r.text(),
      }))
    const waiting = await page(`/payment/return?order=${orderId}`, "de-CH,de;q=0.9")
    expect(waiting.status).toBe(200)
    expect(waiting.type).toContain("text/html")
    expect(waiting.html).toContain('lang="de"')
    expect(waiting.html).toContain('data-state="processing"')
    const cancelled = await page(`/payment/cancelled?order=${orderId}`, "fr")
    expect(cancelled.html).toContain('data-state="cancelled"')
    expect(cancelled.html).toContain("Paiement annulé")
    const payload = stripe.event("checkout.session.completed", stripe.complete(payment.providerRef))
    await webhook(payload, stripe.sign(payload))
    const paid = await page(`/payment/return?order=${orderId}`, "it")
    expect(paid.html).toContain('data-state="paid"')
    expect(paid.html).toContain("Pagamento ricevuto")
    expect(paid.html).not.toMatch(/buyer|@example\.com/i)
    expect((await page("/payment/return?order=nonsense", "en")).status).toBe(404)
  })
})

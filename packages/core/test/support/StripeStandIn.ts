import { randomBytes } from "node:crypto"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import Stripe from "stripe"

/**
 * A local stand-in for the part of Stripe's API we call, speaking its wire format: form-encoded
 * requests with bracketed keys, JSON objects, error objects, idempotent replays. The real SDK is
 * pointed at it; what a buyer does on Stripe's page is done through `complete`.
 */
export interface StripeStandIn {
  readonly port: number
  readonly secretKey: string
  readonly webhookSecret: string
  readonly sessions: Map<string, Record<string, any>>
  readonly requests: Array<{ method: string; path: string; idempotencyKey: string | null }>
  complete(sessionId: string): Record<string, any>
  refundAtDashboard(paymentIntent: string, amount: number): Record<string, any>
  /** The charge object of a payment intent, as `charge.refunded` carries it. */
  charge(paymentIntent: string): Record<string, any>
  event(type: string, object: Record<string, any>): string
  sign(payload: string, options?: { secret?: string; timestamp?: number }): string
  /**
   * Where the hosted checkout page delivers `checkout.session.completed` when the buyer pays, as
   * Stripe does; until set, paying on the page only completes the session.
   */
  webhookUrl: string | null
  close(): Promise<void>
}

const id = (prefix: string) => `${prefix}_test_${randomBytes(12).toString("hex")}`

/** `a[b][0][c]=x` → `{ a: { b: [{ c: "x" }] } }`, as Stripe reads it. */
const parseForm = (body: string): Record<string, any> => {
  const out: Record<string, any> = {}
  for (const [rawKey, value] of new URLSearchParams(body)) {
    const parts = rawKey.split(/\[|\]\[|\]/).filter((p) => p !== "")
    let node: any = out
    parts.forEach((part, i) => {
      const last = i === parts.length - 1
      if (last) node[part] = value
      else node = node[part] ??= /^\d+$/.test(parts[i + 1]!) ? [] : {}
    })
  }
  return out
}

export const startStripeStandIn = async (): Promise<StripeStandIn> => {
  const secretKey = `sk_test_${randomBytes(12).toString("hex")}`
  const webhookSecret = `whsec_${randomBytes(16).toString("hex")}`
  const sessions = new Map<string, Record<string, any>>()
  const intents = new Map<string, Record<string, any>>()
  const refunds: Array<Record<string, any>> = []
  const replays = new Map<string, { status: number; body: unknown }>()
  const requests: StripeStandIn["requests"] = []
  const now = () => Math.floor(Date.now() / 1000)
  const error = (status: number, message: string, extra: Record<string, unknown> = {}) => ({
    status,
    body: { error: { type: "invalid_request_error", message, ...extra } },
  })

  const route = (method: string, url: URL, form: Record<string, any>): { status: number; body: unknown } => {
    const path = url.pathname
    if (method === "POST" && path === "/v1/checkout/sessions") {
      const lines: Array<Record<string, any>> = form.line_items ?? []
      if (!form.success_url) return error(400, "Missing required param: success_url.", { param: "success_url" })
      if (lines.length === 0) return error(400, "Missing required param: line_items.", { param: "line_items" })
      const expiresAt = Number(form.expires_at ?? now() + 86_400)
      if (expiresAt < now() + 1800 - 5 || expiresAt > now() + 86_400 + 5) {
        return error(400, "The `expires_at` timestamp must be between 30 minutes and 24 hours from now.", {
          param: "expires_at",
        })
      }
      const amount = lines.reduce((sum, l) => sum + Number(l.price_data.unit_amount) * Number(l.quantity), 0)
      const session = {
        id: id("cs"),
        object: "checkout.session",
        mode: form.mode,
        status: "open",
        payment_status: "unpaid",
        amount_subtotal: amount,
        amount_total: amount,
        currency: lines[0]!.price_data.currency,
        client_reference_id: form.client_reference_id ?? null,
        customer_email: form.customer_email ?? null,
        metadata: form.metadata ?? {},
        payment_intent: null,
        payment_intent_data: form.payment_intent_data ?? {},
        expires_at: expiresAt,
        created: now(),
        livemode: false,
        success_url: form.success_url,
        cancel_url: form.cancel_url ?? null,
        url: "",
      }
      session.url = `http://127.0.0.1:${port}/pay/${session.id}`
      sessions.set(session.id, session)
      const { payment_intent_data: _, ...visible } = session
      return { status: 200, body: visible }
    }
    const sessionMatch = path.match(/^\/v1\/checkout\/sessions\/([^/]+)(\/expire)?$/)
    if (sessionMatch) {
      const session = sessions.get(sessionMatch[1]!)
      if (!session) {
        return error(404, `No such checkout.session: '${sessionMatch[1]}'`, {
          code: "resource_missing",
          param: "session",
        })
      }
      if (method === "POST" && sessionMatch[2]) {
        if (session.status !== "open") return error(400, "Only Checkout Sessions with a status of open can be expired.")
        session.status = "expired"
      }
      const { payment_intent_data: _, ...visible } = session
      return { status: 200, body: visible }
    }
    const intentMatch = path.match(/^\/v1\/payment_intents\/([^/]+)$/)
    if (method === "GET" && intentMatch) {
      const intent = intents.get(intentMatch[1]!)
      return intent
        ? { status: 200, body: intent }
        : error(404, `No such payment_intent: '${intentMatch[1]}'`, { code: "resource_missing" })
    }
    if (path === "/v1/refunds" && method === "POST") {
      const intent = intents.get(form.payment_intent)
      if (!intent) return error(404, `No such payment_intent: '${form.payment_intent}'`, { code: "resource_missing" })
      return { status: 200, body: refundIntent(intent, Number(form.amount ?? intent.amount - intent.amount_refunded)) }
    }
    if (path === "/v1/refunds" && method === "GET") {
      const data = refunds.filter((r) => r.payment_intent === url.searchParams.get("payment_intent")).reverse()
      return { status: 200, body: { object: "list", data, has_more: false, url: "/v1/refunds" } }
    }
    return error(404, `Unrecognized request URL (${method}: ${path}).`)
  }

  const refundIntent = (intent: Record<string, any>, amount: number) => {
    if (amount > intent.amount - intent.amount_refunded) {
      throw Object.assign(new Error("refund too large"), {
        response: error(400, `Refund amount (${amount}) is greater than unrefunded amount on charge.`, {
          code: "amount_too_large",
        }),
      })
    }
    intent.amount_refunded += amount
    const refund = {
      id: id("re"),
      object: "refund",
      amount,
      currency: intent.currency,
      payment_intent: intent.id,
      charge: intent.latest_charge,
      status: "succeeded",
      reason: null,
      created: now(),
    }
    refunds.push(refund)
    return refund
  }

  const chargeOf = (paymentIntent: string) => {
    const intent = intents.get(paymentIntent)!
    return {
      id: intent.latest_charge,
      object: "charge",
      amount: intent.amount,
      amount_refunded: intent.amount_refunded,
      payment_intent: intent.id,
      refunded: intent.amount_refunded === intent.amount,
      metadata: {},
    }
  }

  const server = http.createServer((req, res) => {
    let body = ""
    req.on("data", (chunk) => {
      body += chunk
    })
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1")
      const key = (req.headers["idempotency-key"] as string | undefined) ?? null
      requests.push({ method: req.method ?? "GET", path: url.pathname, idempotencyKey: key })
      const send = (r: { status: number; body: unknown }) => {
        res.writeHead(r.status, { "content-type": "application/json", "request-id": id("req") })
        res.end(JSON.stringify(r.body))
      }
      const hosted = url.pathname.match(/^\/pay\/([^/]+)$/)
      if (hosted) {
        hostedPage(req.method ?? "GET", hosted[1]!, res).catch((e) => {
          res.writeHead(500, { "content-type": "text/plain" })
          res.end(String(e))
        })
        return
      }
      if (req.headers.authorization !== `Bearer ${secretKey}`) {
        return send(error(401, "Invalid API Key provided"))
      }
      if (key !== null && replays.has(key)) return send(replays.get(key)!)
      let result: { status: number; body: unknown }
      try {
        result = route(req.method ?? "GET", url, parseForm(body))
      } catch (e) {
        result = (e as { response?: { status: number; body: unknown } }).response ?? error(500, String(e))
      }
      if (key !== null && result.status < 500) replays.set(key, result)
      send(result)
    })
  })
  /**
   * Stripe's hosted Checkout page, reduced to its outcome: GET shows a Pay button and a way back;
   * paying completes the session, delivers the signed `checkout.session.completed` webhook and
   * redirects to the session's success URL, in that order, as Stripe does.
   */
  const hostedPage = async (method: string, sessionId: string, res: http.ServerResponse) => {
    const session = sessions.get(sessionId)
    if (!session) {
      res.writeHead(404, { "content-type": "text/html" })
      res.end("<!doctype html><title>Not found</title><h1>This checkout session does not exist</h1>")
      return
    }
    const withId = (u: string) => u.replaceAll("{CHECKOUT_SESSION_ID}", session.id)
    if (method === "POST" && session.status === "open") {
      const completed = standIn.complete(sessionId)
      if (standIn.webhookUrl !== null) {
        const payload = standIn.event("checkout.session.completed", completed)
        await fetch(standIn.webhookUrl, {
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": standIn.sign(payload) },
          body: payload,
        })
      }
    }
    if (method === "POST") {
      res.writeHead(303, { location: withId(session.success_url) })
      res.end()
      return
    }
    const amount = (session.amount_total / 100).toFixed(2)
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" })
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pay</title></head><body>
<main><h1>Test checkout</h1><p>${String(session.currency).toUpperCase()} ${amount}</p>
<form method="post"><button type="submit">Pay</button></form>
${session.cancel_url ? `<a href="${withId(session.cancel_url)}">Cancel</a>` : ""}</main></body></html>`)
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  const standIn: StripeStandIn = {
    port,
    secretKey,
    webhookSecret,
    webhookUrl: null,
    sessions,
    requests,
    complete(sessionId) {
      const session = sessions.get(sessionId)!
      const intent = {
        id: id("pi"),
        object: "payment_intent",
        amount: session.amount_total,
        amount_refunded: 0,
        currency: session.currency,
        status: "succeeded",
        latest_charge: id("ch"),
        metadata: session.payment_intent_data.metadata ?? {},
      }
      intents.set(intent.id, intent)
      Object.assign(session, { status: "complete", payment_status: "paid", payment_intent: intent.id })
      const { payment_intent_data: _, ...visible } = session
      return visible
    },
    refundAtDashboard(paymentIntent, amount) {
      refundIntent(intents.get(paymentIntent)!, amount)
      return chargeOf(paymentIntent)
    },
    charge: (paymentIntent) => chargeOf(paymentIntent),
    event(type, object) {
      return JSON.stringify({
        id: id("evt"),
        object: "event",
        api_version: "2026-11-18.endive",
        created: now(),
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
        data: { object },
      })
    },
    sign(payload, options = {}) {
      return Stripe.webhooks.generateTestHeaderString({
        payload,
        secret: options.secret ?? webhookSecret,
        ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
      })
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
  return standIn
}

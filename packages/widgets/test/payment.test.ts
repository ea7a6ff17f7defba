import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { StripeStandIn } from "../../core/test/support/StripeStandIn.js"
import { api, stripeStandIn } from "../../server/test/support/TestServer.js"
import {
  hostPage,
  placeOrderAs,
  recordEvents,
  recordedEvents,
  type Shop,
  type Stack,
  screenshot,
  seedShop,
  startStack,
  ticketsReady,
} from "./support/Harness.js"

/**
 * The payment step of <sratix-checkout> end to end in Chromium: the event's payment options, a
 * card payment through the Stripe stand-in's hosted page (which, like Stripe, delivers the signed
 * webhook and then sends the buyer back to the host page), the checkout resuming on return,
 * a payment cancelled at Stripe and tried again, a confirmation that waits for a late webhook, and
 * bank transfer with the invoice PDF.
 */
describe("the checkout's payment step", () => {
  let stack: Stack
  let shop: Shop
  let stripe: StripeStandIn
  let serial = 0

  beforeAll(async () => {
    stack = await startStack()
    shop = await seedShop(stack.server)
    stripe = await stripeStandIn()
  }, 120_000)
  afterAll(() => stack?.stop())

  /** A shop page with one Full day ticket chosen and the order placed, on the payment step. */
  const orderToPay = async (buyer: string) => {
    const page = await stack.browser.newPage()
    await recordEvents(page, { acrossNavigations: true })
    const visited: Array<string> = []
    page.on("request", (request) => visited.push(request.url()))
    const url = stack.host.page(
      `/shop-${++serial}`,
      hostPage(stack.server.url, { attributes: { "event-id": shop.eventId, "poll-seconds": "30" } }),
    )
    await page.goto(url)
    await ticketsReady(page)
    await page.getByRole("button", { name: "One more Full day" }).click()
    await page.getByRole("button", { name: "Continue" }).click()
    await placeOrderAs(
      page,
      { name: buyer, email: `${buyer.toLowerCase().replaceAll(" ", ".")}@example.org` },
      "Payment",
    )
    const created = (await recordedEvents(page)).find((e) => e.type === "sratix-order-created")!
    return {
      page,
      url,
      visited,
      orderId: created.detail.order.id as string,
      token: created.detail.accessToken as string,
    }
  }

  const orderStatus = async (orderId: string) =>
    (await api(stack.server, "GET", `/events/${shop.eventId}/orders/${orderId}`, { token: shop.token })).body.status

  const confirmed = (page: Page) => page.getByRole("heading", { name: "Confirmation" }).waitFor({ timeout: 15_000 })

  it("pays by card on Stripe's page and comes back to a confirmation on the host page", async () => {
    stripe.webhookUrl = `${stack.server.url}/api/v1/webhooks/stripe`
    const { page, url, visited, orderId, token } = await orderToPay("Ada Lovelace")
    await page.getByRole("group", { name: "How would you like to pay?" }).waitFor()
    await page.getByRole("button", { name: "Pay by card" }).click()
    await page.waitForURL(/\/pay\/cs_test_/)
    await page.getByRole("button", { name: "Pay" }).click()
    await page.waitForURL((u) => u.toString().startsWith(url))
    await confirmed(page)
    const widget = page.locator("sratix-checkout")
    await expect(widget.locator("[data-order-id]").textContent()).resolves.toBe(orderId)
    await expect(widget.locator("[data-order-status]").textContent()).resolves.toBe("Paid")
    expect(await orderStatus(orderId)).toBe("paid")
    const types = (await recordedEvents(page)).map((e) => e.type)
    expect(types).toEqual(expect.arrayContaining(["sratix-payment-started", "sratix-paid", "sratix-payment-completed"]))
    expect(types.indexOf("sratix-payment-started")).toBeLessThan(types.indexOf("sratix-payment-completed"))
    // The token only ever travelled in a header: no address the browser asked for carries it.
    expect(visited.filter((u) => u.includes(token))).toEqual([])
    // Settled: the return parameters are gone, and the tab keeps no token.
    expect(page.url()).toBe(url)
    await expect(
      page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith("sratix-checkout"))),
    ).resolves.toEqual([])
    await screenshot(page, "checkout-paid-by-card")
    await page.close()
  })

  it("shows a payment cancelled at Stripe with the options to try again, and then pays", async () => {
    stripe.webhookUrl = `${stack.server.url}/api/v1/webhooks/stripe`
    const { page, url, orderId } = await orderToPay("Grace Hopper")
    await page.getByRole("button", { name: "Pay by card" }).click()
    await page.waitForURL(/\/pay\/cs_test_/)
    await page.getByRole("link", { name: "Cancel" }).click()
    await page.waitForURL((u) => u.toString().startsWith(url) && u.searchParams.get("sratix_payment") === "cancelled")
    const widget = page.locator("sratix-checkout")
    await widget.locator("[data-payment-state='cancelled']").waitFor()
    await expect(widget.locator("[data-payment-state='cancelled']").textContent()).resolves.toContain(
      "nothing was charged",
    )
    expect(await orderStatus(orderId)).toBe("pending_payment")
    await page.getByRole("button", { name: "Pay by card" }).click()
    await page.waitForURL(/\/pay\/cs_test_/)
    await page.getByRole("button", { name: "Pay" }).click()
    await confirmed(page)
    expect(await orderStatus(orderId)).toBe("paid")
    await page.close()
  })

  it("waits in a clear processing state until a late webhook pays the order", async () => {
    stripe.webhookUrl = null
    const { page, orderId } = await orderToPay("Alan Turing")
    await page.getByRole("button", { name: "Pay by card" }).click()
    await page.waitForURL(/\/pay\/cs_test_/)
    const sessionId = page.url().split("/pay/")[1]!
    await page.getByRole("button", { name: "Pay" }).click()
    const widget = page.locator("sratix-checkout")
    await widget.locator("[data-payment-state='processing']").waitFor()
    await expect(widget.getByRole("status").filter({ hasText: "being confirmed" }).count()).resolves.toBe(1)
    expect(await orderStatus(orderId)).toBe("pending_payment")
    // Stripe's webhook arrives late; the checkout notices on its own.
    const payload = stripe.event("checkout.session.completed", stripe.sessions.get(sessionId)!)
    const delivered = await fetch(`${stack.server.url}/api/v1/webhooks/stripe`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": stripe.sign(payload) },
      body: payload,
    })
    expect(delivered.status).toBe(200)
    await confirmed(page)
    const types = (await recordedEvents(page)).map((e) => e.type)
    expect(types).toContain("sratix-payment-completed")
    await page.close()
  })

  it("pays by bank transfer: reference, due date and the invoice PDF, fetched with the token header", async () => {
    const { page, visited, token } = await orderToPay("Hedy Lamarr")
    await page.getByRole("button", { name: "Pay by bank transfer (invoice)" }).click()
    const widget = page.locator("sratix-checkout")
    await widget.locator("[data-payment-state='bank_transfer']").waitFor({ timeout: 10_000 })
    await expect(widget.locator("[data-payment-reference]").textContent()).resolves.toMatch(/\d/)
    await expect(widget.locator("[data-due]").textContent()).resolves.toMatch(/\d/)
    const download = page.waitForEvent("download")
    await page.getByRole("button", { name: "Download the invoice with QR-bill (PDF)" }).click()
    const file = await (await download).createReadStream()
    const chunks: Array<Buffer> = []
    for await (const chunk of file) chunks.push(chunk as Buffer)
    expect(Buffer.concat(chunks).subarray(0, 4).toString()).toBe("%PDF")
    expect(visited.filter((u) => u.includes(token))).toEqual([])
    const types = (await recordedEvents(page)).map((e) => e.type)
    expect(types).toContain("sratix-payment-started")
    await page.close()
  })
})

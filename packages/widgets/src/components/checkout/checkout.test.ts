import * as fs from "node:fs"
import * as path from "node:path"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { api } from "../../../../server/test/support/TestServer.js"
import {
  hostPage,
  placeOrderAs,
  recordEvents,
  recordedEvents,
  repoRoot,
  type Shop,
  type Stack,
  seedShop,
  startStack,
  ticketsReady,
} from "../../../test/support/Harness.js"

describe("<sratix-checkout> in Chromium against the server", () => {
  let stack: Stack
  let shop: Shop
  beforeAll(async () => {
    stack = await startStack()
    shop = await seedShop(stack.server)
  })
  afterAll(() => stack?.stop())

  const open = async (attributes: Record<string, string> = {}): Promise<Page> => {
    const page = await stack.browser.newPage()
    await recordEvents(page)
    const url = stack.host.page(
      `/shop-${Math.random().toString(36).slice(2)}`,
      hostPage(stack.server.url, { attributes: { "event-id": shop.eventId, ...attributes } }),
    )
    await page.goto(url)
    await ticketsReady(page)
    return page
  }

  it("sells a free ticket: ticket list, details, confirmation, and the host page hears about it", async () => {
    const page = await open()
    const rows = page.locator("sratix-checkout [part~='ticket']")
    await expect(rows.count()).resolves.toBe(3)
    const soldOut = page.locator(`sratix-checkout [data-ticket-type="${shop.soldOutTypeId}"]`)
    await expect(soldOut.locator("[data-availability]").textContent()).resolves.toBe("Sold out")
    await expect(soldOut.locator("button").count()).resolves.toBe(0)

    await page.getByRole("button", { name: "One more Student" }).click()
    await expect(page.getByLabel("Quantity of Student").inputValue()).resolves.toBe("1")
    await page.getByRole("button", { name: "Continue" }).click()
    await expect(page.getByRole("heading", { name: "Your details" }).isVisible()).resolves.toBe(true)
    // Focus follows the step, so a screen reader announces where the visitor is.
    await expect(
      page.evaluate(() => document.querySelector("sratix-checkout")?.shadowRoot?.activeElement?.textContent),
    ).resolves.toBe("Your details")
    await placeOrderAs(page, { name: "Ada Lovelace", email: "ada@example.org" }, "Confirmation")
    const status = page.locator("sratix-checkout [data-order-status]")
    await expect(status.getAttribute("data-order-status")).resolves.toBe("paid")

    const orderId = await page.locator("sratix-checkout [data-order-id]").textContent()
    const stored = await api(stack.server, "GET", `/events/${shop.eventId}/orders/${orderId}`, { token: shop.token })
    expect(stored.status).toBe(200)
    expect(stored.body).toMatchObject({ status: "paid", buyerEmail: "ada@example.org", totalMinor: 0, locale: "en" })

    const events = await recordedEvents(page)
    expect(events.map((e) => e.type)).toEqual([
      "sratix-step-change",
      "sratix-ready",
      "sratix-step-change",
      "sratix-order-created",
      "sratix-paid",
      "sratix-step-change",
    ])
    expect(events.find((e) => e.type === "sratix-order-created")?.detail.order.id).toBe(orderId)
    await page.close()
  })

  it("places a paid order with a promo code and shows the server's amounts and the event's payment options", async () => {
    const page = await open()
    await page.getByRole("button", { name: "One more Full day" }).click()
    await page.getByRole("button", { name: "One more Full day" }).click()
    await page.getByRole("button", { name: "Continue" }).click()
    await expect(page.locator("sratix-checkout [data-estimate]").textContent()).resolves.toMatch(/240\.00/)
    await page.getByLabel("Promo code (optional)").fill(shop.promoCode)
    await placeOrderAs(page, { name: "Grace Hopper", email: "grace@example.org" }, "Payment")

    const orderId = (await page.locator("sratix-checkout [data-order-id]").textContent()) ?? ""
    const stored = await api(stack.server, "GET", `/events/${shop.eventId}/orders/${orderId}`, { token: shop.token })
    expect(stored.body).toMatchObject({
      status: "pending_payment",
      subtotalMinor: 24000,
      discountMinor: 2400,
      totalMinor: 21600,
    })
    await expect(page.locator("sratix-checkout [data-order-status]").textContent()).resolves.toBe("Pending payment")
    await expect(page.locator("sratix-checkout [data-amount-due]").textContent()).resolves.toMatch(/216\.00/)
    await expect(page.locator("sratix-checkout [data-discount]").textContent()).resolves.toMatch(/24\.00/)
    await expect(page.locator("sratix-checkout [data-total]").textContent()).resolves.toMatch(/216\.00/)
    const vat = (stored.body.vatMinor as number) / 100
    await expect(page.locator("sratix-checkout tr.vat td").textContent()).resolves.toContain(vat.toFixed(2))
    const options = page.getByRole("group", { name: "How would you like to pay?" })
    await options.waitFor()
    await expect(options.getByRole("button").allTextContents()).resolves.toEqual([
      "Pay by card",
      "Pay by bank transfer (invoice)",
    ])
    const types = (await recordedEvents(page)).map((e) => e.type)
    expect(types).toContain("sratix-order-created")
    expect(types).not.toContain("sratix-paid")
    await page.close()
  })

  it("refuses bad input with messages in the visitor's language, and an unknown promo code at its field", async () => {
    const page = await open()
    await page.getByRole("button", { name: "Continue" }).click()
    await expect(page.getByRole("alert").textContent()).resolves.toBe("Choose at least one ticket.")

    // Typing past the per-order maximum is clamped to what may be bought.
    await page.getByLabel("Quantity of Student").fill("9")
    await page.getByLabel("Quantity of Student").press("Tab")
    await expect(page.getByLabel("Quantity of Student").inputValue()).resolves.toBe("4")
    await page.getByRole("button", { name: "Continue" }).click()

    await page.getByLabel("Email").fill("not-an-email")
    await page.getByLabel("Email").blur()
    await expect(page.locator("sratix-checkout #buyerEmail-error").textContent()).resolves.toBe(
      "Please enter a valid email address.",
    )
    await page.getByLabel("Language").selectOption("de")
    await expect(page.locator("sratix-checkout #buyerEmail-error").textContent()).resolves.toBe(
      "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
    )
    await expect(page.getByRole("heading", { name: "Ihre Angaben" }).isVisible()).resolves.toBe(true)
    await expect(page.locator("sratix-checkout").getAttribute("locale")).resolves.toBe("de")

    await page.getByLabel("Vollständiger Name").fill("Hedy Lamarr")
    await page.getByLabel("E-Mail").fill("hedy@example.org")
    await page.getByLabel("Aktionscode (optional)").fill("NOPE")
    await page.getByRole("button", { name: "Bestellen" }).click()
    await expect
      .poll(() => page.locator("sratix-checkout #promo-error").textContent())
      .toBe("Dieser Aktionscode kann nicht verwendet werden.")
    const errors = (await recordedEvents(page)).filter((e) => e.type === "sratix-error")
    expect(errors.at(-1)?.detail.problem.type).toBe("https://sratix.org/problems/promo-code-unavailable")
    const locales = (await recordedEvents(page)).filter((e) => e.type === "sratix-locale-change")
    expect(locales.map((e) => e.detail.locale)).toEqual(["de"])
    await page.close()
  })

  it("keeps availability live while the visitor chooses", async () => {
    const page = await open({ "poll-seconds": "1" })
    const availability = page.locator(`sratix-checkout [data-ticket-type="${shop.paidTypeId}"] [data-availability]`)
    const before = Number((await availability.textContent())?.match(/\d+/)?.[0])
    const placed = await api(stack.server, "POST", `/public/events/${shop.eventId}/orders`, {
      body: {
        items: [{ ticketTypeId: shop.paidTypeId, quantity: 5 }],
        buyer: { name: "Other", email: "o@example.org" },
      },
    })
    expect(placed.status).toBe(201)
    await page.waitForFunction(
      ([id, expected]) =>
        document
          .querySelector("sratix-checkout")
          ?.shadowRoot?.querySelector(`[data-ticket-type="${id}"] [data-availability]`)
          ?.textContent?.includes(String(expected)),
      [shop.paidTypeId, before - 5] as const,
    )
    await page.close()
  })

  it("says so when the event cannot be loaded, and reports the problem to the host page", async () => {
    const page = await stack.browser.newPage()
    await recordEvents(page)
    await page.goto(
      stack.host.page(
        "/missing",
        hostPage(stack.server.url, { attributes: { "event-id": "00000000-0000-4000-8000-000000000000" } }),
      ),
    )
    await page.getByText("Tickets cannot be loaded right now.").waitFor()
    const errors = (await recordedEvents(page)).filter((e) => e.type === "sratix-error")
    expect(errors[0]?.detail.problem.status).toBe(404)
    await page.close()
  })

  it("works in examples/host-page as checked in: the two-line embed and its theme tokens", async () => {
    const example = fs
      .readFileSync(path.join(repoRoot, "examples/host-page/index.html"), "utf8")
      .replaceAll("http://localhost:3000", stack.server.url)
      .replace("EVENT_ID", shop.eventId)
    const page = await stack.browser.newPage()
    await page.goto(stack.host.page("/example", example))
    await ticketsReady(page)
    await expect(
      page.getByRole("button", { name: "Continue" }).evaluate((b) => getComputedStyle(b).backgroundColor),
    ).resolves.toBe("rgb(138, 21, 56)")
    await page.close()
  })

  it("can be used with the keyboard alone: every control in tab order, activated with Enter and Space", async () => {
    const page = await open()
    /** Presses Tab until the focused element (through shadow roots) has this accessible label or text. */
    const tabTo = async (label: string) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press("Tab")
        const focused = await page.evaluate(() => {
          let element: Element | null = document.activeElement
          while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement
          const labelled = element?.getAttribute("aria-label") ?? ""
          const labels = (element as HTMLInputElement | null)?.labels
          return labelled || (labels?.[0]?.textContent ?? "") || (element?.textContent ?? "")
        })
        if (focused.trim().startsWith(label)) return
      }
      throw new Error(`${label} is not reachable with Tab`)
    }
    await tabTo("One more Student")
    await page.keyboard.press("Enter")
    await page.keyboard.press("Space")
    await expect(page.getByLabel("Quantity of Student").inputValue()).resolves.toBe("2")
    await tabTo("Continue")
    await page.keyboard.press("Enter")
    await page.getByRole("heading", { name: "Your details" }).waitFor()
    await tabTo("Full name")
    await page.keyboard.type("Margaret Hamilton")
    await tabTo("Email")
    await page.keyboard.type("margaret@example.org")
    await tabTo("Place order")
    await page.keyboard.press("Enter")
    await page.getByRole("heading", { name: "Confirmation" }).waitFor()
    await page.close()
  })

  it("retries a lost order response with the same Idempotency-Key: one order, not two", async () => {
    const page = await open()
    let lost = 0
    const keys: string[] = []
    await page.route("**/api/v1/public/events/*/orders", async (route) => {
      keys.push(route.request().headers()["idempotency-key"] ?? "")
      // The first time, the server places the order but the answer never reaches the browser.
      const response = await route.fetch()
      if (lost++ === 0) return route.abort("connectionreset")
      return route.fulfill({ response })
    })
    await page.getByRole("button", { name: "One more Full day" }).click()
    await page.getByRole("button", { name: "Continue" }).click()
    await page.getByLabel("Full name").fill("Lost Response")
    await page.getByLabel("Email").fill("lost-response@example.org")
    await page.getByRole("button", { name: "Place order" }).click()
    await page.getByRole("alert").filter({ hasText: "The server cannot be reached" }).waitFor()
    await page.getByRole("button", { name: "Place order" }).click()
    await page.getByRole("heading", { name: "Payment" }).waitFor()

    expect(keys).toHaveLength(2)
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/)
    expect(keys[1]).toBe(keys[0])
    const orders = await api(stack.server, "GET", `/events/${shop.eventId}/orders?limit=100`, { token: shop.token })
    const mine = (orders.body.items as Array<{ id: string; buyerEmail: string }>).filter(
      (o) => o.buyerEmail === "lost-response@example.org",
    )
    expect(mine).toHaveLength(1)
    await expect(page.locator("sratix-checkout [data-order-id]").textContent()).resolves.toBe(mine[0]!.id)
    const errors = (await recordedEvents(page)).filter((e) => e.type === "sratix-error")
    expect(errors.map((e) => e.detail.problem.title)).toEqual(["Network error"])
    await page.close()
  })

  it("sends the visitor back to the ticket list when seats ran out meanwhile, with what is left", async () => {
    const scarce = await api(stack.server, "POST", `/events/${shop.eventId}/ticket-types`, {
      token: shop.token,
      body: { name: "Workshop", priceMinor: 5000, capacity: 3, sortOrder: 9 },
    })
    const page = await open()
    await page.getByRole("button", { name: "One more Workshop" }).click()
    await page.getByRole("button", { name: "One more Workshop" }).click()
    await page.getByRole("button", { name: "Continue" }).click()
    // Someone else buys two of the three seats first.
    const other = await api(stack.server, "POST", `/public/events/${shop.eventId}/orders`, {
      body: {
        items: [{ ticketTypeId: scarce.body.id, quantity: 2 }],
        buyer: { name: "Fast", email: "fast@example.org" },
      },
    })
    expect(other.status).toBe(201)
    await page.getByLabel("Full name").fill("Slow Buyer")
    await page.getByLabel("Email").fill("slow@example.org")
    await page.getByRole("button", { name: "Place order" }).click()
    await page.getByRole("alert").filter({ hasText: "Workshop no longer has enough seats: 1 left." }).waitFor()
    await expect(page.locator("sratix-checkout").getByRole("heading", { name: "Tickets" }).isVisible()).resolves.toBe(
      true,
    )
    const problem = (await recordedEvents(page)).filter((e) => e.type === "sratix-error").at(-1)?.detail.problem
    expect(problem.type).toBe("https://sratix.org/problems/sold-out")
    await page.close()
  })

  it("follows the visitor's colour scheme when the theme is auto", async () => {
    const page = await open()
    const background = () =>
      page.locator("sratix-checkout [part~='base']").evaluate((e) => getComputedStyle(e).backgroundColor)
    await page.emulateMedia({ colorScheme: "light" })
    await expect.poll(background).toBe("rgb(255, 255, 255)")
    await page.emulateMedia({ colorScheme: "dark" })
    await expect.poll(background).toBe("rgb(22, 24, 28)")
    await page.close()
  })
})

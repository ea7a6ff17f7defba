import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { fillAcademicAttendee, seedForm } from "./support/Forms.js"
import {
  hostPage,
  placeOrderAs,
  type Shop,
  type Stack,
  screenshot,
  seedShop,
  seriousViolations,
  startStack,
  ticketsReady,
} from "./support/Harness.js"
import { registrationForm } from "./support/RegistrationForm.js"

/**
 * Every view of the widgets, in both themes: axe-core (in Chromium, through the shadow roots) must
 * find no serious or critical violation, and each view is saved as a screenshot under
 * test-artifacts/widgets/ for review.
 */
describe.each(["light", "dark"] as const)("widget views in the %s theme", (theme) => {
  let stack: Stack
  let shop: Shop
  beforeAll(async () => {
    stack = await startStack()
    shop = await seedShop(stack.server)
    await seedForm(stack.server, shop)
  })
  afterAll(() => stack?.stop())

  const open = async (eventId: string): Promise<Page> => {
    const page = await stack.browser.newPage()
    await page.emulateMedia({ colorScheme: theme })
    await page.goto(
      stack.host.page(
        `/a11y-${theme}-${Math.random().toString(36).slice(2)}`,
        hostPage(stack.server.url, {
          attributes: { "event-id": eventId, theme },
          css: theme === "dark" ? "body { background: #000; color: #eee }" : "",
        }),
      ),
    )
    return page
  }

  /** The paid ticket's attendee, complete, on the attendees step. */
  const fillAda = async (page: Page) => {
    const form = page.locator("sratix-form").first()
    await form.getByLabel("Full name").fill("Ada Lovelace")
    await form.getByLabel("Attendee email").fill("ada@example.org")
    await form.getByLabel("Industry").check()
    await form.getByLabel("Company").fill("Analytical Engines Ltd")
    await form.getByLabel("I accept the terms of participation").check()
  }

  const check = async (page: Page, view: string) => {
    await screenshot(page, `checkout-${view}-${theme}`, "sratix-checkout")
    expect(await seriousViolations(page), `${view} (${theme})`).toEqual([])
  }

  it("tickets, attendees with errors, details with errors, payment", async () => {
    const page = await open(shop.eventId)
    await ticketsReady(page)
    await check(page, "tickets")

    await page.getByRole("button", { name: "One more Full day" }).click()
    await page.getByRole("button", { name: "Continue" }).click()
    await page.getByRole("heading", { name: "Attendees" }).waitFor()
    await check(page, "attendees")
    await page.getByRole("button", { name: "Continue" }).click()
    await page.getByRole("alert").filter({ hasText: "Please correct" }).waitFor()
    await check(page, "attendees-errors")

    await fillAda(page)
    await page.getByRole("button", { name: "Continue" }).click()
    await page.getByRole("heading", { name: "Your details" }).waitFor()
    await page.getByLabel("Email").fill("nope")
    await page.getByLabel("Email").blur()
    await check(page, "details-errors")

    await placeOrderAs(page, { name: "Ada Lovelace", email: "ada@example.org" }, "Payment")
    await page.getByRole("group", { name: "How would you like to pay?" }).waitFor()
    await check(page, "payment")

    // Cancelled on Stripe's page, back on the shop: the retry view.
    const shopUrl = page.url()
    await page.getByRole("button", { name: "Pay by card" }).click()
    await page.waitForURL(/\/pay\/cs_test_/)
    await page.getByRole("link", { name: "Cancel" }).click()
    await page.locator("sratix-checkout [data-payment-state='retry']").waitFor()
    await check(page, "payment-cancelled")
    // Back as after paying, before Stripe's webhook has arrived: the processing view.
    await page.goto(page.url().replace("sratix_payment=cancelled", "sratix_payment=return"))
    await page.locator("sratix-checkout [data-payment-state='processing']").waitFor()
    await check(page, "payment-processing")
    expect(page.url().startsWith(shopUrl)).toBe(true)
    await page.close()
  })

  // Needs the "invoice" provider in Payments.start (core), built separately: fails until it is merged.
  it("bank transfer details with the invoice to download", async () => {
    const page = await open(shop.eventId)
    await ticketsReady(page)
    await page.getByRole("button", { name: "One more Full day" }).click()
    await page.getByRole("button", { name: "Continue" }).click()
    await fillAda(page)
    await page.getByRole("button", { name: "Continue" }).click()
    await placeOrderAs(page, { name: "Ada Lovelace", email: "ada@example.org" }, "Payment")
    await page.getByRole("button", { name: "Pay by bank transfer (invoice)" }).click()
    await page.locator("sratix-checkout [data-payment-state='bank_transfer']").waitFor({ timeout: 10_000 })
    await check(page, "payment-bank-transfer")
    await page.close()
  })

  it("confirmation of a free order", async () => {
    const page = await open(shop.eventId)
    await ticketsReady(page)
    await page.getByRole("button", { name: "One more Student" }).click()
    await page.getByRole("button", { name: "Continue" }).click()
    await fillAcademicAttendee(page.locator("sratix-form").first(), {
      name: "Alan Turing",
      email: "alan@example.org",
      studentId: "ZH1234",
    })
    await page.getByRole("button", { name: "Continue" }).click()
    await placeOrderAs(page, { name: "Alan Turing", email: "alan@example.org" }, "Confirmation")
    await check(page, "confirmation")
    await page.close()
  })

  it("<sratix-form> on its own, every message shown", async () => {
    const page = await stack.browser.newPage()
    await page.emulateMedia({ colorScheme: theme })
    await page.goto(
      stack.host.page(
        `/a11y-form-${theme}`,
        hostPage(stack.server.url, {
          element: "sratix-form",
          attributes: { "ticket-type-id": shop.freeTypeId, theme },
          css: theme === "dark" ? "body { background: #000; color: #eee }" : "",
        }),
      ),
    )
    await page.evaluate(async (definition) => {
      await customElements.whenDefined("sratix-form")
      const form = document.querySelector("sratix-form") as HTMLElement & {
        definition: unknown
        reportValidity(): boolean
        updateComplete: Promise<boolean>
      }
      form.definition = definition
      await form.updateComplete
      form.reportValidity()
    }, registrationForm(shop.freeTypeId))
    await page.locator("sratix-form #e-full_name").filter({ hasText: /./ }).waitFor()
    await screenshot(page, `form-errors-${theme}`, "sratix-form")
    expect(await seriousViolations(page), `form (${theme})`).toEqual([])
    await page.close()
  })

  it("loading", async () => {
    const page = await stack.browser.newPage()
    await page.emulateMedia({ colorScheme: theme })
    // Hold the event request back so the loading view stays on screen long enough to look at.
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    await page.route(`**/api/v1/public/events/${shop.eventId}`, async (route) => {
      await held
      await route.continue()
    })
    await page.goto(
      stack.host.page(
        `/a11y-loading-${theme}`,
        hostPage(stack.server.url, { attributes: { "event-id": shop.eventId, theme } }),
      ),
    )
    await page.locator("sratix-checkout").getByText("Loading tickets…").waitFor()
    await check(page, "loading")
    release()
    await ticketsReady(page)
    await page.close()
  })

  it("loading failure", async () => {
    const page = await open("00000000-0000-4000-8000-000000000000")
    await page.getByText("Tickets cannot be loaded right now.").waitFor()
    await check(page, "unavailable")
    await page.close()
  })
})

import { allFields, validateField } from "@sratix/core/forms"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { api } from "../../server/test/support/TestServer.js"
import { expectEachInvalidInputRefused } from "./support/FieldBehaviour.js"
import { fillAcademicAttendee, PNG, seedForm, withTshirtSize } from "./support/Forms.js"
import {
  hostPage,
  recordEvents,
  recordedEvents,
  type Shop,
  type Stack,
  screenshot,
  seedShop,
  startStack,
  ticketsReady,
} from "./support/Harness.js"
import { registrationForm } from "./support/RegistrationForm.js"

/**
 * Issue 3's acceptance, end to end in Chromium against the running server: choose tickets, fill the
 * forms whose fields appear and disappear by condition, see each invalid input refused with its
 * message, switch language, complete a free order; the stored submissions carry the schema version
 * and the consents with their time. Then a new form version goes live mid-sale: the widget shows it,
 * and the earlier submissions stay tied to the version their attendees saw.
 */
describe("acceptance: a free registration through <sratix-checkout>", () => {
  let stack: Stack
  let shop: Shop
  let volunteerTypeId: string
  beforeAll(async () => {
    stack = await startStack()
    shop = await seedShop(stack.server)
    const volunteer = await api(stack.server, "POST", `/events/${shop.eventId}/ticket-types`, {
      token: shop.token,
      body: { name: "Volunteer", priceMinor: 0, capacity: 20, sortOrder: 0 },
    })
    volunteerTypeId = volunteer.body.id
  })
  afterAll(() => stack?.stop())

  it("registers two attendees on form version 1, then shows version 2 once it is active", async () => {
    const { version, definition } = await seedForm(stack.server, shop)
    const page = await stack.browser.newPage()
    await recordEvents(page)
    const url = stack.host.page("/register", hostPage(stack.server.url, { attributes: { "event-id": shop.eventId } }))
    await page.goto(url)
    await ticketsReady(page)

    // Tickets: one volunteer, one student.
    await page.getByRole("button", { name: "One more Volunteer" }).click()
    await page.getByRole("button", { name: "One more Student" }).click()
    await page.getByRole("button", { name: "Continue" }).click()
    await page.getByRole("heading", { name: "Attendees" }).waitFor()
    const forms = page.locator("sratix-form")
    await expect(forms.count()).resolves.toBe(2)
    const volunteer = forms.nth(0)
    const student = forms.nth(1)
    await expect(page.getByText("Attendee 1 of 2: Volunteer").isVisible()).resolves.toBe(true)

    // Fields by condition: on the ticket type…
    await expect(student.locator("[data-field='student_id']").count()).resolves.toBe(1)
    await expect(volunteer.locator("[data-field='student_id']").count()).resolves.toBe(0)
    // …and on other answers, appearing and disappearing.
    await expect(volunteer.locator("[data-field='company']").count()).resolves.toBe(0)
    await volunteer.getByLabel("Industry").check()
    await expect(volunteer.locator("[data-field='company']").count()).resolves.toBe(1)
    await volunteer.getByLabel("Academia").check()
    await expect(volunteer.locator("[data-field='company']").count()).resolves.toBe(0)
    await student.getByLabel("Other", { exact: true }).check()
    await expect(student.locator("[data-field='dietary_other']").count()).resolves.toBe(1)
    await student.getByLabel("Other", { exact: true }).uncheck()
    await expect(student.locator("[data-field='dietary_other']").count()).resolves.toBe(0)

    // Each invalid input is refused with the validator's own message.
    expect(await expectEachInvalidInputRefused(student, definition, "en")).toBe(7)
    await page.getByRole("button", { name: "Continue" }).click()
    await expect(page.getByRole("alert").filter({ hasText: "Please correct" }).isVisible()).resolves.toBe(true)
    const consent = allFields(definition).find((f) => f.id === "consent_terms")!
    await expect(volunteer.locator("#e-consent_terms").textContent()).resolves.toBe(
      validateField(consent, false, "en")!.message,
    )
    await screenshot(page, "acceptance-attendees-errors")

    // Switch language: labels and messages follow.
    await page.getByLabel("Language").selectOption("de")
    await expect(volunteer.locator("#e-consent_terms").textContent()).resolves.toBe(
      validateField(consent, false, "de")!.message,
    )
    await expect(page.getByRole("heading", { name: "Teilnehmende" }).isVisible()).resolves.toBe(true)

    await volunteer.getByLabel("Vollständiger Name").fill("Ada Lovelace")
    await volunteer.getByLabel("E-Mail der Person").fill("ada@example.org")
    await volunteer.getByLabel("Industrie").check()
    await volunteer.getByLabel("Firma").fill("Analytical Engines AG")
    await volunteer.getByLabel("Vegetarisch").check()
    await volunteer
      .getByLabel("Foto für den Badge")
      .setInputFiles({ name: "ada.png", mimeType: "image/png", buffer: PNG })
    await volunteer.getByText("Hochgeladen: ada.png").waitFor()
    await volunteer.getByLabel("Ich akzeptiere die Teilnahmebedingungen").check()
    await volunteer.getByLabel("Senden Sie mir Neuigkeiten zu künftigen Anlässen").check()

    await student.getByLabel("Vollständiger Name").fill("Alan Turing")
    await student.getByLabel("E-Mail der Person").fill("alan@example.org")
    await student.getByLabel("Hochschule").check()
    await student.getByLabel("Legi-Nummer").fill("ZH1234")
    await student.getByLabel("Kanton").selectOption("ZH")
    await student.getByLabel("Ich akzeptiere die Teilnahmebedingungen").check()
    await page.getByRole("button", { name: "Weiter" }).click()

    await page.getByRole("heading", { name: "Ihre Angaben" }).waitFor()
    await page.getByLabel("Vollständiger Name").fill("Ada Lovelace")
    await page.getByLabel("E-Mail").fill("ada@example.org")
    const before = Date.now()
    await page.getByRole("button", { name: "Bestellen" }).click()
    await page.getByRole("heading", { name: "Bestätigung" }).waitFor()
    await screenshot(page, "acceptance-confirmation-de")
    const orderId = (await page.locator("sratix-checkout [data-order-id]").textContent()) ?? ""
    const types = (await recordedEvents(page)).map((e) => e.type)
    expect(types).toContain("sratix-order-created")
    expect(types).toContain("sratix-paid")

    // What the server stored: one submission per attendee, tied to version 1, consents with time.
    const stored = await api(stack.server, "GET", `/events/${shop.eventId}/submissions?orderId=${orderId}`, {
      token: shop.token,
    })
    expect(stored.status).toBe(200)
    const submissions = [...stored.body.items].sort((a: any, b: any) => a.attendeeIndex - b.attendeeIndex)
    expect(submissions).toHaveLength(2)
    for (const s of submissions) {
      expect(s.schemaVersion).toBe(version)
      expect(s.orderId).toBe(orderId)
      expect(s.locale).toBe("de")
    }
    expect(submissions[0]).toMatchObject({
      ticketTypeId: volunteerTypeId,
      email: "ada@example.org",
      fullName: "Ada Lovelace",
      organization: "Analytical Engines AG",
      dietaryFlags: ["vegetarian"],
      answers: { role: "industry", company: "Analytical Engines AG", consent_terms: true, consent_marketing: true },
    })
    expect(submissions[1]).toMatchObject({
      ticketTypeId: shop.freeTypeId,
      fullName: "Alan Turing",
      answers: { role: "academia", student_id: "ZH1234", canton: "ZH", consent_terms: true },
    })
    // The photo went through the upload endpoint; the organiser gets the very bytes back.
    expect(submissions[0].answers.badge_photo).toMatch(/^upl_/)
    const photo = await fetch(
      `${stack.server.url}/api/v1/events/${shop.eventId}/uploads/${submissions[0].answers.badge_photo}`,
      { headers: { authorization: `Bearer ${shop.token}` } },
    )
    expect(photo.status).toBe(200)
    expect(Buffer.from(await photo.arrayBuffer()).equals(PNG)).toBe(true)
    // The hidden company answer the student never saw is not stored.
    expect(submissions[1].answers).not.toHaveProperty("company")
    const decidedAt = (c: { decidedAt: string | number }) => new Date(c.decidedAt).getTime()
    const consents = submissions[0].consents as Array<{
      fieldId: string
      granted: boolean
      decidedAt: string
      purpose: string
      legalBasis: string
    }>
    expect(consents.map((c) => [c.fieldId, c.purpose, c.legalBasis, c.granted]).sort()).toEqual([
      ["consent_marketing", "marketing", "consent", true],
      ["consent_terms", "terms", "contract", true],
    ])
    for (const c of consents) {
      expect(decidedAt(c)).toBeGreaterThanOrEqual(before - 1000)
      expect(decidedAt(c)).toBeLessThanOrEqual(Date.now() + 1000)
    }
    const studentMarketing = (submissions[1].consents as Array<{ fieldId: string; granted: boolean }>).find(
      (c) => c.fieldId === "consent_marketing",
    )
    expect(studentMarketing?.granted ?? false).toBe(false)

    // Mid-sale edit: version 2 adds a field; the widget renders it, version 1's submissions stay as they were.
    const v2 = await seedForm(stack.server, shop, withTshirtSize(registrationForm(shop.freeTypeId)))
    expect(v2.version).toBe(version + 1)
    await page.goto(url)
    await ticketsReady(page)
    await page.getByRole("button", { name: "One more Volunteer" }).click()
    await page.getByRole("button", { name: "Continue" }).click()
    await expect(page.locator("sratix-form").first().getByLabel("T-shirt size").isVisible()).resolves.toBe(true)
    const after = await api(stack.server, "GET", `/events/${shop.eventId}/submissions?orderId=${orderId}`, {
      token: shop.token,
    })
    expect(after.body.items.map((s: any) => s.schemaVersion)).toEqual([version, version])
    await page.close()
  })

  it("shows a form version activated while the visitor was filling in the previous one, before submitting", async () => {
    const page = await stack.browser.newPage()
    const url = stack.host.page("/register-2", hostPage(stack.server.url, { attributes: { "event-id": shop.eventId } }))
    await page.goto(url)
    await ticketsReady(page)
    await page.getByRole("button", { name: "One more Volunteer" }).click()
    await page.getByRole("button", { name: "Continue" }).click()
    const form = page.locator("sratix-form").first()
    await fillAcademicAttendee(form, { name: "Katherine Johnson", email: "katherine@example.org" })
    await page.getByRole("button", { name: "Continue" }).click()
    await page.getByLabel("Full name").fill("Katherine Johnson")
    await page.getByLabel("Email").fill("katherine@example.org")

    // Meanwhile the organiser activates a version with a new required field.
    const latest = await seedForm(
      stack.server,
      shop,
      withTshirtSize(registrationForm(shop.freeTypeId), { required: true, requiredJustification: "Volunteer shirts" }),
    )
    await page.getByRole("button", { name: "Place order" }).click()
    await page.getByText("The organiser has just updated the registration form.").waitFor()
    await expect(page.getByRole("heading", { name: "Attendees" }).isVisible()).resolves.toBe(true)
    // The answers given so far are kept; only the new field is left.
    await expect(form.getByLabel("Full name").inputValue()).resolves.toBe("Katherine Johnson")
    await form.getByLabel("T-shirt size").selectOption("m")
    await page.getByRole("button", { name: "Continue" }).click()
    await page.getByRole("button", { name: "Place order" }).click()
    await page.getByRole("heading", { name: "Confirmation" }).waitFor()
    const orderId = await page.locator("sratix-checkout [data-order-id]").textContent()
    const stored = await api(stack.server, "GET", `/events/${shop.eventId}/submissions?orderId=${orderId}`, {
      token: shop.token,
    })
    expect(stored.body.items).toHaveLength(1)
    expect(stored.body.items[0]).toMatchObject({ schemaVersion: latest.version, answers: { tshirt: "m" } })
    await page.close()
  })
})

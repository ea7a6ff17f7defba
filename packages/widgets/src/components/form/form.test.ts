import { type Answers, type FormDefinition, validateField, validateFile } from "@sratix/core/forms"
import type { Locator, Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { expectEachInvalidInputRefused } from "../../../test/support/FieldBehaviour.js"
import { PNG, seedForm } from "../../../test/support/Forms.js"
import { hostPage, type Stack, seedShop, startStack } from "../../../test/support/Harness.js"
import { registrationForm } from "../../../test/support/RegistrationForm.js"
import type { SratixEventDetails } from "../../events.js"

const STUDENT = "tt-student"
const definition: FormDefinition = registrationForm(STUDENT)

describe("<sratix-form> on its own", () => {
  let stack: Stack
  beforeAll(async () => {
    stack = await startStack()
  })
  afterAll(() => stack?.stop())

  const open = async (
    attributes: Record<string, string> = {},
    schema: FormDefinition = definition,
  ): Promise<{ page: Page; form: Locator }> => {
    const page = await stack.browser.newPage()
    const url = stack.host.page(
      `/form-${Math.random().toString(36).slice(2)}`,
      hostPage(stack.server.url, {
        element: "sratix-form",
        attributes: { "ticket-type-id": STUDENT, locale: "en", theme: "light", ...attributes },
      }),
    )
    await page.goto(url)
    await page.evaluate(async (definition) => {
      await customElements.whenDefined("sratix-form")
      const form = document.querySelector("sratix-form") as HTMLElement & { definition: unknown }
      const seen: unknown[] = []
      ;(window as unknown as { formEvents: unknown[] }).formEvents = seen
      form.addEventListener("sratix-form-change", (e) =>
        seen.push(JSON.parse(JSON.stringify((e as CustomEvent).detail))),
      )
      form.definition = definition
    }, schema)
    const form = page.locator("sratix-form")
    await form.locator("[data-field='full_name']").waitFor()
    return { page, form }
  }

  const visible = (form: Locator, id: string) =>
    form
      .locator(`[data-field="${id}"]`)
      .count()
      .then((n) => n > 0)

  it("shows and hides fields by condition: on another answer, on the ticket type, on a multi-select", async () => {
    const { page, form } = await open()
    expect(await visible(form, "company")).toBe(false)
    await form.getByLabel("Industry").check()
    expect(await visible(form, "company")).toBe(true)
    await form.getByLabel("Company").fill("ABB")
    await form.getByLabel("Academia").check()
    expect(await visible(form, "company")).toBe(false)
    // What leaves the form is what the person sees: the hidden company answer is not in `value`.
    const value = await page.evaluate(
      () => (document.querySelector("sratix-form") as unknown as { value: Answers }).value,
    )
    expect(value).toEqual({ role: "academia" })

    expect(await visible(form, "student_id")).toBe(true)
    await page.evaluate(() => document.querySelector("sratix-form")!.setAttribute("ticket-type-id", "tt-other"))
    await expect.poll(() => visible(form, "student_id")).toBe(false)

    expect(await visible(form, "dietary_other")).toBe(false)
    await form.getByLabel("Other", { exact: true }).check()
    expect(await visible(form, "dietary_other")).toBe(true)
    await form.getByLabel("Other", { exact: true }).uncheck()
    expect(await visible(form, "dietary_other")).toBe(false)
    await page.close()
  })

  it("refuses each invalid input with the shared validator's message, in every language", async () => {
    const { page, form } = await open()
    for (const locale of ["en", "de", "fr", "it"] as const) {
      await page.evaluate((l) => document.querySelector("sratix-form")!.setAttribute("locale", l), locale)
      const checked = await expectEachInvalidInputRefused(form, definition, locale)
      expect(checked).toBe(7)
    }
    // Too many choices in a multi-select (the form is in Italian by now).
    for (const option of ["Vegetariano", "Vegan", "Altro"]) await form.getByLabel(option, { exact: true }).check()
    const expected = validateField(
      definition.fields.find((f) => f.id === "dietary")!,
      ["vegetarian", "vegan", "other"],
      "it",
    )
    await expect(form.locator("#e-dietary").textContent()).resolves.toBe(expected?.message)
    await page.close()
  })

  it("reports every problem at once, including a missing consent, and focuses the first", async () => {
    const { page, form } = await open({ locale: "fr" })
    const valid = await page.evaluate(() =>
      (document.querySelector("sratix-form") as unknown as { reportValidity(): boolean }).reportValidity(),
    )
    expect(valid).toBe(false)
    const consent = definition.fields.find((f) => f.id === "consent_terms")!
    await expect(form.locator("#e-consent_terms").textContent()).resolves.toBe(
      validateField(consent, false, "fr")?.message,
    )
    await expect(form.locator("#e-full_name").textContent()).resolves.toBe(
      validateField(definition.fields[0]!, undefined, "fr")?.message,
    )
    await expect(
      page.evaluate(() => document.querySelector("sratix-form")!.shadowRoot!.activeElement?.getAttribute("data-field")),
    ).resolves.toBe("full_name")
    // The optional marketing consent may stay unticked.
    await expect(form.locator("#e-consent_marketing").textContent()).resolves.toBe("")
    await page.close()
  })

  it("emits sratix-form-change on input with the answers and whether they are valid", async () => {
    const { page, form } = await open()
    await form.getByLabel("Full name").fill("Ada Lovelace")
    await form.getByLabel("Attendee email").fill("ada@example.org")
    await form.getByLabel("Academia").check()
    await form.getByLabel("Student card number").fill("ZH1234")
    await form.getByLabel("I accept the terms of participation").check()
    const events = await page.evaluate(
      () => (window as unknown as { formEvents: Array<SratixEventDetails["sratix-form-change"]> }).formEvents,
    )
    const last = events.at(-1)!
    expect(last.valid).toBe(true)
    expect(last.errors).toEqual([])
    expect(last.answers).toEqual({
      full_name: "Ada Lovelace",
      email: "ada@example.org",
      role: "academia",
      student_id: "ZH1234",
      consent_terms: true,
    })
    expect(events[0]?.valid).toBe(false)
    await page.close()
  })

  it("uploads a file field's file through the API and refuses a wrong type or size before sending", async () => {
    const shop = await seedShop(stack.server)
    const { definition } = await seedForm(stack.server, shop)
    const { page, form } = await open(
      { "event-id": shop.eventId, "api-base": stack.server.url, locale: "en" },
      definition,
    )
    const photo = form.locator("[data-field='badge_photo']")
    const field = definition.fields.find((f) => f.id === "badge_photo")!

    await photo.setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") })
    await expect(form.locator("#e-badge_photo").textContent()).resolves.toBe(
      validateFile(field, { type: "text/plain", size: 5 }, "en")?.message,
    )
    await photo.setInputFiles({
      name: "huge.png",
      mimeType: "image/png",
      buffer: Buffer.concat([PNG, Buffer.alloc(4096)]),
    })
    await expect(form.locator("#e-badge_photo").textContent()).resolves.toBe(
      validateFile(field, { type: "image/png", size: PNG.length + 4096 }, "en")?.message,
    )

    await photo.setInputFiles({ name: "ada.png", mimeType: "image/png", buffer: PNG })
    await form.getByText("Uploaded: ada.png").waitFor()
    await expect(form.locator("#e-badge_photo").textContent()).resolves.toBe("")
    const value = await page.evaluate(
      () => (document.querySelector("sratix-form") as unknown as { value: Answers }).value,
    )
    expect(value.badge_photo).toMatch(/^upl_/)
    await page.close()
  })
})

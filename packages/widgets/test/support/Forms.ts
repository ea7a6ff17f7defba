import type { FormDefinition, FormField } from "@sratix/core/forms"
import type { Locator } from "playwright-core"
import { api, type TestServer } from "../../../server/test/support/TestServer.js"
import type { Shop } from "./Harness.js"
import { registrationForm } from "./RegistrationForm.js"

/** Saves the test registration form as the event's next version and activates it, through the API. */
export const seedForm = async (
  server: TestServer,
  shop: Shop,
  definition: FormDefinition = registrationForm(shop.freeTypeId),
): Promise<{ readonly version: number; readonly definition: FormDefinition }> => {
  const created = await api(server, "POST", `/events/${shop.eventId}/forms`, { token: shop.token, body: definition })
  if (created.status !== 201) throw new Error(`form create: ${created.status} ${JSON.stringify(created.body)}`)
  const version = created.body.version as number
  const activated = await api(server, "POST", `/events/${shop.eventId}/forms/${version}/activate`, {
    token: shop.token,
  })
  if (activated.status !== 200) throw new Error(`form activate: ${activated.status} ${JSON.stringify(activated.body)}`)
  return { version, definition }
}

/** A 1×1 PNG: real image bytes, since the server checks a file's signature, not only its declared type. */
export const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
)

/** The test form plus a T-shirt size select: the "next version" an organiser activates mid-sale. */
export const withTshirtSize = (base: FormDefinition, extra: Partial<FormField> = {}): FormDefinition => ({
  ...base,
  fields: [
    ...base.fields,
    {
      id: "tshirt",
      type: "select",
      label: { en: "T-shirt size" },
      section: "logistics",
      order: 9,
      options: [{ value: "m", label: { en: "M" } }],
      ...extra,
    },
  ],
})

/** Fills the required answers of the test form (English labels) for an attendee from academia. */
export const fillAcademicAttendee = async (
  form: Locator,
  person: { readonly name: string; readonly email: string; readonly studentId?: string },
) => {
  await form.getByLabel("Full name").fill(person.name)
  await form.getByLabel("Attendee email").fill(person.email)
  await form.getByLabel("Academia").check()
  if (person.studentId) await form.getByLabel("Student card number").fill(person.studentId)
  await form.getByLabel("I accept the terms of participation").check()
}

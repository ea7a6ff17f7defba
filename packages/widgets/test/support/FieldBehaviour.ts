import { allFields, type FormDefinition, type FormLocale, validateField } from "@sratix/core/forms"
import type { Locator } from "playwright-core"
import { expect } from "vitest"

/** One wrong answer: how a person gives it, and the value the form then holds. */
export interface InvalidInput {
  readonly field: string
  readonly give: (control: Locator) => Promise<void>
  readonly value: unknown
  readonly clear: (control: Locator) => Promise<void>
}

const type = (text: string) => async (control: Locator) => {
  await control.fill(text)
  await control.blur()
}
const empty = async (control: Locator) => {
  await control.fill("")
}

/** The wrong answers of the test form (support/RegistrationForm.ts), one per kind of rule. */
export const INVALID_INPUTS: ReadonlyArray<InvalidInput> = [
  { field: "full_name", give: type("A"), value: "A", clear: empty },
  { field: "email", give: type("ada@"), value: "ada@", clear: empty },
  { field: "age", give: type("12"), value: 12, clear: empty },
  { field: "age", give: type("16.5"), value: 16.5, clear: empty },
  { field: "student_id", give: type("zh12"), value: "zh12", clear: empty },
  { field: "arrival", give: type("2027-10-01"), value: "2027-10-01", clear: empty },
  { field: "emergency_phone", give: type("call me"), value: "call me", clear: empty },
]

/**
 * Gives each wrong answer to a rendered `<sratix-form>` and expects exactly the message the shared
 * validator (the server's) produces for that value in `locale`; then takes the answer back.
 */
export const expectEachInvalidInputRefused = async (
  form: Locator,
  definition: FormDefinition,
  locale: FormLocale,
): Promise<number> => {
  const fields = new Map(allFields(definition).map((f) => [f.id, f]))
  let checked = 0
  for (const input of INVALID_INPUTS) {
    const control = form.locator(`[data-field="${input.field}"]`)
    if ((await control.count()) === 0) continue
    const field = fields.get(input.field)!
    const expected = validateField(field, input.value, locale)
    expect(expected, `${input.field} = ${JSON.stringify(input.value)} must be invalid`).not.toBeNull()
    await input.give(control)
    await expect.poll(() => form.locator(`#e-${input.field}`).textContent(), { timeout: 5000 }).toBe(expected!.message)
    await expect(control.getAttribute("aria-invalid")).resolves.toBe("true")
    await input.clear(control)
    checked++
  }
  return checked
}

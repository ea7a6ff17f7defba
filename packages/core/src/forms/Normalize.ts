import { type Answers, allFields, type FormDefinition, type FormField, type NormalizedKind } from "./Definition.js"

export interface NormalizedFields {
  readonly email: string | null
  readonly firstName: string | null
  readonly lastName: string | null
  readonly fullName: string | null
  readonly organization: string | null
  readonly phone: string | null
  readonly dietaryFlags: ReadonlyArray<string>
}

export interface ConsentDecision {
  readonly fieldId: string
  readonly purpose: string
  readonly legalBasis: string
  readonly granted: boolean
}

const text = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? value.trim() : null)

/**
 * The answers that go into indexed columns, so organisers can search and export without reading
 * every form version. Fields say what they hold with `normalizeAs`; an email field without it still
 * counts as the attendee's email when it is the only one.
 */
export const normalizeAnswers = (
  definition: FormDefinition,
  answers: Answers,
  visible: ReadonlySet<string>,
): NormalizedFields => {
  const fields = allFields(definition).filter((f) => visible.has(f.id))
  const first = (kind: NormalizedKind) => {
    const field = fields.find((f) => f.normalizeAs === kind)
    return field ? text(answers[field.id]) : null
  }
  const emailFields = fields.filter((f) => f.type === "email")
  const email = first("email") ?? (emailFields.length === 1 ? text(answers[emailFields[0]!.id]) : null)
  const firstName = first("first_name")
  const lastName = first("last_name")
  const fullName = first("full_name") ?? ([firstName, lastName].filter(Boolean).join(" ") || null)
  const dietaryFlags = fields
    .filter((f) => f.normalizeAs === "dietary")
    .flatMap((f) => {
      const value = answers[f.id]
      return Array.isArray(value) ? value.map(String) : typeof value === "string" && value !== "" ? [value] : []
    })
  return {
    email: email?.toLowerCase() ?? null,
    firstName,
    lastName,
    fullName,
    organization: first("organization"),
    phone: first("phone"),
    dietaryFlags: [...new Set(dietaryFlags)],
  }
}

/** Every consent the person was shown, with their decision: not ticking is recorded as declining. */
export const consentDecisions = (
  definition: FormDefinition,
  answers: Answers,
  visible: ReadonlySet<string>,
): ReadonlyArray<ConsentDecision> =>
  allFields(definition)
    .filter((f): f is FormField & { consentPurpose: string } => f.type === "consent" && visible.has(f.id))
    .map((f) => ({
      fieldId: f.id,
      purpose: f.consentPurpose,
      legalBasis: f.legalBasis ?? "consent",
      granted: answers[f.id] === true,
    }))

import {
  type Answers,
  allFields,
  type FieldError,
  type FormDefinition,
  type FormField,
  type FormLocale,
} from "./Definition.js"
import { type ErrorCode, errorMessage, formatBytes } from "./Messages.js"
import { isCantonCode, isCountryCode } from "./Places.js"
import { isEmptyAnswer, visibleFieldIds } from "./Visibility.js"

/** Caps that hold even when a schema declares none, so no answer can grow without bound. */
export const DEFAULT_MAX_LENGTH = { text: 500, textarea: 5000 } as const
export const DEFAULT_FILE_TYPES: ReadonlyArray<string> = ["image/jpeg", "image/png", "image/webp", "application/pdf"]
export const DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024
export const UPLOAD_ID_PATTERN = /^upl_[A-Za-z0-9_-]{16,64}$/

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u
const PHONE = /^\+?[0-9 ()./-]{6,25}$/
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

const isCalendarDate = (value: string): boolean => {
  const match = ISO_DATE.exec(value)
  if (!match) return false
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(y, m - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d
}

const displayDate = (iso: string, locale: FormLocale): string =>
  isCalendarDate(iso)
    ? new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${iso}T00:00:00Z`))
    : iso

const displayNumber = (n: number, locale: FormLocale) => new Intl.NumberFormat(locale).format(n)

const compiledPatterns = new Map<string, RegExp | null>()
const wholeMatch = (pattern: string): RegExp | null => {
  if (!compiledPatterns.has(pattern)) {
    try {
      compiledPatterns.set(pattern, new RegExp(`^(?:${pattern})$`, "u"))
    } catch {
      compiledPatterns.set(pattern, null)
    }
  }
  return compiledPatterns.get(pattern) ?? null
}

const optionValues = (field: FormField) => new Set((field.options ?? []).map((o) => o.value))

/** Length as people count it: code points, so an emoji or an accented letter is one character. */
const textLength = (value: string) => [...value].length

/**
 * One field's answer, as the widget checks it on blur and the server checks it on submit. Returns the
 * first problem only: a person fixes one thing at a time.
 */
export const validateField = (field: FormField, value: unknown, locale: FormLocale): FieldError | null => {
  const fail = (code: ErrorCode, limit?: string | number): FieldError => ({
    field: field.id,
    code,
    message: errorMessage(code, locale, limit),
  })
  const rules = field.validation ?? {}
  const ticked = field.type === "checkbox" || field.type === "consent"
  if (isEmptyAnswer(value) || (ticked && value === false)) {
    if (!field.required) return null
    return field.type === "consent" ? fail("consent_required") : fail("required")
  }
  switch (field.type) {
    case "group":
      return fail("invalid_type")
    case "checkbox":
    case "consent":
      return typeof value === "boolean" ? null : fail("invalid_type")
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return fail("not_a_number")
      if (rules.integer && !Number.isInteger(value)) return fail("not_an_integer")
      if (typeof rules.min === "number" && value < rules.min) return fail("too_small", displayNumber(rules.min, locale))
      if (typeof rules.max === "number" && value > rules.max) return fail("too_large", displayNumber(rules.max, locale))
      return null
    }
    case "multi-select": {
      if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) return fail("invalid_type")
      const allowed = optionValues(field)
      if (new Set(value).size !== value.length || !value.every((v) => allowed.has(v))) return fail("invalid_option")
      if (rules.minItems !== undefined && value.length < rules.minItems) return fail("too_few", rules.minItems)
      if (rules.maxItems !== undefined && value.length > rules.maxItems) return fail("too_many", rules.maxItems)
      return null
    }
    default:
      break
  }
  if (typeof value !== "string") return fail("invalid_type")
  switch (field.type) {
    case "select":
    case "radio":
      return optionValues(field).has(value) ? null : fail("invalid_option")
    case "country":
      return isCountryCode(value) ? null : fail("invalid_country")
    case "canton":
      return isCantonCode(value) ? null : fail("invalid_canton")
    case "file":
      return UPLOAD_ID_PATTERN.test(value) ? null : fail("invalid_file")
    case "date": {
      if (!isCalendarDate(value)) return fail("invalid_date")
      if (typeof rules.min === "string" && value < rules.min)
        return fail("date_too_early", displayDate(rules.min, locale))
      if (typeof rules.max === "string" && value > rules.max)
        return fail("date_too_late", displayDate(rules.max, locale))
      return null
    }
    default:
      break
  }
  // Free text: text, textarea, email, phone.
  const length = textLength(value)
  const maxLength =
    rules.maxLength ?? (field.type === "textarea" ? DEFAULT_MAX_LENGTH.textarea : DEFAULT_MAX_LENGTH.text)
  if (rules.minLength !== undefined && length < rules.minLength) return fail("too_short", rules.minLength)
  if (length > maxLength) return fail("too_long", maxLength)
  if (field.type === "email" && (length > 254 || !EMAIL.test(value))) return fail("invalid_email")
  if (field.type === "phone") {
    const digits = value.replace(/\D/g, "").length
    if (!PHONE.test(value) || digits < 6 || digits > 15) return fail("invalid_phone")
  }
  if (rules.pattern !== undefined && !wholeMatch(rules.pattern)?.test(value)) return fail("pattern")
  return null
}

/** A chosen file before it is uploaded: the widget checks it; the server checks the stored bytes again. */
export const validateFile = (
  field: FormField,
  file: { readonly type: string; readonly size: number },
  locale: FormLocale,
): FieldError | null => {
  const types = field.validation?.fileTypes ?? DEFAULT_FILE_TYPES
  const maxBytes = field.validation?.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
  if (!types.includes(file.type))
    return { field: field.id, code: "file_type", message: errorMessage("file_type", locale, types.join(", ")) }
  if (file.size > maxBytes)
    return {
      field: field.id,
      code: "file_too_large",
      message: errorMessage("file_too_large", locale, formatBytes(maxBytes)),
    }
  return null
}

/**
 * Every problem with one attendee's answers, in definition order: answers to fields the form does not
 * have or that the attendee cannot see are refused (so nothing unseen is ever stored), then each visible
 * field is checked.
 */
export const validateAnswers = (
  definition: FormDefinition,
  answers: Answers,
  options: { readonly ticketTypeId: string; readonly locale: FormLocale },
): ReadonlyArray<FieldError> => {
  const fields = allFields(definition)
  const byId = new Map(fields.map((f) => [f.id, f]))
  const visible = visibleFieldIds(definition, answers, options.ticketTypeId)
  const errors: Array<FieldError> = []
  for (const [id, value] of Object.entries(answers)) {
    const field = byId.get(id)
    if (field === undefined || field.type === "group")
      errors.push({ field: id, code: "unknown_field", message: errorMessage("unknown_field", options.locale) })
    else if (!visible.has(id) && !isEmptyAnswer(value))
      errors.push({ field: id, code: "hidden_field", message: errorMessage("hidden_field", options.locale) })
  }
  for (const field of fields) {
    if (field.type === "group" || !visible.has(field.id)) continue
    const error = validateField(field, answers[field.id], options.locale)
    if (error) errors.push(error)
  }
  return errors
}

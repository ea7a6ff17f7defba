/**
 * The registration form format (reference document §8). Plain types with no dependencies: this
 * module is part of the browser-safe entry point `@sratix/core/forms`, shared by the server and the
 * widgets so both judge answers by the same rules.
 */

export const FORM_LOCALES = ["en", "de", "fr", "it"] as const
export type FormLocale = (typeof FORM_LOCALES)[number]

/** `en` is mandatory; the others fall back to it. */
export interface LocalizedText {
  readonly en: string
  readonly de?: string
  readonly fr?: string
  readonly it?: string
}

export const FIELD_TYPES = [
  "text",
  "email",
  "phone",
  "select",
  "multi-select",
  "checkbox",
  "radio",
  "textarea",
  "date",
  "file",
  "number",
  "country",
  "canton",
  "consent",
  "group",
] as const
export type FieldType = (typeof FIELD_TYPES)[number]

export interface FieldOption {
  readonly value: string
  readonly label: LocalizedText
}

export interface FieldValidation {
  readonly minLength?: number
  readonly maxLength?: number
  /** A regular expression source (Unicode mode) the whole answer must match. */
  readonly pattern?: string
  /** Numbers for number fields; ISO dates (`YYYY-MM-DD`) for date fields. */
  readonly min?: number | string
  readonly max?: number | string
  readonly integer?: boolean
  readonly minItems?: number
  readonly maxItems?: number
  /** Accepted MIME types of a file field, e.g. `image/jpeg`. */
  readonly fileTypes?: ReadonlyArray<string>
  readonly maxFileBytes?: number
}

export const CONDITION_OPERATORS = ["eq", "neq", "in", "not_in", "gt", "lt", "exists"] as const
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number]

/** The pseudo-field a condition uses to test the attendee's ticket type (by ticket type id). */
export const TICKET_TYPE_FIELD = "ticket_type"

export interface FieldCondition {
  /** Another field's id, or `ticket_type`. */
  readonly field: string
  readonly operator: ConditionOperator
  readonly value?: unknown
}

export const NORMALIZED_KINDS = [
  "email",
  "first_name",
  "last_name",
  "full_name",
  "organization",
  "phone",
  "dietary",
] as const
export type NormalizedKind = (typeof NORMALIZED_KINDS)[number]

export const LEGAL_BASES = [
  "consent",
  "contract",
  "legal_obligation",
  "vital_interests",
  "public_task",
  "legitimate_interests",
] as const
export type LegalBasis = (typeof LEGAL_BASES)[number]

export interface FormField {
  readonly id: string
  readonly type: FieldType
  readonly label: LocalizedText
  readonly help?: LocalizedText
  readonly placeholder?: LocalizedText
  readonly required?: boolean
  /** Why the organiser needs this answer (data minimisation); mandatory on required fields. */
  readonly requiredJustification?: string
  readonly validation?: FieldValidation
  readonly options?: ReadonlyArray<FieldOption>
  readonly section?: string
  readonly order?: number
  /** The field is shown only when every condition holds. */
  readonly conditions?: ReadonlyArray<FieldCondition>
  /** What a consent field's answer allows, e.g. `marketing`; mandatory on consent fields. */
  readonly consentPurpose?: string
  readonly legalBasis?: LegalBasis
  /** The children of a `group`. */
  readonly fields?: ReadonlyArray<FormField>
  /** Copies the answer into an indexed column of the submission for search and export. */
  readonly normalizeAs?: NormalizedKind
}

export interface FormSection {
  readonly id: string
  readonly label: LocalizedText
  readonly order: number
}

export interface FormDefinition {
  readonly name: string
  readonly fields: ReadonlyArray<FormField>
  readonly sections: ReadonlyArray<FormSection>
  /**
   * Ticket type id → field ids. A field named under any ticket type is shown only to attendees of the
   * ticket types that name it; fields named nowhere are shown to everyone.
   */
  readonly ticketTypeFieldMappings?: Readonly<Record<string, ReadonlyArray<string>>>
}

export type Answers = Readonly<Record<string, unknown>>

export interface FieldError {
  readonly field: string
  readonly code: string
  readonly message: string
}

/** Every field of a definition, children of groups included, in definition order. */
export const allFields = (definition: Pick<FormDefinition, "fields">): ReadonlyArray<FormField> => {
  const out: Array<FormField> = []
  const walk = (fields: ReadonlyArray<FormField>) => {
    for (const field of fields) {
      out.push(field)
      if (field.fields) walk(field.fields)
    }
  }
  walk(definition.fields)
  return out
}

/** Falls back to English, which every text has. */
export const localize = (text: LocalizedText | undefined, locale: FormLocale): string =>
  text === undefined ? "" : (text[locale] ?? text.en)

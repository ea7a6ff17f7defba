import { Schema } from "effect"
import {
  CONDITION_OPERATORS,
  FIELD_TYPES,
  type FormDefinition,
  type FormField,
  LEGAL_BASES,
  NORMALIZED_KINDS,
} from "../forms/Definition.js"
import { Locale, Timestamp } from "./Common.js"
import { EventId, FormSchemaId, OrderId, OrgId, SubmissionId, TicketTypeId } from "./Ids.js"
import { MAX_PER_ORDER } from "./TicketType.js"

/**
 * The wire shape of the form format in `forms/Definition.ts`. Unknown keys are refused rather than
 * dropped: a misspelt `requird` must not silently make a field optional.
 */
const strict = { parseOptions: { onExcessProperty: "error" } } as const

/** `key?: T` rather than `key?: T | undefined`, as the plain types in forms/Definition.ts say. */
const exact = <S extends Schema.Schema.All>(schema: S) => Schema.optionalWith(schema, { exact: true })

const Text = (max: number) => Schema.String.pipe(Schema.maxLength(max))

export const LocalizedTextSchema = Schema.Struct({
  en: Text(2000).pipe(Schema.minLength(1)),
  de: exact(Text(2000)),
  fr: exact(Text(2000)),
  it: exact(Text(2000)),
}).annotations({ identifier: "LocalizedText", ...strict })

const FieldValidationSchema = Schema.Struct({
  minLength: exact(Schema.NonNegativeInt),
  maxLength: exact(Schema.NonNegativeInt.pipe(Schema.lessThanOrEqualTo(100_000))),
  pattern: exact(Text(500)),
  min: exact(Schema.Union(Schema.Number, Text(10))),
  max: exact(Schema.Union(Schema.Number, Text(10))),
  integer: exact(Schema.Boolean),
  minItems: exact(Schema.NonNegativeInt),
  maxItems: exact(Schema.NonNegativeInt),
  fileTypes: exact(Schema.Array(Text(100)).pipe(Schema.maxItems(20))),
  maxFileBytes: exact(Schema.Int.pipe(Schema.between(1, 20 * 1024 * 1024))),
}).annotations({ identifier: "FieldValidation", ...strict })

const ConditionValue = Schema.Union(
  Schema.String,
  Schema.Number,
  Schema.Boolean,
  Schema.Array(Schema.Union(Schema.String, Schema.Number)).pipe(Schema.maxItems(200)),
)

const FieldConditionSchema = Schema.Struct({
  field: Text(64),
  operator: Schema.Literal(...CONDITION_OPERATORS),
  value: exact(ConditionValue),
}).annotations({ identifier: "FieldCondition", ...strict })

const FieldOptionSchema = Schema.Struct({ value: Text(200), label: LocalizedTextSchema }).annotations({
  identifier: "FieldOption",
  ...strict,
})

export interface FormFieldWire extends Omit<FormField, "fields" | "conditions"> {
  readonly conditions?: ReadonlyArray<typeof FieldConditionSchema.Type>
  readonly fields?: ReadonlyArray<FormFieldWire>
}

export const FormFieldSchema: Schema.Schema<FormFieldWire> = Schema.Struct({
  id: Text(64),
  type: Schema.Literal(...FIELD_TYPES),
  label: LocalizedTextSchema,
  help: exact(LocalizedTextSchema),
  placeholder: exact(LocalizedTextSchema),
  required: exact(Schema.Boolean),
  requiredJustification: exact(Text(500)),
  validation: exact(FieldValidationSchema),
  options: exact(Schema.Array(FieldOptionSchema).pipe(Schema.maxItems(500))),
  section: exact(Text(64)),
  order: exact(Schema.Int),
  conditions: exact(Schema.Array(FieldConditionSchema).pipe(Schema.maxItems(20))),
  consentPurpose: exact(Text(100)),
  legalBasis: exact(Schema.Literal(...LEGAL_BASES)),
  fields: exact(
    Schema.Array(Schema.suspend((): Schema.Schema<FormFieldWire> => FormFieldSchema)).pipe(Schema.maxItems(100)),
  ),
  normalizeAs: exact(Schema.Literal(...NORMALIZED_KINDS)),
}).annotations({ identifier: "FormField", ...strict })

export const FormSectionSchema = Schema.Struct({
  id: Text(64),
  label: LocalizedTextSchema,
  order: Schema.Int,
}).annotations({ identifier: "FormSection", ...strict })

export const FormDefinitionSchema = Schema.Struct({
  name: Text(200).pipe(Schema.minLength(1)),
  fields: Schema.Array(FormFieldSchema).pipe(Schema.maxItems(300)),
  sections: Schema.optionalWith(Schema.Array(FormSectionSchema).pipe(Schema.maxItems(50)), {
    exact: true,
    default: () => [],
  }),
  ticketTypeFieldMappings: exact(
    Schema.Record({ key: Text(64), value: Schema.Array(Text(64)).pipe(Schema.maxItems(300)) }),
  ),
}).annotations({ identifier: "FormDefinition", ...strict })

// The wire schema and the browser module's types must describe the same format.
const _sameFormat: FormDefinition = {} as typeof FormDefinitionSchema.Type
void _sameFormat

export class FormSchemaVersion extends Schema.Class<FormSchemaVersion>("FormSchemaVersion")({
  id: FormSchemaId,
  orgId: OrgId,
  eventId: EventId,
  version: Schema.Int,
  name: Schema.String,
  definition: FormDefinitionSchema,
  active: Schema.Boolean,
  createdAt: Timestamp,
}) {}

/** What a visitor's browser needs to render the event's form. */
export class PublicForm extends Schema.Class<PublicForm>("PublicForm")({
  schemaId: FormSchemaId,
  version: Schema.Int,
  definition: FormDefinitionSchema,
}) {}

export const AnswerValue = Schema.Union(
  Schema.String.pipe(Schema.maxLength(100_000)),
  Schema.Number,
  Schema.Boolean,
  Schema.Null,
  Schema.Array(Schema.String.pipe(Schema.maxLength(200))).pipe(Schema.maxItems(500)),
).annotations({ identifier: "AnswerValue" })

export const FormAnswers = Schema.Record({ key: Text(64), value: AnswerValue }).annotations({
  identifier: "FormAnswers",
})

export const AttendeeInput = Schema.Struct({
  ticketTypeId: TicketTypeId,
  answers: FormAnswers,
}).annotations({ identifier: "AttendeeInput" })
export type AttendeeInput = typeof AttendeeInput.Type

/** One attendee per seat; 20 lines of at most 100 seats bound an order, this bounds its forms. */
export const MAX_ATTENDEES = 20 * MAX_PER_ORDER

export const ConsentRecord = Schema.Struct({
  fieldId: Schema.String,
  purpose: Schema.String,
  legalBasis: Schema.String,
  granted: Schema.Boolean,
  decidedAt: Timestamp,
}).annotations({ identifier: "ConsentRecord" })

export class Submission extends Schema.Class<Submission>("Submission")({
  id: SubmissionId,
  orgId: OrgId,
  eventId: EventId,
  orderId: OrderId,
  attendeeIndex: Schema.Int,
  ticketTypeId: TicketTypeId,
  schemaId: FormSchemaId,
  schemaVersion: Schema.Int,
  locale: Locale,
  answers: FormAnswers,
  submittedAt: Timestamp,
  email: Schema.NullOr(Schema.String),
  firstName: Schema.NullOr(Schema.String),
  lastName: Schema.NullOr(Schema.String),
  fullName: Schema.NullOr(Schema.String),
  organization: Schema.NullOr(Schema.String),
  phone: Schema.NullOr(Schema.String),
  dietaryFlags: Schema.Array(Schema.String),
  consents: Schema.Array(ConsentRecord),
}) {}

export class UploadReceipt extends Schema.Class<UploadReceipt>("UploadReceipt")({
  uploadId: Schema.String,
  contentType: Schema.String,
  sizeBytes: Schema.Int,
}) {}

import {
  allFields,
  CONDITION_OPERATORS,
  FIELD_TYPES,
  type FieldCondition,
  type FormDefinition,
  type FormField,
  LEGAL_BASES,
  NORMALIZED_KINDS,
  TICKET_TYPE_FIELD,
} from "./Definition.js"

/** One reason a definition is refused, naming the field it concerns (organiser-facing, English). */
export interface DefinitionIssue {
  readonly field: string | null
  readonly message: string
}

export const MAX_FIELDS = 300
const FIELD_ID = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/
const CHOICE_TYPES: ReadonlySet<string> = new Set(["select", "radio", "multi-select"])
/** The file types the server recognises by their content; a declared type alone is never trusted. */
export const RECOGNISED_FILE_TYPES: ReadonlyArray<string> = [
  "image/jpeg",
  "image/png",
  "image/webp",
  "image/gif",
  "application/pdf",
]

/**
 * The rules a definition must meet beyond its shape: unique ids, a justification on every required
 * field and a purpose and legal basis on every consent (data protection: the organiser must be able to
 * say why they ask), options on choice fields, conditions that point at real fields without cycles,
 * patterns that compile. Returns every issue, so an organiser fixes a schema in one round.
 */
export const checkDefinition = (definition: FormDefinition): ReadonlyArray<DefinitionIssue> => {
  const issues: Array<DefinitionIssue> = []
  const add = (field: string | null, message: string) => issues.push({ field, message })
  if (definition.name.trim() === "") add(null, "The form needs a name")

  const sectionIds = new Set<string>()
  for (const section of definition.sections) {
    if (sectionIds.has(section.id)) add(null, `Section "${section.id}" is defined twice`)
    sectionIds.add(section.id)
  }

  const fields = allFields(definition)
  if (fields.length === 0) add(null, "The form has no fields")
  if (fields.length > MAX_FIELDS) add(null, `The form has ${fields.length} fields; at most ${MAX_FIELDS} are allowed`)
  const byId = new Map<string, FormField>()
  for (const field of fields) {
    if (!FIELD_ID.test(field.id) || field.id === TICKET_TYPE_FIELD)
      add(
        field.id,
        `Field id "${field.id}" must start with a letter, use letters, digits, _ or - and not be "${TICKET_TYPE_FIELD}"`,
      )
    if (byId.has(field.id)) add(field.id, `Field id "${field.id}" is used twice`)
    byId.set(field.id, field)
  }

  for (const field of fields) checkField(field, sectionIds, add)
  for (const field of definition.fields) {
    for (const child of field.fields ?? [])
      if (child.type === "group") add(child.id, `Group "${child.id}" is inside group "${field.id}"; groups do not nest`)
  }

  for (const field of fields)
    for (const condition of field.conditions ?? []) checkCondition(field, condition, byId, add)
  for (const id of conditionCycle(fields)) add(id, `Field "${id}" depends on itself through its conditions`)

  for (const [ticketTypeId, ids] of Object.entries(definition.ticketTypeFieldMappings ?? {}))
    for (const id of ids)
      if (!byId.has(id)) add(id, `ticketTypeFieldMappings of "${ticketTypeId}" names "${id}", which is not a field`)
  return issues
}

const checkField = (
  field: FormField,
  sectionIds: ReadonlySet<string>,
  add: (field: string | null, message: string) => void,
) => {
  const id = field.id
  if (!(FIELD_TYPES as ReadonlyArray<string>).includes(field.type))
    add(id, `Field "${id}" has unknown type "${field.type}"`)
  if (field.label.en.trim() === "") add(id, `Field "${id}" needs an English label`)
  if (field.required && field.type === "group") add(id, `Group "${id}" cannot be required; its fields can`)
  if (field.required && !field.requiredJustification?.trim())
    add(id, `Field "${id}" is required, so it needs a requiredJustification saying why the answer is needed`)
  if (field.type === "consent") {
    if (!field.consentPurpose?.trim()) add(id, `Consent field "${id}" needs a consentPurpose`)
    if (field.legalBasis === undefined || !(LEGAL_BASES as ReadonlyArray<string>).includes(field.legalBasis))
      add(id, `Consent field "${id}" needs a legalBasis, one of ${LEGAL_BASES.join(", ")}`)
  } else if (field.consentPurpose !== undefined) {
    add(id, `Field "${id}" has a consentPurpose but is not a consent field`)
  }
  if (CHOICE_TYPES.has(field.type)) {
    const values = (field.options ?? []).map((o) => o.value)
    if (values.length === 0) add(id, `Field "${id}" needs options`)
    if (new Set(values).size !== values.length) add(id, `Field "${id}" has two options with the same value`)
  } else if (field.options !== undefined) {
    add(id, `Field "${id}" has options but is of type ${field.type}`)
  }
  if (field.type === "group" && (field.fields ?? []).length === 0) add(id, `Group "${id}" has no fields`)
  if (field.type !== "group" && field.fields !== undefined) add(id, `Field "${id}" has fields but is not a group`)
  if (field.section !== undefined && !sectionIds.has(field.section))
    add(id, `Field "${id}" is in section "${field.section}", which is not defined`)
  if (field.normalizeAs !== undefined && !(NORMALIZED_KINDS as ReadonlyArray<string>).includes(field.normalizeAs))
    add(id, `Field "${id}" has unknown normalizeAs "${field.normalizeAs}"`)

  const rules = field.validation ?? {}
  if (rules.pattern !== undefined) {
    try {
      new RegExp(rules.pattern, "u")
    } catch {
      add(id, `Field "${id}" has a pattern that is not a valid regular expression`)
    }
  }
  if (rules.minLength !== undefined && rules.maxLength !== undefined && rules.minLength > rules.maxLength)
    add(id, `Field "${id}" has minLength above maxLength`)
  if (rules.min !== undefined && rules.max !== undefined && rules.min > rules.max)
    add(id, `Field "${id}" has min above max`)
  const limitKind = field.type === "date" ? "string" : "number"
  for (const [name, limit] of [
    ["min", rules.min],
    ["max", rules.max],
  ] as const)
    if (limit !== undefined && typeof limit !== limitKind)
      add(id, `Field "${id}" has a ${name} that must be ${field.type === "date" ? "an ISO date" : "a number"}`)
  for (const type of rules.fileTypes ?? [])
    if (!RECOGNISED_FILE_TYPES.includes(type))
      add(id, `Field "${id}" accepts "${type}"; accepted file types are ${RECOGNISED_FILE_TYPES.join(", ")}`)
}

const checkCondition = (
  field: FormField,
  condition: FieldCondition,
  byId: ReadonlyMap<string, FormField>,
  add: (field: string | null, message: string) => void,
) => {
  const id = field.id
  if (!(CONDITION_OPERATORS as ReadonlyArray<string>).includes(condition.operator))
    add(id, `Field "${id}" has a condition with unknown operator "${condition.operator}"`)
  if (condition.field !== TICKET_TYPE_FIELD) {
    const target = byId.get(condition.field)
    if (target === undefined) add(id, `Field "${id}" has a condition on "${condition.field}", which is not a field`)
    else if (target.type === "group") add(id, `Field "${id}" has a condition on group "${condition.field}"`)
  }
  if ((condition.operator === "in" || condition.operator === "not_in") && !Array.isArray(condition.value))
    add(id, `Field "${id}" has an "${condition.operator}" condition whose value is not a list`)
  if (
    (condition.operator === "gt" || condition.operator === "lt") &&
    typeof condition.value !== "number" &&
    typeof condition.value !== "string"
  )
    add(id, `Field "${id}" has a "${condition.operator}" condition whose value is not a number or date`)
}

/** Fields that lie on a cycle of condition references (a group's children count as depending on it). */
const conditionCycle = (fields: ReadonlyArray<FormField>): ReadonlyArray<string> => {
  const dependsOn = new Map<string, Array<string>>()
  for (const field of fields) {
    const targets = (field.conditions ?? []).map((c) => c.field).filter((f) => f !== TICKET_TYPE_FIELD)
    dependsOn.set(field.id, [...(dependsOn.get(field.id) ?? []), ...targets])
    for (const child of field.fields ?? []) dependsOn.set(child.id, [...(dependsOn.get(child.id) ?? []), field.id])
  }
  const state = new Map<string, "visiting" | "done">()
  const onCycle = new Set<string>()
  const visit = (id: string, path: Array<string>) => {
    if (state.get(id) === "done") return
    if (state.get(id) === "visiting") {
      for (const member of path.slice(path.indexOf(id))) onCycle.add(member)
      return
    }
    state.set(id, "visiting")
    for (const next of dependsOn.get(id) ?? []) visit(next, [...path, id])
    state.set(id, "done")
  }
  for (const field of fields) visit(field.id, [])
  return [...onCycle]
}

import {
  type Answers,
  allFields,
  type FieldCondition,
  type FormDefinition,
  type FormField,
  TICKET_TYPE_FIELD,
} from "./Definition.js"

/** No answer at all: what a required field refuses and what `exists` tests for. */
export const isEmptyAnswer = (value: unknown): boolean =>
  value === undefined ||
  value === null ||
  (typeof value === "string" && value.trim() === "") ||
  (Array.isArray(value) && value.length === 0)

const conditionHolds = (condition: FieldCondition, value: unknown): boolean => {
  const expected = condition.value
  switch (condition.operator) {
    case "eq":
      return Array.isArray(value) ? value.includes(expected) : value === expected
    case "neq":
      return !(Array.isArray(value) ? value.includes(expected) : value === expected)
    case "in":
    case "not_in": {
      const list: ReadonlyArray<unknown> = Array.isArray(expected) ? expected : []
      const hit = Array.isArray(value) ? value.some((v) => list.includes(v)) : list.includes(value)
      return condition.operator === "in" ? hit : !hit
    }
    case "gt":
    case "lt": {
      // Numbers compare as numbers, ISO dates as strings (their text order is their time order).
      const comparable =
        (typeof value === "number" && typeof expected === "number") ||
        (typeof value === "string" && typeof expected === "string")
      if (!comparable) return false
      return condition.operator === "gt"
        ? (value as number | string) > (expected as number | string)
        : (value as number | string) < (expected as number | string)
    }
    case "exists":
      return expected === false ? isEmptyAnswer(value) : !isEmptyAnswer(value)
  }
}

/**
 * Which fields an attendee of `ticketTypeId` sees, given the answers so far. A field is visible when
 * its group is, when the ticket type mappings let it through, and when all its conditions hold. A
 * condition reads a hidden field as unanswered, so hiding cascades. Definitions with condition cycles
 * are refused when they are created; here a cycle simply hides the fields on it.
 */
export const visibleFieldIds = (
  definition: FormDefinition,
  answers: Answers,
  ticketTypeId: string,
): ReadonlySet<string> => {
  const byId = new Map<string, FormField>()
  const parentOf = new Map<string, string>()
  for (const field of allFields(definition)) {
    byId.set(field.id, field)
    for (const child of field.fields ?? []) parentOf.set(child.id, field.id)
  }
  const mappings = definition.ticketTypeFieldMappings ?? {}
  const mapped = new Set(Object.values(mappings).flat())
  const mappedToThisType = new Set(mappings[ticketTypeId] ?? [])

  const memo = new Map<string, boolean>()
  const visiting = new Set<string>()
  const visible = (id: string): boolean => {
    const known = memo.get(id)
    if (known !== undefined) return known
    const field = byId.get(id)
    if (field === undefined || visiting.has(id)) return false
    visiting.add(id)
    const parent = parentOf.get(id)
    const result =
      (parent === undefined || visible(parent)) &&
      (!mapped.has(id) || mappedToThisType.has(id)) &&
      (field.conditions ?? []).every((condition) =>
        conditionHolds(
          condition,
          condition.field === TICKET_TYPE_FIELD
            ? ticketTypeId
            : visible(condition.field)
              ? answers[condition.field]
              : undefined,
        ),
      )
    visiting.delete(id)
    memo.set(id, result)
    return result
  }
  const ids = new Set<string>()
  for (const id of byId.keys()) if (visible(id)) ids.add(id)
  return ids
}

/**
 * The visible top-level fields in display order (section order, then field order, then as written),
 * each group with only its visible children.
 */
export const visibleFields = (
  definition: FormDefinition,
  answers: Answers,
  ticketTypeId: string,
): ReadonlyArray<FormField> => {
  const ids = visibleFieldIds(definition, answers, ticketTypeId)
  const sectionOrder = new Map(definition.sections.map((s) => [s.id, s.order]))
  const rank = (field: FormField) => sectionOrder.get(field.section ?? "") ?? Number.MAX_SAFE_INTEGER
  const arrange = (fields: ReadonlyArray<FormField>, bySection: boolean): ReadonlyArray<FormField> =>
    fields
      .map((field, index) => ({ field, index }))
      .filter(({ field }) => ids.has(field.id))
      .sort(
        (a, b) =>
          (bySection ? rank(a.field) - rank(b.field) : 0) ||
          (a.field.order ?? 0) - (b.field.order ?? 0) ||
          a.index - b.index,
      )
      .map(({ field }) => (field.fields ? { ...field, fields: arrange(field.fields, false) } : field))
  return arrange(definition.fields, true)
}

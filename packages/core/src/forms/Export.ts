import type { FormSchemaVersion, Submission } from "../domain/Form.js"
import { allFields } from "./Definition.js"

/**
 * One CSV row per attendee for accounting, badges and the organiser's own tools. Every row names
 * the form version its person saw; answer columns are the union of the versions' fields (newest
 * order first), so rows of an older version keep their answers under their own field ids.
 */
export const submissionsCsv = (
  submissions: ReadonlyArray<Submission>,
  versions: ReadonlyArray<FormSchemaVersion>,
): string => {
  const answerIds: Array<string> = []
  for (const version of [...versions].sort((a, b) => b.version - a.version))
    for (const field of allFields(version.definition))
      if (field.type !== "group" && !answerIds.includes(field.id)) answerIds.push(field.id)
  const purposes = [...new Set(submissions.flatMap((s) => s.consents.map((c) => c.purpose)))].sort()

  const header = [
    "submission_id",
    "order_id",
    "attendee",
    "ticket_type_id",
    "form_version",
    "submitted_at",
    "locale",
    "email",
    "full_name",
    "organization",
    "phone",
    "dietary",
    ...purposes.flatMap((p) => [`consent.${p}`, `consent.${p}.at`]),
    ...answerIds.map((id) => `answer.${id}`),
  ]
  const rows = submissions.map((s) => [
    s.id,
    s.orderId,
    String(s.attendeeIndex + 1),
    s.ticketTypeId,
    String(s.schemaVersion),
    new Date(s.submittedAt).toISOString(),
    s.locale,
    s.email ?? "",
    s.fullName ?? "",
    s.organization ?? "",
    s.phone ?? "",
    s.dietaryFlags.join("; "),
    ...purposes.flatMap((p) => {
      const consent = s.consents.find((c) => c.purpose === p)
      return consent ? [String(consent.granted), new Date(consent.decidedAt).toISOString()] : ["", ""]
    }),
    ...answerIds.map((id) => answerText(s.answers[id])),
  ])
  return `${[header, ...rows].map((row) => row.map(csvCell).join(",")).join("\r\n")}\r\n`
}

const answerText = (value: unknown): string =>
  value === undefined || value === null ? "" : Array.isArray(value) ? value.join("; ") : String(value)

/**
 * RFC 4180 quoting, and a leading apostrophe on text a spreadsheet would run as a formula
 * (`=`, `+`, `-`, `@`, tab, CR): attendees type these fields, organisers open the file.
 */
export const csvCell = (text: string): string => {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}

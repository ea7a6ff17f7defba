import { createHash, randomBytes } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { Clock, Effect } from "effect"
import type { Event } from "../domain/Event.js"
import { type AttendeeInput, type PublicForm, Submission, UploadReceipt } from "../domain/Form.js"
import { type EventId, type OrderId, uuidv7 } from "../domain/Ids.js"
import type { PlaceOrder } from "../domain/Order.js"
import { FormInvalid, NotFound } from "../domain/Problems.js"
import { Events } from "../events/Events.js"
import { affectedRows, decodeCursor, rowDecoder, toPage } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"
import { FileStorage, newStorageKey } from "../storage/FileStorage.js"
import { Caller } from "../tenancy/Caller.js"
import { allFields, type FieldError, type FormField, type FormLocale } from "./Definition.js"
import { FormSchemas } from "./FormSchemas.js"
import { errorMessage, formatBytes } from "./Messages.js"
import { type ConsentDecision, consentDecisions, type NormalizedFields, normalizeAnswers } from "./Normalize.js"
import { DEFAULT_FILE_TYPES, DEFAULT_MAX_FILE_BYTES, validateAnswers } from "./Validate.js"
import { isEmptyAnswer, visibleFieldIds } from "./Visibility.js"

/** The largest file any field may accept; the request guard lets upload bodies this big through. */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024
/** Uploads no order claimed within this time are deleted with their files. */
export const UNCLAIMED_UPLOAD_TTL_MS = 24 * 60 * 60 * 1000

/** Recognises a file by its first bytes; declared types are never trusted on their own. */
export const sniffFileType = (bytes: Uint8Array): string | null => {
  const starts = (...sig: Array<number>) => sig.every((b, i) => bytes[i] === b)
  const ascii = (at: number, text: string) => [...text].every((c, i) => bytes[at + i] === c.charCodeAt(0))
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg"
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "image/png"
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return "image/webp"
  if (ascii(0, "GIF87a") || ascii(0, "GIF89a")) return "image/gif"
  if (ascii(0, "%PDF-")) return "application/pdf"
  return null
}

interface PreparedAttendee {
  readonly index: number
  readonly input: AttendeeInput
  readonly answers: Record<string, unknown>
  readonly normalized: NormalizedFields
  readonly consents: ReadonlyArray<ConsentDecision>
  readonly uploadIds: ReadonlyArray<string>
}

/** Checked answers of one order, ready to be written inside the order's transaction. */
export interface PreparedSubmissions {
  readonly form: PublicForm
  readonly locale: FormLocale
  readonly attendees: ReadonlyArray<PreparedAttendee>
}

type AttendeeError = FieldError & { readonly attendee?: number }

const invalid = (errors: ReadonlyArray<AttendeeError>) =>
  new FormInvalid({
    detail:
      errors.length === 1
        ? errors[0]!.message
        : `${errors.length} answers need attention, first: ${errors[0]!.field}: ${errors[0]!.message}`,
    field: errors[0]!.field,
    errors: errors.map((e) => ({ ...e })),
  })

const decodeSubmission = rowDecoder(Submission, { json: ["answers", "dietaryFlags"] })

/**
 * Form submissions, one per attendee, written in the same transaction as their order, and the files
 * they reference. Answers are checked by the same validator the widget runs, plus what only the
 * server can know (the stored upload behind a file answer).
 */
export class Submissions extends Effect.Service<Submissions>()("sratix/forms/Submissions", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const forms = yield* FormSchemas
    const events = yield* Events
    const storage = yield* FileStorage

    const fileIssues = (event: Event, field: FormField, uploadId: string, locale: FormLocale) =>
      Effect.gen(function* () {
        const [upload] = yield* sql<{
          fieldId: string
          contentType: string
          sizeBytes: number
          submissionId: string | null
        }>`
          SELECT field_id, content_type, size_bytes, submission_id FROM form_uploads
          WHERE id = ${uploadId} AND event_id = ${event.id}`.pipe(Effect.orDie)
        const fail = (code: "invalid_file" | "file_type" | "file_too_large", limit?: string): FieldError => ({
          field: field.id,
          code,
          message: errorMessage(code, locale, limit),
        })
        if (!upload || upload.fieldId !== field.id || upload.submissionId !== null) return fail("invalid_file")
        const types = field.validation?.fileTypes ?? DEFAULT_FILE_TYPES
        if (!types.includes(upload.contentType)) return fail("file_type", types.join(", "))
        const maxBytes = field.validation?.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
        if (Number(upload.sizeBytes) > maxBytes) return fail("file_too_large", formatBytes(maxBytes))
        return null
      })

    /**
     * Checks every attendee's answers against the event's active form before any seat is taken.
     * `null` when the event asks nothing. Fails with every problem found, each naming its attendee
     * (0-based) and field; nothing is written. `active` is the event's active form when the caller
     * has just read it (`FormSchemas.activeFor`); otherwise it is read here.
     */
    const prepare = Effect.fn("Submissions.prepare")(function* (
      event: Event,
      input: PlaceOrder,
      active?: PublicForm | null,
    ) {
      const form = active === undefined ? yield* forms.activeFor(event) : active
      const locale = input.locale
      const attendees = input.attendees ?? []
      // Answers given for another version than the active one were given to questions the person no
      // longer faces: the client shows the new version rather than the server storing a guess.
      if (input.formVersion !== undefined && input.formVersion !== form?.version) {
        return yield* invalid([
          { field: "formVersion", code: "form_outdated", message: errorMessage("form_outdated", locale) },
        ])
      }
      if (form === null) {
        const answered = attendees.findIndex((a) => Object.values(a.answers).some((v) => !isEmptyAnswer(v)))
        if (answered >= 0) {
          const field = Object.keys(attendees[answered]!.answers)[0]!
          return yield* invalid([
            { attendee: answered, field, code: "unknown_field", message: errorMessage("unknown_field", locale) },
          ])
        }
        return null
      }
      const seats = new Map<string, number>()
      for (const item of input.items) seats.set(item.ticketTypeId, (seats.get(item.ticketTypeId) ?? 0) + item.quantity)
      const given = new Map<string, number>()
      for (const a of attendees) given.set(a.ticketTypeId, (given.get(a.ticketTypeId) ?? 0) + 1)
      const mismatch = [...new Set([...seats.keys(), ...given.keys()])].some((t) => seats.get(t) !== given.get(t))
      if (mismatch) {
        return yield* invalid([
          {
            field: "attendees",
            code: "attendee_count",
            message: "Each ticket needs one attendee with its form: the attendees must match the ticket quantities.",
          },
        ])
      }

      const definition = form.definition
      const byId = new Map(allFields(definition).map((f) => [f.id, f]))
      const errors: Array<AttendeeError> = []
      const prepared: Array<PreparedAttendee> = []
      const usedUploads = new Set<string>()
      for (const [index, attendee] of attendees.entries()) {
        const options = { ticketTypeId: attendee.ticketTypeId, locale }
        for (const error of validateAnswers(definition, attendee.answers, options))
          errors.push({ ...error, attendee: index })
        const visible = visibleFieldIds(definition, attendee.answers, attendee.ticketTypeId)
        const answers: Record<string, unknown> = {}
        const uploadIds: Array<string> = []
        for (const [id, value] of Object.entries(attendee.answers)) {
          if (!visible.has(id) || isEmptyAnswer(value)) continue
          answers[id] = value
          const field = byId.get(id)
          if (field?.type !== "file" || typeof value !== "string") continue
          const issue = usedUploads.has(value)
            ? { field: id, code: "invalid_file", message: errorMessage("invalid_file", locale) }
            : yield* fileIssues(event, field, value, locale)
          if (issue) errors.push({ ...issue, attendee: index })
          usedUploads.add(value)
          uploadIds.push(value)
        }
        prepared.push({
          index,
          input: attendee,
          answers,
          normalized: normalizeAnswers(definition, answers, visible),
          consents: consentDecisions(definition, answers, visible),
          uploadIds,
        })
      }
      if (errors.length > 0) return yield* invalid(errors)
      return { form, locale, attendees: prepared } satisfies PreparedSubmissions
    })

    /** Writes the prepared submissions of a placed order; runs inside the order's transaction. */
    const record = Effect.fn("Submissions.record")(function* (
      prepared: PreparedSubmissions,
      order: { readonly id: OrderId; readonly orgId: string; readonly eventId: string },
      now: number,
    ) {
      const caller = yield* Caller
      const stamps = { orgId: order.orgId, eventId: order.eventId, createdAt: now, updatedAt: now }
      for (const attendee of prepared.attendees) {
        const id = uuidv7(now)
        const n = attendee.normalized
        yield* sql`INSERT INTO form_submissions ${sql.insert({
          id,
          ...stamps,
          orderId: order.id,
          attendeeIndex: attendee.index,
          ticketTypeId: attendee.input.ticketTypeId,
          schemaId: prepared.form.schemaId,
          schemaVersion: prepared.form.version,
          locale: prepared.locale,
          answers: JSON.stringify(attendee.answers),
          submittedAt: now,
          ipHash: caller.meta.ipHash,
          email: n.email?.slice(0, 254) ?? null,
          firstName: n.firstName?.slice(0, 200) ?? null,
          lastName: n.lastName?.slice(0, 200) ?? null,
          fullName: n.fullName?.slice(0, 400) ?? null,
          organization: n.organization?.slice(0, 300) ?? null,
          phone: n.phone?.slice(0, 40) ?? null,
          dietaryFlags: JSON.stringify(n.dietaryFlags).slice(0, 500),
        })}`
        if (attendee.consents.length > 0) {
          yield* sql`INSERT INTO form_consents ${sql.insert(
            attendee.consents.map((c) => ({
              id: uuidv7(now),
              ...stamps,
              submissionId: id,
              decidedAt: now,
              ...c,
              granted: c.granted ? 1 : 0,
            })),
          )}`
        }
        for (const uploadId of attendee.uploadIds) {
          // Conditional claim: an upload another order took in the meantime fails this whole order.
          const claimed = yield* sql`UPDATE form_uploads SET submission_id = ${id}, updated_at = ${now}
            WHERE id = ${uploadId} AND submission_id IS NULL`.raw
          if (affectedRows(claimed) !== 1) {
            return yield* invalid([
              {
                attendee: attendee.index,
                field: "attendees",
                code: "invalid_file",
                message: errorMessage("invalid_file", prepared.locale),
              },
            ])
          }
        }
      }
    })

    const hydrate = (rows: ReadonlyArray<Record<string, unknown>>) =>
      Effect.gen(function* () {
        const ids = rows.map((r) => String(r.id))
        const consents =
          ids.length === 0
            ? []
            : yield* sql<Record<string, unknown>>`SELECT submission_id, field_id, purpose, legal_basis, granted,
                decided_at FROM form_consents WHERE submission_id IN ${sql.in(ids)} ORDER BY id`.pipe(Effect.orDie)
        return yield* Effect.forEach(rows, (row) =>
          decodeSubmission({
            ...row,
            consents: consents
              .filter((c) => c.submissionId === row.id)
              .map((c) => ({
                fieldId: c.fieldId,
                purpose: c.purpose,
                legalBasis: c.legalBasis,
                granted: c.granted === 1 || c.granted === true,
                decidedAt: Number(c.decidedAt),
              })),
          }),
        )
      })

    const list = Effect.fn("Submissions.list")(function* (
      eventId: EventId,
      page: {
        readonly cursor?: string | undefined
        readonly limit: number
        readonly email?: string | undefined
        readonly orderId?: string | undefined
        readonly version?: number | undefined
      },
    ) {
      yield* events.get(eventId)
      const scope = yield* tenantScope(sql)
      const after = decodeCursor(page.cursor)
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM form_submissions
        WHERE event_id = ${eventId} AND ${scope}
        ${after ? sql`AND id > ${after}` : sql``}
        ${page.email ? sql`AND email = ${page.email.toLowerCase()}` : sql``}
        ${page.orderId ? sql`AND order_id = ${page.orderId}` : sql``}
        ${page.version !== undefined ? sql`AND schema_version = ${page.version}` : sql``}
        ORDER BY id LIMIT ${page.limit + 1}`.pipe(Effect.orDie)
      return toPage(yield* hydrate(rows), page.limit)
    })

    /** Stores a visitor's file for a file field of the event's active form; an order claims it later. */
    const upload = Effect.fn("Submissions.upload")(function* (
      eventId: EventId,
      file: {
        readonly fieldId: string
        readonly contentType: string
        readonly bytes: Uint8Array
        readonly filename: string | null
        readonly locale: FormLocale
      },
    ) {
      const event = yield* events.getPublished(eventId)
      const form = yield* forms.activeFor(event)
      const field = form && allFields(form.definition).find((f) => f.id === file.fieldId)
      const fail = (code: "unknown_field" | "file_type" | "file_too_large", limit?: string) =>
        invalid([{ field: file.fieldId, code, message: errorMessage(code, file.locale, limit) }])
      if (field?.type !== "file") return yield* fail("unknown_field")
      const types = field.validation?.fileTypes ?? DEFAULT_FILE_TYPES
      const sniffed = sniffFileType(file.bytes)
      const declared = file.contentType.split(";")[0]!.trim().toLowerCase()
      if (sniffed === null || sniffed !== declared || !types.includes(sniffed))
        return yield* fail("file_type", types.join(", "))
      const maxBytes = field.validation?.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
      if (file.bytes.byteLength > maxBytes) return yield* fail("file_too_large", formatBytes(maxBytes))

      const now = yield* Clock.currentTimeMillis
      const storageKey = newStorageKey()
      const id = `upl_${randomBytes(24).toString("base64url")}`
      yield* storage.put(storageKey, file.bytes)
      yield* sql`INSERT INTO form_uploads ${sql.insert({
        id,
        orgId: event.orgId,
        eventId: event.id,
        fieldId: field.id,
        contentType: sniffed,
        sizeBytes: file.bytes.byteLength,
        sha256: createHash("sha256").update(file.bytes).digest("hex"),
        storageKey,
        // Kept for the organiser's download; never used as a path.
        originalName: file.filename?.replace(/[^\p{L}\p{N} ._-]/gu, "_").slice(0, 255) ?? null,
        submissionId: null,
        createdAt: now,
        updatedAt: now,
      })}`.pipe(Effect.orDie)
      return new UploadReceipt({ uploadId: id, contentType: sniffed, sizeBytes: file.bytes.byteLength })
    })

    /** A claimed upload's bytes, for people who may read the event's attendees. */
    const download = Effect.fn("Submissions.download")(function* (eventId: EventId, uploadId: string) {
      const scope = yield* tenantScope(sql)
      const [row] = yield* sql<{ storageKey: string; contentType: string; originalName: string | null }>`
        SELECT storage_key, content_type, original_name FROM form_uploads
        WHERE id = ${uploadId} AND event_id = ${eventId} AND submission_id IS NOT NULL AND ${scope}`.pipe(Effect.orDie)
      if (!row) return yield* new NotFound({ detail: "No such file", resource: "file" })
      const bytes = yield* storage.get(row.storageKey)
      return { bytes, contentType: row.contentType, filename: row.originalName }
    })

    /** Deletes uploads no order claimed in time: the row first, so a crash leaves an orphan file, never a dangling row. */
    const sweepUnclaimed = Effect.fn("Submissions.sweepUnclaimed")(function* () {
      const now = yield* Clock.currentTimeMillis
      const cutoff = now - UNCLAIMED_UPLOAD_TTL_MS
      const stale = yield* sql<{ id: string; storageKey: string }>`SELECT id, storage_key FROM form_uploads
        WHERE submission_id IS NULL AND created_at < ${cutoff} LIMIT 500`.pipe(Effect.orDie)
      for (const upload of stale) {
        const removed = yield* sql`DELETE FROM form_uploads WHERE id = ${upload.id} AND submission_id IS NULL`.raw.pipe(
          Effect.orDie,
        )
        if (affectedRows(removed) === 1) yield* storage.remove(upload.storageKey)
      }
      return stale.length
    })

    return { prepare, record, list, upload, download, sweepUnclaimed } as const
  }),
  dependencies: [FormSchemas.Default, Events.Default],
}) {}

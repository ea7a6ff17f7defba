import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema, TestClock } from "effect"
import {
  type Event,
  FileStorage,
  FormDefinitionSchema,
  FormSchemas,
  Orders,
  type PlaceOrder,
  Submissions,
  type TicketType,
  type TicketTypeId,
} from "../../src/index.js"
import { engines } from "../support/Databases.js"
import {
  asBuyer,
  countWhere,
  createTicketType,
  minutes,
  outcome,
  publishedEvent,
  remainingSeats,
  systemLayer,
  T0,
  tally,
} from "../support/Fixtures.js"

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82])

const definitionFor = (vip: TicketType, extra: ReadonlyArray<Record<string, unknown>> = []) =>
  Schema.decodeUnknownSync(FormDefinitionSchema)({
    name: "Registration",
    sections: [{ id: "you", label: { en: "You" }, order: 1 }],
    fields: [
      {
        id: "first",
        type: "text",
        label: { en: "First name" },
        required: true,
        requiredJustification: "Badge",
        normalizeAs: "first_name",
        section: "you",
      },
      {
        id: "last",
        type: "text",
        label: { en: "Last name" },
        required: true,
        requiredJustification: "Badge",
        normalizeAs: "last_name",
        section: "you",
      },
      {
        id: "mail",
        type: "email",
        label: { en: "Email" },
        required: true,
        requiredJustification: "Ticket delivery",
        section: "you",
      },
      { id: "org", type: "text", label: { en: "Organisation" }, normalizeAs: "organization", section: "you" },
      {
        id: "diet",
        type: "multi-select",
        label: { en: "Diet" },
        normalizeAs: "dietary",
        options: [
          { value: "vegan", label: { en: "Vegan" } },
          { value: "halal", label: { en: "Halal" } },
        ],
      },
      {
        id: "dinner",
        type: "checkbox",
        label: { en: "Dinner" },
        conditions: [{ field: "ticket_type", operator: "eq", value: vip.id }],
      },
      {
        id: "photo",
        type: "file",
        label: { en: "Photo" },
        validation: { fileTypes: ["image/png"], maxFileBytes: 1024 },
      },
      { id: "news", type: "consent", label: { en: "Newsletter" }, consentPurpose: "marketing", legalBasis: "consent" },
      ...extra,
    ],
  })

const attendee = (ticketTypeId: TicketTypeId, answers: Record<string, unknown>) => ({ ticketTypeId, answers }) as never

const order = (
  ticketTypeId: TicketTypeId,
  attendees: ReadonlyArray<{ ticketTypeId: TicketTypeId; answers: Record<string, unknown> }>,
  n = 1,
): PlaceOrder => ({
  items: [{ ticketTypeId, quantity: attendees.length }],
  buyer: { email: `buyer${n}@example.com`, name: `Buyer ${n}` },
  locale: "en",
  attendees: attendees as never,
})

const ada = { first: "Ada", last: "Lovelace", mail: "Ada@Example.com", org: "Analytical Engines", diet: ["vegan"] }

/** Concurrency tests run on the live clock: conflict retries back off, and a test clock never moves. */
const setup = Effect.gen(function* () {
  const { event } = yield* publishedEvent()
  const general = yield* createTicketType(event, { name: "General", priceMinor: 0 })
  const vip = yield* createTicketType(event, { name: "VIP", priceMinor: 0 })
  const forms = yield* FormSchemas
  const v1 = yield* forms.create(event.id, definitionFor(vip))
  yield* forms.activate(event.id, v1.version)
  return { event, general, vip, v1 }
})

const upload = (event: Event, bytes: Uint8Array = PNG, contentType = "image/png") =>
  Effect.flatMap(Submissions, (s) =>
    s.upload(event.id, { fieldId: "photo", contentType, bytes, filename: "me.png", locale: "en" }),
  )

describe.concurrent.each(engines)("registration forms on %s", (engine) => {
  it.live("numbers versions n+1, even when editors save at once, and never changes a saved one", () =>
    Effect.gen(function* () {
      const { event, vip } = yield* setup
      const forms = yield* FormSchemas
      const saved = yield* Effect.all(
        Array.from({ length: 6 }, () => forms.create(event.id, definitionFor(vip))),
        { concurrency: "unbounded" },
      )
      expect(saved.map((v) => v.version).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6, 7])
      const sql = yield* SqlClient.SqlClient
      const tamper = yield* Effect.either(sql`UPDATE form_schemas SET name = 'edited' WHERE event_id = ${event.id}`)
      expect(tamper._tag).toBe("Left")
      expect((yield* forms.list(event.id)).map((v) => [v.version, v.active])).toEqual([
        [1, true],
        ...[2, 3, 4, 5, 6, 7].map((n) => [n, false]),
      ])
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("refuses a definition whose required field has no justification, naming the field", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event, vip } = yield* setup
      const bad = definitionFor(vip, [{ id: "passport", type: "text", label: { en: "Passport" }, required: true }])
      const failure = yield* Effect.flip(Effect.flatMap(FormSchemas, (f) => f.create(event.id, bad)))
      expect(failure).toMatchObject({ _tag: "FormDefinitionInvalid", field: "passport" })
      expect(yield* countWhere("form_schemas", "event_id", event.id)).toBe(1)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("stores one submission per attendee with its version, normalized columns and dated consents", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event, general, vip, v1 } = yield* setup
      const photo = yield* upload(event)
      yield* TestClock.adjust(minutes(3))
      const placed = yield* Effect.flatMap(Orders, (o) =>
        o.place(event.id, {
          ...order(general.id, [attendee(general.id, { ...ada, photo: photo.uploadId, news: true })]),
          items: [
            { ticketTypeId: general.id, quantity: 1 },
            { ticketTypeId: vip.id, quantity: 1 },
          ],
          attendees: [
            attendee(general.id, { ...ada, photo: photo.uploadId, news: true }),
            attendee(vip.id, { first: "Grace", last: "Hopper", mail: "grace@example.com", dinner: true }),
          ],
        }),
      ).pipe(asBuyer)
      expect(placed.order.status).toBe("paid")
      const page = yield* Effect.flatMap(Submissions, (s) => s.list(event.id, { limit: 10, orderId: placed.order.id }))
      expect(page.items).toHaveLength(2)
      const [first, second] = page.items
      expect(first).toMatchObject({
        attendeeIndex: 0,
        ticketTypeId: general.id,
        schemaId: v1.id,
        schemaVersion: 1,
        submittedAt: T0 + minutes(3),
        email: "ada@example.com",
        fullName: "Ada Lovelace",
        organization: "Analytical Engines",
        dietaryFlags: ["vegan"],
        answers: { ...ada, photo: photo.uploadId, news: true },
        consents: [
          { fieldId: "news", purpose: "marketing", legalBasis: "consent", granted: true, decidedAt: T0 + minutes(3) },
        ],
      })
      // Not ticking a consent is a decision too, and recorded as one.
      expect(second).toMatchObject({ schemaVersion: 1, answers: { dinner: true }, consents: [{ granted: false }] })
      expect(yield* countWhere("form_uploads", "id", photo.uploadId)).toBe(1)
      const [claimed] = yield* Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ submissionId: string }>`SELECT submission_id FROM form_uploads WHERE id = ${photo.uploadId}`,
      )
      expect(claimed?.submissionId).toBe(first?.id)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("an edit mid-sale leaves earlier submissions tied to the version their people saw", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event, general, vip } = yield* setup
      const orders = yield* Orders
      const forms = yield* FormSchemas
      const before = yield* orders.place(event.id, order(general.id, [attendee(general.id, ada)])).pipe(asBuyer)
      const v2 = yield* forms.create(
        event.id,
        definitionFor(vip, [
          { id: "shirt", type: "select", label: { en: "T-shirt" }, options: [{ value: "m", label: { en: "M" } }] },
        ]),
      )
      yield* forms.activate(event.id, v2.version)
      // A browser that still shows version 1 sends no shirt; version 2 makes it optional, so both pass.
      const after = yield* orders
        .place(event.id, order(general.id, [attendee(general.id, { ...ada, shirt: "m" })], 2))
        .pipe(asBuyer)
      const submissions = yield* Submissions
      const v1Rows = yield* submissions.list(event.id, { limit: 10, version: 1 })
      const v2Rows = yield* submissions.list(event.id, { limit: 10, version: 2 })
      expect(v1Rows.items.map((s) => [s.orderId, s.answers])).toEqual([[before.order.id, ada]])
      expect(v2Rows.items.map((s) => [s.orderId, s.answers])).toEqual([[after.order.id, { ...ada, shirt: "m" }]])
      expect((yield* forms.get(event.id, 1)).definition.fields.some((f) => f.id === "shirt")).toBe(false)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("refuses bad answers with every problem named by attendee and field, and stores nothing", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event, general, vip } = yield* setup
      const orders = yield* Orders
      const failure = yield* Effect.flip(
        orders
          .place(event.id, {
            ...order(general.id, []),
            items: [{ ticketTypeId: general.id, quantity: 2 }],
            attendees: [
              attendee(general.id, { ...ada, mail: "not-an-email", shoe: 44 }),
              attendee(general.id, { ...ada, dinner: true, diet: "vegan" }),
            ],
          })
          .pipe(asBuyer),
      )
      expect(failure._tag).toBe("FormInvalid")
      const errors = (failure as { errors: ReadonlyArray<{ attendee?: number; field: string; code: string }> }).errors
      expect(errors.map((e) => `${e.attendee}:${e.field}:${e.code}`)).toEqual([
        "0:shoe:unknown_field",
        "0:mail:invalid_email",
        "1:dinner:hidden_field",
        "1:diet:invalid_type",
      ])
      const counts = yield* Effect.all([
        countWhere("orders", "event_id", event.id),
        countWhere("form_submissions", "event_id", event.id),
        remainingSeats(general.id),
      ])
      expect(counts).toEqual([0, 0, 100])

      const miscounted = yield* Effect.flip(
        orders
          .place(event.id, {
            ...order(general.id, [attendee(general.id, ada)]),
            items: [{ ticketTypeId: general.id, quantity: 2 }],
          })
          .pipe(asBuyer),
      )
      expect(miscounted).toMatchObject({ _tag: "FormInvalid", field: "attendees" })
      void vip
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.live("files: recognised by content, within the field's limits, claimed by exactly one order", () =>
    Effect.gen(function* () {
      const { event, general } = yield* setup
      const disguised = yield* Effect.flip(upload(event, new TextEncoder().encode("<script>x</script>"), "image/png"))
      expect(disguised).toMatchObject({ _tag: "FormInvalid", field: "photo", errors: [{ code: "file_type" }] })
      const big = new Uint8Array(2048)
      big.set(PNG)
      expect(yield* Effect.flip(upload(event, big))).toMatchObject({ errors: [{ code: "file_too_large" }] })

      const photo = yield* upload(event)
      const orders = yield* Orders
      const outcomes = yield* Effect.all(
        Array.from({ length: 6 }, (_, n) =>
          outcome(
            orders
              .place(event.id, order(general.id, [attendee(general.id, { ...ada, photo: photo.uploadId })], n))
              .pipe(asBuyer),
          ),
        ),
        { concurrency: "unbounded" },
      )
      expect(tally(outcomes)).toEqual({ ok: 1, FormInvalid: 5 })
      expect(yield* countWhere("form_submissions", "event_id", event.id)).toBe(1)
      expect(yield* remainingSeats(general.id)).toBe(99)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("deletes uploads no order claimed within a day, with their files", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { event } = yield* setup
      const kept = yield* upload(event)
      const sql = yield* SqlClient.SqlClient
      const [row] = yield* sql<{ storageKey: string }>`SELECT storage_key FROM form_uploads WHERE id = ${kept.uploadId}`
      const storage = yield* FileStorage
      expect((yield* storage.get(row!.storageKey)).byteLength).toBe(PNG.byteLength)
      yield* TestClock.adjust(minutes(23 * 60))
      expect(yield* Effect.flatMap(Submissions, (s) => s.sweepUnclaimed())).toBe(0)
      yield* TestClock.adjust(minutes(2 * 60))
      expect(yield* Effect.flatMap(Submissions, (s) => s.sweepUnclaimed())).toBe(1)
      expect(yield* countWhere("form_uploads", "id", kept.uploadId)).toBe(0)
      expect((yield* Effect.flip(storage.get(row!.storageKey)))._tag).toBe("NotFound")
    }).pipe(Effect.provide(systemLayer(engine))),
  )
})

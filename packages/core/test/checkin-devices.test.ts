import { randomUUID } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema, TestClock } from "effect"
import * as fc from "fast-check"
import {
  Caller,
  CheckInDevices,
  CheckInPacks,
  CheckIns,
  type Event,
  FormDefinitionSchema,
  FormSchemas,
  Identity,
  Orders,
  packEmailHash,
  Tickets,
  type TicketTypeId,
  withCaller,
} from "../src/index.js"
import { emailHash, openPack, ScanIndex } from "../src/offline/index.js"
import { engines } from "./support/Databases.js"
import {
  asBuyer,
  createTicketType,
  minutes,
  outcome,
  publishedEvent,
  systemLayer,
  T0,
  tally,
} from "./support/Fixtures.js"

const accessForm = Schema.decodeUnknownSync(FormDefinitionSchema)({
  name: "Registration",
  sections: [{ id: "you", label: { en: "You" }, order: 1 }],
  fields: [{ id: "access", type: "text", label: { en: "Access needs" }, section: "you" }],
})

/** An event with a VIP and a general type, a form asking for access needs, and tickets issued for `answers`. */
const eventWithTickets = (answers: ReadonlyArray<{ vip: boolean; access?: string }>) =>
  Effect.gen(function* () {
    const { event } = yield* publishedEvent()
    const general = yield* createTicketType(event, { name: "General", priceMinor: 0 })
    const vip = yield* createTicketType(event, { name: "VIP", priceMinor: 0 })
    const forms = yield* FormSchemas
    const form = yield* forms.create(event.id, accessForm)
    yield* forms.activate(event.id, form.version)
    const typeOf = (a: { vip: boolean }) => (a.vip ? vip.id : general.id) as TicketTypeId
    const items = [general, vip]
      .map((t) => ({ ticketTypeId: t.id, quantity: answers.filter((a) => typeOf(a) === t.id).length }))
      .filter((i) => i.quantity > 0)
    const attendees = [...answers]
      .sort((a, b) => Number(typeOf(a) !== general.id) - Number(typeOf(b) !== general.id))
      .map((a) => ({ ticketTypeId: typeOf(a), answers: a.access === undefined ? {} : { access: a.access } }))
    const placed = yield* Effect.flatMap(Orders, (o) =>
      o.place(event.id, {
        items,
        buyer: { email: "Buyer@Example.com", name: "Buyer" },
        locale: "en",
        attendees: attendees as never,
      }),
    ).pipe(asBuyer)
    const tickets = yield* Effect.flatMap(Tickets, (t) => t.issueForOrder(placed.order.id))
    return { event, general, vip, tickets }
  })

const mainDoor = (event: Event, overrides: { vip?: string; reentry?: boolean } = {}) =>
  Effect.flatMap(CheckIns, (c) =>
    c.createList(event, {
      name: "Main door",
      ticketTypeIds: null,
      validFrom: null,
      validUntil: null,
      reentry: overrides.reentry ?? false,
      attention: {
        ticketTypes: overrides.vip === undefined ? [] : [{ ticketTypeId: overrides.vip as TicketTypeId, flag: "vip" }],
        fields: [{ field: "access", flag: "accessibility" }],
      },
    }),
  )

const enrolDevice = (event: Event, listId: string, deviceName = "Door 1") =>
  Effect.gen(function* () {
    const devices = yield* CheckInDevices
    const { code } = yield* devices.createEnrolmentCode(event, { listId: listId as never, deviceName })
    return yield* devices.enrol(code).pipe(withCaller(Caller.anonymous))
  })

const asDevice =
  (token: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.flatMap(
      Effect.flatMap(Identity, (i) => i.authenticate(token, { ipHash: null, userAgent: null })),
      (caller) => withCaller(caller)(effect),
    )

for (const engine of engines) {
  describe(`Check-in devices and packs (${engine})`, () => {
    it.live("an enrolment code makes one scanner device whose token is scoped to the event; the code works once", () =>
      Effect.gen(function* () {
        const devices = yield* CheckInDevices
        const { event } = yield* publishedEvent()
        const list = yield* mainDoor(event)
        const { code, expiresAt } = yield* devices.createEnrolmentCode(event, { listId: list.id, deviceName: "Door 2" })
        expect(code).toMatch(/^[A-Za-z0-9_-]{32}$/)
        expect(Buffer.from(code, "base64url")).toHaveLength(24)
        const sql = yield* SqlClient.SqlClient
        const stored = yield* sql<{ codeHash: string }>`SELECT code_hash FROM checkin_enrolment_codes`
        expect(stored.map((r) => r.codeHash)).not.toContain(code)
        expect(expiresAt).toBeGreaterThan(Date.now())
        const enrolled = yield* devices.enrol(code).pipe(withCaller(Caller.anonymous))
        expect(enrolled).toMatchObject({ deviceName: "Door 2", eventId: event.id, listId: list.id, orgId: event.orgId })
        expect(Buffer.from(enrolled.packKey, "base64url")).toHaveLength(32)
        const caller = yield* Effect.flatMap(Identity, (i) =>
          i.authenticate(enrolled.token, { ipHash: null, userAgent: null }),
        )
        expect(caller.grants).toEqual([{ role: "scanner", orgId: event.orgId, eventId: event.id }])
        const again = yield* outcome(devices.enrol(code).pipe(withCaller(Caller.anonymous)))
        expect(again).toBe("Unauthorized")
        expect(yield* outcome(devices.enrol("x".repeat(32)).pipe(withCaller(Caller.anonymous)))).toBe("Unauthorized")
        const listed = yield* devices.list(event.id)
        expect(listed.map((d) => [d.id, d.name, d.revokedAt])).toEqual([[enrolled.deviceId, "Door 2", null]])
        const actions = yield* sql<{ action: string }>`SELECT action FROM audit_log WHERE event_id = ${event.id}
          AND action LIKE 'checkin_%' ORDER BY id`
        expect(actions.map((a) => a.action)).toEqual([
          "checkin_list.created",
          "checkin_enrolment_code.created",
          "checkin_device.enrolled",
        ])
      }).pipe(Effect.provide(systemLayer(engine))),
    )

    it.live("two devices redeeming one code at once: one device is enrolled, the other refused", () =>
      Effect.gen(function* () {
        const devices = yield* CheckInDevices
        const { event } = yield* publishedEvent()
        const list = yield* mainDoor(event)
        for (let round = 0; round < 3; round++) {
          const { code } = yield* devices.createEnrolmentCode(event, { listId: list.id, deviceName: `Race ${round}` })
          const outcomes = yield* Effect.all(
            Array.from({ length: 4 }, () => outcome(devices.enrol(code).pipe(withCaller(Caller.anonymous)))),
            { concurrency: "unbounded" },
          )
          expect(tally(outcomes)).toEqual({ ok: 1, Unauthorized: 3 })
        }
        const sql = yield* SqlClient.SqlClient
        const keys = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM api_keys WHERE event_id = ${event.id}`
        expect(Number(keys[0]!.n)).toBe(3)
        expect(yield* devices.list(event.id)).toHaveLength(3)
      }).pipe(Effect.provide(systemLayer(engine))),
    )

    it.effect("an enrolment code expires", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(T0)
        const devices = yield* CheckInDevices
        const { event } = yield* publishedEvent()
        const list = yield* mainDoor(event)
        const { code, expiresAt } = yield* devices.createEnrolmentCode(event, { listId: list.id, deviceName: "Late" })
        expect(expiresAt).toBe(T0 + minutes(30))
        yield* TestClock.adjust(minutes(31))
        expect(yield* outcome(devices.enrol(code).pipe(withCaller(Caller.anonymous)))).toBe("Unauthorized")
      }).pipe(Effect.provide(systemLayer(engine))),
    )

    it.live("a full pack opens with the device's key and decides offline; a delta carries what changed since", () =>
      Effect.gen(function* () {
        const { event, vip, tickets } = yield* eventWithTickets([
          { vip: false },
          { vip: false, access: "Wheelchair" },
          { vip: false },
          { vip: true },
        ])
        const list = yield* mainDoor(event, { vip: vip.id })
        const device = yield* enrolDevice(event, list.id)
        const packs = yield* CheckInPacks
        const key = Buffer.from(device.packKey, "base64url")
        const [plain, wheelchair, refunded, vipTicket] = tickets
        expect(vipTicket!.ticketTypeId).toBe(vip.id)
        yield* Effect.flatMap(Tickets, (t) => t.void({ ticketIds: [refunded!.id] }, "refund"))
        yield* Effect.flatMap(CheckIns, (c) =>
          c.sync(event, {
            deviceId: "door-0",
            cursor: 0,
            checkIns: [{ id: randomUUID(), ticketId: plain!.id, listId: list.id, deviceTime: 1_000 }],
          }),
        )
        const full = yield* packs.build(event, list.id, {}).pipe(asDevice(device.token))
        expect(full).toMatchObject({ attendees: 3, revoked: 1, checkIns: 1 })
        const opened = yield* Effect.promise(() =>
          openPack(full.bytes, { deviceId: device.deviceId, eventId: event.id, key, listId: list.id }, Date.now()),
        )
        if (!opened.ok) throw new Error(`pack refused: ${opened.reason}`)
        const pack = opened.pack
        // Minimum data: no e-mail addresses, no order ids; the digest still finds the attendee.
        expect(JSON.stringify(pack)).not.toMatch(/example\.com/i)
        expect(pack.keys.length).toBeGreaterThan(0)
        expect(JSON.stringify(pack.keys)).not.toMatch(/private/i)
        const index = new ScanIndex(pack)
        const now = Date.now()
        expect(yield* Effect.promise(() => index.decide(wheelchair!.code, now))).toMatchObject({
          kind: "valid",
          attention: [{ flag: "accessibility", note: "Wheelchair" }],
        })
        expect(yield* Effect.promise(() => index.decide(vipTicket!.code, now))).toMatchObject({
          kind: "valid",
          attention: [{ flag: "vip" }],
        })
        expect(yield* Effect.promise(() => index.decide(refunded!.code, now))).toMatchObject({ kind: "revoked" })
        expect(yield* Effect.promise(() => index.decide(plain!.code, now))).toMatchObject({
          kind: "already_checked_in",
          deviceId: "door-0",
        })
        // Without an e-mail field every attendee has the buyer's address.
        const found = yield* Effect.promise(() => index.searchByEmail(wheelchair!.attendeeEmail.toUpperCase()))
        expect(found.map((a) => a.t).sort()).toEqual([plain!.id, wheelchair!.id, vipTicket!.id].sort())
        // Another device's key opens nothing.
        const other = yield* enrolDevice(event, list.id, "Door 2")
        const foreign = yield* Effect.promise(() =>
          openPack(
            full.bytes,
            { deviceId: device.deviceId, eventId: event.id, key: Buffer.from(other.packKey, "base64url") },
            now,
          ),
        )
        expect(foreign).toEqual({ ok: false, reason: "tampered" })

        yield* Effect.sleep("5 millis")
        yield* Effect.flatMap(Tickets, (t) => t.void({ ticketIds: [vipTicket!.id] }, "cancelled"))
        const delta = yield* packs.build(event, list.id, { since: pack.version }).pipe(asDevice(device.token))
        const openedDelta = yield* Effect.promise(() =>
          openPack(delta.bytes, { deviceId: device.deviceId, eventId: event.id, key }, Date.now()),
        )
        if (!openedDelta.ok) throw new Error(`delta refused: ${openedDelta.reason}`)
        expect(openedDelta.pack.baseVersion).toBe(pack.version)
        expect(openedDelta.pack.revoked).toContain(vipTicket!.id)
        expect(openedDelta.pack.checkIns).toEqual([])
        index.applyDelta(openedDelta.pack)
        expect(yield* Effect.promise(() => index.decide(vipTicket!.code, Date.now()))).toMatchObject({
          kind: "revoked",
        })
        expect(yield* Effect.promise(() => index.decide(plain!.code, Date.now()))).toMatchObject({
          kind: "already_checked_in",
        })
      }).pipe(Effect.provide(systemLayer(engine))),
    )

    it.live(
      "packs: a device gets only its own list's pack; a revoked device gets none and its token stops working",
      () =>
        Effect.gen(function* () {
          const { event } = yield* eventWithTickets([{ vip: false }])
          const list = yield* mainDoor(event)
          const side = yield* mainDoor(event)
          const device = yield* enrolDevice(event, list.id)
          const packs = yield* CheckInPacks
          const devices = yield* CheckInDevices
          expect(yield* outcome(packs.build(event, side.id, {}).pipe(asDevice(device.token)))).toBe("Forbidden")
          expect(yield* outcome(packs.build(event, list.id, {}))).toBe("InvalidRequest")
          expect(yield* outcome(packs.build(event, list.id, { deviceId: device.deviceId }))).toBe("ok")
          expect(
            yield* outcome(packs.build(event, list.id, { since: Date.now() + 60_000 }).pipe(asDevice(device.token))),
          ).toBe("InvalidRequest")
          yield* devices.revoke(event, device.deviceId)
          expect(yield* outcome(packs.build(event, list.id, { deviceId: device.deviceId }))).toBe("Conflict")
          expect(yield* outcome(packs.build(event, list.id, {}).pipe(asDevice(device.token)))).toBe("Unauthorized")
          expect(yield* outcome(devices.revoke(event, device.deviceId))).toBe("NotFound")
          expect((yield* devices.list(event.id))[0]!.revokedAt).not.toBeNull()
        }).pipe(Effect.provide(systemLayer(engine))),
    )
  })
}

describe("pack e-mail digest", () => {
  it("is the scanner's emailHash, computed synchronously", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uuid(), fc.emailAddress(), fc.boolean(), async (eventId, email, upper) => {
        const address = upper ? ` ${email.toUpperCase()} ` : email
        expect(packEmailHash(eventId, address)).toBe(await emailHash(eventId, address))
      }),
      { numRuns: 200 },
    )
  })
})

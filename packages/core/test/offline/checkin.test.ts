import { generateKeyPairSync, randomUUID, sign } from "node:crypto"
import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import {
  type CheckIn,
  CheckInState,
  type CheckinPack,
  emailHash,
  encodeTicketCode,
  openPack,
  readPackHeader,
  ScanIndex,
  sealPack,
} from "../../src/offline/index.js"

const eventId = "0193a1b2-0000-7000-8000-0000000000e1"
const otherEventId = "0193a1b2-0000-7000-8000-0000000000e2"
const listId = "0193a1b2-0000-7000-8000-00000000001a"

const keyPair = () => {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519")
  return {
    publicKey: publicKey.export({ format: "jwk" }).x!,
    sign: (message: Uint8Array) => new Uint8Array(sign(null, message, privateKey)),
  }
}
const key = keyPair()
const kid = "AAAA"
const codeOf = (ticketId: string, ticketTypeIndex = 0, forEvent = eventId, signer = key) =>
  encodeTicketCode({ kid, eventId: forEvent, ticketId, ticketTypeIndex }, signer.sign)

const packWith = (overrides: Partial<CheckinPack> = {}): CheckinPack => ({
  format: "sratix-checkin-pack/1",
  eventId,
  listId,
  version: 1,
  baseVersion: null,
  generatedAt: 0,
  expiresAt: 10_000_000,
  list: {
    id: listId,
    name: "Main door",
    ticketTypeIndexes: [0, 1],
    validFrom: 1000,
    validUntil: 9_000_000,
    reentry: false,
  },
  keys: [{ kid, publicKey: key.publicKey, retiredAt: null }],
  graceMs: 0,
  revoked: [],
  attendees: [],
  devices: [{ id: "door-2", name: "Door 2" }],
  checkIns: [],
  checkInCursor: 0,
  ...overrides,
})

const checkInArb = (tickets: ReadonlyArray<string>, devices: ReadonlyArray<string>) =>
  fc.record({
    id: fc.uuid({ version: 4 }),
    ticketId: fc.constantFrom(...tickets),
    listId: fc.constant(listId),
    deviceId: fc.constantFrom(...devices),
    // Few distinct times, so ties happen and the id tie-break is exercised.
    deviceTime: fc.integer({ min: 0, max: 20 }),
  })

describe("check-in merge rule", () => {
  it("any split across k devices and any order of syncs converges to merging everything at once", () => {
    const tickets = Array.from({ length: 6 }, () => randomUUID())
    const devices = ["d0", "d1", "d2", "d3", "d4"]
    fc.assert(
      fc.property(
        fc.array(checkInArb(tickets, devices), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
        fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 30 }),
        (checkIns, k, owners, syncOrder) => {
          // Each check-in is held by one device, sometimes also resent by a second (a retried sync).
          const held = Array.from({ length: k }, () => [] as Array<CheckIn>)
          checkIns.forEach((c, i) => {
            held[owners[i]! % k]!.push(c)
            if (owners[i]! % 7 === 0) held[(owners[i]! + 1) % k]!.push(c)
          })
          const server = new CheckInState()
          const replicas = held.map((h) => CheckInState.of(h))
          // Syncs in any order and any number of times; then every device syncs once more.
          for (const d of [...syncOrder.map((n) => n % k), ...replicas.keys()]) {
            server.merge(replicas[d]!.all())
            replicas[d]!.merge(server.all())
          }
          for (const d of replicas.keys()) replicas[d]!.merge(server.all())
          const everything = CheckInState.of(checkIns)
          expect(server.snapshot()).toEqual(everything.snapshot())
          for (const replica of replicas) expect(replica.snapshot()).toEqual(everything.snapshot())
          // Conflicts are kept: every check-in is still there, none dropped.
          expect(server.size).toBe(new Set(checkIns.map((c) => c.id)).size)
        },
      ),
      { numRuns: 300 },
    )
  })

  it("first check-in by device time wins; a tie goes to the smaller check-in id", () => {
    const ticketId = randomUUID()
    const at = (id: string, deviceTime: number, deviceId: string): CheckIn => ({
      id,
      ticketId,
      listId,
      deviceId,
      deviceTime,
    })
    const state = CheckInState.of([at("b", 200, "d1"), at("c", 100, "d2"), at("a", 100, "d3")])
    const merged = state.forTicket(ticketId)!
    expect(merged.winner.id).toBe("a")
    expect(merged.later.map((c) => c.id)).toEqual(["c", "b"])
  })

  it("a repeated id with different content resolves the same way whatever the order", () => {
    fc.assert(
      fc.property(checkInArb([randomUUID()], ["d1", "d2"]), fc.integer({ min: 0, max: 20 }), (c, otherTime) => {
        const twin = { ...c, deviceTime: otherTime, deviceId: "d9" }
        expect(CheckInState.of([c, twin]).all()).toEqual(CheckInState.of([twin, c]).all())
        expect(CheckInState.of([c, twin]).size).toBe(1)
      }),
    )
  })
})

describe("per-scan decision", () => {
  const alice = { t: randomUUID(), n: "Alice Müller", ty: 0, eh: "", a: [{ flag: "vip" }] }
  const bob = { t: randomUUID(), n: "Bob", ty: 2, eh: "" }
  const carol = { t: randomUUID(), n: "Carol", ty: 1, eh: "" }

  it("answers each verdict of the door", async () => {
    const index = new ScanIndex(
      packWith({
        attendees: [alice, bob, carol],
        revoked: [carol.t],
        checkIns: [],
      }),
    )
    const now = 5000
    expect(await index.decide(codeOf(alice.t), now)).toMatchObject({ kind: "valid", attention: [{ flag: "vip" }] })
    index.mergeCheckIns([{ id: randomUUID(), ticketId: alice.t, listId, deviceId: "door-2", deviceTime: 4000 }])
    expect(await index.decide(codeOf(alice.t), now)).toMatchObject({
      kind: "already_checked_in",
      at: 4000,
      deviceName: "Door 2",
    })
    expect(await index.decide(codeOf(carol.t, 1), now)).toMatchObject({ kind: "revoked" })
    expect(await index.decide(codeOf(bob.t, 2), now)).toMatchObject({ kind: "wrong_list" })
    expect(await index.decide(codeOf(randomUUID()), 500)).toMatchObject({ kind: "outside_window" })
    expect(await index.decide(codeOf(alice.t, 0, otherEventId), now)).toEqual({ kind: "other_event" })
    expect(await index.decide(codeOf(alice.t, 0, eventId, keyPair()), now)).toEqual({
      kind: "invalid_signature",
      reason: "bad_signature",
    })
    expect(await index.decide("SX1.nonsense", now)).toEqual({ kind: "invalid_signature", reason: "malformed" })
    // Authentic but newer than the pack: admitted, without attendee data.
    expect(await index.decide(codeOf(randomUUID(), 1), now)).toMatchObject({ kind: "valid", attendee: null })
  })

  it("re-entry lists admit again and name the first admission", async () => {
    const pack = packWith({ attendees: [alice] })
    const index = new ScanIndex({ ...pack, list: { ...pack.list, reentry: true } })
    index.mergeCheckIns([{ id: "x", ticketId: alice.t, listId, deviceId: "door-2", deviceTime: 4000 }])
    expect(await index.decide(codeOf(alice.t), 5000)).toMatchObject({ kind: "valid", previous: { id: "x" } })
  })

  it("a delta pack revokes a ticket and adds attendees", async () => {
    const index = new ScanIndex(packWith({ attendees: [alice] }))
    const dave = { t: randomUUID(), n: "Dave", ty: 1, eh: await emailHash(eventId, "Dave@Example.org") }
    index.applyDelta(packWith({ version: 2, baseVersion: 1, revoked: [alice.t], attendees: [dave] }))
    expect(await index.decide(codeOf(alice.t), 5000)).toMatchObject({ kind: "revoked" })
    expect((await index.searchByEmail(" dave@example.org")).map((a) => a.n)).toEqual(["Dave"])
    expect(index.searchByName("mull").map((a) => a.n)).toEqual(["Alice Müller"])
    expect(() => index.applyDelta(packWith({ version: 9, baseVersion: 5 }))).toThrow()
  })
})

describe("pack envelope", () => {
  const deviceKey = crypto.getRandomValues(new Uint8Array(32))
  const device = { deviceId: "door-2", eventId, key: deviceKey }

  it("round-trips for its device and refuses other devices, keys and expired packs", async () => {
    const pack = packWith({ attendees: [{ t: randomUUID(), n: "A", ty: 0, eh: "x" }] })
    const sealed = await sealPack(pack, { deviceId: "door-2", key: deviceKey })
    expect(readPackHeader(sealed)).toMatchObject({ eventId, listId, deviceId: "door-2", version: 1 })
    expect(await openPack(sealed, device, 5000)).toEqual({ ok: true, header: readPackHeader(sealed), pack })
    expect(await openPack(sealed, { ...device, deviceId: "door-3" }, 5000)).toEqual({
      ok: false,
      reason: "wrong_device",
    })
    expect(await openPack(sealed, { ...device, key: crypto.getRandomValues(new Uint8Array(32)) }, 5000)).toEqual({
      ok: false,
      reason: "tampered",
    })
    expect(await openPack(sealed, device, pack.expiresAt + 1)).toEqual({ ok: false, reason: "expired" })
  })

  it("a pack altered in any one byte is refused whole", async () => {
    const sealed = await sealPack(packWith({ attendees: [{ t: randomUUID(), n: "A", ty: 0, eh: "x" }] }), {
      deviceId: "door-2",
      key: deviceKey,
    })
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: sealed.length - 1 }), fc.integer({ min: 1, max: 255 }), async (at, flip) => {
        const altered = sealed.slice()
        altered[at] = altered[at]! ^ flip
        const opened = await openPack(altered, device, 5000)
        expect(opened.ok).toBe(false)
      }),
      { numRuns: 400 },
    )
    // Every byte position at least once.
    for (let at = 0; at < sealed.length; at++) {
      const altered = sealed.slice()
      altered[at] = altered[at]! ^ 1
      expect((await openPack(altered, device, 5000)).ok).toBe(false)
    }
    expect((await openPack(sealed.slice(0, sealed.length - 1), device, 5000)).ok).toBe(false)
  })
})

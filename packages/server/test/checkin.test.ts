import type { ChildProcess } from "node:child_process"
import { randomUUID } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { Effect, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { CreateTicketType, Events, Orders, Tickets, TicketTypes } from "../../core/src/index.js"
import { openPack, ScanIndex } from "../../core/src/offline/index.js"
import { engines, testSecret } from "../../core/test/support/Databases.js"
import { seedEvent, seedOrg } from "./support/Fixtures.js"
import { api, spawnServer, startTestServer, type TestServer, tokenFor } from "./support/TestServer.js"

/**
 * Acceptance of the check-in API (issue 6): enrol → download the pack → open it and decide offline →
 * two devices sync the same ticket → one winner, one conflict in the audit log, both seen live on the
 * SSE stream; a revoked device's token is refused. Then the same stream across two server processes
 * on one MariaDB and one Redis.
 */

interface Enrolled {
  deviceId: string
  deviceName: string
  token: string
  listId: string
  packKey: string
}

/** Free tickets issued for one order, straight through the core services. */
const issueTickets = (server: TestServer, eventId: string, seats: number) =>
  server.run(
    Effect.gen(function* () {
      const event = yield* (yield* Events).get(eventId as never)
      const type = yield* (yield* TicketTypes).create(
        event,
        Schema.decodeUnknownSync(CreateTicketType)({ name: `Free ${randomUUID()}`, priceMinor: 0, capacity: 1000 }),
      )
      const placed = yield* (yield* Orders).place(eventId as never, {
        items: [{ ticketTypeId: type.id, quantity: seats }],
        buyer: { email: "door@example.com", name: "Door Test" },
        locale: "en",
        attendees: Array.from({ length: seats }, () => ({ ticketTypeId: type.id, answers: {} })) as never,
      })
      return yield* (yield* Tickets).issueForOrder(placed.order.id)
    }).pipe(Effect.orDie),
  )

/** Reads an SSE response frame by frame. */
const openStream = async (url: string, eventId: string, token: string) => {
  const controller = new AbortController()
  const response = await fetch(`${url}/api/v1/events/${eventId}/check-ins/stream`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  })
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ""
  const frames: Array<string> = []
  const until = async (done: (frames: ReadonlyArray<string>) => boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs
    while (!done(frames)) {
      if (Date.now() > deadline) throw new Error(`stream: condition not met; frames: ${JSON.stringify(frames)}`)
      const { value, done: ended } = await reader.read()
      if (ended) throw new Error("stream ended")
      buffer += value
      let at = buffer.indexOf("\n\n")
      while (at >= 0) {
        frames.push(buffer.slice(0, at))
        buffer = buffer.slice(at + 2)
        at = buffer.indexOf("\n\n")
      }
    }
    return frames
  }
  const checkIns = (all: ReadonlyArray<string>) =>
    all
      .filter((f) => f.includes("event: check-in"))
      .map(
        (f) =>
          JSON.parse(
            f
              .split("\n")
              .find((l) => l.startsWith("data: "))!
              .slice(6),
          ) as { id: string },
      )
  return { response, until, checkIns, close: () => controller.abort() }
}

const checkInsOf = (n: number) => (frames: ReadonlyArray<string>) =>
  frames.filter((f) => f.includes("event: check-in")).length >= n

describe.each(engines)("check-in API (%s)", (engine) => {
  let server: TestServer
  let admin: string
  let eventId: string
  let listId: string

  beforeAll(async () => {
    server = await startTestServer(engine, { env: { SRATIX_PUBLIC_URL: "https://tickets.example.org" } })
    const orgId = await seedOrg(server, "Door")
    eventId = (await seedEvent(server, orgId, "Door")).eventId
    admin = await tokenFor(server, "event_admin", { orgId, eventId })
    const list = await api(server, "POST", `/events/${eventId}/check-in-lists`, {
      token: admin,
      body: { name: "Main door" },
    })
    expect(list.status).toBe(201)
    listId = list.body.id
  }, 120_000)
  afterAll(() => server?.stop())

  const enrol = async (deviceName: string): Promise<Enrolled> => {
    const issued = await api(server, "POST", `/events/${eventId}/check-in-devices/enrolment-codes`, {
      token: admin,
      body: { listId, deviceName },
    })
    expect(issued.status).toBe(201)
    expect(issued.body.enrolUrl).toBe(`https://tickets.example.org/scanner/#enrol=${issued.body.code}`)
    const enrolled = await api(server, "POST", "/check-in/enrol", { body: { code: issued.body.code } })
    expect(enrolled.status).toBe(200)
    const reused = await api(server, "POST", "/check-in/enrol", { body: { code: issued.body.code } })
    expect(reused.status).toBe(401)
    expect(reused.headers.get("content-type")).toBe("application/problem+json")
    return enrolled.body as unknown as Enrolled
  }

  it("enrol, pack, offline decision, two devices sync one ticket: one winner, one conflict; revoked device refused", async () => {
    const [ticket, other] = await issueTickets(server, eventId, 2)
    const door1 = await enrol("Door 1")
    const door2 = await enrol("Door 2")
    expect(door1).toMatchObject({ eventId, listId, deviceName: "Door 1" })

    const response = await fetch(`${server.url}/api/v1/events/${eventId}/check-in-lists/${listId}/pack`, {
      headers: { authorization: `Bearer ${door1.token}` },
    })
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("application/octet-stream")
    expect(response.headers.get("cache-control")).toBe("no-store")
    expect(response.headers.get("etag")).toMatch(/^".+"$/)
    const bytes = new Uint8Array(await response.arrayBuffer())
    const key = Buffer.from(door1.packKey, "base64url")
    const opened = await openPack(bytes, { deviceId: door1.deviceId, eventId, key, listId }, Date.now())
    if (!opened.ok) throw new Error(`pack refused: ${opened.reason}`)
    const index = new ScanIndex(opened.pack)
    expect(await index.decide(ticket!.code, Date.now())).toMatchObject({ kind: "valid", ticketId: ticket!.id })
    const flipped = bytes.slice()
    flipped[bytes.length - 20]! ^= 1
    expect(await openPack(flipped, { deviceId: door1.deviceId, eventId, key }, Date.now())).toEqual({
      ok: false,
      reason: "tampered",
    })

    const stream = await openStream(server.url, eventId, admin)
    expect(stream.response.headers.get("content-type")).toBe("text/event-stream")
    await stream.until((frames) => frames.some((f) => f.includes(": connected")))

    // Both doors admitted the same ticket offline; door 2 did so first by its clock but syncs last.
    const at = Date.now()
    const fromDoor1 = { id: randomUUID(), ticketId: ticket!.id, listId, deviceTime: new Date(at).toISOString() }
    const otherFromDoor1 = { id: randomUUID(), ticketId: other!.id, listId, deviceTime: new Date(at).toISOString() }
    const fromDoor2 = { id: randomUUID(), ticketId: ticket!.id, listId, deviceTime: new Date(at - 5_000).toISOString() }
    const sync1 = await api(server, "POST", `/events/${eventId}/check-ins/sync`, {
      token: door1.token,
      body: { cursor: 0, checkIns: [fromDoor1, otherFromDoor1], deviceId: "forged" },
    })
    expect(sync1.status).toBe(200)
    expect(sync1.body).toMatchObject({ accepted: 2, conflicts: 0, rejected: [] })
    const sync2 = await api(server, "POST", `/events/${eventId}/check-ins/sync`, {
      token: door2.token,
      body: { cursor: 0, checkIns: [fromDoor2] },
    })
    expect(sync2.body).toMatchObject({ accepted: 1, conflicts: 1 })
    // The device is the token's: door 1's check-ins come back to door 2 under door 1's id, never "forged".
    expect(sync2.body.checkIns.map((c: { deviceId: string }) => c.deviceId)).toEqual([door1.deviceId, door1.deviceId])
    const retried = await api(server, "POST", `/events/${eventId}/check-ins/sync`, {
      token: door2.token,
      body: { cursor: sync2.body.cursor, checkIns: [fromDoor2] },
    })
    expect(retried.body).toMatchObject({ accepted: 0, alreadyKnown: 1, conflicts: 0 })

    const listed = await api(server, "GET", `/events/${eventId}/check-ins`, { token: admin })
    const entries = listed.body as unknown as Array<{ checkIn: { id: string }; winner: boolean; conflict: boolean }>
    expect(entries.filter((e) => e.conflict).map((e) => e.checkIn.id)).toEqual([fromDoor1.id])
    expect(entries.find((e) => e.checkIn.id === fromDoor2.id)?.winner).toBe(true)
    const audited = await server.run(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ data: string }>`SELECT data FROM audit_log WHERE event_id = ${eventId}
          AND action = 'check_in.conflicted'`,
      ).pipe(Effect.orDie),
    )
    expect(audited).toHaveLength(1)
    expect(JSON.parse(String(audited[0]!.data))).toMatchObject({
      winner: fromDoor2.id,
      winnerDevice: door2.deviceId,
      loser: fromDoor1.id,
      loserDevice: door1.deviceId,
    })

    const live = stream.checkIns(await stream.until(checkInsOf(3)))
    expect(live.map((c) => c.id).sort()).toEqual([fromDoor1.id, otherFromDoor1.id, fromDoor2.id].sort())
    stream.close()

    // A delta since the pack's version opens the same way and applies on top.
    const delta = await fetch(
      `${server.url}/api/v1/events/${eventId}/check-in-lists/${listId}/pack?since=${opened.pack.version}`,
      { headers: { authorization: `Bearer ${door1.token}` } },
    )
    expect(delta.status).toBe(200)
    const openedDelta = await openPack(
      new Uint8Array(await delta.arrayBuffer()),
      { deviceId: door1.deviceId, eventId, key },
      Date.now(),
    )
    if (!openedDelta.ok) throw new Error(`delta refused: ${openedDelta.reason}`)
    expect(openedDelta.pack.baseVersion).toBe(opened.pack.version)
    index.applyDelta(openedDelta.pack)

    // Online check-in: the device is again the token's.
    const online = await api(server, "POST", `/events/${eventId}/check-ins`, {
      token: door1.token,
      body: { id: randomUUID(), code: other!.code, listId, deviceTime: new Date().toISOString() },
    })
    expect(online.body).toMatchObject({ kind: "already_checked_in", firstDeviceId: door1.deviceId })

    // Revocation: door 2's token stops working at once, and nobody gets a pack for it.
    const revoked = await api(server, "DELETE", `/events/${eventId}/check-in-devices/${door2.deviceId}`, {
      token: admin,
    })
    expect(revoked.status).toBe(204)
    const refusedPack = await api(server, "GET", `/events/${eventId}/check-in-lists/${listId}/pack`, {
      token: door2.token,
    })
    expect(refusedPack.status).toBe(401)
    const refusedSync = await api(server, "POST", `/events/${eventId}/check-ins/sync`, {
      token: door2.token,
      body: { cursor: 0, checkIns: [] },
    })
    expect(refusedSync.status).toBe(401)
    const forRevoked = await api(
      server,
      "GET",
      `/events/${eventId}/check-in-lists/${listId}/pack?device=${door2.deviceId}`,
      { token: admin },
    )
    expect(forRevoked.status).toBe(409)
    const devices = await api(server, "GET", `/events/${eventId}/check-in-devices`, { token: admin })
    const rows = devices.body as unknown as Array<{ id: string; revokedAt: string | null; lastSeenAt: string | null }>
    expect(rows.find((d) => d.id === door2.deviceId)?.revokedAt).not.toBeNull()
    expect(rows.find((d) => d.id === door1.deviceId)).toMatchObject({ revokedAt: null })
    expect(rows.find((d) => d.id === door1.deviceId)?.lastSeenAt).not.toBeNull()
  }, 120_000)

  it("a device cannot fetch another list's pack, nor a pack for another device", async () => {
    const door = await enrol("Side door")
    const side = await api(server, "POST", `/events/${eventId}/check-in-lists`, {
      token: admin,
      body: { name: "Side" },
    })
    const otherList = await api(server, "GET", `/events/${eventId}/check-in-lists/${side.body.id}/pack`, {
      token: door.token,
    })
    expect(otherList.status).toBe(403)
    const another = await enrol("Another")
    const foreign = await api(
      server,
      "GET",
      `/events/${eventId}/check-in-lists/${listId}/pack?device=${another.deviceId}`,
      { token: door.token },
    )
    expect(foreign.status).toBe(403)
    const noDevice = await api(server, "GET", `/events/${eventId}/check-in-lists/${listId}/pack`, { token: admin })
    expect(noDevice.status).toBe(422)
  }, 60_000)
})

const redisUrl = process.env.SRATIX_TEST_REDIS_URL
describe.skipIf(!engines.includes("mysql") || redisUrl === undefined)(
  "check-in stream across two server processes (MariaDB + Redis)",
  () => {
    let server: TestServer
    const children: Array<ChildProcess> = []

    beforeAll(async () => {
      server = await startTestServer("mysql")
    }, 120_000)
    afterAll(async () => {
      for (const child of children) child.kill("SIGTERM")
      await server?.stop()
    })

    it("a check-in synced through one instance reaches a stream held on the other", async () => {
      const env = { REDIS_URL: redisUrl!, SRATIX_SECRET: Buffer.from(testSecret).toString("hex") }
      const [one, two] = await Promise.all([
        spawnServer(server.db.url, server.dataDir, env),
        spawnServer(server.db.url, server.dataDir, env),
      ])
      children.push(one.child, two.child)
      const orgId = await seedOrg(server, "Redis")
      const fixture = await seedEvent(server, orgId, "Redis")
      const admin = await tokenFor(server, "event_admin", { orgId, eventId: fixture.eventId })
      const [ticket] = await issueTickets(server, fixture.eventId, 1)
      const issued = await api(one, "POST", `/events/${fixture.eventId}/check-in-devices/enrolment-codes`, {
        token: admin,
        body: { listId: fixture.listId, deviceName: "Door R" },
      })
      const device = await api(two, "POST", "/check-in/enrol", { body: { code: issued.body.code } })
      expect(device.status).toBe(200)
      const stream = await openStream(two.url, fixture.eventId, admin)
      await stream.until((frames) => frames.some((f) => f.includes(": connected")))
      const checkIn = {
        id: randomUUID(),
        ticketId: ticket!.id,
        listId: fixture.listId,
        deviceTime: new Date().toISOString(),
      }
      const synced = await api(one, "POST", `/events/${fixture.eventId}/check-ins/sync`, {
        token: device.body.token,
        body: { cursor: 0, checkIns: [checkIn] },
      })
      expect(synced.body).toMatchObject({ accepted: 1 })
      const live = stream.checkIns(await stream.until(checkInsOf(1)))
      expect(live).toEqual([expect.objectContaining({ id: checkIn.id, deviceId: device.body.deviceId })])
      stream.close()
    }, 120_000)
  },
)

describe("check-in stream and shutdown", () => {
  it("closing the server ends open streams instead of waiting for them", async () => {
    const server = await startTestServer("sqlite")
    try {
      const orgId = await seedOrg(server, "Stop")
      const { eventId } = await seedEvent(server, orgId, "Stop")
      const stream = await openStream(server.url, eventId, await tokenFor(server, "staff", { orgId, eventId }))
      await stream.until((frames) => frames.some((f) => f.includes(": connected")))
      const started = Date.now()
      await server.close()
      expect(Date.now() - started).toBeLessThan(10_000)
      await expect(stream.until(() => false, 5_000)).rejects.toThrow(/stream ended/)
    } finally {
      await server.stop().catch(() => {})
    }
  }, 60_000)
})

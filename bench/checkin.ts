/**
 * Check-in benchmark (issue 6), in one Node process, each figure beside a baseline from the same run:
 *
 * - pack sealing for 50,000 attendees (JSON + AES-256-GCM via `sealPack`) vs a bare `JSON.stringify`;
 * - pack opening and indexing (`openPack` + `new ScanIndex`) vs a bare `JSON.parse`;
 * - per-scan decision p50/p99 (`ScanIndex.decide`: signature, revocation, list, window, earlier
 *   admission) vs the signature check alone (`verifyTicketCode`);
 * - merging 10,000 queued check-ins from 5 devices in syncs of 500 (`CheckInState.merge`) vs copying
 *   them into a Map.
 *
 * Then the same against a database (SQLite in a temp folder, or SRATIX_BENCH_DATABASE_URL=mysql://…):
 *
 * - pack generation for 50,000 attendees from the database (`CheckInPacks.build`: query, attention
 *   flags, e-mail digests, seal) vs reading the same rows and `JSON.stringify` of them;
 * - per-scan decision p99 over that generated pack vs the signature check alone;
 * - sync of 10,000 queued check-ins from 5 devices in batches of 500 (`CheckIns.sync`: lock, dedupe,
 *   merge, conflict audit, answer) vs bare multi-row INSERTs of the same rows in transactions of 500.
 *
 *   npm run bench:checkin          # knobs: SRATIX_BENCH_ATTENDEES (50000), SRATIX_BENCH_SCANS (5000),
 *                                  # SRATIX_BENCH_DATABASE_URL (default: a temp SQLite file)
 */
import { generateKeyPairSync, randomUUID, sign } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { SqlClient } from "@effect/sql"
import {
  Caller,
  CheckInDevices,
  CheckInPacks,
  CheckIns,
  CoreServices,
  CreateCheckinList,
  CreateEvent,
  CreateTicketType,
  Events,
  environmentLayer,
  loadEnvironment,
  migrate,
  Orders,
  Organizations,
  SigningKeys,
  Tickets,
  TicketTypes,
  uuidv7,
  withCaller,
} from "@sratix/core"
import {
  type CheckIn,
  CheckInState,
  type CheckinPack,
  encodeTicketCode,
  openPack,
  ScanIndex,
  sealPack,
  verifyTicketCode,
} from "@sratix/core/offline"
import { Effect, Layer, ManagedRuntime, Schema } from "effect"

const ATTENDEES = Number(process.env.SRATIX_BENCH_ATTENDEES ?? 50_000)
const SCANS = Number(process.env.SRATIX_BENCH_SCANS ?? 5_000)
const eventId = "0193a1b2-0000-7000-8000-0000000000e1"
const listId = "0193a1b2-0000-7000-8000-00000000001a"

const time = async <A>(run: () => Promise<A> | A): Promise<[A, number]> => {
  const start = performance.now()
  const out = await run()
  return [out, performance.now() - start]
}
const pct = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!
const ms = (n: number) => `${n.toFixed(n < 1 ? 3 : 1)} ms`

const { publicKey, privateKey } = generateKeyPairSync("ed25519")
const kid = "AAAA"
const ticketIds = Array.from({ length: ATTENDEES }, () => randomUUID())
const pack: CheckinPack = {
  format: "sratix-checkin-pack/1",
  eventId,
  listId,
  version: 1,
  baseVersion: null,
  generatedAt: Date.now(),
  expiresAt: Date.now() + 86_400_000,
  list: {
    id: listId,
    name: "Main door",
    ticketTypeIndexes: [0, 1, 2],
    validFrom: null,
    validUntil: null,
    reentry: false,
  },
  keys: [{ kid, publicKey: publicKey.export({ format: "jwk" }).x!, retiredAt: null }],
  graceMs: 0,
  revoked: ticketIds.slice(0, Math.floor(ATTENDEES / 100)),
  attendees: ticketIds.map((t, i) => ({
    t,
    n: `Attendee Number ${i} Lastname`,
    ty: i % 3,
    eh: "AAAAAAAAAAAAAAAAAAAAAA",
    ...(i % 50 === 0 ? { a: [{ flag: "vip" }] } : {}),
  })),
  devices: [{ id: "door-1", name: "Door 1" }],
  checkIns: [],
  checkInCursor: 0,
}
const key = crypto.getRandomValues(new Uint8Array(32))

const [json, stringifyMs] = await time(() => JSON.stringify(pack))
const [sealed, sealMs] = await time(() => sealPack(pack, { deviceId: "door-1", key }))
const [, parseMs] = await time(() => JSON.parse(json))
const [index, openMs] = await time(async () => {
  const opened = await openPack(sealed, { deviceId: "door-1", eventId, key }, Date.now())
  if (!opened.ok) throw new Error(opened.reason)
  return new ScanIndex(opened.pack)
})

const codes = Array.from({ length: SCANS }, (_, i) =>
  encodeTicketCode(
    { kid, eventId, ticketId: ticketIds[(i * 7919) % ATTENDEES]!, ticketTypeIndex: ((i * 7919) % ATTENDEES) % 3 },
    (m) => new Uint8Array(sign(null, m, privateKey)),
  ),
)
const now = Date.now()
for (const code of codes.slice(0, 200)) await index.decide(code, now) // warm-up (key import, JIT)
const decideTimes: Array<number> = []
const verifyTimes: Array<number> = []
for (const code of codes) {
  let start = performance.now()
  await verifyTicketCode(code, { eventId, keys: pack.keys, graceMs: 0, now })
  verifyTimes.push(performance.now() - start)
  start = performance.now()
  const verdict = await index.decide(code, now)
  decideTimes.push(performance.now() - start)
  if (verdict.kind === "valid") {
    index.mergeCheckIns([{ id: randomUUID(), ticketId: verdict.ticketId, listId, deviceId: "door-1", deviceTime: now }])
  }
}
decideTimes.sort((a, b) => a - b)
verifyTimes.sort((a, b) => a - b)

const queued: Array<Array<CheckIn>> = Array.from({ length: 5 }, (_, d) =>
  Array.from({ length: 2_000 }, (_, i) => ({
    id: randomUUID(),
    ticketId: ticketIds[(d * 2_000 + i * 13) % ATTENDEES]!,
    listId,
    deviceId: `door-${d}`,
    deviceTime: now + i * 100 + d,
  })),
)
const [, mergeMs] = await time(() => {
  const server = new CheckInState()
  for (let i = 0; i < 2_000; i += 500) for (const device of queued) server.merge(device.slice(i, i + 500))
  return server
})
const [, mapMs] = await time(() => {
  const m = new Map<string, CheckIn>()
  for (const device of queued) for (const c of device) m.set(c.id, c)
  return m
})

const report = {
  attendees: ATTENDEES,
  packBytes: sealed.length,
  sealMs: Number(sealMs.toFixed(1)),
  baselineStringifyMs: Number(stringifyMs.toFixed(1)),
  openAndIndexMs: Number(openMs.toFixed(1)),
  baselineParseMs: Number(parseMs.toFixed(1)),
  scans: SCANS,
  decideP50Ms: Number(pct(decideTimes, 0.5).toFixed(3)),
  decideP99Ms: Number(pct(decideTimes, 0.99).toFixed(3)),
  baselineVerifyP99Ms: Number(pct(verifyTimes, 0.99).toFixed(3)),
  merge10kMs: Number(mergeMs.toFixed(1)),
  mergePerSecond: Math.round(10_000 / (mergeMs / 1000)),
  baselineMapMs: Number(mapMs.toFixed(1)),
}
console.log(
  [
    `pack for ${ATTENDEES} attendees: ${(sealed.length / 1e6).toFixed(2)} MB sealed in ${ms(sealMs)} (JSON.stringify alone ${ms(stringifyMs)})`,
    `open + index: ${ms(openMs)} (JSON.parse alone ${ms(parseMs)})`,
    `per-scan decision over ${SCANS} scans: p50 ${ms(report.decideP50Ms)}, p99 ${ms(report.decideP99Ms)} (signature check alone p99 ${ms(report.baselineVerifyP99Ms)})`,
    `merge 10,000 check-ins from 5 devices in syncs of 500: ${ms(mergeMs)} (${report.mergePerSecond}/s; Map copy ${ms(mapMs)})`,
  ].join("\n"),
)

// ---------------------------------------------------------------------------------------------
// From the database

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-bench-checkin-"))
const secret = "bench-secret-0123456789abcdef-0123456789"
const environment = loadEnvironment({
  SRATIX_DATA_DIR: dataDir,
  SRATIX_SECRET: secret,
  ...(process.env.SRATIX_BENCH_DATABASE_URL ? { DATABASE_URL: process.env.SRATIX_BENCH_DATABASE_URL } : {}),
})
const runtime = ManagedRuntime.make(
  Layer.mergeAll(
    CoreServices.pipe(Layer.provideMerge(environmentLayer(environment, new TextEncoder().encode(secret)))),
    Caller.layerSystem("bench"),
  ),
)
const runDb = <A, E>(effect: Effect.Effect<A, E, ManagedRuntime.ManagedRuntime.Context<typeof runtime>>) =>
  runtime.runPromise(Effect.orDie(effect))

await runDb(migrate)
const seeded = await runDb(
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const org = yield* (yield* Organizations).create({ name: "Bench", slug: `bench-${Date.now()}` })
    const events = yield* Events
    const draft = yield* events.create(
      org.id,
      Schema.decodeUnknownSync(CreateEvent)({
        slug: "door-rush",
        name: "Door rush",
        startsAt: new Date(Date.now() + 86_400_000).toISOString(),
        endsAt: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      }),
    )
    const event = yield* events.update(draft.id, { status: "published" })
    const types = yield* TicketTypes
    const general = yield* types.create(
      event,
      Schema.decodeUnknownSync(CreateTicketType)({ name: "General", priceMinor: 0, capacity: 100_000 }),
    )
    const vip = yield* types.create(
      event,
      Schema.decodeUnknownSync(CreateTicketType)({ name: "VIP", priceMinor: 0, capacity: 100_000 }),
    )
    const placed = yield* (yield* Orders)
      .place(event.id, {
        items: [{ ticketTypeId: general.id, quantity: 1 }],
        buyer: { email: "bench@example.com", name: "Bench" },
        locale: "en",
      })
      .pipe(withCaller(Caller.anonymous))
    const [template] = yield* (yield* Tickets).issueForOrder(placed.order.id)
    const signer = yield* (yield* SigningKeys).activeSigner(event)
    const indexes = new Map([general.id, vip.id].sort().map((id, i) => [id as string, i]))
    // 50,000 tickets of one order, written in bulk: the bench is about reading them, not selling them.
    const codes: Array<string> = []
    const created = Date.now()
    for (let start = 1; start < ATTENDEES; start += 1_000) {
      const rows = []
      for (let i = start; i < Math.min(start + 1_000, ATTENDEES); i++) {
        const id = uuidv7(created + i)
        const typeId = i % 50 === 0 ? vip.id : general.id
        const code = encodeTicketCode(
          { kid: signer.kid, eventId: event.id, ticketId: id, ticketTypeIndex: indexes.get(typeId)! },
          signer.sign,
        )
        codes.push(code)
        rows.push({
          id,
          orgId: event.orgId,
          eventId: event.id,
          orderId: placed.order.id,
          seatIndex: i,
          ticketTypeId: typeId,
          attendeeName: `Attendee Number ${i} Lastname`,
          attendeeEmail: `attendee${i}@example.com`,
          status: i % 100 === 0 ? "void" : "valid",
          code,
          keyId: signer.kid,
          voidReason: null,
          voidedAt: null,
          createdAt: created,
          updatedAt: created,
        })
      }
      yield* sql`INSERT INTO tickets ${sql.insert(rows)}`.pipe(sql.withTransaction)
    }
    const list = yield* (yield* CheckIns).createList(
      event,
      Schema.decodeUnknownSync(CreateCheckinList)({
        name: "Main door",
        attention: { ticketTypes: [{ ticketTypeId: vip.id, flag: "vip" }], fields: [] },
      }),
    )
    const devices = yield* CheckInDevices
    const enrolled = yield* Effect.forEach([1, 2, 3, 4, 5], (n) =>
      Effect.flatMap(devices.createEnrolmentCode(event, { listId: list.id, deviceName: `Door ${n}` }), (c) =>
        devices.enrol(c.code).pipe(withCaller(Caller.anonymous)),
      ),
    )
    const ids = yield* sql<{ id: string }>`SELECT id FROM tickets WHERE event_id = ${event.id} AND status = 'valid'`
    return { event, list, enrolled, codes: [template!.code, ...codes], ticketIds: ids.map((r) => r.id) }
  }),
)
const { event, list, enrolled } = seeded
const device = enrolled[0]!

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const buildTimes: Array<number> = []
let built: Awaited<ReturnType<typeof buildPack>> | undefined
const buildPack = () =>
  runDb(Effect.flatMap(CheckInPacks, (packs) => packs.build(event, list.id, { deviceId: device.deviceId })))
for (let i = 0; i < 3; i++) {
  const [result, took] = await time(buildPack)
  built = result
  buildTimes.push(took)
}
const readTimes: Array<number> = []
for (let i = 0; i < 3; i++) {
  const [, took] = await time(() =>
    runDb(
      Effect.flatMap(SqlClient.SqlClient, (sql) =>
        Effect.map(
          sql`SELECT id, ticket_type_id, attendee_name, attendee_email, status FROM tickets WHERE event_id = ${event.id}`,
          (rows) => JSON.stringify(rows),
        ),
      ),
    ),
  )
  readTimes.push(took)
}
const dbKey = Buffer.from(device.packKey, "base64url")
const openedDb = await openPack(built!.bytes, { deviceId: device.deviceId, eventId: event.id, key: dbKey }, Date.now())
if (!openedDb.ok) throw new Error(`generated pack refused: ${openedDb.reason}`)
const dbIndex = new ScanIndex(openedDb.pack)
const dbCodes = Array.from({ length: SCANS }, (_, i) => seeded.codes[(i * 7919) % seeded.codes.length]!)
const scanAt = Date.now()
for (const code of dbCodes.slice(0, 200)) await dbIndex.decide(code, scanAt)
const dbDecide: Array<number> = []
const dbVerify: Array<number> = []
for (const code of dbCodes) {
  let start = performance.now()
  await verifyTicketCode(code, { eventId: event.id, keys: openedDb.pack.keys, graceMs: 0, now: scanAt })
  dbVerify.push(performance.now() - start)
  start = performance.now()
  await dbIndex.decide(code, scanAt)
  dbDecide.push(performance.now() - start)
}
dbDecide.sort((a, b) => a - b)
dbVerify.sort((a, b) => a - b)

// 10,000 queued check-ins, 2,000 per device, sent in batches of 500 with the devices taking turns;
// every tenth ticket is admitted by two devices, so conflicts are found and audited as in a real rush.
const SYNC_BATCH = 500
const perDevice = 2_000
const queues = enrolled.map((d, n) =>
  Array.from({ length: perDevice }, (_, i) => ({
    id: randomUUID(),
    ticketId: seeded.ticketIds[(i % 10 === 0 ? i : n * perDevice + i) % seeded.ticketIds.length]!,
    listId: list.id,
    deviceTime: scanAt + i * 50 + n,
    deviceId: d.deviceId,
  })),
)
let conflicts = 0
const cursors = enrolled.map(() => 0)
const [, syncMs] = await time(async () => {
  for (let at = 0; at < perDevice; at += SYNC_BATCH) {
    for (const [n, queue] of queues.entries()) {
      const batch = queue.slice(at, at + SYNC_BATCH)
      const answer = await runDb(
        Effect.flatMap(CheckIns, (c) =>
          c.sync(event, {
            deviceId: batch[0]!.deviceId,
            cursor: cursors[n]!,
            checkIns: batch.map(({ deviceId: _, ...c }) => c as never),
          }),
        ),
      )
      conflicts += answer.conflicts
      cursors[n] = answer.cursor
    }
  }
})
const [, insertMs] = await time(async () => {
  let seq = 1_000_000_000
  for (let at = 0; at < perDevice; at += SYNC_BATCH) {
    for (const queue of queues) {
      const rows = queue.slice(at, at + SYNC_BATCH).map((c) => ({
        id: randomUUID(),
        orgId: event.orgId,
        eventId: event.id,
        listId: c.listId,
        ticketId: c.ticketId,
        deviceId: c.deviceId,
        deviceTime: c.deviceTime,
        seq: seq++,
        receivedAt: scanAt,
        createdAt: scanAt,
        updatedAt: scanAt,
      }))
      await runDb(
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql`INSERT INTO check_ins ${sql.insert(rows)}`.pipe(sql.withTransaction),
        ),
      )
    }
  }
})
await runtime.dispose()
fs.rmSync(dataDir, { recursive: true, force: true })

const database = {
  engine: environment.databaseUrl.startsWith("mysql") ? "mysql" : "sqlite",
  packFromDbMs: Number(median(buildTimes).toFixed(1)),
  baselineReadRowsMs: Number(median(readTimes).toFixed(1)),
  packFromDbRatio: Number((median(buildTimes) / median(readTimes)).toFixed(2)),
  packFromDbBytes: built!.bytes.length,
  packFromDbAttendees: built!.attendees,
  packFromDbRevoked: built!.revoked,
  decideP99OverDbPackMs: Number(pct(dbDecide, 0.99).toFixed(3)),
  baselineVerifyP99DbMs: Number(pct(dbVerify, 0.99).toFixed(3)),
  sync10kMs: Number(syncMs.toFixed(0)),
  syncPerSecond: Math.round(10_000 / (syncMs / 1000)),
  syncConflicts: conflicts,
  baselineInsert10kMs: Number(insertMs.toFixed(0)),
  syncRatio: Number((syncMs / insertMs).toFixed(2)),
}
console.log(
  [
    `from the database (${database.engine}): pack for ${built!.attendees} attendees, ${built!.revoked} revoked, ` +
      `${(built!.bytes.length / 1e6).toFixed(2)} MB in ${ms(database.packFromDbMs)} median of 3 ` +
      `(reading the rows + JSON.stringify ${ms(database.baselineReadRowsMs)}; ratio ${database.packFromDbRatio})`,
    `per-scan decision over the generated pack: p99 ${ms(database.decideP99OverDbPackMs)} (signature alone p99 ${ms(database.baselineVerifyP99DbMs)})`,
    `sync of 10,000 check-ins from 5 devices in batches of ${SYNC_BATCH}: ${ms(syncMs)} (${database.syncPerSecond}/s, ` +
      `${conflicts} conflicts audited; bare INSERTs ${ms(insertMs)}; ratio ${database.syncRatio})`,
  ].join("\n"),
)
console.log(JSON.stringify({ ...report, database }))

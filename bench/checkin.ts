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
 * Not measured here yet: building the pack from the database and the SQL batch sync (CheckIns.sync).
 *
 *   npm run bench:checkin          # knobs: SRATIX_BENCH_ATTENDEES (50000), SRATIX_BENCH_SCANS (5000)
 */
import { generateKeyPairSync, randomUUID, sign } from "node:crypto"
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
console.log(JSON.stringify(report))

/**
 * Paid-to-email benchmark (issue 5): how long from an order's payment committing to its confirmation
 * arriving at an SMTP server, with BullMQ on Redis, beside a baseline from the same run.
 *
 * - Baseline: a trivial BullMQ job (`JobQueue` with the same Redis, the same arrival schedule):
 *   enqueue → handler running, p50/p99. The queue's share of the paid-to-email figure.
 * - Measured: free orders (paid in the placing transaction; their fulfilment enqueued after the
 *   commit) at a steady rate; the workers (`Fulfilment.runWorkers`, in this process) issue the
 *   tickets, make the documents and send the confirmation to an smtp-server on loopback. Latency =
 *   `Orders.place` returned → the server has the whole message. Without a badge template and wallet
 *   configuration by default (the e-mail path); SRATIX_BENCH_BADGES=1 attaches each ticket's badge PDF.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 npm run bench:fulfilment
 *   knobs: SRATIX_BENCH_ORDERS (500), SRATIX_BENCH_RATE (orders/s, 20), SRATIX_BENCH_BADGES (0),
 *          DATABASE_URL (default: a fresh SQLite file)
 */
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import {
  Badges,
  Caller,
  CoreServices,
  defineJob,
  Events,
  environmentLayer,
  Fulfilment,
  JobQueue,
  loadEnvironment,
  migrate,
  Orders,
  Organizations,
  SAMPLE_BADGE_TEMPLATE,
  TicketTypes,
  withCaller,
} from "@sratix/core"
import { Deferred, Effect, Layer, ManagedRuntime, Schema } from "effect"
import { simpleParser } from "mailparser"
import { SMTPServer } from "smtp-server"
import { percentile } from "./lib/load.js"

const ORDERS = Number(process.env.SRATIX_BENCH_ORDERS ?? 500)
const RATE = Number(process.env.SRATIX_BENCH_RATE ?? 20)
const BADGES = process.env.SRATIX_BENCH_BADGES === "1"
const REDIS_URL = process.env.REDIS_URL ?? process.env.SRATIX_TEST_REDIS_URL
if (!REDIS_URL) {
  console.error("bench:fulfilment needs Redis: set REDIS_URL=redis://host:port")
  process.exit(2)
}
const SECRET = randomBytes(32).toString("base64url")
/** Job ids stay deduplicated in Redis for days: each run's trivial jobs get ids of their own. */
const RUN = randomBytes(4).toString("hex")
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-bench-fulfilment-"))

/** Arrival times of the messages, by the order id the confirmation names. */
const arrivals = new Map<string, number>()
const smtp = new SMTPServer({
  disabledCommands: ["STARTTLS", "AUTH"],
  logger: false,
  onData: (stream, _session, callback) => {
    const chunks: Array<Buffer> = []
    stream.on("data", (c: Buffer) => chunks.push(c))
    stream.on("end", () => {
      const at = performance.now()
      callback()
      void simpleParser(Buffer.concat(chunks)).then((mail) => {
        // The English confirmation names its order as "Order <id>".
        const id = /Order ([0-9a-f-]{36})/.exec(mail.text ?? "")?.[1]
        if (id) arrivals.set(id, at)
      })
    })
  },
})
await new Promise<void>((done) => smtp.listen(0, "127.0.0.1", done))
const smtpPort = (smtp.server.address() as AddressInfo).port

const environment = loadEnvironment({
  DATABASE_URL: process.env.DATABASE_URL ?? `sqlite:${path.join(dataDir, "bench.db")}`,
  SRATIX_DATA_DIR: dataDir,
  SRATIX_SECRET: SECRET,
  SRATIX_LOG_LEVEL: "error",
  REDIS_URL,
  SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
  SRATIX_MAIL_FROM: "Bench <bench@example.org>",
})
const runtime = ManagedRuntime.make(
  CoreServices.pipe(
    Layer.provideMerge(environmentLayer(environment, new TextEncoder().encode(SECRET))),
    Layer.provideMerge(Caller.layerSystem("bench")),
  ),
)

const summary = (latencies: ReadonlyArray<number>) => {
  const values = Float64Array.from(latencies)
  return { p50: percentile(values, 50), p99: percentile(values, 99), max: percentile(values, 100) }
}
const ms = (n: number) => `${n.toFixed(1)} ms`
/** Runs `each(i)` ORDERS times, one every 1/RATE s (not waiting for the previous one to finish). */
const paced = (each: (i: number) => Promise<void>) =>
  new Promise<void>((done, fail) => {
    let started = 0
    let finished = 0
    const start = performance.now()
    const tick = () => {
      while (started < ORDERS && performance.now() - start >= (started * 1000) / RATE) {
        each(started++).then(() => ++finished === ORDERS && done(), fail)
      }
      if (started < ORDERS) setTimeout(tick, 2)
    }
    tick()
  })

const Noop = defineJob("bench.noop", Schema.Struct({ sentAt: Schema.Number }), { attempts: 1, concurrency: 4 })

try {
  const setup = await runtime.runPromise(
    Effect.gen(function* () {
      yield* migrate
      const slug = `bench-${randomBytes(4).toString("hex")}`
      const org = yield* Effect.flatMap(Organizations, (o) => o.create({ name: "Bench", slug }))
      const events = yield* Events
      const draft = yield* events.create(org.id, {
        slug,
        name: "Fulfilment bench",
        startsAt: Date.parse("2027-03-01T08:00:00Z"),
        endsAt: Date.parse("2027-03-01T18:00:00Z"),
        timezone: "Europe/Zurich",
        currency: "CHF",
      })
      const event = yield* events.update(draft.id, { status: "published" })
      const type = yield* Effect.flatMap(TicketTypes, (t) =>
        t.create(event, {
          name: "Free",
          priceMinor: 0,
          vatRateBp: 0,
          capacity: ORDERS + 10,
          minPerOrder: 1,
          maxPerOrder: 1,
          visibility: "public",
          sortOrder: 0,
        }),
      )
      if (BADGES) {
        yield* Effect.flatMap(Badges, (b) =>
          b.save(event.id, { name: "Default", size: { name: "A6" }, ...SAMPLE_BADGE_TEMPLATE }),
        )
      }
      return { event, type }
    }),
  )

  // Baseline: the queue alone, same Redis, same pace.
  const queueLatencies: Array<number> = []
  await runtime.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const queue = yield* JobQueue
        const all = yield* Deferred.make<void>()
        yield* queue.work(Noop, ({ sentAt }) =>
          Effect.sync(() => {
            queueLatencies.push(performance.now() - sentAt)
            if (queueLatencies.length === ORDERS) Deferred.unsafeDone(all, Effect.void)
          }),
        )
        yield* Effect.promise(() =>
          paced((i) =>
            runtime.runPromise(queue.enqueue(Noop, { sentAt: performance.now() }, { id: `noop-${RUN}-${i}` })),
          ),
        )
        yield* Deferred.await(all)
      }),
    ),
  )

  // Paid to e-mail.
  const paidAt = new Map<string, number>()
  const startedAt = performance.now()
  await runtime.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        yield* Effect.flatMap(Fulfilment, (f) => f.runWorkers({ sweepEvery: "1 hour" }))
        yield* Effect.promise(() =>
          paced(async (i) => {
            const placed = await runtime.runPromise(
              Effect.flatMap(Orders, (o) =>
                o.place(setup.event.id, {
                  items: [{ ticketTypeId: setup.type.id, quantity: 1 }],
                  buyer: { email: `buyer${i}@example.org`, name: `Buyer ${i}` },
                  locale: "en",
                }),
              ).pipe(withCaller(Caller.anonymous)),
            )
            paidAt.set(placed.order.id, performance.now())
          }),
        )
        while (arrivals.size < ORDERS && performance.now() - startedAt < 15 * 60_000) {
          yield* Effect.sleep("50 millis")
        }
      }),
    ),
  )
  const wallMs = performance.now() - startedAt
  const emailLatencies = [...paidAt].flatMap(([id, at]) => {
    const arrived = arrivals.get(id)
    return arrived === undefined ? [] : [arrived - at]
  })
  const queue = summary(queueLatencies)
  const email = summary(emailLatencies)
  console.log(
    `\nbench:fulfilment — ${ORDERS} orders at ${RATE}/s, ${environment.databaseUrl.split(":")[0]}, BullMQ, loopback SMTP${BADGES ? ", badge PDF attached" : ""}`,
  )
  console.log(
    `  trivial BullMQ job, enqueue → handler:  p50 ${ms(queue.p50)}  p99 ${ms(queue.p99)}  max ${ms(queue.max)}`,
  )
  console.log(
    `  paid → e-mail at the SMTP server:       p50 ${ms(email.p50)}  p99 ${ms(email.p99)}  max ${ms(email.max)}  (${emailLatencies.length}/${ORDERS} arrived, ${(wallMs / 1000).toFixed(1)} s wall)`,
  )
  if (emailLatencies.length < ORDERS) process.exitCode = 1
} finally {
  await runtime.dispose()
  await new Promise<void>((done) => smtp.close(() => done()))
  fs.rmSync(dataDir, { recursive: true, force: true })
}

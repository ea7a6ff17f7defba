/**
 * Issue 5's acceptance: with BullMQ on Redis and a real SMTP server on loopback, paying an order
 * delivers one e-mail carrying each ticket's badge PDF and Apple Wallet pass and the invoice, with
 * a Google Wallet link per ticket; every document is checked the way its reader would check it.
 */
import { randomBytes } from "node:crypto"
import * as path from "node:path"
import { SqlClient } from "@effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import Sqlite from "better-sqlite3"
import { Effect, Exit, Layer, Schedule, Scope } from "effect"
import { simpleParser } from "mailparser"
import mysql from "mysql2/promise"
import {
  Badges,
  BullmqQueueLive,
  Caller,
  DEFAULT_KEY_GRACE_MS,
  Fulfilment,
  Invoices,
  type OrderId,
  Orders,
  Payments,
  SAMPLE_BADGE_TEMPLATE,
  SigningKeys,
  Tickets,
  WalletConfig,
} from "../src/index.js"
import { verifyTicketCode } from "../src/offline/index.js"
import { killHard, lineFrom, spawnChild } from "./support/Children.js"
import { coreLayer, engines, freshDatabase } from "./support/Databases.js"
import {
  asBuyer,
  createTicketType,
  type Engine,
  invoicingProfile,
  orderInput,
  publishedEvent,
  systemLayer,
} from "./support/Fixtures.js"
import { redisUrl, testLocks } from "./support/Jobs.js"
import { makePassChain, openPass, walletSettings } from "./support/PassCertificates.js"
import { pdfText, qrCodesIn } from "./support/Pdf.js"
import { type LoopbackSmtp, loopbackSmtp } from "./support/SmtpServer.js"

const FROM = "Swiss Robotics Day <tickets@robotics.example>"

let smtp: LoopbackSmtp
let scope: Scope.CloseableScope
beforeAll(async () => {
  scope = await Effect.runPromise(Scope.make())
  smtp = await Effect.runPromise(Scope.extend(loopbackSmtp, scope))
})
afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))

const waitFor = <A, E, R>(probe: Effect.Effect<A, E, R>, done: (a: A) => boolean, timeoutMs = 60_000) =>
  probe.pipe(
    Effect.repeat({ until: done, schedule: Schedule.spaced("50 millis") }),
    Effect.timeoutFail({ duration: timeoutMs, onTimeout: () => new Error("condition not reached in time") }),
  )

const chain = makePassChain()

describe.skipIf(!redisUrl).each(engines)("paid order to e-mail, end to end (%s, BullMQ, SMTP)", (engine) => {
  const layer = () =>
    Layer.merge(
      systemLayer(engine, {
        jobs: BullmqQueueLive({ url: redisUrl!, prefix: `sxe${randomBytes(4).toString("hex")}`, ...testLocks }),
        mail: { smtpUrl: smtp.url, from: FROM },
      }),
      WalletConfig.layer(walletSettings(chain)),
    )

  it.scopedLive(
    "one e-mail with two badges, two passes and the invoice; QR codes and pass signatures verify",
    () =>
      Effect.gen(function* () {
        const fulfilment = yield* Fulfilment
        yield* fulfilment.runWorkers({ sweepEvery: "1 hour" })
        const { org, event } = yield* publishedEvent()
        yield* invoicingProfile(org.id)
        const type = yield* createTicketType(event, { priceMinor: 7_900, capacity: 20, name: "Conference" })
        yield* Effect.flatMap(Badges, (b) =>
          b.save(event.id, {
            name: "Default",
            size: { name: "A6" },
            html: SAMPLE_BADGE_TEMPLATE.html,
            css: SAMPLE_BADGE_TEMPLATE.css,
          }),
        )
        const placed = yield* Effect.flatMap(Orders, (o) =>
          o.place(event.id, {
            ...orderInput([{ ticketTypeId: type.id, quantity: 2 }]),
            buyer: { email: "pia.rutschmann@example.org", name: "Pia Rutschmann" },
          }),
        ).pipe(asBuyer)
        const orderId = placed.order.id as OrderId
        const payments = yield* Payments
        yield* payments.start(orderId, placed.accessToken, { provider: "invoice" }).pipe(asBuyer)
        const before = smtp.received.length
        yield* payments.markPaid(event.id, orderId, { reference: "seen on the statement" })

        yield* waitFor(
          Effect.sync(() => smtp.received.length),
          (n) => n > before,
        )
        // Time for a second (wrong) copy to arrive before counting.
        yield* Effect.sleep("500 millis")
        const mine = smtp.received.slice(before)
        expect(mine).toHaveLength(1)
        const mail = yield* Effect.promise(() => simpleParser(mine[0]!))
        expect(mail.to && "text" in mail.to ? mail.to.text : "").toContain("pia.rutschmann@example.org")

        const tickets = (yield* Effect.flatMap(Tickets, (t) => t.listForOrder(orderId))).filter(
          (t) => t.status === "valid",
        )
        expect(tickets).toHaveLength(2)
        const codes = tickets.map((t) => t.code).sort()
        const named = (suffix: string) => mail.attachments.filter((a) => a.filename?.endsWith(suffix))

        // Badges: the QR code printed on each decodes and verifies against the event's public key.
        const badges = named(".pdf").filter((a) => a.filename?.startsWith("badge-"))
        expect(badges).toHaveLength(2)
        const keys = yield* Effect.flatMap(SigningKeys, (k) => k.publicKeys(event.id))
        const printed = badges.flatMap((b) => qrCodesIn(b.content))
        expect([...printed].sort()).toEqual(codes)
        for (const code of printed) {
          const verdict = yield* Effect.promise(() =>
            verifyTicketCode(code, { eventId: event.id, keys, graceMs: DEFAULT_KEY_GRACE_MS, now: Date.now() }),
          )
          expect(verdict.ok).toBe(true)
        }

        // Passes: signed by the test chain (openssl), every manifest hash right, the code as barcode.
        const passes = named(".pkpass")
        expect(passes).toHaveLength(2)
        expect(passes.every((p) => p.contentType === "application/vnd.apple.pkpass")).toBe(true)
        const barcodes: Array<string> = []
        for (const file of passes) {
          const opened = openPass(file.content)
          expect(opened.manifestMismatches()).toEqual([])
          opened.verifySignature(chain.chainFile)
          barcodes.push((opened.pass.barcodes as ReadonlyArray<{ message: string }>)[0]!.message)
        }
        expect(barcodes.sort()).toEqual(codes)

        // The invoice: the order's final invoice, now paid, as its PDF.
        const [invoice] = (yield* Effect.flatMap(Invoices, (i) =>
          i.list({ orgId: org.id, orderId, kind: "final", limit: 5 }),
        )).items
        const invoicePdf = named(".pdf").filter((a) => a.filename === `${invoice!.number}.pdf`)
        expect(invoicePdf).toHaveLength(1)
        expect(pdfText(invoicePdf[0]!.content)).toContain(invoice!.number)
        expect(mail.attachments).toHaveLength(5)

        // Google Wallet: one save link per ticket, in both parts.
        const links = (text: string) => text.match(/https:\/\/pay\.google\.com\/gp\/v\/save\/[\w.-]+/g) ?? []
        expect(links(mail.text ?? "")).toHaveLength(2)
        expect(links(typeof mail.html === "string" ? mail.html : "")).toHaveLength(2)

        // One row, sent on the first attempt; a retried job finds it sent and sends nothing.
        const sql = yield* SqlClient.SqlClient
        const rows = yield* sql<{ status: string; attempts: number }>`SELECT status, attempts FROM communications
          WHERE subject_id = ${orderId} AND template = 'confirmation'`
        expect(rows.map((r) => [r.status, Number(r.attempts)])).toEqual([["sent", 1]])
        expect(yield* fulfilment.sendConfirmation(orderId)).toBe("already_sent")
        yield* Effect.sleep("200 millis")
        expect(smtp.received.length - before).toBe(1)
      }).pipe(Effect.provide(layer())),
    { timeout: 120_000 },
  )
})

/**
 * The crash window of a send (docs/email.md, "Idempotency and the crash window"). A worker process
 * is SIGKILLed while the confirmation is in flight; the test process, a second worker, retries.
 * - Killed before the SMTP server accepted (its reply to DATA is held): nothing was delivered, the
 *   row stays `sending` until its lease runs out, the retry sends: exactly one e-mail.
 * - Killed after the server accepted and before `sent` was committed (the row is locked, so the
 *   worker's UPDATE waits): the retry sends a second copy with the same Message-ID. That is the
 *   at-least-once window we claim, and the test proves it is no wider than that.
 */
const childScript = path.join(import.meta.dirname, "support", "fulfilmentWorkerChild.ts")
const SEND_LEASE_MS = 1_500

/** Holds a write lock that covers the order's communications row until the scope closes. */
const lockWrites = (engine: Engine, url: string, orderId: string) =>
  engine === "mysql"
    ? Effect.acquireRelease(
        Effect.promise(async () => {
          const connection = await mysql.createConnection({ uri: url })
          await connection.query("START TRANSACTION")
          await connection.query("SELECT id FROM communications WHERE subject_id = ? FOR UPDATE", [orderId])
          return connection
        }),
        (connection) => Effect.promise(() => connection.query("ROLLBACK").then(() => connection.end())),
      )
    : Effect.acquireRelease(
        Effect.sync(() => {
          const db = new Sqlite(url.slice("sqlite:".length))
          db.exec("BEGIN IMMEDIATE")
          return db
        }),
        (db) =>
          Effect.sync(() => {
            db.exec("ROLLBACK")
            db.close()
          }),
      )

describe.skipIf(!redisUrl).each(engines)("a worker killed mid-send (%s, BullMQ, SMTP)", (engine) => {
  const setup = Effect.gen(function* () {
    const db = yield* Effect.acquireRelease(
      Effect.promise(() => freshDatabase(engine)),
      (d) => Effect.promise(() => d.drop()),
    )
    const prefix = `sxk${randomBytes(4).toString("hex")}`
    const layer = Layer.merge(
      coreLayer(db.url, {
        jobs: BullmqQueueLive({ url: redisUrl!, prefix, ...testLocks }),
        mail: { smtpUrl: smtp.url, from: FROM, sendLeaseMs: SEND_LEASE_MS },
      }),
      Caller.layerSystem("test"),
    )
    const context = yield* Layer.build(layer)
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL: redisUrl!,
      QUEUE_PREFIX: prefix,
      SMTP_URL: smtp.url,
      SEND_LEASE_MS: String(SEND_LEASE_MS),
    }
    return { url: db.url, context, env }
  })

  /** A free order (paid at once, its fulfilment enqueued after the commit) for one attendee. */
  const freeOrder = Effect.gen(function* () {
    const { event } = yield* publishedEvent()
    const type = yield* createTicketType(event, { priceMinor: 0, vatRateBp: 0, capacity: 5 })
    const placed = yield* Effect.flatMap(Orders, (o) =>
      o.place(event.id, {
        ...orderInput([{ ticketTypeId: type.id, quantity: 1 }]),
        buyer: { email: "luca.bernasconi@example.org", name: "Luca Bernasconi" },
      }),
    ).pipe(asBuyer)
    return placed.order.id as OrderId
  })

  /** A worker process sends an order's confirmation; the server has its data and holds the reply. */
  const sendHeldByServer = (env: Record<string, string>) =>
    Effect.gen(function* () {
      const child = yield* spawnChild(childScript, env)
      yield* lineFrom(child, "worker-ready", 60)
      const before = smtp.received.length
      const hold = smtp.holdNext()
      const orderId = yield* freeOrder
      yield* Effect.promise(() => hold.arrived)
      return { child, before, hold, orderId }
    })

  const confirmationRow = (orderId: OrderId) =>
    Effect.flatMap(
      SqlClient.SqlClient,
      (sql) => sql<{ status: string; attempts: number }>`SELECT status, attempts FROM communications
        WHERE subject_id = ${orderId} AND template = 'confirmation'`,
    ).pipe(
      Effect.map((rows) =>
        rows[0] === undefined ? null : { status: rows[0].status, attempts: Number(rows[0].attempts) },
      ),
      Effect.orDie,
    )

  const messagesAbout = (orderId: OrderId, from: number) =>
    Effect.promise(() => Promise.all(smtp.received.slice(from).map((raw) => simpleParser(raw)))).pipe(
      Effect.map((mails) => mails.filter((m) => (m.text ?? "").includes(orderId))),
    )

  it.scopedLive(
    "killed while the SMTP server holds its reply: the retry after the lease sends exactly one e-mail",
    () =>
      Effect.gen(function* () {
        const { context, env } = yield* setup
        yield* Effect.gen(function* () {
          const { child, before, hold, orderId } = yield* sendHeldByServer(env)
          expect(yield* confirmationRow(orderId)).toEqual({ status: "sending", attempts: 1 })
          yield* killHard(child)
          // The server notices the hang-up before it would answer: that message was never accepted.
          yield* Effect.sleep("200 millis")
          hold.release()
          yield* Effect.flatMap(Fulfilment, (f) => f.runWorkers({ sweepEvery: "1 hour" }))
          yield* waitFor(confirmationRow(orderId), (r) => r?.status === "sent")
          yield* Effect.sleep("500 millis")
          expect(yield* messagesAbout(orderId, before)).toHaveLength(1)
          expect(yield* confirmationRow(orderId)).toEqual({ status: "sent", attempts: 2 })
        }).pipe(Effect.provide(context))
      }),
    { timeout: 120_000 },
  )

  it.scopedLive(
    "killed after the server accepted, before `sent` committed: a second copy with the same Message-ID",
    () =>
      Effect.gen(function* () {
        const { url, context, env } = yield* setup
        yield* Effect.gen(function* () {
          const { child, before, hold, orderId } = yield* sendHeldByServer(env)
          yield* Effect.scoped(
            Effect.gen(function* () {
              yield* lockWrites(engine, url, orderId)
              hold.release()
              // Accepted by the server; the worker's UPDATE to `sent` now waits for the lock.
              yield* waitFor(
                Effect.sync(() => smtp.received.length),
                (n) => n > before,
              )
              yield* Effect.sleep("200 millis")
              yield* killHard(child)
            }),
          )
          expect(yield* confirmationRow(orderId)).toEqual({ status: "sending", attempts: 1 })
          yield* Effect.flatMap(Fulfilment, (f) => f.runWorkers({ sweepEvery: "1 hour" }))
          yield* waitFor(confirmationRow(orderId), (r) => r?.status === "sent")
          yield* Effect.sleep("500 millis")
          const copies = yield* messagesAbout(orderId, before)
          expect(copies).toHaveLength(2)
          expect(copies[0]!.messageId).toBeDefined()
          expect(copies[1]!.messageId).toBe(copies[0]!.messageId)
          expect(yield* confirmationRow(orderId)).toEqual({ status: "sent", attempts: 2 })
        }).pipe(Effect.provide(context))
      }),
    { timeout: 120_000 },
  )
})

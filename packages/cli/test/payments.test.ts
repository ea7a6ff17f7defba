import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  BillingProfiles,
  Caller,
  CoreServices,
  type EventId,
  Events,
  environmentLayer,
  loadEnvironment,
  type OrderId,
  Orders,
  Payments,
  TicketTypes,
  withCaller,
} from "../../core/src/index.js"
import { camt054 } from "../../core/test/support/Camt.js"
import { assertBuilt, bin, cleanEnv, expectOneLineError, run, runJson, tempDir } from "./support/Cli.js"

const SECRET = "cli-test-secret-0123456789abcdef-0123456789"
const QR_IBAN = "CH4431999123000889012"

describe("sratix payments and worker", () => {
  let dataDir: string
  let env: Record<string, string>
  let eventId: EventId
  const orders: Array<{ orderId: OrderId; reference: string }> = []
  let runtime: ManagedRuntime.ManagedRuntime<
    Layer.Layer.Success<typeof CoreServices> | Caller | SqlClient.SqlClient,
    never
  >

  beforeAll(async () => {
    assertBuilt()
    dataDir = tempDir()
    env = { SRATIX_DATA_DIR: dataDir, SRATIX_SECRET: SECRET }
    const seeded = await runJson<{ eventId: EventId }>(["seed", "demo"], env)
    runtime = ManagedRuntime.make(
      CoreServices.pipe(
        Layer.provideMerge(environmentLayer(loadEnvironment(env), new TextEncoder().encode(SECRET))),
        Layer.provideMerge(Caller.layerSystem("test")),
      ),
    )
    await runtime.runPromise(
      Effect.gen(function* () {
        const demo = yield* Effect.flatMap(Events, (e) => e.get(seeded.json.eventId))
        // An event of its own in the demo organisation: the demo event asks each attendee for a form.
        const events = yield* Events
        const draft = yield* events.create(demo.orgId, {
          slug: "invoice-cli-test",
          name: "Invoice CLI test",
          startsAt: Date.parse("2027-03-01T08:00:00Z"),
          endsAt: Date.parse("2027-03-01T18:00:00Z"),
          timezone: "Europe/Zurich",
          currency: "CHF",
        })
        const event = yield* events.update(draft.id, { status: "published" })
        eventId = event.id
        yield* Effect.flatMap(BillingProfiles, (p) =>
          p.set(event.orgId, {
            legalName: "Swiss Robotics Association",
            addressLines: ["Technoparkstrasse 1"],
            postcode: "8005",
            town: "Zürich",
            country: "CH",
            iban: QR_IBAN,
            paymentTermsDays: 30,
          }),
        )
        const type = yield* Effect.flatMap(TicketTypes, (t) =>
          t.create(event, {
            name: "Invoice seat",
            priceMinor: 5_000,
            vatRateBp: 810,
            capacity: 10,
            minPerOrder: 1,
            maxPerOrder: 5,
            visibility: "public",
            sortOrder: 9,
          }),
        )
        for (const n of [1, 2]) {
          const placed = yield* Effect.flatMap(Orders, (o) =>
            o.place(event.id, {
              items: [{ ticketTypeId: type.id, quantity: 1 }],
              buyer: { email: `b${n}@example.com`, name: `Buyer ${n}` },
              locale: "en",
            }),
          ).pipe(withCaller(Caller.anonymous))
          const started = yield* Effect.flatMap(Payments, (p) =>
            p.start(placed.order.id, placed.accessToken, { provider: "invoice" }),
          ).pipe(withCaller(Caller.anonymous))
          if (started.next.kind !== "bank_transfer") throw new Error("expected a bank transfer")
          orders.push({ orderId: placed.order.id, reference: started.next.reference })
        }
      }).pipe(Effect.orDie),
    )
  }, 120_000)
  afterAll(async () => {
    await runtime?.dispose()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it("import-camt: a summary of matched and review credits; the same file again changes nothing", async () => {
    const file = path.join(dataDir, "camt.xml")
    fs.writeFileSync(
      file,
      camt054("08", QR_IBAN, [
        { bankRef: "CLI-1", amount: "50.00", reference: orders[0]!.reference },
        { bankRef: "CLI-2", amount: "20.00", reference: orders[1]!.reference },
      ]),
    )
    const human = await run(["payments", "import-camt", file], env)
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/1 matched, 1 need review, 0 duplicates/)
    expect(human.stdout).toMatch(/needs_review\tpartial\t20\.00 CHF/)
    const again = await runJson<Record<string, unknown>>(["payments", "import-camt", file], env)
    expect(again.code).toBe(0)
    expect(again.json).toMatchObject({ seenBefore: true, matched: 0, needsReview: 0, duplicates: 2 })
    const review = await runJson<{ credits: Array<Record<string, unknown>> }>(["payments", "review"], env)
    expect(review.json.credits.map((c) => [c.bankRef, c.reason, c.orderId])).toEqual([
      ["CLI-2", "partial", orders[1]!.orderId],
    ])
  }, 180_000)

  it("import-camt refuses a file that is not camt.054 with one line and exit 2", async () => {
    const file = path.join(dataDir, "not-camt.xml")
    fs.writeFileSync(file, "<Document><Oops></Document>")
    const result = await run(["payments", "import-camt", file], env)
    expect(result.code).toBe(2)
    expect(expectOneLineError(result)).toMatch(/not well-formed XML/)
    expect((await run(["payments", "import-camt", path.join(dataDir, "missing.xml")], env)).code).toBe(2)
  }, 180_000)

  it("mark-paid settles the order a person saw paid; reconcile has nothing to do without Stripe", async () => {
    const paid = await runJson<Record<string, unknown>>(
      ["payments", "mark-paid", "--event", eventId, "--order", orders[1]!.orderId, "--reference", "statement line 4"],
      env,
    )
    expect(paid.code).toBe(0)
    expect(paid.json).toMatchObject({ id: orders[1]!.orderId, status: "paid" })
    const again = await run(["payments", "mark-paid", "--event", eventId, "--order", orders[1]!.orderId], env)
    expect(again.code).toBe(5)
    const bad = await run(["payments", "mark-paid", "--event", eventId, "--order", "nope"], env)
    expect(bad.code).toBe(2)
    const reconciled = await runJson<Record<string, unknown>>(["payments", "reconcile"], env)
    expect(reconciled.json).toEqual({ checked: 0, changed: [] })
  }, 180_000)

  it("resolve decides a credit awaiting review once; applying it to an order paid meanwhile changes nothing", async () => {
    const review = await runJson<{ credits: Array<{ id: string; bankRef: string }> }>(["payments", "review"], env)
    const credit = review.json.credits.find((c) => c.bankRef === "CLI-2")!
    // Its order was marked paid by hand above: applying the credit too would be paying twice.
    const onPaid = await run(["payments", "resolve", credit.id, "--decision", "applied", "--note", "late"], env)
    expect(onPaid.code).not.toBe(0)
    expect(expectOneLineError(onPaid)).toMatch(/paid/)
    const noNote = await run(["payments", "resolve", credit.id, "--decision", "returned", "--note", " "], env)
    expect(noNote.code).toBe(2)
    const returned = await runJson<Record<string, unknown>>(
      ["payments", "resolve", credit.id, "--decision", "returned", "--note", "sent back, paid twice"],
      env,
    )
    expect(returned.code).toBe(0)
    expect(returned.json).toMatchObject({ bankRef: "CLI-2", status: "resolved" })
    expect((await runJson<{ credits: Array<unknown> }>(["payments", "review"], env)).json.credits).toEqual([])
    const twice = await run(["payments", "resolve", credit.id, "--decision", "returned", "--note", "again"], env)
    expect(twice.code).not.toBe(0)
    expect((await run(["payments", "resolve", "nope", "--decision", "returned", "--note", "x"], env)).code).toBe(4)
  }, 180_000)

  it("worker fulfils paid orders (the sweep finds them) and stops gracefully on SIGTERM", async () => {
    const fulfilments = () =>
      runtime.runPromise(
        Effect.flatMap(SqlClient.SqlClient, (sql) =>
          sql<{ status: string }>`SELECT status FROM order_fulfilments
            WHERE order_id IN ${sql.in(orders.map((o) => o.orderId))} ORDER BY order_id`.pipe(
            Effect.map((rows) => rows.map((r) => r.status)),
          ),
        ).pipe(Effect.orDie),
      )
    expect(await fulfilments()).toEqual(["pending", "pending"])
    // Older than the sweep's threshold, as after a crash a while ago.
    await runtime.runPromise(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql`UPDATE order_fulfilments SET updated_at = updated_at - 600000`,
      ).pipe(Effect.orDie),
    )
    const child = spawn(process.execPath, [bin, "worker", "--sweep-every", "1"], { env: cleanEnv(env) })
    let stderr = ""
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk)
    })
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
    try {
      await expect.poll(() => stderr, { timeout: 60_000 }).toContain("Workers running")
      // Both orders were paid by CLI commands whose in-process queues ended with them: only the
      // worker's sweep can find them.
      await expect.poll(fulfilments, { timeout: 60_000, interval: 250 }).toEqual(["done", "done"])
    } finally {
      child.kill("SIGTERM")
    }
    expect(await exited).toBe(0)
    expect(stderr).toContain("Workers stopped (SIGTERM)")
  }, 180_000)
})

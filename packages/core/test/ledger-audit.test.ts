import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import {
  type AuditCheck,
  type AuditProgress,
  Caller,
  Ledger,
  LedgerAudit,
  type LedgerEntry,
  ledgerAuditWithChecks,
  Orders,
  type OrgId,
  paymentsMatchLedger,
  withCaller,
} from "../src/index.js"
import { engines } from "./support/Databases.js"
import { asBuyer, createTicketType, type Engine, orderInput, publishedEvent, systemLayer } from "./support/Fixtures.js"

const layer = (engine: Engine, checks: ReadonlyArray<AuditCheck> = []) =>
  Layer.provideMerge(ledgerAuditWithChecks(checks), Layer.provideMerge(Ledger.Default, systemLayer(engine)))

/** Two organisations, three series, 25 entries: enough for pages to end inside and between series. */
const fill = Effect.gen(function* () {
  const ledger = yield* Ledger
  const a = (yield* publishedEvent()).org.id
  const b = (yield* publishedEvent()).org.id
  const entries: Array<LedgerEntry> = []
  const add = (orgId: OrgId, series: string, i: number) =>
    Effect.map(
      ledger.append({
        orgId,
        series,
        entryType: i % 5 === 4 ? "refund" : "charge",
        amountMinor: i % 5 === 4 ? -7900 : 7900 + i,
        currency: "CHF",
        vat: [{ rateBp: 810, grossMinor: 7900, vatMinor: 592 }],
        memo: `entry ${i}`,
      }),
      (e) => entries.push(e),
    )
  for (let i = 0; i < 10; i++) yield* add(a, "inv-2026", i)
  for (let i = 0; i < 5; i++) yield* add(a, "credit-2026", i)
  for (let i = 0; i < 10; i++) yield* add(b, "inv-2026", i)
  return { a, b, entries }
})

const audit = (options: Parameters<LedgerAudit["run"]>[0] = {}) => Effect.flatMap(LedgerAudit, (l) => l.run(options))

const ref = (e: LedgerEntry) => ({ id: e.id, orgId: e.orgId, series: e.series, seq: e.seq })

describe.each(engines)("ledger audit on %s", (engine) => {
  it.live("a clean ledger has no findings; progress counts up to the total, page by page", () =>
    Effect.gen(function* () {
      const { a } = yield* fill
      const progress: Array<AuditProgress> = []
      const report = yield* audit({ pageSize: 4, onProgress: (p) => progress.push(p) })
      expect(report).toMatchObject({
        checks: ["triggers", "chain"],
        entries: 25,
        series: 3,
        findingCount: 0,
        findings: [],
        truncated: false,
        findingsByCheck: { triggers: 0, chain: 0 },
      })
      expect(progress[0]).toEqual({ checked: 0, total: 25 })
      expect(progress.at(-1)).toEqual({ checked: 25, total: 25 })
      expect(progress.map((p) => p.checked)).toEqual([0, 4, 8, 12, 16, 20, 24, 25, 25])
      const one = yield* audit({ orgId: a, series: "credit-2026" })
      expect(one).toMatchObject({ entries: 5, series: 1, findingCount: 0 })
    }).pipe(Effect.provide(layer(engine))),
  )

  it.live("UPDATE and DELETE fail at the database", () =>
    Effect.gen(function* () {
      const { entries } = yield* fill
      const sql = yield* SqlClient.SqlClient
      const target = entries[3]!
      for (const statement of [
        sql`UPDATE invoice_ledger SET amount_minor = 1 WHERE id = ${target.id}`,
        sql`UPDATE invoice_ledger SET memo = 'changed' WHERE id = ${target.id}`,
        sql`DELETE FROM invoice_ledger WHERE id = ${target.id}`,
      ]) {
        const error = yield* Effect.flip(statement)
        expect(String((error.cause as { message?: unknown }).message)).toContain("invoice_ledger is append-only")
      }
      expect((yield* audit()).findingCount).toBe(0)
    }).pipe(Effect.provide(layer(engine))),
  )

  for (const tamper of ["amount", "memo"] as const) {
    it.live(`with the triggers dropped, a changed ${tamper} names exactly that entry and the missing triggers`, () =>
      Effect.gen(function* () {
        const { entries } = yield* fill
        const sql = yield* SqlClient.SqlClient
        const target = entries[12]!
        yield* sql.unsafe("DROP TRIGGER invoice_ledger_no_update")
        yield* sql.unsafe("DROP TRIGGER invoice_ledger_no_delete")
        yield* tamper === "amount"
          ? sql`UPDATE invoice_ledger SET amount_minor = amount_minor + 1 WHERE id = ${target.id}`
          : sql`UPDATE invoice_ledger SET memo = 'paid in cash' WHERE id = ${target.id}`
        const seen: Array<string> = []
        const report = yield* audit({ pageSize: 3, onFinding: (f) => seen.push(f.kind) })
        expect(report.findings).toEqual([
          expect.objectContaining({ check: "triggers", kind: "trigger_missing", entry: null }),
          expect.objectContaining({ check: "triggers", kind: "trigger_missing", entry: null }),
          expect.objectContaining({ check: "chain", kind: "hash_mismatch", entry: ref(target) }),
        ])
        expect(report.findings.map((f) => f.message).join("\n")).toMatch(/refuses UPDATE[\s\S]*refuses DELETE/)
        expect(seen).toEqual(["trigger_missing", "trigger_missing", "hash_mismatch"])
        expect(report.findingsByCheck).toEqual({ triggers: 2, chain: 1 })
      }).pipe(Effect.provide(layer(engine))),
    )
  }

  it.live("a deleted entry is named through its successor: a seq gap and a broken link", () =>
    Effect.gen(function* () {
      const { entries } = yield* fill
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe("DROP TRIGGER invoice_ledger_no_delete")
      yield* sql`DELETE FROM invoice_ledger WHERE id = ${entries[5]!.id}`
      const report = yield* audit({ pageSize: 5 })
      const successor = ref(entries[6]!)
      expect(report.findings).toEqual([
        expect.objectContaining({
          check: "triggers",
          kind: "trigger_missing",
          message: expect.stringContaining("DELETE"),
        }),
        expect.objectContaining({ check: "chain", kind: "seq_gap", entry: successor }),
        expect.objectContaining({ check: "chain", kind: "prev_link_broken", entry: successor }),
      ])
      expect(report.entries).toBe(24)
    }).pipe(Effect.provide(layer(engine))),
  )

  it.live("a trigger rewritten to let rows through counts as missing", () =>
    Effect.gen(function* () {
      yield* fill
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe("DROP TRIGGER invoice_ledger_no_update")
      yield* sql.unsafe(
        engine === "mysql"
          ? "CREATE TRIGGER invoice_ledger_no_update BEFORE UPDATE ON invoice_ledger FOR EACH ROW " +
              "SIGNAL SQLSTATE '01000' SET MESSAGE_TEXT = 'only a warning'"
          : "CREATE TRIGGER invoice_ledger_no_update BEFORE UPDATE ON invoice_ledger WHEN NEW.memo IS NULL " +
              "BEGIN SELECT RAISE(ABORT, 'invoice_ledger is append-only'); END",
      )
      const report = yield* audit()
      expect(report.findings).toEqual([
        expect.objectContaining({ kind: "trigger_missing", message: expect.stringContaining("UPDATE") }),
      ])
    }).pipe(Effect.provide(layer(engine))),
  )

  it.live("keeps the first findings and counts the rest", () =>
    Effect.gen(function* () {
      const { entries } = yield* fill
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe("DROP TRIGGER invoice_ledger_no_update")
      yield* sql`UPDATE invoice_ledger SET memo = 'x'`
      let streamed = 0
      const report = yield* audit({ keep: 4, onFinding: () => streamed++ })
      expect(report.findingCount).toBe(1 + entries.length)
      expect(streamed).toBe(report.findingCount)
      expect(report.findings).toHaveLength(4)
      expect(report.truncated).toBe(true)
    }).pipe(Effect.provide(layer(engine))),
  )

  it.live("runs registered checks after the built-in ones, with the audit's scope", () => {
    const scopes: Array<unknown> = []
    const check: AuditCheck = {
      name: "fixture",
      description: "names every entry of the scope whose memo says so",
      run: (scope) => {
        scopes.push(scope)
        return Stream.fromIterableEffect(
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) => sql<{ id: string; orgId: string; series: string; seq: number }>`SELECT id, org_id, series, seq
              FROM invoice_ledger WHERE memo = 'entry 7' AND org_id = ${scope.orgId ?? ""}`,
          ).pipe(Effect.orDie),
        ).pipe(
          Stream.map((e) => ({
            check: "fixture",
            kind: "flagged",
            entry: { ...e, seq: Number(e.seq) },
            message: "flagged",
          })),
        )
      },
    }
    return Effect.gen(function* () {
      const { a, entries } = yield* fill
      const report = yield* audit({ orgId: a })
      expect(report.checks).toEqual(["triggers", "chain", "fixture"])
      expect(scopes).toEqual([{ orgId: a }])
      expect(report.findings).toEqual([expect.objectContaining({ check: "fixture", entry: ref(entries[7]!) })])
      const anonymous = yield* Effect.flip(audit().pipe(withCaller(Caller.anonymous)))
      expect(anonymous._tag).toBe("Forbidden")
    }).pipe(Effect.provide(layer(engine, [check])))
  })

  it.live("payments: every order's ledger net equals its succeeded payments less refunds", () =>
    Effect.gen(function* () {
      const { org, event } = yield* publishedEvent()
      const type = yield* createTicketType(event)
      const sql = yield* SqlClient.SqlClient
      const ledger = yield* Ledger
      const order = (n: number) =>
        Effect.flatMap(Orders, (o) => o.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 1 }], n))).pipe(
          asBuyer,
          Effect.map((placed) => placed.order),
        )
      const [balanced, refunded, unrecorded, overbooked, stray] = yield* Effect.all([
        order(1),
        order(2),
        order(3),
        order(4),
        order(5),
      ])
      let serial = 0
      const payment = (orderId: string, amountMinor: number, status = "succeeded") => {
        const id = `00000000-0000-7000-8000-${String(++serial).padStart(12, "0")}`
        return Effect.as(
          sql`INSERT INTO payments ${sql.insert({
            id,
            orgId: org.id,
            eventId: event.id,
            orderId,
            provider: "manual",
            mode: "test",
            status,
            amountMinor,
            refundedMinor: 0,
            currency: "CHF",
            providerRef: `ref-${id}`,
            createdAt: 1,
            updatedAt: 1,
          })}`,
          id,
        )
      }
      const refund = (orderId: string, paymentId: string, amountMinor: number) =>
        sql`INSERT INTO refunds ${sql.insert({
          id: `10000000-0000-7000-8000-${String(++serial).padStart(12, "0")}`,
          orgId: org.id,
          eventId: event.id,
          orderId,
          paymentId,
          amountMinor,
          currency: "CHF",
          status: "succeeded",
          createdAt: 1,
          updatedAt: 1,
        })}`
      const entry = (orderId: string, amountMinor: number) =>
        ledger.append({
          orgId: org.id,
          eventId: event.id,
          series: "ledger",
          entryType: amountMinor < 0 ? "refund" : "charge",
          orderId,
          amountMinor,
          currency: "CHF",
        })
      yield* payment(balanced.id, 7900)
      yield* payment(balanced.id, 7900, "failed")
      yield* entry(balanced.id, 7900)
      const paid = yield* payment(refunded.id, 7900)
      yield* refund(refunded.id, paid, 2000)
      yield* entry(refunded.id, 7900)
      yield* entry(refunded.id, -2000)
      yield* payment(unrecorded.id, 7900)
      yield* payment(overbooked.id, 7900)
      yield* entry(overbooked.id, 7900)
      const twice = yield* entry(overbooked.id, 7900)
      const orphan = yield* entry(stray.id, 500)

      const report = yield* audit({ orgId: org.id })
      expect(report.checks).toEqual(["triggers", "chain", "payments"])
      // Orders with payments first, in id (creation) order, then orders known only to the ledger.
      expect(report.findings).toEqual(
        [
          { kind: "payment_not_on_ledger", entry: null, order: unrecorded.id },
          { kind: "ledger_payments_mismatch", entry: ref(twice), order: overbooked.id },
          { kind: "ledger_without_payment", entry: ref(orphan), order: stray.id },
        ].map(({ kind, entry, order }) =>
          expect.objectContaining({ check: "payments", kind, entry, message: expect.stringContaining(order) }),
        ),
      )
      expect(report.findings[1]?.message).toContain(
        "the ledger holds CHF 158.00, succeeded payments less refunds are CHF 79.00",
      )
      const elsewhere = yield* audit({ orgId: (yield* publishedEvent()).org.id })
      expect(elsewhere.findingCount).toBe(0)
    }).pipe(Effect.provide(layer(engine, [paymentsMatchLedger]))),
  )
})

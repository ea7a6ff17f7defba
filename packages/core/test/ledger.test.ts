import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as fc from "fast-check"
import {
  type AppendLedgerEntry,
  Caller,
  entryHash,
  GENESIS_HASH,
  Ledger,
  LedgerEntry,
  type LedgerEntryType,
  type OrgId,
  verifyEntries,
  withCaller,
} from "../src/index.js"
import { engines } from "./support/Databases.js"
import { type Engine, publishedEvent, systemLayer } from "./support/Fixtures.js"

const layer = (engine: Engine) => Layer.provideMerge(Ledger.Default, systemLayer(engine))

const entryTypes: ReadonlyArray<LedgerEntryType> = ["charge", "refund", "credit_note", "adjustment", "void"]

/** What a caller asks to append, minus the organisation (the test supplies a real one). */
const appendArb = fc.record({
  series: fc.constantFrom("inv-2026", "inv-2027", "credit-2026"),
  entryType: fc.constantFrom(...entryTypes),
  orderId: fc.option(fc.uuid(), { nil: null }),
  amountMinor: fc.integer({ min: -10_000_000, max: 10_000_000 }),
  currency: fc.constantFrom("CHF", "EUR"),
  vat: fc.array(
    fc.record({
      rateBp: fc.constantFrom(0, 260, 380, 810),
      grossMinor: fc.integer({ min: -1_000_000, max: 1_000_000 }),
      vatMinor: fc.integer({ min: -100_000, max: 100_000 }),
    }),
    { maxLength: 3 },
  ),
  reference: fc.option(fc.string({ maxLength: 40 }), { nil: null }),
  memo: fc.option(fc.string({ unit: "grapheme", maxLength: 60 }), { nil: null }),
})

type AppendInput = typeof appendArb extends fc.Arbitrary<infer A> ? A : never

/** The chain `append` would write, built in memory: what the pure verifier is tested against. */
const buildChain = (inputs: ReadonlyArray<AppendInput>) => {
  const heads = new Map<string, { seq: number; hash: string }>()
  return inputs.map((input, i) => {
    const head = heads.get(input.series) ?? { seq: 0, hash: GENESIS_HASH }
    const now = 1_790_000_000_000 + i
    const fields = {
      ...input,
      id: `00000000-0000-7000-8000-${String(i).padStart(12, "0")}`,
      orgId: "org-1",
      eventId: i % 2 === 0 ? "event-1" : null,
      seq: head.seq + 1,
      prevHash: head.hash,
      createdAt: now,
      updatedAt: now,
    }
    const entry = new LedgerEntry({ ...fields, hash: entryHash(fields) })
    heads.set(input.series, { seq: entry.seq, hash: entry.hash })
    return entry
  })
}

const fields = [
  "id",
  "orgId",
  "eventId",
  "series",
  "seq",
  "entryType",
  "orderId",
  "amountMinor",
  "currency",
  "vat",
  "reference",
  "memo",
  "prevHash",
  "hash",
  "createdAt",
  "updatedAt",
] as const satisfies ReadonlyArray<keyof LedgerEntry>

/** A different value of the same type for one field of a row. */
const altered = (entry: LedgerEntry, field: (typeof fields)[number]): LedgerEntry => {
  const value = entry[field]
  let next: unknown
  if (field === "entryType") next = entryTypes.find((t) => t !== value)
  else if (field === "vat") {
    const [first, ...rest] = entry.vat
    next = first ? [{ ...first, vatMinor: first.vatMinor + 1 }, ...rest] : [{ rateBp: 810, grossMinor: 1, vatMinor: 0 }]
  } else if (typeof value === "number") next = value + 1
  else if (typeof value === "string") next = `${value}x`
  else next = "x" // a null field given a value
  return new LedgerEntry({ ...entry, [field]: next }, true)
}

describe("ledger chain (pure)", () => {
  it("any sequence of appends verifies clean; altering any one field of any row is named", () => {
    fc.assert(
      fc.property(
        fc.array(appendArb, { minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.constantFrom(...fields),
        fc.boolean(),
        (inputs, pick, field, nullify) => {
          const chain = buildChain(inputs)
          expect(verifyEntries(chain)).toEqual([])
          const index = pick % chain.length
          const original = chain[index] as LedgerEntry
          let changed = altered(original, field)
          // Nullable fields that hold a value may also be wiped.
          if (nullify && original[field] !== null && ["eventId", "orderId", "reference", "memo"].includes(field)) {
            changed = new LedgerEntry({ ...original, [field]: null }, true)
          }
          const tampered = chain.map((e, i) => (i === index ? changed : e))
          const findings = verifyEntries(tampered)
          expect(findings).toContainEqual(expect.objectContaining({ kind: "hash_mismatch", entryId: changed.id }))
        },
      ),
      { numRuns: 300 },
    )
  })

  it("names a missing entry as a seq gap and a broken link on the entry after it", () => {
    const chain = buildChain(
      Array.from({ length: 4 }, () => ({ ...fc.sample(appendArb, 1)[0]!, series: "inv-2026" as const })),
    )
    const findings = verifyEntries([chain[0]!, chain[2]!, chain[3]!])
    expect(findings).toEqual([
      expect.objectContaining({ kind: "seq_gap", seq: 3, entryId: chain[2]!.id, expected: "2", actual: "3" }),
      expect.objectContaining({ kind: "prev_link_broken", seq: 3, entryId: chain[2]!.id }),
    ])
  })
})

describe.each(engines)("ledger on %s", (engine) => {
  const append = (orgId: OrgId, input: Omit<AppendLedgerEntry, "orgId">) =>
    Effect.flatMap(Ledger, (l) => l.append({ orgId, ...input }))

  it.live("stores appended entries as a valid chain per series; tampered copies of the rows are named", () =>
    Effect.gen(function* () {
      const { org, event } = yield* publishedEvent()
      const inputs = fc.sample(appendArb, { numRuns: 40, seed: 42 })
      for (const input of inputs) yield* append(org.id, { ...input, eventId: event.id })
      const ledger = yield* Ledger
      const report = yield* ledger.verify({ orgId: org.id })
      expect(report).toEqual({ entries: 40, series: new Set(inputs.map((i) => i.series)).size, findings: [] })
      // Pages that end inside a series and between series walk the same chains.
      for (const pageSize of [1, 7, 40]) expect(yield* ledger.verify({ orgId: org.id, pageSize })).toEqual(report)

      const sql = yield* SqlClient.SqlClient
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM invoice_ledger WHERE org_id = ${org.id}`
      const stored = rows.map(
        (r) =>
          new LedgerEntry({
            ...(r as unknown as LedgerEntry),
            seq: Number(r.seq),
            amountMinor: Number(r.amountMinor),
            createdAt: Number(r.createdAt),
            updatedAt: Number(r.updatedAt),
            vat: JSON.parse(String(r.vat)),
          }),
      )
      expect(verifyEntries(stored)).toEqual([])
      for (const field of fields) {
        const target = stored[17] as LedgerEntry
        const changed = altered(target, field)
        const findings = verifyEntries(stored.map((e) => (e === target ? changed : e)))
        expect(findings).toContainEqual(expect.objectContaining({ kind: "hash_mismatch", entryId: changed.id }))
      }
    }).pipe(Effect.provide(layer(engine))),
  )

  it.live("the database refuses UPDATE and DELETE of an entry; a change made around the triggers is found", () =>
    Effect.gen(function* () {
      const { org } = yield* publishedEvent()
      const entry = yield* append(org.id, { series: "inv", entryType: "charge", amountMinor: 7900, currency: "CHF" })
      const sql = yield* SqlClient.SqlClient
      const update = yield* Effect.flip(sql`UPDATE invoice_ledger SET amount_minor = 1 WHERE id = ${entry.id}`)
      const remove = yield* Effect.flip(sql`DELETE FROM invoice_ledger WHERE id = ${entry.id}`)
      for (const error of [update, remove]) {
        expect(String((error.cause as { message?: unknown }).message)).toContain("invoice_ledger is append-only")
      }
      const rows = yield* sql<{ amountMinor: number }>`SELECT amount_minor FROM invoice_ledger WHERE id = ${entry.id}`
      expect(rows.map((r) => Number(r.amountMinor))).toEqual([7900])

      // Around the triggers, the chain still names the changed entry.
      yield* sql.unsafe("DROP TRIGGER invoice_ledger_no_update")
      yield* sql`UPDATE invoice_ledger SET amount_minor = 1 WHERE id = ${entry.id}`
      const report = yield* Effect.flatMap(Ledger, (l) => l.verify())
      expect(report.findings).toEqual([expect.objectContaining({ kind: "hash_mismatch", entryId: entry.id, seq: 1 })])
    }).pipe(Effect.provide(layer(engine))),
  )

  it.live("50 concurrent appends to one series: seq 1..50, no gap, a valid chain", () =>
    Effect.gen(function* () {
      const { org } = yield* publishedEvent()
      const entries = yield* Effect.all(
        Array.from({ length: 50 }, (_, i) =>
          append(org.id, { series: "rush", entryType: "charge", amountMinor: 100 + i, currency: "CHF" }),
        ),
        { concurrency: "unbounded" },
      )
      expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
      const report = yield* Effect.flatMap(Ledger, (l) => l.verify({ orgId: org.id, series: "rush" }))
      expect(report).toEqual({ entries: 50, series: 1, findings: [] })
    }).pipe(Effect.provide(layer(engine))),
  )

  it.live("refuses callers without the permission and malformed input", () =>
    Effect.gen(function* () {
      const { org } = yield* publishedEvent()
      const input = { series: "inv", entryType: "charge", amountMinor: 100, currency: "CHF" } as const
      const anonymous = yield* Effect.flip(append(org.id, input).pipe(withCaller(Caller.anonymous)))
      expect(anonymous._tag).toBe("Forbidden")
      const badCurrency = yield* Effect.flip(append(org.id, { ...input, currency: "chf" }))
      expect(badCurrency).toMatchObject({ _tag: "InvalidRequest", field: "currency" })
      const fraction = yield* Effect.flip(append(org.id, { ...input, amountMinor: 1.5 }))
      expect(fraction).toMatchObject({ _tag: "InvalidRequest", field: "amountMinor" })
    }).pipe(Effect.provide(layer(engine))),
  )
})

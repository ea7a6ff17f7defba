import * as fs from "node:fs"
import * as path from "node:path"
import { SqlClient } from "@effect/sql"
import { Effect, Layer, ManagedRuntime, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  type AppendLedgerEntry,
  Caller,
  CoreServices,
  type EventId,
  Events,
  environmentLayer,
  Ledger,
  type LedgerEntry,
  loadEnvironment,
} from "../../core/src/index.js"
import { assertBuilt, expectOneLineError, run, runJson, tempDir } from "./support/Cli.js"

const SECRET = "cli-test-secret-0123456789abcdef-0123456789"

/** Reads back the export's CSV (RFC 4180, CRLF); no cell in these fixtures holds a line break. */
const parseCsv = (text: string) => {
  const split = (line: string) => {
    const cells: Array<string> = []
    let cell = ""
    let quoted = false
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!
      if (quoted && c === '"' && line[i + 1] === '"') {
        cell += '"'
        i++
      } else if (c === '"') quoted = !quoted
      else if (c === "," && !quoted) {
        cells.push(cell)
        cell = ""
      } else cell += c
    }
    return [...cells, cell]
  }
  const [header, ...body] = text.split("\r\n").filter((l) => l !== "")
  const names = split(header!)
  return body.map((l) => Object.fromEntries(split(l).map((v, i) => [names[i], v])))
}

describe("sratix ledger", () => {
  let dataDir: string
  let env: Record<string, string>
  let runtime: ManagedRuntime.ManagedRuntime<
    Layer.Layer.Success<typeof CoreServices> | Ledger | Caller | SqlClient.SqlClient,
    never
  >
  const entries: Array<LedgerEntry> = []

  beforeAll(async () => {
    assertBuilt()
    dataDir = tempDir()
    env = { SRATIX_DATA_DIR: dataDir, SRATIX_SECRET: SECRET }
    const seeded = await runJson<{ eventId: EventId }>(["seed", "demo"], env)
    const environment = loadEnvironment(env)
    runtime = ManagedRuntime.make(
      Layer.mergeAll(Ledger.Default, CoreServices).pipe(
        Layer.provideMerge(environmentLayer(environment, new TextEncoder().encode(SECRET))),
        Layer.provideMerge(Caller.layerSystem("test")),
      ),
    )
    await runtime.runPromise(
      Effect.gen(function* () {
        const event = yield* Effect.flatMap(Events, (e) => e.get(seeded.json.eventId))
        const ledger = yield* Ledger
        const at = (
          iso: string,
          input: Omit<AppendLedgerEntry, "orgId" | "series" | "currency"> & { currency?: string },
        ) =>
          Effect.gen(function* () {
            yield* TestClock.setTime(Date.parse(iso))
            entries.push(
              yield* ledger.append({
                orgId: event.orgId,
                eventId: event.id,
                series: "ledger",
                currency: "CHF",
                ...input,
              }),
            )
          }).pipe(Effect.provide(TestContext.TestContext))
        const vat = [{ rateBp: 810, grossMinor: 7900, vatMinor: 592 }]
        yield* at("2026-03-15T10:00:00Z", {
          entryType: "charge",
          amountMinor: 7900,
          vat,
          memo: '=HYPERLINK("http://x")',
        })
        // 00:30 on 1 July in Zurich, still 30 June in UTC.
        yield* at("2026-06-30T22:30:00Z", { entryType: "charge", amountMinor: 7900, vat, reference: "cs_test_1" })
        yield* at("2026-07-02T09:00:00Z", {
          entryType: "refund",
          amountMinor: -7900,
          vat: vat.map((l) => ({ ...l, grossMinor: -l.grossMinor, vatMinor: -l.vatMinor })),
          memo: "Refund, as asked",
        })
        yield* at("2026-07-20T09:00:00Z", { entryType: "charge", amountMinor: 5000, currency: "EUR" })
      }).pipe(Effect.orDie),
    )
  }, 120_000)
  afterAll(async () => {
    await runtime?.dispose()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it("audit: a clean ledger exits 0, in words and as JSON", async () => {
    const human = await run(["ledger", "audit"], env)
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^No findings: 4 entries in 1 series verified, triggers in place\./m)
    const json = await runJson<Record<string, unknown>>(["ledger", "audit", "--series", "ledger"], env)
    expect(json.code).toBe(0)
    expect(json.json).toMatchObject({
      scope: { orgId: null, series: "ledger" },
      checks: ["triggers", "chain", "payments"],
      entries: 4,
      seriesCount: 1,
      findingCount: 0,
      findings: [],
      ok: true,
    })
  })

  it("export: CSV of a date range in Zurich time, amounts in units and minor units, safe cells", async () => {
    const out = path.join(dataDir, "july.csv")
    const result = await runJson<Record<string, unknown>>(
      ["ledger", "export", "--from", "2026-07-01", "--to", "2026-07-31", "--out", out],
      env,
    )
    expect(result.code).toBe(0)
    expect(result.json).toMatchObject({
      format: "csv",
      rows: 3,
      range: {
        timezone: "Europe/Zurich",
        fromInstant: "2026-06-30T22:00:00.000Z",
        toInstantExclusive: "2026-07-31T22:00:00.000Z",
      },
      sums: {
        CHF: { rows: 2, amount: "0.00", amountMinor: 0, vat: "0.00", vatMinor: 0 },
        EUR: { rows: 1, amount: "50.00", amountMinor: 5000 },
      },
    })
    const rows = parseCsv(fs.readFileSync(out, "utf8"))
    expect(rows.map((r) => [r.seq, r.booking_date, r.currency, r.amount, r.amount_minor])).toEqual([
      ["2", "2026-07-01", "CHF", "79.00", "7900"],
      ["3", "2026-07-02", "CHF", "-79.00", "-7900"],
      ["4", "2026-07-20", "EUR", "50.00", "5000"],
    ])
    expect(rows[1]).toMatchObject({
      entry_type: "refund",
      entry_id: entries[2]!.id,
      net: "-73.08",
      vat: "-5.92",
      vat_lines: "8.1% -5.92 of -79.00",
      memo: "Refund, as asked",
      created_at: "2026-07-02T09:00:00.000Z",
      hash: entries[2]!.hash,
    })

    const utc = await runJson<{ rows: number }>(
      ["ledger", "export", "--from", "2026-07-01", "--to", "2026-07-31", "--timezone", "UTC", "--out", out],
      env,
    )
    expect(utc.json.rows).toBe(2)

    const all = path.join(dataDir, "all.csv")
    await runJson(["ledger", "export", "--out", all], env)
    expect(parseCsv(fs.readFileSync(all, "utf8"))[0]?.memo).toBe(`'=HYPERLINK("http://x")`)
  })

  it("export: JSON to standard output, one object per entry", async () => {
    const result = await run(["ledger", "export", "--format", "json", "--to", "2026-06-30", "--out", "-"], env)
    expect(result.code).toBe(0)
    const rows = JSON.parse(result.stdout) as Array<Record<string, unknown>>
    expect(rows).toEqual([
      expect.objectContaining({
        seq: 1,
        amount: "79.00",
        vatLines: [{ ratePercent: "8.1", rateBp: 810, gross: "79.00", grossMinor: 7900, vat: "5.92", vatMinor: 592 }],
      }),
    ])
  })

  it("export: a bad date, a reversed range or an unknown zone is one line and exit 2", async () => {
    for (const args of [
      ["--from", "2026-02-30"],
      ["--to", "31.12.2026"],
      ["--from", "2026-08-01", "--to", "2026-07-01"],
      ["--timezone", "Mars/Olympus"],
    ]) {
      const result = await run(["ledger", "export", ...args, "--out", path.join(dataDir, "x.csv")], env)
      expect(result.code).toBe(2)
      expect(expectOneLineError(result)).toMatch(/--from|--to|--timezone/)
    }
    expect(fs.existsSync(path.join(dataDir, "x.csv"))).toBe(false)
  })

  it("audit: with the triggers dropped and an amount changed, names that entry and exits non-zero", async () => {
    const target = entries[1]!
    await runtime.runPromise(
      Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        yield* sql.unsafe("DROP TRIGGER invoice_ledger_no_update")
        yield* sql`UPDATE invoice_ledger SET amount_minor = 790 WHERE id = ${target.id}`
      }).pipe(Effect.orDie),
    )
    const human = await run(["ledger", "audit"], env)
    expect(human.code).toBe(6)
    const lines = human.stdout.trim().split("\n")
    expect(lines).toEqual([
      expect.stringMatching(/^triggers trigger_missing ledger: no trigger refuses UPDATE on invoice_ledger/),
      expect.stringContaining(
        `chain hash_mismatch org ${target.orgId} series ledger seq 2 entry ${target.id}: stored hash`,
      ),
      "2 findings (triggers 1, chain 1) over 4 entries in 1 series.",
    ])
    const json = await runJson<{ ok: boolean; findingCount: number; findings: Array<Record<string, unknown>> }>(
      ["ledger", "audit"],
      env,
    )
    expect(json.code).toBe(6)
    expect(json.json.ok).toBe(false)
    expect(json.json.findings).toEqual([
      expect.objectContaining({ check: "triggers", kind: "trigger_missing", entry: null }),
      expect.objectContaining({
        check: "chain",
        kind: "hash_mismatch",
        entry: { id: target.id, orgId: target.orgId, series: "ledger", seq: 2 },
      }),
    ])
  })
})

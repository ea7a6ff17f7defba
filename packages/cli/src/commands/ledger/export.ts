import { once } from "node:events"
import * as fs from "node:fs"
import * as path from "node:path"
import type { Writable } from "node:stream"
import { Errors, Flags } from "@oclif/core"
import {
  decimalAmount,
  Ledger,
  type LedgerExportRow,
  ledgerCsvHeader,
  ledgerCsvLine,
  ledgerExportRow,
  nextDay,
  type OrgId,
  startOfDay,
  TimeZone,
} from "@sratix/core"
import { Effect, Schema, Stream } from "effect"
import { BaseCommand } from "../../BaseCommand.js"
import { ExitCode } from "../../Failures.js"
import { resolveOrganization } from "../../Lookups.js"
import { ProgressBar } from "../../Progress.js"

export interface CurrencySums {
  readonly rows: number
  readonly amount: string
  readonly amountMinor: number
  readonly vat: string
  readonly vatMinor: number
}

export interface LedgerExportResult {
  readonly format: "csv" | "json"
  readonly out: string
  readonly rows: number
  /** The range as given (inclusive calendar days) and the instants it means in `timezone`. */
  readonly range: {
    readonly from: string | null
    readonly to: string | null
    readonly timezone: string
    readonly fromInstant: string | null
    readonly toInstantExclusive: string | null
  }
  readonly scope: { readonly orgId: string | null; readonly series: string | null }
  readonly sums: Readonly<Record<string, CurrencySums>>
}

const isTimeZone = Schema.is(TimeZone)

const invalid = (message: string) => new Errors.CLIError(message, { exit: ExitCode.invalidInput })

/** Waits for the stream to take more when its buffer is full, so a slow disk or pipe never makes rows pile up in memory. */
const write = (out: Writable, text: string) =>
  Effect.promise(async () => {
    if (!out.write(text)) await once(out, "drain")
  })

export default class LedgerExport extends BaseCommand<typeof LedgerExport> {
  static override summary = "Export the invoice ledger for accounting, as CSV or JSON."
  static override description =
    "One row per ledger entry in (organisation, series, seq) order, streamed page by page. Amounts appear as " +
    "decimal strings in the currency's unit and in minor units; VAT as totals per entry (net, vat) and a " +
    "breakdown per rate. --from and --to are calendar days, both inclusive, in --timezone (the booking date " +
    "column uses the same zone). CSV cells a spreadsheet would run as a formula are prefixed with an apostrophe."
  static override examples = [
    "<%= config.bin %> <%= command.id %> --from 2026-01-01 --to 2026-12-31 --out ledger-2026.csv",
    "<%= config.bin %> <%= command.id %> --org acme --series ledger --format json --out -",
    "<%= config.bin %> <%= command.id %> --from 2026-07-01 --to 2026-09-30 --timezone UTC --out q3.csv --json",
  ]
  static override flags = {
    out: Flags.string({ description: "File to write, or - for standard output", required: true, helpValue: "FILE" }),
    format: Flags.string({ description: "Output format", options: ["csv", "json"], default: "csv" }),
    from: Flags.string({ description: "First day to include (YYYY-MM-DD)", helpValue: "DATE" }),
    to: Flags.string({ description: "Last day to include (YYYY-MM-DD)", helpValue: "DATE" }),
    timezone: Flags.string({
      description: "Time zone the days are counted in",
      default: "Europe/Zurich",
      helpValue: "ZONE",
    }),
    org: Flags.string({ description: "Only this organisation (id or slug)", helpValue: "ID" }),
    series: Flags.string({ description: "Only this series", helpValue: "NAME" }),
  }

  async run(): Promise<LedgerExportResult> {
    const { out, org, series, timezone } = this.flags
    const format = this.flags.format as "csv" | "json"
    if (!isTimeZone(timezone)) throw invalid(`--timezone: "${timezone}" is not an IANA time zone such as Europe/Zurich`)
    const day = (flag: "from" | "to", value: string | undefined) => {
      if (value === undefined) return undefined
      const start = startOfDay(value, timezone)
      if (start === null) throw invalid(`--${flag}: "${value}" is not a calendar day (YYYY-MM-DD)`)
      return start
    }
    const from = day("from", this.flags.from)
    // The range is half-open: it ends where the day after --to begins.
    const to =
      day("to", this.flags.to) === undefined ? undefined : (startOfDay(nextDay(this.flags.to!), timezone) ?? undefined)
    if (from !== undefined && to !== undefined && from >= to) {
      throw invalid(`--from ${this.flags.from} is after --to ${this.flags.to}`)
    }
    const toStdout = out === "-"
    if (toStdout && this.jsonEnabled())
      throw invalid("--out - and --json both write to standard output: give --out a file")

    const target = toStdout ? null : path.resolve(out)
    // Written beside the target and renamed at the end: a reader never sees half an export.
    const partial = target === null ? null : `${target}.partial`
    const sink: Writable = partial === null ? process.stdout : fs.createWriteStream(partial, { mode: 0o600 })
    const bar = new ProgressBar(!this.jsonEnabled() && !toStdout, "Exporting")
    const sums = new Map<string, { rows: number; amountMinor: number; vatMinor: number }>()
    let rows = 0

    const exported = this.withCore(
      Effect.gen(function* () {
        const orgId: OrgId | undefined = org === undefined ? undefined : (yield* resolveOrganization(org)).id
        const ledger = yield* Ledger
        const range = {
          ...(orgId === undefined ? {} : { orgId }),
          ...(series === undefined ? {} : { series }),
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
        }
        const total = yield* ledger.count(range)
        bar.start(total)
        const line = (row: LedgerExportRow) =>
          format === "csv" ? ledgerCsvLine(row) : `${rows === 0 ? "" : ",\n"}${JSON.stringify(row)}`
        yield* write(sink, format === "csv" ? ledgerCsvHeader : "[\n")
        yield* Stream.runForEach(ledger.pages(range), (page) => {
          let text = ""
          for (const entry of page) {
            const row = ledgerExportRow(entry, timezone)
            text += line(row)
            rows++
            const sum = sums.get(row.currency) ?? { rows: 0, amountMinor: 0, vatMinor: 0 }
            sum.rows++
            sum.amountMinor += row.amountMinor
            sum.vatMinor += row.vatMinor
            sums.set(row.currency, sum)
          }
          bar.update(rows, Math.max(total, rows))
          return write(sink, text)
        })
        if (format === "json") yield* write(sink, rows === 0 ? "]\n" : "\n]\n")
        return orgId ?? null
      }),
      { hints: { NotFound: `list organisations with \`${this.config.bin} event list\`` } },
    )
    let orgId: string | null
    try {
      orgId = await exported
      if (partial !== null && target !== null) {
        sink.end()
        await once(sink, "close")
        fs.renameSync(partial, target)
      }
    } catch (error) {
      if (partial !== null) {
        sink.destroy()
        fs.rmSync(partial, { force: true })
      }
      throw error
    } finally {
      bar.stop()
    }
    if (!toStdout) this.log(`Wrote ${rows} ledger ${rows === 1 ? "entry" : "entries"} to ${out} (${format}).`)
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString())
    return {
      format,
      out,
      rows,
      range: {
        from: this.flags.from ?? null,
        to: this.flags.to ?? null,
        timezone,
        fromInstant: iso(from),
        toInstantExclusive: iso(to),
      },
      scope: { orgId, series: series ?? null },
      sums: Object.fromEntries(
        [...sums].map(([currency, s]) => [
          currency,
          {
            rows: s.rows,
            amount: decimalAmount(s.amountMinor, currency),
            amountMinor: s.amountMinor,
            vat: decimalAmount(s.vatMinor, currency),
            vatMinor: s.vatMinor,
          },
        ]),
      ),
    }
  }
}

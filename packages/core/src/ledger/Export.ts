import { csvCell } from "../forms/Export.js"
import type { LedgerEntry } from "./Chain.js"

/**
 * The ledger for accounting (`sratix ledger export`, docs/ledger.md): one row per entry, so a sum over
 * the amount column is the ledger's sum. Amounts appear twice: as decimal strings in the currency's
 * unit (what a person and an accounting import read) and in minor units (exact, for scripts). VAT is
 * flattened into totals per entry plus one readable breakdown cell; JSON keeps the lines as objects.
 */
export interface LedgerExportRow {
  readonly entryId: string
  readonly orgId: string
  readonly eventId: string | null
  readonly series: string
  readonly seq: number
  readonly entryType: string
  /** The calendar day of `createdAt` in the export's time zone: the booking date. */
  readonly bookingDate: string
  /** ISO 8601 in UTC, to the millisecond. */
  readonly createdAt: string
  readonly orderId: string | null
  readonly reference: string | null
  readonly memo: string | null
  readonly currency: string
  readonly amount: string
  readonly amountMinor: number
  readonly net: string
  readonly netMinor: number
  readonly vat: string
  readonly vatMinor: number
  readonly vatLines: ReadonlyArray<{
    readonly ratePercent: string
    readonly rateBp: number
    readonly gross: string
    readonly grossMinor: number
    readonly vat: string
    readonly vatMinor: number
  }>
  readonly hash: string
}

const exponents = new Map<string, number>()

/** Digits after the decimal point in `currency` (2 for CHF and EUR, 0 for JPY, 3 for KWD), from ISO 4217 via Intl. */
export const minorUnitDigits = (currency: string): number => {
  let digits = exponents.get(currency)
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2
    } catch {
      digits = 2
    }
    exponents.set(currency, digits)
  }
  return digits
}

/** `-7900` CHF → `"-79.00"`: integer arithmetic only, so no binary fraction ever shows. */
export const decimalAmount = (minor: number, currency: string): string => {
  const digits = minorUnitDigits(currency)
  const sign = minor < 0 ? "-" : ""
  const text = String(Math.abs(minor)).padStart(digits + 1, "0")
  return digits === 0 ? `${sign}${text}` : `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`
}

/** Basis points as a percentage without trailing zeros: 810 → `"8.1"`, 1000 → `"10"`. */
const percent = (bp: number) => {
  const fraction = String(bp % 100)
    .padStart(2, "0")
    .replace(/0+$/, "")
  return fraction === "" ? String(Math.trunc(bp / 100)) : `${Math.trunc(bp / 100)}.${fraction}`
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>()
const dayFormatter = (timeZone: string) => {
  let f = dayFormatters.get(timeZone)
  if (!f) {
    // Swedish formats dates the ISO way: 2026-09-01.
    f = new Intl.DateTimeFormat("sv-SE", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    dayFormatters.set(timeZone, f)
  }
  return f
}

/** Offset of `timeZone` from UTC at instant `ms`, in milliseconds (Zurich in summer: +7,200,000). */
const zoneOffset = (ms: number, timeZone: string) => {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(ms)
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value)
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"))
  return wall - (ms - (ms % 1000))
}

/**
 * The instant a calendar day `YYYY-MM-DD` begins in `timeZone`, or `null` when `day` is not a real
 * date. The second pass settles days on which the offset changes; in zones that switch at midnight
 * (Chile, for one) the day then begins at 01:00.
 */
export const startOfDay = (day: string, timeZone: string): number | null => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!match) return null
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const wall = Date.UTC(y, m - 1, d)
  const check = new Date(wall)
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) return null
  const first = wall - zoneOffset(wall, timeZone)
  const second = wall - zoneOffset(first, timeZone)
  // Where midnight does not exist, `second` lands in the evening before; the day begins at `first`.
  return dayFormatter(timeZone).format(second) === day ? second : first
}

/** The calendar day after `day`, `YYYY-MM-DD` (for an inclusive end date). */
export const nextDay = (day: string): string => {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number]
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10)
}

export const ledgerExportRow = (e: LedgerEntry, timeZone: string): LedgerExportRow => {
  const vatMinor = e.vat.reduce((sum, line) => sum + line.vatMinor, 0)
  const money = (minor: number) => decimalAmount(minor, e.currency)
  return {
    entryId: e.id,
    orgId: e.orgId,
    eventId: e.eventId,
    series: e.series,
    seq: e.seq,
    entryType: e.entryType,
    bookingDate: dayFormatter(timeZone).format(e.createdAt),
    createdAt: new Date(e.createdAt).toISOString(),
    orderId: e.orderId,
    reference: e.reference,
    memo: e.memo,
    currency: e.currency,
    amount: money(e.amountMinor),
    amountMinor: e.amountMinor,
    net: money(e.amountMinor - vatMinor),
    netMinor: e.amountMinor - vatMinor,
    vat: money(vatMinor),
    vatMinor,
    vatLines: e.vat.map((line) => ({
      ratePercent: percent(line.rateBp),
      rateBp: line.rateBp,
      gross: money(line.grossMinor),
      grossMinor: line.grossMinor,
      vat: money(line.vatMinor),
      vatMinor: line.vatMinor,
    })),
    hash: e.hash,
  }
}

const csvColumns: ReadonlyArray<readonly [string, (r: LedgerExportRow) => string]> = [
  ["entry_id", (r) => r.entryId],
  ["org_id", (r) => r.orgId],
  ["event_id", (r) => r.eventId ?? ""],
  ["series", (r) => r.series],
  ["seq", (r) => String(r.seq)],
  ["entry_type", (r) => r.entryType],
  ["booking_date", (r) => r.bookingDate],
  ["created_at", (r) => r.createdAt],
  ["order_id", (r) => r.orderId ?? ""],
  ["reference", (r) => r.reference ?? ""],
  ["memo", (r) => r.memo ?? ""],
  ["currency", (r) => r.currency],
  ["amount", (r) => r.amount],
  ["amount_minor", (r) => String(r.amountMinor)],
  ["net", (r) => r.net],
  ["net_minor", (r) => String(r.netMinor)],
  ["vat", (r) => r.vat],
  ["vat_minor", (r) => String(r.vatMinor)],
  // `8.1% 5.92 of 79.00; 2.6% 0.51 of 20.00`: one cell, because the rates in a range are not known before it is read.
  ["vat_lines", (r) => r.vatLines.map((l) => `${l.ratePercent}% ${l.vat} of ${l.gross}`).join("; ")],
  ["hash", (r) => r.hash],
]

/** The header line of the CSV export, CRLF-terminated (RFC 4180). */
export const ledgerCsvHeader = `${csvColumns.map(([name]) => name).join(",")}\r\n`

const plainNumber = /^-?\d+(\.\d+)?$/

/**
 * One CSV line. Text cells go through `csvCell` (memos and references come from buyers and payment
 * providers); a cell that is only a number stays bare, so `-79.00` imports as a number rather than as
 * `'-79.00` text, and a bare number cannot carry a formula.
 */
export const ledgerCsvLine = (row: LedgerExportRow): string =>
  `${csvColumns
    .map(([, cell]) => {
      const text = cell(row)
      return plainNumber.test(text) ? text : csvCell(text)
    })
    .join(",")}\r\n`

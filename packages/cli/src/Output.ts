import * as fs from "node:fs"
import * as path from "node:path"

/** Plain-text rendering for human mode; `--json` never goes through here. */

// biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes to measure width
const ansi = /\u001b\[[0-9;]*m/g
const width = (text: string) => text.replace(ansi, "").length

/**
 * A left-aligned table with a header row. Cells may carry ANSI colours; widths are measured
 * without them. The last column is not padded, so long details do not leave trailing spaces.
 */
export const table = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))))
  const line = (cells: ReadonlyArray<string>) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + " ".repeat(widths[i]! - width(cell))))
      .join("  ")
      .trimEnd()
  return [line(headers), ...rows.map(line)].join("\n")
}

/** Key/value lines, keys aligned: for one record (`event show`). */
export const fields = (entries: ReadonlyArray<readonly [string, string]>): string => {
  const keyWidth = Math.max(...entries.map(([k]) => k.length))
  return entries.map(([k, v]) => `${k.padEnd(keyWidth)}  ${v}`).join("\n")
}

export const formatMoney = (minor: number, currency: string) => `${currency} ${(minor / 100).toFixed(2)}`

/** `2026-09-10 09:00` in the given IANA zone (Swedish locale formats dates the ISO way). */
export const formatInstant = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat("sv-SE", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
  }).format(ms)

export const formatBytes = (bytes: number) => {
  const units = ["B", "KB", "MB", "GB", "TB"]
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}

/** Writes a rendered document beside its target and renames it: a reader never sees half a file. */
export const writeAtomically = (out: string, bytes: Uint8Array) => {
  const target = path.resolve(out)
  fs.writeFileSync(`${target}.partial`, bytes)
  fs.renameSync(`${target}.partial`, target)
}

/** `--format` when given, else the extension of `--out` when it names one of `formats`, else `fallback`. */
export const formatFromOut = <F extends string>(
  flag: string | undefined,
  out: string,
  formats: ReadonlyArray<F>,
  fallback: F,
): F => {
  if (flag !== undefined) return flag as F
  const ext = path.extname(out).slice(1).toLowerCase() as F
  return formats.includes(ext) ? ext : fallback
}

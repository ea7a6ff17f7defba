/**
 * Order arithmetic, all in integer minor units. The rules (also in docs/invariants.md):
 *
 * 1. Prices are gross: VAT is included in the ticket price, as Swiss consumer prices are.
 * 2. A line is `unit price × quantity`.
 * 3. A percent code takes `round(line × bp / 10000)` off each eligible line; a fixed code takes
 *    `min(value, unit price)` off each eligible ticket. A line never goes below zero.
 * 4. VAT is computed once per rate on the summed discounted gross of that rate:
 *    `vat = round(gross × rate / (10000 + rate))`. Per-rate rather than per-line keeps the VAT on
 *    an invoice equal to what an accountant recomputes from its totals.
 * 5. `round` is half away from zero (commercial rounding) and exact: every operand is a
 *    non-negative integer, and a product that would pass 2^53 is computed with BigInt.
 */

export interface PricedLineInput {
  readonly ticketTypeId: string
  readonly quantity: number
  readonly unitPriceMinor: number
  readonly vatRateBp: number
}

export interface Discount {
  readonly kind: "percent" | "fixed"
  readonly value: number
  /** Empty means every ticket type is eligible. */
  readonly ticketTypeIds: ReadonlyArray<string>
}

export interface PricedLine extends PricedLineInput {
  readonly discountMinor: number
  readonly totalMinor: number
}

export interface Totals {
  readonly lines: ReadonlyArray<PricedLine>
  readonly subtotalMinor: number
  readonly discountMinor: number
  readonly totalMinor: number
  readonly vatMinor: number
  readonly vatBreakdown: ReadonlyArray<{ rateBp: number; grossMinor: number; vatMinor: number }>
}

/** `round(numerator / denominator)`, half away from zero, for non-negative integers. */
export const divRound = (numerator: number, denominator: number): number => {
  const q = Math.floor(numerator / denominator)
  const r = numerator - q * denominator
  return 2 * r >= denominator ? q + 1 : q
}

/**
 * `round(a × b / denominator)`, half away from zero, for non-negative integers. At the domain's
 * ceilings (100 tickets at 10^10 minor units, rates up to 10000 bp) the product passes 2^53,
 * where doubles would silently drop its low bits and round the wrong way.
 */
export const mulDivRound = (a: number, b: number, denominator: number): number => {
  const product = a * b
  if (Number.isSafeInteger(product)) return divRound(product, denominator)
  const n = BigInt(a) * BigInt(b)
  const d = BigInt(denominator)
  const q = n / d
  return Number(2n * (n - q * d) >= d ? q + 1n : q)
}

const lineDiscount = (line: PricedLineInput, discount: Discount | undefined): number => {
  if (discount === undefined) return 0
  if (discount.ticketTypeIds.length > 0 && !discount.ticketTypeIds.includes(line.ticketTypeId)) return 0
  const gross = line.unitPriceMinor * line.quantity
  const off =
    discount.kind === "percent"
      ? mulDivRound(gross, discount.value, 10_000)
      : Math.min(discount.value, line.unitPriceMinor) * line.quantity
  return Math.min(off, gross)
}

export const priceOrder = (lines: ReadonlyArray<PricedLineInput>, discount?: Discount): Totals => {
  const priced = lines.map((line): PricedLine => {
    const discountMinor = lineDiscount(line, discount)
    return { ...line, discountMinor, totalMinor: line.unitPriceMinor * line.quantity - discountMinor }
  })
  const grossByRate = new Map<number, number>()
  for (const line of priced) {
    grossByRate.set(line.vatRateBp, (grossByRate.get(line.vatRateBp) ?? 0) + line.totalMinor)
  }
  const vatBreakdown = [...grossByRate.entries()]
    .sort(([a], [b]) => a - b)
    .map(([rateBp, grossMinor]) => ({
      rateBp,
      grossMinor,
      vatMinor: mulDivRound(grossMinor, rateBp, 10_000 + rateBp),
    }))
  const sum = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0)
  return {
    lines: priced,
    subtotalMinor: sum(priced.map((l) => l.unitPriceMinor * l.quantity)),
    discountMinor: sum(priced.map((l) => l.discountMinor)),
    totalMinor: sum(priced.map((l) => l.totalMinor)),
    vatMinor: sum(vatBreakdown.map((v) => v.vatMinor)),
    vatBreakdown,
  }
}

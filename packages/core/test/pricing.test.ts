import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { type Discount, MAX_PER_ORDER, type PricedLineInput, priceOrder } from "../src/index.js"

/** The rounding rule restated independently: exact integer arithmetic, half away from zero. */
const oracleRound = (numerator: bigint, denominator: bigint) => {
  const q = numerator / denominator
  return Number(2n * (numerator % denominator) >= denominator ? q + 1n : q)
}
const oracleVat = (gross: number, rateBp: number) =>
  oracleRound(BigInt(gross) * BigInt(rateBp), BigInt(10_000 + rateBp))
const oraclePercentOff = (gross: number, bp: number) => oracleRound(BigInt(gross) * BigInt(bp), 10_000n)

const typeIds = ["tt-a", "tt-b", "tt-c", "tt-d"] as const
/** The domain's ceilings: MinorUnits, MAX_PER_ORDER, VatRateBp, 20 lines per order. */
const maxMinor = 100_000_000_00

const line = fc.record({
  ticketTypeId: fc.constantFrom(...typeIds),
  quantity: fc.integer({ min: 1, max: MAX_PER_ORDER }),
  unitPriceMinor: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: maxMinor })),
  vatRateBp: fc.oneof(fc.constantFrom(0, 260, 380, 810), fc.integer({ min: 0, max: 10_000 })),
})
const lines = fc.array(line, { minLength: 1, maxLength: 20 })
const eligibleTypes = fc.subarray([...typeIds])
const percent = fc.record({
  kind: fc.constant("percent" as const),
  value: fc.integer({ min: 1, max: 10_000 }),
  ticketTypeIds: eligibleTypes,
})
const fixed = fc.record({
  kind: fc.constant("fixed" as const),
  value: fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: maxMinor })),
  ticketTypeIds: eligibleTypes,
})
const discount = fc.option(fc.oneof(percent, fixed), { nil: undefined })

const isEligible = (l: PricedLineInput, d: Discount | undefined) =>
  d !== undefined && (d.ticketTypeIds.length === 0 || d.ticketTypeIds.includes(l.ticketTypeId))

const runs = { numRuns: 3000 }

describe("priceOrder properties", () => {
  it("total = subtotal − discount, and the order totals are the sums of its lines", () => {
    fc.assert(
      fc.property(lines, discount, (input, d) => {
        const t = priceOrder(input, d)
        const sum = (f: (l: (typeof t.lines)[number]) => number) => t.lines.reduce((n, l) => n + f(l), 0)
        expect(t.totalMinor).toBe(t.subtotalMinor - t.discountMinor)
        expect(t.subtotalMinor).toBe(sum((l) => l.unitPriceMinor * l.quantity))
        expect(t.discountMinor).toBe(sum((l) => l.discountMinor))
        expect(t.totalMinor).toBe(sum((l) => l.totalMinor))
        expect(t.lines.map(({ discountMinor: _, totalMinor: __, ...rest }) => rest)).toEqual(input)
      }),
      runs,
    )
  })

  it("a discount never exceeds its line, and lines keep gross − discount", () => {
    fc.assert(
      fc.property(lines, discount, (input, d) => {
        for (const l of priceOrder(input, d).lines) {
          const gross = l.unitPriceMinor * l.quantity
          expect(l.discountMinor).toBeGreaterThanOrEqual(0)
          expect(l.discountMinor).toBeLessThanOrEqual(gross)
          expect(l.totalMinor).toBe(gross - l.discountMinor)
        }
      }),
      runs,
    )
  })

  it("percent codes take round(line × bp / 10000) off each eligible line, exactly", () => {
    fc.assert(
      fc.property(lines, percent, (input, d) => {
        for (const l of priceOrder(input, d).lines) {
          const gross = l.unitPriceMinor * l.quantity
          expect(l.discountMinor).toBe(isEligible(l, d) ? oraclePercentOff(gross, d.value) : 0)
        }
      }),
      runs,
    )
  })

  it("fixed codes take min(value, unit price) off each eligible ticket", () => {
    fc.assert(
      fc.property(lines, fixed, (input, d) => {
        for (const l of priceOrder(input, d).lines) {
          expect(l.discountMinor).toBe(isEligible(l, d) ? Math.min(d.value, l.unitPriceMinor) * l.quantity : 0)
        }
      }),
      runs,
    )
  })

  it("a code limited to ticket types leaves every other line at full price", () => {
    fc.assert(
      fc.property(lines, fc.oneof(percent, fixed), (input, d) => {
        const limited = { ...d, ticketTypeIds: d.ticketTypeIds.length > 0 ? d.ticketTypeIds : ["tt-a"] }
        for (const l of priceOrder(input, limited).lines) {
          if (!limited.ticketTypeIds.includes(l.ticketTypeId)) {
            expect(l.discountMinor).toBe(0)
            expect(l.totalMinor).toBe(l.unitPriceMinor * l.quantity)
          }
        }
      }),
      runs,
    )
  })

  it("VAT is computed once per rate, on that rate's summed gross, rounded half away from zero", () => {
    fc.assert(
      fc.property(lines, discount, (input, d) => {
        const t = priceOrder(input, d)
        const grossByRate = new Map<number, number>()
        for (const l of t.lines) grossByRate.set(l.vatRateBp, (grossByRate.get(l.vatRateBp) ?? 0) + l.totalMinor)
        const expected = [...grossByRate]
          .sort(([a], [b]) => a - b)
          .map(([rateBp, grossMinor]) => ({ rateBp, grossMinor, vatMinor: oracleVat(grossMinor, rateBp) }))
        expect(t.vatBreakdown).toEqual(expected)
        expect(t.vatMinor).toBe(expected.reduce((n, v) => n + v.vatMinor, 0))
        expect(t.vatMinor).toBeLessThanOrEqual(t.totalMinor)
      }),
      runs,
    )
  })

  it("every amount is a non-negative safe integer", () => {
    fc.assert(
      fc.property(lines, discount, (input, d) => {
        const t = priceOrder(input, d)
        const amounts = [
          t.subtotalMinor,
          t.discountMinor,
          t.totalMinor,
          t.vatMinor,
          ...t.lines.flatMap((l) => [l.discountMinor, l.totalMinor]),
          ...t.vatBreakdown.flatMap((v) => [v.grossMinor, v.vatMinor]),
        ]
        for (const amount of amounts) {
          expect(Number.isSafeInteger(amount)).toBe(true)
          expect(amount).toBeGreaterThanOrEqual(0)
        }
      }),
      runs,
    )
  })

  it("no code, no discount", () => {
    fc.assert(
      fc.property(lines, (input) => {
        const t = priceOrder(input)
        expect(t.discountMinor).toBe(0)
        expect(t.totalMinor).toBe(t.subtotalMinor)
      }),
      runs,
    )
  })
})

describe("priceOrder examples, computed by hand", () => {
  const regular = { ticketTypeId: "regular", quantity: 1, unitPriceMinor: 79_00, vatRateBp: 810 }

  it("CHF 79.00 at 8.1 %: VAT 5.92 (7900 × 810 / 10810 = 591.95…)", () => {
    const t = priceOrder([regular])
    expect(t).toMatchObject({ subtotalMinor: 7900, discountMinor: 0, totalMinor: 7900, vatMinor: 592 })
    expect(t.vatBreakdown).toEqual([{ rateBp: 810, grossMinor: 7900, vatMinor: 592 }])
  })

  it("2 × CHF 79.00 with a 20 % code: CHF 126.40, VAT 9.47", () => {
    const t = priceOrder([{ ...regular, quantity: 2 }], { kind: "percent", value: 2000, ticketTypeIds: [] })
    // 15800 × 20 % = 3160 off; 12640 × 810 / 10810 = 947.14…
    expect(t).toMatchObject({ subtotalMinor: 15800, discountMinor: 3160, totalMinor: 12640, vatMinor: 947 })
  })

  it("two rates are reported separately: 8.1 % on 49.00 and 2.6 % on 25.00", () => {
    const t = priceOrder([
      { ticketTypeId: "day", quantity: 1, unitPriceMinor: 4900, vatRateBp: 810 },
      { ticketTypeId: "book", quantity: 1, unitPriceMinor: 2500, vatRateBp: 260 },
    ])
    // 2500 × 260 / 10260 = 63.35… → 63; 4900 × 810 / 10810 = 367.25… → 367
    expect(t.vatBreakdown).toEqual([
      { rateBp: 260, grossMinor: 2500, vatMinor: 63 },
      { rateBp: 810, grossMinor: 4900, vatMinor: 367 },
    ])
    expect(t.vatMinor).toBe(430)
  })

  it("halves round away from zero, not to even", () => {
    // 10 % of 25 = 2.5 → 3 (banker's rounding would give 2)
    const off = priceOrder([{ ticketTypeId: "x", quantity: 1, unitPriceMinor: 25, vatRateBp: 0 }], {
      kind: "percent",
      value: 1000,
      ticketTypeIds: [],
    })
    expect(off.discountMinor).toBe(3)
    // 100 % VAT on 5 = 5 × 10000 / 20000 = 2.5 → 3
    expect(priceOrder([{ ticketTypeId: "x", quantity: 1, unitPriceMinor: 5, vatRateBp: 10_000 }]).vatMinor).toBe(3)
  })

  it("VAT is per rate, not per line: three 0.07 tickets at 8.1 % carry 0.02, not 0.03", () => {
    const t = priceOrder(
      ["a", "b", "c"].map((id) => ({ ticketTypeId: id, quantity: 1, unitPriceMinor: 7, vatRateBp: 810 })),
    )
    // Per line 7 × 810 / 10810 = 0.52 → 1 each (3); per rate 21 × 810 / 10810 = 1.57 → 2.
    expect(t.vatMinor).toBe(2)
  })

  it("stays exact at the domain's ceilings, where the products pass 2^53", () => {
    // Found by search: with plain doubles each of these rounds one unit the wrong way.
    const big = { ticketTypeId: "x", quantity: 99, unitPriceMinor: 9_871_511_411, vatRateBp: 0 }
    const off = priceOrder([big], { kind: "percent", value: 9791, ticketTypeIds: [] })
    expect(off.discountMinor).toBe(oraclePercentOff(99 * 9_871_511_411, 9791))
    expect(off.discountMinor).toBe(956_854_485_428)
    const vat = priceOrder([{ ticketTypeId: "x", quantity: 100, unitPriceMinor: 9_288_956_056, vatRateBp: 9809 }])
    expect(vat.vatMinor).toBe(oracleVat(928_895_605_600, 9809))
    expect(vat.vatMinor).toBe(459_969_559_056)
  })

  it("a fixed code larger than the price makes the ticket free, never negative", () => {
    const t = priceOrder([{ ...regular, quantity: 3 }], { kind: "fixed", value: 100_00, ticketTypeIds: [] })
    expect(t).toMatchObject({ discountMinor: 23700, totalMinor: 0, vatMinor: 0 })
  })

  it("a fixed code limited to one type discounts only that type", () => {
    const t = priceOrder(
      [
        { ticketTypeId: "student", quantity: 2, unitPriceMinor: 1900, vatRateBp: 810 },
        { ...regular, quantity: 1 },
      ],
      { kind: "fixed", value: 500, ticketTypeIds: ["student"] },
    )
    expect(t.lines.map((l) => l.discountMinor)).toEqual([1000, 0])
    expect(t).toMatchObject({ subtotalMinor: 11700, discountMinor: 1000, totalMinor: 10700 })
  })
})

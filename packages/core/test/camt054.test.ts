import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { amountToMinor, CamtRejected, creditLines, type Invoice, parseCamt054 } from "../src/index.js"
import { camt054 } from "./support/Camt.js"

const decimal = (minor: number) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, "0")}`

describe("camt.054 reading", () => {
  it("amounts are read from their decimal text exactly, never through a float", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9_000_000_000_000 }), (minor) => {
        expect(amountToMinor(decimal(minor))).toBe(minor)
      }),
    )
    expect(amountToMinor("79.5")).toBe(7_950)
    expect(amountToMinor("79")).toBe(7_900)
    for (const bad of ["-1.00", "1,00", "1.001", "1e3", "", " . "]) expect(amountToMinor(bad)).toBeNull()
  })

  it("both versions give the same credits: booked credits only, references compacted, debtor named", () => {
    const credits = [
      { bankRef: "A1", amount: "79.00", reference: "21 00000 00003 13947 14300 09017", debtor: "Anna" },
      { bankRef: "A2", amount: "5.00", direction: "DBIT" as const },
      { bankRef: "A3", amount: "1.50", reference: null },
    ]
    for (const version of ["04", "08"] as const) {
      const read = parseCamt054(camt054(version, "CH44 3199 9123 0008 8901 2", credits, "M1"))
      expect(read).toMatchObject({ version, messageId: "M1", ignored: 1 })
      expect(read.credits).toEqual([
        {
          accountIban: "CH4431999123000889012",
          bankRef: "A1",
          amountMinor: 7_900,
          currency: "CHF",
          paymentReference: "210000000003139471430009017",
          debtorName: "Anna",
          bookedOn: "2026-12-03",
        },
        expect.objectContaining({ bankRef: "A3", amountMinor: 150, paymentReference: null }),
      ])
    }
  })

  it("a file without the bank's reference for a credit is refused rather than imported undeduplicated", () => {
    const xml = camt054("04", "CH4431999123000889012", [{ bankRef: "B1", amount: "1.00" }])
      .replace(/<AcctSvcrRef>[^<]*<\/AcctSvcrRef>/g, "")
      .replace(/<NtryRef>[^<]*<\/NtryRef>/g, "")
    expect(() => parseCamt054(xml)).toThrow(CamtRejected)
  })
})

describe("partial credit notes", () => {
  it("lines per VAT rate add up to exactly the amount refunded", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ rateBp: fc.constantFrom(0, 260, 380, 810), grossMinor: fc.integer({ min: 1, max: 10_000_000 }) }),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (rates, fraction) => {
          const totalMinor = rates.reduce((n, r) => n + r.grossMinor, 0)
          const amount = Math.max(1, Math.floor(totalMinor * fraction))
          const invoice = { number: "INV-2026-000001", totalMinor, vatBreakdown: rates } as unknown as Invoice
          const lines = creditLines(invoice, amount)
          expect(lines.reduce((n, l) => n + l.unitPriceMinor * l.quantity, 0)).toBe(amount)
          for (const line of lines) expect(line.unitPriceMinor).toBeGreaterThan(0)
        },
      ),
    )
  })
})

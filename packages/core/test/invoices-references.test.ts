import { describe, expect, it } from "@effect/vitest"
import * as fc from "fast-check"
import { References } from "../src/index.js"

const digits = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((d) => d.join(""))

/** The same string with the digit at `at` replaced by a different digit. */
const changeDigit = (s: string, at: number, by: number) => {
  const i = at % s.length
  const d = Number(s[i])
  return `${s.slice(0, i)}${(d + 1 + (by % 9)) % 10}${s.slice(i + 1)}`
}

describe("payment references", () => {
  it("a QR reference's check digit validates, and any single changed digit is detected", () => {
    fc.assert(
      fc.property(digits(1, 26), fc.nat(), fc.nat(), (payload, at, by) => {
        const ref = References.qrReference(payload)
        expect(ref).toMatch(/^\d{27}$/)
        expect(References.isValidQrReference(ref)).toBe(true)
        expect(References.isValidQrReference(References.formatReference(ref))).toBe(true)
        expect(References.isValidQrReference(changeDigit(ref, at, by))).toBe(false)
      }),
      { numRuns: 2000 },
    )
  })

  it("a creditor reference (ISO 11649) validates, and any single changed digit is detected", () => {
    fc.assert(
      fc.property(digits(1, 21), fc.nat(), fc.nat(), (payload, at, by) => {
        const ref = References.creditorReference(payload)
        expect(ref).toMatch(/^RF\d{2}\d{1,21}$/)
        expect(References.isValidCreditorReference(ref)).toBe(true)
        // Digits sit after "RF": position 2 onward, check digits included.
        const changed = `RF${changeDigit(ref.slice(2), at, by)}`
        expect(References.isValidCreditorReference(changed)).toBe(false)
      }),
      { numRuns: 2000 },
    )
  })

  it("alphanumeric creditor references validate and match the standard's example", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z0-9]{1,21}$/), (payload) => {
        expect(References.isValidCreditorReference(References.creditorReference(payload))).toBe(true)
      }),
    )
    expect(References.creditorReference("539007547034")).toBe("RF18539007547034")
    expect(References.qrReference("21000000000313947143000901")).toBe("210000000003139471430009017")
    expect(References.referenceKind("RF18 5390 0754 7034")).toBe("SCOR")
    expect(References.referenceKind("21 00000 00003 13947 14300 09017")).toBe("QRR")
    expect(References.referenceKind("21 00000 00003 13947 14300 09018")).toBeNull()
  })

  it("IBANs: the mod-97 check catches any single changed digit; QR-IBANs by their institution id", () => {
    const valid = ["CH4431999123000889012", "CH5800791123000889012", "CH9300762011623852957", "DE89370400440532013000"]
    for (const iban of valid) expect(References.isValidIban(iban)).toBe(true)
    fc.assert(
      fc.property(fc.constantFrom(...valid), fc.nat(), fc.nat(), (iban, at, by) => {
        const changed = `${iban.slice(0, 2)}${changeDigit(iban.slice(2), at, by)}`
        expect(References.isValidIban(changed)).toBe(false)
      }),
      { numRuns: 500 },
    )
    expect(References.isQrIban("CH44 3199 9123 0008 8901 2")).toBe(true)
    expect(References.isQrIban("CH5800791123000889012")).toBe(false)
    expect(References.isQrBillAccount("DE89370400440532013000")).toBe(false)
    expect(References.isValidIban("CH44319991230008890")).toBe(false)
  })

  it("Swiss VAT numbers: CHE-xxx.xxx.xxx with MWST, TVA or IVA and a valid UID check digit", () => {
    expect(References.isValidSwissVatNumber("CHE-116.281.710 MWST")).toBe(true)
    expect(References.isValidSwissVatNumber("CHE-116.281.710 TVA")).toBe(true)
    expect(References.isValidSwissVatNumber("CHE-123.456.788 IVA")).toBe(true)
    expect(References.isValidSwissVatNumber("CHE-123.456.789 MWST")).toBe(false)
    expect(References.isValidSwissVatNumber("CHE-123.456.788")).toBe(false)
    expect(References.isValidSwissVatNumber("CHE123456788 MWST")).toBe(false)
    expect(References.isValidBuyerVatNumber("DE123456789")).toBe(true)
    expect(References.isValidBuyerVatNumber("CHE-123.456.789 MWST")).toBe(false)
  })
})

/**
 * Check-digit arithmetic for Swiss payments, pure and dependency-free: IBAN and QR-IBAN, the QR
 * reference (QRR) and the ISO 11649 creditor reference (SCOR), and the Swiss VAT number (UID).
 * Inputs may carry spaces (as printed); every function compacts them first.
 */

/** Without spaces, upper-cased: the form stored and encoded in a QR code. */
export const compact = (value: string) => value.replace(/\s+/g, "").toUpperCase()

/**
 * ISO 7064 MOD 97-10 remainder of an alphanumeric string, letters counting A = 10 … Z = 35 (as
 * IBAN and ISO 11649 both define). Folded seven digits at a time behind the running remainder, so
 * every step stays a nine-digit safe integer.
 */
export const mod97 = (alphanumeric: string): number => {
  let digits = ""
  for (const c of alphanumeric) digits += /[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c
  let remainder = 0
  for (let i = 0; i < digits.length; i += 7) remainder = Number(`${remainder}${digits.slice(i, i + 7)}`) % 97
  return remainder
}

/** IBAN lengths per country for the countries a Swiss invoice names; others only get the generic checks. */
const ibanLengths: Readonly<Record<string, number>> = { CH: 21, LI: 21, DE: 22, AT: 20, FR: 27, IT: 27 }

export const isValidIban = (value: string): boolean => {
  const iban = compact(value)
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false
  const expected = ibanLengths[iban.slice(0, 2)]
  if (expected !== undefined && iban.length !== expected) return false
  return mod97(iban.slice(4) + iban.slice(0, 4)) === 1
}

/**
 * A QR-IBAN is a CH or LI IBAN whose institution id (positions 5 to 9) lies in 30000–31999; it is
 * the account for payments that carry a QR reference, and only those.
 */
export const isQrIban = (value: string): boolean => {
  const iban = compact(value)
  if (!isValidIban(iban) || !/^(CH|LI)/.test(iban)) return false
  const iid = Number(iban.slice(4, 9))
  return iid >= 30000 && iid <= 31999
}

/** CH and LI accounts are the only ones a Swiss QR-bill may name as creditor account. */
export const isQrBillAccount = (value: string): boolean => isValidIban(value) && /^(CH|LI)/.test(compact(value))

const recursiveTable = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5] as const

/** The mod-10 recursive check digit (Swiss payment standards) of a string of digits. */
export const mod10RecursiveCheckDigit = (digits: string): number => {
  let carry = 0
  for (const c of digits) carry = recursiveTable[(carry + Number(c)) % 10]!
  return (10 - carry) % 10
}

/** A 27-digit QR reference: the payload, left-padded with zeros to 26 digits, and its check digit. */
export const qrReference = (payload: string): string => {
  if (!/^\d{1,26}$/.test(payload)) throw new RangeError("A QR reference payload is 1 to 26 digits")
  const body = payload.padStart(26, "0")
  return `${body}${mod10RecursiveCheckDigit(body)}`
}

export const isValidQrReference = (value: string): boolean => {
  const ref = compact(value)
  return /^\d{27}$/.test(ref) && mod10RecursiveCheckDigit(ref.slice(0, 26)) === Number(ref[26])
}

/** An ISO 11649 creditor reference: `RF`, two check digits, and the payload (1 to 21 letters or digits). */
export const creditorReference = (payload: string): string => {
  const body = compact(payload)
  if (!/^[A-Z0-9]{1,21}$/.test(body)) throw new RangeError("A creditor reference payload is 1 to 21 letters or digits")
  const check = 98 - mod97(`${body}RF00`)
  return `RF${String(check).padStart(2, "0")}${body}`
}

export const isValidCreditorReference = (value: string): boolean => {
  const ref = compact(value)
  return /^RF\d{2}[A-Z0-9]{1,21}$/.test(ref) && mod97(ref.slice(4) + ref.slice(0, 4)) === 1
}

export type ReferenceKind = "QRR" | "SCOR"

/** The kind of a reference that validates, or null. */
export const referenceKind = (value: string): ReferenceKind | null =>
  isValidQrReference(value) ? "QRR" : isValidCreditorReference(value) ? "SCOR" : null

/** Printed forms: a QRR in groups of five from the right after the first two, a SCOR in groups of four. */
export const formatReference = (value: string): string => {
  const ref = compact(value)
  if (/^\d{27}$/.test(ref)) return `${ref.slice(0, 2)} ${ref.slice(2).replace(/(\d{5})(?=\d)/g, "$1 ")}`
  return ref.replace(/(.{4})(?=.)/g, "$1 ")
}

export const formatIban = (value: string): string => compact(value).replace(/(.{4})(?=.)/g, "$1 ")

const uidWeights = [5, 4, 3, 2, 7, 6, 5, 4] as const

/**
 * A Swiss VAT number: the enterprise id `CHE-123.456.78x` followed by MWST, TVA or IVA (the
 * register's own spelling, in the language of the entry). The ninth digit is the UID check digit:
 * 11 − (Σ digit × weight mod 11) with weights 5 4 3 2 7 6 5 4; a result of 10 is never issued.
 */
export const isValidSwissVatNumber = (value: string): boolean => {
  const match = /^CHE-(\d{3})\.(\d{3})\.(\d{3}) (MWST|TVA|IVA)$/.exec(value.trim())
  if (match === null) return false
  const digits = `${match[1]}${match[2]}${match[3]}`
  const sum = uidWeights.reduce((acc, weight, i) => acc + weight * Number(digits[i]), 0)
  const check = 11 - (sum % 11)
  if (check === 10) return false
  return (check === 11 ? 0 : check) === Number(digits[8])
}

/**
 * A buyer's VAT number: Swiss ones are checked like the seller's; a foreign one (an EU VAT id such
 * as DE123456789) only for its shape, since its check rules differ per country.
 */
export const isValidBuyerVatNumber = (value: string): boolean =>
  value.trim().startsWith("CHE") ? isValidSwissVatNumber(value) : /^[A-Z]{2}[0-9A-Z+*.]{2,13}$/.test(compact(value))

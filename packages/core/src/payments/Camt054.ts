import { XMLParser, XMLValidator } from "fast-xml-parser"

/**
 * Reading ISO 20022 camt.054 (bank-to-customer debit/credit notification), as Swiss banks send it
 * for QR-bill payments: versions .04 (Swiss Payment Standards 2019) and .08 (2022 onwards). Pure:
 * text in, credits out, or a reason the file is refused. Only booked credits (`CRDT`, `BOOK`) are
 * returned; debits and pending entries are counted as ignored.
 */

export const CAMT054_VERSIONS = ["04", "08"] as const
export type Camt054Version = (typeof CAMT054_VERSIONS)[number]

export interface CamtCredit {
  /** The account credited, compact IBAN. */
  readonly accountIban: string
  /** The bank's unique reference of this credit: the transaction's AcctSvcrRef, else the entry's with the transaction's place. */
  readonly bankRef: string
  readonly amountMinor: number
  readonly currency: string
  /** Structured creditor reference (QRR or SCOR) as the payer entered it, or null. */
  readonly paymentReference: string | null
  readonly debtorName: string | null
  /** Booking date, YYYY-MM-DD. */
  readonly bookedOn: string | null
}

export interface CamtNotification {
  readonly version: Camt054Version
  readonly messageId: string
  readonly credits: ReadonlyArray<CamtCredit>
  /** Entries or transactions that are debits or not booked. */
  readonly ignored: number
}

export class CamtRejected extends Error {
  override readonly name = "CamtRejected"
}

type Node = Record<string, unknown>

const ARRAYS = new Set(["Ntfctn", "Ntry", "NtryDtls", "TxDtls", "Strd", "Ustrd"])

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  removeNSPrefix: true,
  // References are digit strings of 27 places: never let them become numbers.
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  isArray: (name) => ARRAYS.has(name),
})

const NAMESPACE = /xmlns(?::[\w.-]+)?\s*=\s*["']urn:iso:std:iso:20022:tech:xsd:camt\.054\.001\.(\d{2})["']/

const node = (value: unknown): Node | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Node) : undefined

const at = (value: unknown, ...path: ReadonlyArray<string>): unknown => {
  let current: unknown = value
  for (const key of path) {
    const n = node(current)
    if (n === undefined) return undefined
    current = n[key]
  }
  return current
}

const text = (value: unknown): string | null => {
  if (typeof value === "string") return value.trim() === "" ? null : value.trim()
  const n = node(value)
  return n && typeof n["#text"] === "string" ? text(n["#text"]) : null
}

const list = (value: unknown): ReadonlyArray<unknown> =>
  Array.isArray(value) ? value : value === undefined ? [] : [value]

/** "79.00" → 7900. Decimal text only, never through a float; at most two decimals (CHF, EUR). */
export const amountToMinor = (raw: string): number | null => {
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(raw.trim())
  if (match === null) return null
  return Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"))
}

const amountOf = (value: unknown, where: string): { amountMinor: number; currency: string } | null => {
  if (value === undefined) return null
  const raw = text(value)
  const currency = text(at(value, "@_Ccy"))
  const amountMinor = raw === null ? null : amountToMinor(raw)
  if (amountMinor === null || currency === null || !/^[A-Z]{3}$/.test(currency)) {
    throw new CamtRejected(`${where}: the amount "${raw ?? ""}" ${currency ?? "(no currency)"} is not readable`)
  }
  return { amountMinor, currency }
}

/** `<Sts>BOOK</Sts>` in .04, `<Sts><Cd>BOOK</Cd></Sts>` in .08. */
const statusOf = (entry: unknown) => text(at(entry, "Sts", "Cd")) ?? text(at(entry, "Sts"))

export const parseCamt054 = (xml: string): CamtNotification => {
  if (xml.trim() === "") throw new CamtRejected("The file is empty")
  const valid = XMLValidator.validate(xml)
  if (valid !== true) {
    throw new CamtRejected(`The file is not well-formed XML (line ${valid.err.line}: ${valid.err.msg})`)
  }
  const namespace = NAMESPACE.exec(xml)
  const document = node(at(parser.parse(xml), "Document"))
  const root = node(document?.BkToCstmrDbtCdtNtfctn)
  if (namespace === null || root === undefined) {
    throw new CamtRejected("The file is not a camt.054 notification (Document/BkToCstmrDbtCdtNtfctn)")
  }
  const version = namespace[1] as Camt054Version
  if (!CAMT054_VERSIONS.includes(version)) {
    throw new CamtRejected(`camt.054.001.${version} is not supported (supported: .04 and .08)`)
  }
  const messageId = text(at(root, "GrpHdr", "MsgId"))
  if (messageId === null) throw new CamtRejected("The file has no message id (GrpHdr/MsgId)")
  const credits: Array<CamtCredit> = []
  let ignored = 0
  for (const [n, notification] of list(root.Ntfctn).entries()) {
    const iban = text(at(notification, "Acct", "Id", "IBAN"))
      ?.replace(/\s+/g, "")
      .toUpperCase()
    if (!iban) throw new CamtRejected(`Notification ${n + 1} names no account IBAN (Acct/Id/IBAN)`)
    for (const [e, entry] of list(at(notification, "Ntry")).entries()) {
      const where = `Notification ${n + 1}, entry ${e + 1}`
      const entryDirection = text(at(entry, "CdtDbtInd"))
      const entryAmount = amountOf(at(entry, "Amt"), where)
      if (statusOf(entry) !== "BOOK") {
        ignored++
        continue
      }
      const entryRef = text(at(entry, "AcctSvcrRef")) ?? text(at(entry, "NtryRef"))
      const bookedOn = text(at(entry, "BookgDt", "Dt")) ?? text(at(entry, "BookgDt", "DtTm"))?.slice(0, 10) ?? null
      const transactions = list(at(entry, "NtryDtls")).flatMap((details) => list(at(details, "TxDtls")))
      if (transactions.length === 0) {
        // An entry without details is one credit of the entry's amount, with no reference to match.
        if (entryDirection !== "CRDT") {
          ignored++
          continue
        }
        if (entryRef === null) throw new CamtRejected(`${where} has no bank reference (AcctSvcrRef)`)
        credits.push({
          accountIban: iban,
          bankRef: entryRef,
          amountMinor: entryAmount!.amountMinor,
          currency: entryAmount!.currency,
          paymentReference: null,
          debtorName: null,
          bookedOn,
        })
        continue
      }
      for (const [t, tx] of transactions.entries()) {
        const place = `${where}, transaction ${t + 1}`
        if ((text(at(tx, "CdtDbtInd")) ?? entryDirection) !== "CRDT") {
          ignored++
          continue
        }
        const amount =
          amountOf(at(tx, "Amt"), place) ??
          amountOf(at(tx, "AmtDtls", "TxAmt", "Amt"), place) ??
          amountOf(at(tx, "AmtDtls", "InstdAmt", "Amt"), place) ??
          (transactions.length === 1 ? entryAmount : null)
        if (amount === null) throw new CamtRejected(`${place} has no amount`)
        const txRef = text(at(tx, "Refs", "AcctSvcrRef"))
        const bankRef = txRef ?? (entryRef === null ? null : `${entryRef}/${t + 1}`)
        if (bankRef === null) throw new CamtRejected(`${place} has no bank reference (Refs/AcctSvcrRef)`)
        const reference = list(at(tx, "RmtInf", "Strd"))
          .map((s) => text(at(s, "CdtrRefInf", "Ref")))
          .find((r) => r !== null)
        credits.push({
          accountIban: iban,
          bankRef,
          ...amount,
          paymentReference: reference ? reference.replace(/\s+/g, "").toUpperCase() : null,
          debtorName: text(at(tx, "RltdPties", "Dbtr", "Nm")) ?? text(at(tx, "RltdPties", "Dbtr", "Pty", "Nm")) ?? null,
          bookedOn,
        })
      }
    }
  }
  return { version, messageId, credits, ignored }
}

import { createHash } from "node:crypto"
import { Schema } from "effect"

export const LedgerEntryType = Schema.Literal("charge", "refund", "credit_note", "adjustment", "void")
export type LedgerEntryType = typeof LedgerEntryType.Type

/**
 * One VAT rate's share of an entry, in minor units, shaped like an order's `VatLine` (so an order's
 * breakdown copies over) but signed: the signs follow the entry's amount.
 */
export const LedgerVatLine = Schema.Struct({
  rateBp: Schema.Int,
  grossMinor: Schema.Int,
  vatMinor: Schema.Int,
})
export type LedgerVatLine = typeof LedgerVatLine.Type

export class LedgerEntry extends Schema.Class<LedgerEntry>("LedgerEntry")({
  id: Schema.String,
  orgId: Schema.String,
  eventId: Schema.NullOr(Schema.String),
  series: Schema.String,
  seq: Schema.Int,
  entryType: LedgerEntryType,
  orderId: Schema.NullOr(Schema.String),
  /** Signed, in the currency's minor unit (Rappen for CHF): a refund is negative. */
  amountMinor: Schema.Int,
  currency: Schema.String,
  vat: Schema.Array(LedgerVatLine),
  reference: Schema.NullOr(Schema.String),
  memo: Schema.NullOr(Schema.String),
  prevHash: Schema.String,
  hash: Schema.String,
  createdAt: Schema.Int,
  updatedAt: Schema.Int,
}) {}

/** The fields a hash covers: every column of the row except the hash itself. */
export type HashedFields = Omit<LedgerEntry, "hash">

/** `prev_hash` of the first entry of every series. */
export const GENESIS_HASH = "0".repeat(64)

/** Version tag of the canonical encoding; a new encoding gets a new tag, old entries keep theirs. */
export const CANONICAL_VERSION = "sratix-ledger-v1"

/**
 * The canonical encoding an entry's hash is computed over (also in docs/ledger.md):
 *
 * the UTF-8 bytes of `JSON.stringify` of one array, in this order:
 * `["sratix-ledger-v1", id, orgId, eventId, series, seq, entryType, orderId, amountMinor, currency,
 *   [[rateBp, grossMinor, vatMinor], …], reference, memo, createdAt, updatedAt, prevHash]`
 *
 * Integers (seq, amounts, rates, epoch-millisecond stamps) are written as decimal strings, so the
 * encoding does not depend on a number formatter and holds for values past 2^53; absent values are
 * JSON `null`; strings are JSON strings (JSON.stringify escapes are fixed by ECMA-262); VAT lines
 * stay in their stored order. The hash is lower-case hex SHA-256 of those bytes. Because
 * `prevHash` is inside, each entry commits to the whole chain before it.
 */
export const canonicalEncoding = (e: HashedFields): string =>
  JSON.stringify([
    CANONICAL_VERSION,
    e.id,
    e.orgId,
    e.eventId,
    e.series,
    String(e.seq),
    e.entryType,
    e.orderId,
    String(e.amountMinor),
    e.currency,
    e.vat.map((line) => [String(line.rateBp), String(line.grossMinor), String(line.vatMinor)]),
    e.reference,
    e.memo,
    String(e.createdAt),
    String(e.updatedAt),
    e.prevHash,
  ])

export const entryHash = (e: HashedFields): string =>
  createHash("sha256").update(canonicalEncoding(e), "utf8").digest("hex")

export type LedgerFindingKind = "hash_mismatch" | "prev_link_broken" | "seq_gap" | "seq_duplicate"

/** One thing wrong with a ledger, naming the entry it concerns. */
export interface LedgerFinding {
  readonly kind: LedgerFindingKind
  readonly orgId: string
  readonly series: string
  readonly seq: number
  readonly entryId: string
  readonly expected: string
  readonly actual: string
}

/**
 * Checks every chain in `entries` (any order, any number of series): each series must run
 * 1, 2, 3, … with no gap or repeat, each entry's `prevHash` must be the previous entry's `hash`
 * (the genesis value for seq 1), and each `hash` must be the hash of the entry's own fields.
 * An altered field always makes its own entry's hash mismatch; an altered hash also breaks the next link.
 */
export const verifyEntries = (entries: Iterable<LedgerEntry>): ReadonlyArray<LedgerFinding> => {
  const bySeries = new Map<string, Array<LedgerEntry>>()
  for (const e of entries) {
    const key = JSON.stringify([e.orgId, e.series])
    const list = bySeries.get(key)
    if (list) list.push(e)
    else bySeries.set(key, [e])
  }
  const findings: Array<LedgerFinding> = []
  for (const list of bySeries.values()) {
    const chain = chainVerifier()
    for (const e of [...list].sort((a, b) => a.seq - b.seq)) findings.push(...chain.push(e))
  }
  return findings
}

/**
 * The walk over one series in seq order, one entry at a time: what `verifyEntries` runs per
 * series, and what a streaming audit runs over pages of a large ledger in constant memory.
 */
export const chainVerifier = () => {
  let previous: LedgerEntry | null = null
  return {
    push: (e: LedgerEntry): ReadonlyArray<LedgerFinding> => {
      const found: Array<LedgerFinding> = []
      const at = (kind: LedgerFindingKind, expected: string, actual: string) =>
        found.push({ kind, orgId: e.orgId, series: e.series, seq: e.seq, entryId: e.id, expected, actual })
      const expectedSeq = previous === null ? 1 : previous.seq + 1
      if (previous !== null && e.seq === previous.seq) at("seq_duplicate", String(expectedSeq), String(e.seq))
      else if (e.seq !== expectedSeq) at("seq_gap", String(expectedSeq), String(e.seq))
      const expectedPrev = previous === null ? GENESIS_HASH : previous.hash
      if (e.prevHash !== expectedPrev) at("prev_link_broken", expectedPrev, e.prevHash)
      const computed = entryHash(e)
      if (e.hash !== computed) at("hash_mismatch", computed, e.hash)
      previous = e
      return found
    },
  }
}

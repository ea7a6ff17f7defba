import { decodeBase64url, encodeBase64url } from "./Base64url.js"

/**
 * Signed ticket codes: what a ticket's QR code holds, verified offline by the scanner with public
 * keys only. Browser-safe (WebCrypto), so the scanner and the server run this very code.
 *
 * Envelope, version 1 (121 characters, fixed length; docs/tickets.md):
 *
 *     SX1.<kid>.<body>
 *
 * - `SX1` — format and version. A new layout gets a new prefix; scanners reject prefixes they do
 *   not know as `malformed`.
 * - `<kid>` — 4 base64url characters (3 bytes): the event signing key that signed the code.
 * - `<body>` — 112 base64url characters (84 bytes): the 20-byte payload, then the 64-byte Ed25519
 *   signature. Payload: event tag (3 bytes: the last 3 bytes of the event id), ticket id (16 bytes:
 *   the UUID), ticket type index (1 byte: the type's rank among the event's types ordered by id).
 * - Signed message: `"SX1."` ‖ kid bytes ‖ the full 16-byte event id ‖ payload. The event id is
 *   signed but not carried, so a code verifies only for its own event even if two events' key ids
 *   collided; the event tag only lets a scanner say `wrong_event` instead of `unknown_key`.
 *
 * Base64url is decoded canonically (no spare bits set), so every changed character changes the bytes.
 * The rules, in the order they are checked: `malformed` (shape) → `wrong_event` (tag) →
 * `unknown_key` (kid not among the event's keys) → `bad_signature` → `key_retired` (an authentic code
 * whose key was retired longer ago than the grace period).
 */
export const TICKET_CODE_PREFIX = "SX1"
export const TICKET_CODE_LENGTH = 121

const PAYLOAD_BYTES = 20
const SIGNATURE_BYTES = 64
const KID_CHARS = 4
const CODE_SHAPE = /^SX1\.[A-Za-z0-9_-]{4}\.[A-Za-z0-9_-]{112}$/

export interface TicketReference {
  readonly eventId: string
  readonly ticketId: string
  readonly ticketTypeIndex: number
  readonly kid: string
}

export type TicketCodeRejection = "malformed" | "unknown_key" | "bad_signature" | "wrong_event" | "key_retired"

export type TicketCodeVerdict =
  | { readonly ok: true; readonly ticket: TicketReference }
  | { readonly ok: false; readonly reason: TicketCodeRejection }

export interface VerificationKey {
  readonly kid: string
  /** Raw 32-byte Ed25519 public key, its base64url text, or an OKP JWK. */
  readonly publicKey: Uint8Array | string | JsonWebKey
  /** When the key stopped signing; codes it signed stay valid for the grace period after this. */
  readonly retiredAt?: number | null
}

export const uuidBytes = (uuid: string): Uint8Array => {
  const hex = uuid.replaceAll("-", "")
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`not a lowercase UUID: ${uuid}`)
  return Uint8Array.from({ length: 16 }, (_, i) => Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16))
}

const uuidText = (bytes: Uint8Array) => {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const concat = (...parts: ReadonlyArray<Uint8Array>) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

const PREFIX_BYTES = new TextEncoder().encode(`${TICKET_CODE_PREFIX}.`)

/** What a key signs for one ticket: the envelope's signed message. */
export const ticketSigningInput = (kid: string, eventId: string, payload: Uint8Array): Uint8Array => {
  const kidBytes = decodeBase64url(kid)
  if (kid.length !== KID_CHARS || kidBytes === null) throw new Error(`key id must be 4 base64url characters: ${kid}`)
  return concat(PREFIX_BYTES, kidBytes, uuidBytes(eventId), payload)
}

/** The 20-byte payload of a ticket. */
export const ticketPayload = (reference: Omit<TicketReference, "kid">): Uint8Array => {
  if (
    !Number.isInteger(reference.ticketTypeIndex) ||
    reference.ticketTypeIndex < 0 ||
    reference.ticketTypeIndex > 255
  ) {
    throw new Error("ticket type index must be 0-255")
  }
  return concat(
    uuidBytes(reference.eventId).slice(13),
    uuidBytes(reference.ticketId),
    Uint8Array.of(reference.ticketTypeIndex),
  )
}

/** Builds a code with any Ed25519 signer (the server's is Node's crypto; a test may use WebCrypto). */
export const encodeTicketCode = (reference: TicketReference, sign: (message: Uint8Array) => Uint8Array): string => {
  const payload = ticketPayload(reference)
  const signature = sign(ticketSigningInput(reference.kid, reference.eventId, payload))
  if (signature.length !== SIGNATURE_BYTES) throw new Error("an Ed25519 signature has 64 bytes")
  return `${TICKET_CODE_PREFIX}.${reference.kid}.${encodeBase64url(concat(payload, signature))}`
}

/** The parts of a well-formed code, without checking its signature; null when malformed. */
export const parseTicketCode = (code: string) => {
  if (code.length !== TICKET_CODE_LENGTH || !CODE_SHAPE.test(code)) return null
  const kid = code.slice(4, 4 + KID_CHARS)
  const body = decodeBase64url(code.slice(5 + KID_CHARS))
  if (body === null || decodeBase64url(kid) === null || body.length !== PAYLOAD_BYTES + SIGNATURE_BYTES) return null
  const payload = body.slice(0, PAYLOAD_BYTES)
  return {
    kid,
    payload,
    eventTag: payload.slice(0, 3),
    ticketId: uuidText(payload.slice(3, 19)),
    ticketTypeIndex: payload[19]!,
    signature: body.slice(PAYLOAD_BYTES),
  }
}

const importedKeys = new Map<string, Promise<CryptoKey>>()

const importKey = (key: VerificationKey): Promise<CryptoKey> => {
  const { publicKey } = key
  const raw =
    typeof publicKey === "string" ? decodeBase64url(publicKey) : publicKey instanceof Uint8Array ? publicKey : null
  if (typeof publicKey === "string" && raw === null) return Promise.reject(new Error("public key is not base64url"))
  const jwk = raw === null ? (publicKey as JsonWebKey) : null
  const cacheKey = jwk === null ? `raw:${encodeBase64url(raw!)}` : `jwk:${jwk.crv}:${jwk.x}`
  let imported = importedKeys.get(cacheKey)
  if (imported === undefined) {
    const algorithm = { name: "Ed25519" }
    imported =
      jwk === null
        ? crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, algorithm, false, ["verify"])
        : crypto.subtle.importKey("jwk", jwk, algorithm, false, ["verify"])
    // A scanner holds a handful of keys; the bound only stops a long-running server growing it forever.
    if (importedKeys.size > 1000) importedKeys.clear()
    importedKeys.set(cacheKey, imported)
  }
  return imported
}

/** Verifies a scanned code for one event with WebCrypto; never throws. */
export const verifyTicketCode = async (
  code: string,
  options: {
    readonly eventId: string
    readonly keys: ReadonlyArray<VerificationKey>
    /** How long after its retirement a key's codes are still accepted. */
    readonly graceMs: number
    readonly now: number
  },
): Promise<TicketCodeVerdict> => {
  const parts = parseTicketCode(code)
  if (parts === null) return { ok: false, reason: "malformed" }
  const eventBytes = uuidBytes(options.eventId)
  if (!parts.eventTag.every((b, i) => b === eventBytes[13 + i])) return { ok: false, reason: "wrong_event" }
  const key = options.keys.find((k) => k.kid === parts.kid)
  if (key === undefined) return { ok: false, reason: "unknown_key" }
  const message = ticketSigningInput(parts.kid, options.eventId, parts.payload)
  let authentic: boolean
  try {
    authentic = await crypto.subtle.verify(
      { name: "Ed25519" },
      await importKey(key),
      parts.signature as Uint8Array<ArrayBuffer>,
      message as Uint8Array<ArrayBuffer>,
    )
  } catch {
    authentic = false
  }
  if (!authentic) return { ok: false, reason: "bad_signature" }
  if (key.retiredAt != null && options.now > key.retiredAt + options.graceMs)
    return { ok: false, reason: "key_retired" }
  return {
    ok: true,
    ticket: {
      eventId: options.eventId,
      ticketId: parts.ticketId,
      ticketTypeIndex: parts.ticketTypeIndex,
      kid: parts.kid,
    },
  }
}

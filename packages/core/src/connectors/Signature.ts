import { createHash, createHmac, timingSafeEqual } from "node:crypto"

/**
 * Request signatures between the server and the WordPress connectors (docs/adr/0014-connector-signatures.md).
 * The PHP twin is wp-plugins/shared/Signature.php; both are checked against the same test vectors
 * (packages/core/test/connectors/signature-vectors.json), so the two sides agree byte for byte.
 *
 * The signed string binds everything that gives a request its meaning: the method, the request target
 * (path and query exactly as sent), the time, a single-use nonce and the SHA-256 of the exact body
 * bytes. The receiver refuses a timestamp outside the window and remembers nonces for longer than the
 * window, so a captured request can be neither altered nor replayed.
 */

export const SIGNATURE_SCHEME = "v1"
/** Seconds a signed request stays acceptable on either side of the receiver's clock. */
export const REPLAY_WINDOW_SECONDS = 300
export const SIGNATURE_HEADERS = {
  keyId: "x-sratix-key",
  timestamp: "x-sratix-timestamp",
  nonce: "x-sratix-nonce",
  signature: "x-sratix-signature",
} as const

const NONCE = /^[A-Za-z0-9_-]{16,128}$/
const TIMESTAMP = /^(0|[1-9][0-9]{0,11})$/
const SIGNATURE = /^v1=[0-9a-f]{64}$/

export interface SignedParts {
  readonly method: string
  /** Path and query as sent, e.g. `/api/v1/auth/token-exchange`. */
  readonly path: string
  /** Unix seconds. */
  readonly timestamp: number
  readonly nonce: string
  readonly body: string | Uint8Array
}

export const bodyHash = (body: string | Uint8Array) => createHash("sha256").update(body).digest("hex")

export const canonicalRequest = (parts: SignedParts) =>
  [
    "sratix-v1",
    parts.method.toUpperCase(),
    parts.path,
    String(parts.timestamp),
    parts.nonce,
    bodyHash(parts.body),
  ].join("\n")

/** The value of the signature header: `v1=` and the lowercase hex HMAC-SHA256 of the canonical request. */
export const signRequest = (secret: string, parts: SignedParts) =>
  `${SIGNATURE_SCHEME}=${createHmac("sha256", Buffer.from(secret, "utf8")).update(canonicalRequest(parts)).digest("hex")}`

export type SignatureRefusal = "malformed" | "stale" | "bad-signature"

export interface ReceivedSignature {
  readonly method: string
  readonly path: string
  readonly timestamp: string | undefined
  readonly nonce: string | undefined
  readonly signature: string | undefined
  readonly body: string | Uint8Array
}

/**
 * `null` when the request is authentic and fresh; otherwise why not. Checking the nonce against the
 * store is the caller's second step, after this one (an unauthenticated request must not fill the store).
 */
export const verifyRequest = (
  secret: string,
  received: ReceivedSignature,
  nowSeconds: number,
  windowSeconds: number = REPLAY_WINDOW_SECONDS,
): SignatureRefusal | null => {
  const { timestamp, nonce, signature } = received
  if (timestamp === undefined || nonce === undefined || signature === undefined) return "malformed"
  if (!TIMESTAMP.test(timestamp) || !NONCE.test(nonce) || !SIGNATURE.test(signature)) return "malformed"
  if (Math.abs(nowSeconds - Number(timestamp)) > windowSeconds) return "stale"
  const expected = signRequest(secret, { ...received, timestamp: Number(timestamp), nonce })
  const same = timingSafeEqual(Buffer.from(expected, "utf8"), Buffer.from(signature, "utf8"))
  return same ? null : "bad-signature"
}

/** Headers for an outgoing signed request. */
export const signatureHeaders = (keyId: string, secret: string, parts: SignedParts): Record<string, string> => ({
  [SIGNATURE_HEADERS.keyId]: keyId,
  [SIGNATURE_HEADERS.timestamp]: String(parts.timestamp),
  [SIGNATURE_HEADERS.nonce]: parts.nonce,
  [SIGNATURE_HEADERS.signature]: signRequest(secret, parts),
})

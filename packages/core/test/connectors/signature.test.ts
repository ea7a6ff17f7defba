import * as fs from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import fc from "fast-check"
import {
  canonicalRequest,
  REPLAY_WINDOW_SECONDS,
  type SignatureRefusal,
  signRequest,
  verifyRequest,
} from "../../src/connectors/Signature.js"

interface Vectors {
  readonly windowSeconds: number
  readonly sign: ReadonlyArray<{
    name: string
    secret: string
    method: string
    path: string
    timestamp: number
    nonce: string
    body: string
    canonical: string
    signature: string
  }>
  readonly verify: ReadonlyArray<{
    name: string
    secret: string
    method: string
    path: string
    timestamp: string | null
    nonce: string | null
    signature: string | null
    body: string
    now: number
    expected: SignatureRefusal | null
  }>
}

/** The same file wp-plugins/shared/tests/SignatureTest.php reads. */
const vectors: Vectors = JSON.parse(
  fs.readFileSync(new URL("./signature-vectors.json", import.meta.url), "utf8"),
) as Vectors

describe("request signatures", () => {
  it("uses the window the vectors were made for", () => {
    expect(vectors.windowSeconds).toBe(REPLAY_WINDOW_SECONDS)
  })

  it.each(vectors.sign.map((v) => [v.name, v] as const))("signs %s like the vector", (_, v) => {
    expect(canonicalRequest(v)).toBe(v.canonical)
    expect(signRequest(v.secret, v)).toBe(v.signature)
  })

  it.each(vectors.verify.map((v) => [v.name, v] as const))("verifies %s like the vector", (_, v) => {
    const verdict = verifyRequest(
      v.secret,
      {
        method: v.method,
        path: v.path,
        body: v.body,
        timestamp: v.timestamp ?? undefined,
        nonce: v.nonce ?? undefined,
        signature: v.signature ?? undefined,
      },
      v.now,
      vectors.windowSeconds,
    )
    expect(verdict).toBe(v.expected)
  })

  const request = fc.record({
    secret: fc.string({ minLength: 1, maxLength: 64 }),
    method: fc.constantFrom("GET", "POST", "PUT", "DELETE"),
    path: fc.webPath(),
    timestamp: fc.integer({ min: 0, max: 99_999_999_999 }),
    nonce: fc.stringMatching(/^[A-Za-z0-9_-]{16,64}$/),
    body: fc.string({ unit: "grapheme", maxLength: 200 }),
  })

  it("accepts every request it signed, at any time inside the window", () => {
    fc.assert(
      fc.property(request, fc.integer({ min: -REPLAY_WINDOW_SECONDS, max: REPLAY_WINDOW_SECONDS }), (r, skew) => {
        const received = { ...r, timestamp: String(r.timestamp), signature: signRequest(r.secret, r) }
        expect(verifyRequest(r.secret, received, r.timestamp + skew)).toBeNull()
      }),
    )
  })

  it("refuses a signed request once any signed part changes", () => {
    const change = fc.constantFrom("secret", "method", "path", "nonce", "body")
    fc.assert(
      fc.property(request, change, (r, part) => {
        const signature = signRequest(r.secret, r)
        const altered = {
          ...r,
          secret: part === "secret" ? `${r.secret}x` : r.secret,
          method: part === "method" ? (r.method === "GET" ? "POST" : "GET") : r.method,
          path: part === "path" ? `${r.path}/` : r.path,
          nonce: part === "nonce" ? `${r.nonce.slice(1)}${r.nonce[0] === "a" ? "b" : "a"}` : r.nonce,
          body: part === "body" ? `${r.body} ` : r.body,
        }
        const verdict = verifyRequest(
          altered.secret,
          { ...altered, timestamp: String(r.timestamp), signature },
          r.timestamp,
        )
        expect(verdict).toBe("bad-signature")
      }),
    )
  })
})

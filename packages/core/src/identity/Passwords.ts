import { randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto"
import { Effect } from "effect"

/** scrypt parameters (N=2^15, r=8, p=1): ~50 ms on a server core, OWASP's minimum or above. */
const N = 32768
const r = 8
const p = 1
const KEY_LENGTH = 32
const maxmem = 64 * 1024 * 1024

const derive = (password: string, salt: Buffer, n: number, rr: number, pp: number) =>
  Effect.async<Buffer>((resume) => {
    scryptCb(password.normalize("NFKC"), salt, KEY_LENGTH, { N: n, r: rr, p: pp, maxmem }, (err, key) =>
      resume(err ? Effect.die(err) : Effect.succeed(key)),
    )
  })

/** Encoded as `scrypt$N$r$p$salt$hash` so parameters can be raised without breaking old hashes. */
export const hashPassword = (password: string) =>
  Effect.gen(function* () {
    const salt = randomBytes(16)
    const key = yield* derive(password, salt, N, r, p)
    return `scrypt$${N}$${r}$${p}$${salt.toString("base64url")}$${key.toString("base64url")}`
  })

export const verifyPassword = (password: string, encoded: string) =>
  Effect.gen(function* () {
    const [scheme, n, rr, pp, salt, hash] = encoded.split("$")
    if (scheme !== "scrypt" || !n || !rr || !pp || !salt || !hash) return false
    const key = yield* derive(password, Buffer.from(salt, "base64url"), Number(n), Number(rr), Number(pp))
    const expected = Buffer.from(hash, "base64url")
    return expected.length === key.length && timingSafeEqual(expected, key)
  })

/** A hash of a fixed password, verified against when the user does not exist, to equalise timing. */
export const dummyHash = hashPassword("not-a-real-password")

export const PASSWORD_MIN_LENGTH = 12

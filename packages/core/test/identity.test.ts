import { createHash } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import * as Jose from "jose"
import { ACCESS_TOKEN_SECONDS, Identity, REFRESH_TOKEN_SECONDS } from "../src/index.js"
import { engines } from "./support/Databases.js"
import { auditActions, outcome, publishedEvent, systemLayer, T0 } from "./support/Fixtures.js"

const password = "correct horse battery staple"
const meta = { ipHash: null, userAgent: null }
const seconds = (n: number) => n * 1000

const withUser = Effect.gen(function* () {
  const identity = yield* Identity
  const user = yield* identity.createUser({ email: "ada@example.ch", name: "Ada", password })
  return { identity, user }
})

describe.concurrent.each(engines)("Identity on %s", (engine) => {
  it.effect("createAdmin commits the user and the super_admin grant together, or neither", () =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const sql = yield* SqlClient.SqlClient
      const admin = yield* identity.createAdmin({ email: "root@example.ch", name: "Root", password })
      expect(admin.grants).toEqual([{ role: "super_admin", orgId: null, eventId: null }])
      expect(yield* outcome(identity.createAdmin({ email: "root@example.ch", name: "Again", password }))).toBe(
        "Conflict",
      )
      const users = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM users`
      const grants = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM role_grants`
      expect([Number(users[0]!.n), Number(grants[0]!.n)]).toEqual([1, 1])
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("adding the same new person concurrently makes one account with one grant, and no failure", () =>
    Effect.gen(function* () {
      const identity = yield* Identity
      const sql = yield* SqlClient.SqlClient
      const { org } = yield* publishedEvent()
      const members = yield* Effect.all(
        Array.from({ length: 8 }, () =>
          identity.addMember(org.id, {
            email: "grace@example.ch",
            name: "Grace",
            role: "org_admin",
            eventId: null,
          }),
        ),
        { concurrency: "unbounded" },
      )
      expect(new Set(members.map((m) => m.id)).size).toBe(1)
      expect(members[0]!.grants).toEqual([{ role: "org_admin", orgId: org.id, eventId: null }])
      const users = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM users WHERE email = 'grace@example.ch'`
      const grants = yield* sql<{ n: number }>`SELECT COUNT(*) AS n FROM role_grants WHERE user_id = ${members[0]!.id}`
      expect([Number(users[0]!.n), Number(grants[0]!.n)]).toEqual([1, 1])
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("a correct password logs in; the access token authenticates as that user", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { identity, user } = yield* withUser
      const pair = yield* identity.login("  ADA@example.ch ", password)
      expect(pair).toMatchObject({ tokenType: "Bearer", expiresIn: ACCESS_TOKEN_SECONDS })
      const caller = yield* identity.authenticate(pair.accessToken, meta)
      expect(caller.actor).toEqual({ type: "user", id: user.id })
      expect(yield* outcome(identity.login("ada@example.ch", "wrong password!"))).toBe("InvalidCredentials")
      expect(yield* outcome(identity.login("nobody@example.ch", password))).toBe("InvalidCredentials")
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("five wrong passwords lock the account; each further failure doubles the lock", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { identity, user } = yield* withUser
      const wrong = () => Effect.flip(identity.login("ada@example.ch", "not the password"))
      const right = () => Effect.flip(identity.login("ada@example.ch", password))

      for (let i = 0; i < 5; i++) expect((yield* wrong())._tag).toBe("InvalidCredentials")
      // Even the right password is refused while locked: the lock is not a hint about the password.
      expect(yield* right()).toMatchObject({ _tag: "AccountLocked", retryAfterSeconds: 30 })
      yield* TestClock.adjust(seconds(10))
      expect(yield* right()).toMatchObject({ _tag: "AccountLocked", retryAfterSeconds: 20 })

      yield* TestClock.adjust(seconds(20))
      expect((yield* wrong())._tag).toBe("InvalidCredentials")
      expect(yield* right()).toMatchObject({ _tag: "AccountLocked", retryAfterSeconds: 60 })
      yield* TestClock.adjust(seconds(60))
      expect((yield* wrong())._tag).toBe("InvalidCredentials")
      expect(yield* right()).toMatchObject({ _tag: "AccountLocked", retryAfterSeconds: 120 })

      yield* TestClock.adjust(seconds(120))
      yield* identity.login("ada@example.ch", password)
      // A success resets the count: one new failure does not lock again.
      expect((yield* wrong())._tag).toBe("InvalidCredentials")
      yield* identity.login("ada@example.ch", password)
      expect((yield* auditActions(user.id)).filter((a) => a === "user.locked")).toHaveLength(3)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("refresh rotates; replaying a used token revokes the whole family, newest token included", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { identity, user } = yield* withUser
      const first = yield* identity.login("ada@example.ch", password)
      const otherDevice = yield* identity.login("ada@example.ch", password)

      yield* TestClock.adjust(seconds(1))
      const second = yield* identity.refresh(first.refreshToken)
      expect(second.refreshToken).not.toBe(first.refreshToken)
      expect((yield* identity.authenticate(second.accessToken, meta)).actor).toEqual({ type: "user", id: user.id })

      expect(yield* outcome(identity.refresh(first.refreshToken))).toBe("Unauthorized")
      expect(yield* outcome(identity.refresh(second.refreshToken))).toBe("Unauthorized")
      expect(yield* auditActions(user.id)).toContain("session.reuse_detected")
      // Another login is another family and keeps working.
      yield* identity.refresh(otherDevice.refreshToken)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("logout revokes the session; refresh tokens expire", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { identity } = yield* withUser
      const session = yield* identity.login("ada@example.ch", password)
      const rotated = yield* identity.refresh(session.refreshToken)
      yield* identity.logout(rotated.refreshToken)
      expect(yield* outcome(identity.refresh(rotated.refreshToken))).toBe("Unauthorized")

      const later = yield* identity.login("ada@example.ch", password)
      yield* TestClock.adjust(seconds(REFRESH_TOKEN_SECONDS))
      expect(yield* outcome(identity.refresh(later.refreshToken))).toBe("Unauthorized")
      expect(yield* outcome(identity.refresh("rt_not-a-token"))).toBe("Unauthorized")
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("access tokens expire after ACCESS_TOKEN_SECONDS, and forged ones are refused", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { identity, user } = yield* withUser
      const { accessToken } = yield* identity.login("ada@example.ch", password)

      yield* TestClock.adjust(seconds(ACCESS_TOKEN_SECONDS - 1))
      yield* identity.authenticate(accessToken, meta)
      yield* TestClock.adjust(seconds(1))
      expect(yield* outcome(identity.authenticate(accessToken, meta))).toBe("Unauthorized")

      const now = Math.floor(T0 / 1000)
      const forged = yield* Effect.promise(() =>
        new Jose.SignJWT({})
          .setProtectedHeader({ alg: "HS256" })
          .setSubject(user.id)
          .setIssuer("sratix")
          .setAudience("sratix-api")
          .setIssuedAt(now)
          .setExpirationTime(now + 3600)
          .sign(new Uint8Array(32).fill(1)),
      )
      expect(yield* outcome(identity.authenticate(forged, meta))).toBe("Unauthorized")
      const [head, , signature] = accessToken.split(".")
      const otherBody = Buffer.from(JSON.stringify({ sub: "someone-else" })).toString("base64url")
      expect(yield* outcome(identity.authenticate(`${head}.${otherBody}.${signature}`, meta))).toBe("Unauthorized")
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.effect("API keys authenticate with their grant, are stored only as a hash, and can be revoked", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(T0)
      const { org, event } = yield* publishedEvent()
      const identity = yield* Identity
      const orgKey = yield* identity.createApiKey(org.id, { name: "Box office", role: "org_admin" })
      const scannerKey = yield* identity.createApiKey(org.id, { name: "Door", role: "scanner", eventId: event.id })
      expect(orgKey.key).toMatch(/^sk_/)

      const asOrg = yield* identity.authenticate(orgKey.key, meta)
      expect(asOrg.actor).toEqual({ type: "api_key", id: orgKey.id })
      expect(asOrg.grants).toEqual([{ role: "org_admin", orgId: org.id, eventId: null }])
      const asScanner = yield* identity.authenticate(scannerKey.key, meta)
      expect(asScanner.grants).toEqual([{ role: "scanner", orgId: org.id, eventId: event.id }])

      const sql = yield* SqlClient.SqlClient
      const stored = JSON.stringify(yield* sql`SELECT * FROM api_keys`)
      for (const key of [orgKey.key, scannerKey.key]) {
        expect(stored).not.toContain(key.slice(10))
        expect(stored).toContain(createHash("sha256").update(key).digest("hex"))
      }

      yield* identity.revokeApiKey(org.id, orgKey.id)
      expect(yield* outcome(identity.authenticate(orgKey.key, meta))).toBe("Unauthorized")
      yield* identity.authenticate(scannerKey.key, meta)
      expect(yield* outcome(identity.authenticate("sk_unknown", meta))).toBe("Unauthorized")
      expect(yield* outcome(identity.createApiKey(org.id, { name: "Root", role: "super_admin" }))).toBe(
        "InvalidRequest",
      )
    }).pipe(Effect.provide(systemLayer(engine))),
  )
})

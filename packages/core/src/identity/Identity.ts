import { createHash, createHmac, randomBytes } from "node:crypto"
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Option, type ParseResult, Schema } from "effect"
import * as Jose from "jose"
import { Audit } from "../audit/Audit.js"
import { CoreConfig } from "../config/CoreConfig.js"
import { Email, Name, Timestamp } from "../domain/Common.js"
import { type ApiKeyId, type EventId, type OrgId, type UserId, uuidv7 } from "../domain/Ids.js"
import {
  AccountLocked,
  Conflict,
  InvalidCredentials,
  InvalidRequest,
  NotFound,
  Unauthorized,
} from "../domain/Problems.js"
import { DatabaseInfo } from "../sql/Database.js"
import { isUniqueViolation } from "../sql/Errors.js"
import { affectedRows, rowDecoder } from "../sql/Rows.js"
import { Caller, type CallerShape, type Grant, withCaller } from "../tenancy/Caller.js"
import { dummyHash, hashPassword, PASSWORD_MIN_LENGTH, verifyPassword } from "./Passwords.js"
import { Role, roleScope } from "./Rbac.js"

export const ACCESS_TOKEN_SECONDS = 15 * 60
export const REFRESH_TOKEN_SECONDS = 7 * 24 * 60 * 60
/** Failed logins tolerated before the account locks; each further failure doubles the lock. */
export const LOCK_THRESHOLD = 5
const LOCK_BASE_SECONDS = 30
const LOCK_MAX_SECONDS = 60 * 60

export const lockSeconds = (failures: number) =>
  failures < LOCK_THRESHOLD ? 0 : Math.min(LOCK_BASE_SECONDS * 2 ** (failures - LOCK_THRESHOLD), LOCK_MAX_SECONDS)

export const GrantView = Schema.Struct({
  role: Role,
  orgId: Schema.NullOr(Schema.String),
  eventId: Schema.NullOr(Schema.String),
}).annotations({ identifier: "Grant" })

export class User extends Schema.Class<User>("User")({
  id: Schema.String,
  email: Schema.String,
  name: Schema.String,
  grants: Schema.Array(GrantView),
  createdAt: Timestamp,
}) {}

export class TokenPair extends Schema.Class<TokenPair>("TokenPair")({
  accessToken: Schema.String,
  refreshToken: Schema.String,
  tokenType: Schema.Literal("Bearer"),
  expiresIn: Schema.Number.annotations({ description: "Seconds until the access token expires" }),
}) {}

export const Password = Schema.String.pipe(
  Schema.minLength(PASSWORD_MIN_LENGTH, { message: () => `must be at least ${PASSWORD_MIN_LENGTH} characters` }),
  Schema.maxLength(256),
)

export const CreateUser = Schema.Struct({
  email: Email,
  name: Name,
  password: Schema.optional(Password),
}).annotations({ identifier: "CreateUser" })
export type CreateUser = typeof CreateUser.Type

export const GrantRole = Schema.Struct({
  role: Role,
  eventId: Schema.optional(Schema.String.pipe(Schema.pattern(/^[0-9a-f-]{36}$/))),
}).annotations({ identifier: "GrantRole" })

export class ApiKeyCreated extends Schema.Class<ApiKeyCreated>("ApiKeyCreated")({
  id: Schema.String,
  name: Schema.String,
  role: Role,
  orgId: Schema.String,
  eventId: Schema.NullOr(Schema.String),
  prefix: Schema.String,
  key: Schema.String.annotations({ description: "The secret; shown once, stored only as a hash" }),
  createdAt: Timestamp,
}) {}

export class ApiKey extends Schema.Class<ApiKey>("ApiKey")({
  id: Schema.String,
  name: Schema.String,
  role: Role,
  orgId: Schema.String,
  eventId: Schema.NullOr(Schema.String),
  prefix: Schema.String,
  lastUsedAt: Schema.NullOr(Timestamp),
  revokedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
}) {}

/** JWT claim of a scoped (exchanged) token: the only grants its bearer has. */
const SCOPED_GRANTS_CLAIM = "sratix_grants"
const decodeScopedGrants = Schema.decodeUnknown(
  Schema.Array(
    Schema.Struct({
      role: Role,
      orgId: Schema.NullOr(Schema.String),
      eventId: Schema.NullOr(Schema.String),
    }),
  ).pipe(Schema.maxItems(50)),
) as (u: unknown) => Effect.Effect<ReadonlyArray<Grant>, ParseResult.ParseError>

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex")
const decodeApiKey = rowDecoder(ApiKey)

/**
 * Users, sessions and API keys. Access tokens are short-lived JWTs (HS256); refresh tokens are
 * opaque, stored hashed, rotated on every use, and grouped in families so that presenting a
 * used one revokes every token descended from the same login (RFC 6819 §5.2.2.3).
 */
export class Identity extends Effect.Service<Identity>()("sratix/identity/Identity", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { dialect } = yield* DatabaseInfo
    const audit = yield* Audit
    const config = yield* CoreConfig
    const jwtKey = createHmac("sha256", config.secret).update("jwt-signing-key").digest()

    const grantsOf = (userId: string) =>
      sql<{ role: Role; orgId: string | null; eventId: string | null }>`SELECT role, org_id, event_id
        FROM role_grants WHERE user_id = ${userId} ORDER BY id`.pipe(
        Effect.orDie,
        Effect.map((rows) => rows.map((g) => ({ role: g.role, orgId: g.orgId, eventId: g.eventId }))),
      )

    const userById = (id: string) =>
      Effect.gen(function* () {
        const rows = yield* sql<{
          id: string
          email: string
          name: string
          createdAt: number
          disabledAt: number | null
        }>`
          SELECT id, email, name, created_at, disabled_at FROM users WHERE id = ${id}`.pipe(Effect.orDie)
        const row = rows[0]
        if (row === undefined || row.disabledAt !== null) return Option.none<User>()
        return Option.some(
          new User({
            id: row.id,
            email: row.email,
            name: row.name,
            grants: yield* grantsOf(id),
            createdAt: Number(row.createdAt),
          }),
        )
      })

    const createUser = Effect.fn("Identity.createUser")(function* (input: CreateUser) {
      const now = yield* Clock.currentTimeMillis
      const id = uuidv7(now) as UserId
      const passwordHash = input.password === undefined ? null : yield* hashPassword(input.password)
      yield* Effect.gen(function* () {
        yield* sql`INSERT INTO users ${sql.insert({
          id,
          email: input.email,
          name: input.name,
          passwordHash,
          failedLogins: 0,
          lockedUntil: null,
          disabledAt: null,
          createdAt: now,
          updatedAt: now,
        })}`
        yield* audit.record({ action: "user.created", targetType: "user", targetId: id, orgId: null })
      }).pipe(
        sql.withTransaction,
        Effect.catchTag("SqlError", (e) =>
          isUniqueViolation(e) ? new Conflict({ detail: "A user with this email exists already" }) : Effect.die(e),
        ),
      )
      return new User({ id, email: input.email, name: input.name, grants: [], createdAt: now })
    })

    const findUserByEmail = Effect.fn("Identity.findUserByEmail")(function* (email: string) {
      const rows = yield* sql<{ id: string }>`SELECT id FROM users WHERE email = ${email.toLowerCase()}`.pipe(
        Effect.orDie,
      )
      return rows[0] ? yield* userById(rows[0].id) : Option.none<User>()
    })

    /** Grants a role at the scope the role lives at: platform, an org, or an event of that org. */
    const grant = Effect.fn("Identity.grant")(function* (
      userId: string,
      role: Role,
      scope: { orgId: OrgId | null; eventId: EventId | null },
    ) {
      const level = roleScope[role]
      const fits =
        (level === "platform" && scope.orgId === null && scope.eventId === null) ||
        (level === "org" && scope.orgId !== null && scope.eventId === null) ||
        (level === "event" && scope.orgId !== null && scope.eventId !== null)
      if (!fits) {
        return yield* new InvalidRequest({ detail: `The role ${role} is granted per ${level}`, field: "role" })
      }
      if (scope.eventId !== null) {
        const owner = yield* sql<{ orgId: string }>`SELECT org_id FROM events WHERE id = ${scope.eventId}`.pipe(
          Effect.orDie,
        )
        if (owner[0]?.orgId !== scope.orgId) {
          return yield* new NotFound({ detail: "No such event in this organisation", resource: "event" })
        }
      }
      const now = yield* Clock.currentTimeMillis
      yield* Effect.gen(function* () {
        // A unique index cannot cover the nullable scope columns, so grants to one person take turns
        // on their user row (SQLite already serialises write transactions).
        if (dialect === "mysql") yield* sql`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`
        const existing = yield* sql`SELECT id FROM role_grants WHERE user_id = ${userId} AND role = ${role}
          AND org_id ${scope.orgId === null ? sql`IS NULL` : sql`= ${scope.orgId}`}
          AND event_id ${scope.eventId === null ? sql`IS NULL` : sql`= ${scope.eventId}`}`
        if (existing.length > 0) return
        yield* sql`INSERT INTO role_grants ${sql.insert({
          id: uuidv7(now),
          userId,
          role,
          orgId: scope.orgId,
          eventId: scope.eventId,
          createdAt: now,
          updatedAt: now,
        })}`
        yield* audit.record({
          action: "role.granted",
          targetType: "user",
          targetId: userId,
          orgId: scope.orgId,
          eventId: scope.eventId,
          data: { role },
        })
      }).pipe(sql.withTransaction, Effect.orDie)
      const user = (yield* userById(userId)).pipe(Option.getOrThrow)
      // An org admin sees the person's roles in their own org only, never what they hold elsewhere.
      return scope.orgId === null
        ? user
        : new User({ ...user, grants: user.grants.filter((g) => g.orgId === scope.orgId) })
    })

    /**
     * Gives a person a role in an organisation, creating their account when the email has none.
     * Two admins adding the same new person at once both succeed: the loser of the insert race finds
     * the winner's account instead of failing.
     */
    const addMember = Effect.fn("Identity.addMember")(function* (
      orgId: OrgId,
      input: { email: string; name: string; role: Role; eventId: EventId | null },
    ) {
      const findOrCreate = Effect.flatMap(findUserByEmail(input.email), (existing) =>
        Option.isSome(existing)
          ? Effect.succeed(existing.value)
          : createUser({ email: input.email, name: input.name }).pipe(
              Effect.catchTag("Conflict", () =>
                Effect.flatMap(findUserByEmail(input.email), (raced) =>
                  Option.isSome(raced)
                    ? Effect.succeed(raced.value)
                    : Effect.dieMessage("user vanished after a conflict"),
                ),
              ),
            ),
      )
      const user = yield* findOrCreate
      return yield* grant(user.id, input.role, { orgId, eventId: input.eventId })
    })

    /** The first (or another) platform administrator: the user and the grant commit together. */
    const createAdmin = Effect.fn("Identity.createAdmin")(function* (input: CreateUser) {
      return yield* Effect.flatMap(createUser(input), (user) =>
        grant(user.id, "super_admin", { orgId: null, eventId: null }),
      ).pipe(sql.withTransaction, Effect.catchTag("SqlError", Effect.die))
    })

    const membersOf = Effect.fn("Identity.membersOf")(function* (orgId: OrgId) {
      const rows = yield* sql<{ userId: string }>`SELECT DISTINCT user_id FROM role_grants WHERE org_id = ${orgId}
        ORDER BY user_id LIMIT 1000`.pipe(Effect.orDie)
      const users = yield* Effect.forEach(rows, (r) => userById(r.userId))
      return users.flatMap((u) =>
        Option.isSome(u) ? [new User({ ...u.value, grants: u.value.grants.filter((g) => g.orgId === orgId) })] : [],
      )
    })

    const issueAccessToken = (userId: string, now: number, claims: Jose.JWTPayload = {}) =>
      Effect.promise(() =>
        new Jose.SignJWT(claims)
          .setProtectedHeader({ alg: "HS256", typ: "JWT" })
          .setSubject(userId)
          .setIssuer("sratix")
          .setAudience("sratix-api")
          .setIssuedAt(Math.floor(now / 1000))
          .setExpirationTime(Math.floor(now / 1000) + ACCESS_TOKEN_SECONDS)
          .setJti(uuidv7(now))
          .sign(jwtKey),
      )

    const issuePair = (userId: string, familyId: string, now: number) =>
      Effect.gen(function* () {
        const refreshToken = `rt_${randomBytes(32).toString("base64url")}`
        yield* sql`INSERT INTO refresh_tokens ${sql.insert({
          id: uuidv7(now),
          userId,
          familyId,
          tokenHash: sha256(refreshToken),
          expiresAt: now + REFRESH_TOKEN_SECONDS * 1000,
          usedAt: null,
          revokedAt: null,
          createdAt: now,
          updatedAt: now,
        })}`.pipe(Effect.orDie)
        return new TokenPair({
          accessToken: yield* issueAccessToken(userId, now),
          refreshToken,
          tokenType: "Bearer",
          expiresIn: ACCESS_TOKEN_SECONDS,
        })
      })

    /**
     * Password login with lockout: after LOCK_THRESHOLD failures the account locks for a period
     * that doubles with every further failure (progressive delay), and a success resets it.
     */
    const login = Effect.fn("Identity.login")(function* (email: string, password: string) {
      const now = yield* Clock.currentTimeMillis
      const rows = yield* sql<{
        id: string
        passwordHash: string | null
        failedLogins: number
        lockedUntil: number | null
        disabledAt: number | null
      }>`
        SELECT id, password_hash, failed_logins, locked_until, disabled_at FROM users
        WHERE email = ${email.trim().toLowerCase()}`.pipe(Effect.orDie)
      const user = rows[0]
      if (user === undefined || user.passwordHash === null || user.disabledAt !== null) {
        yield* verifyPassword(password, yield* dummyHash)
        return yield* new InvalidCredentials({ detail: "Email or password is wrong" })
      }
      if (user.lockedUntil !== null && Number(user.lockedUntil) > now) {
        return yield* new AccountLocked({
          detail: "Too many failed logins; try again later",
          retryAfterSeconds: Math.ceil((Number(user.lockedUntil) - now) / 1000),
        })
      }
      const ok = yield* verifyPassword(password, user.passwordHash)
      const loginCaller: CallerShape = { ...(yield* Caller), actor: { type: "user", id: user.id } }
      if (!ok) {
        const failures = Number(user.failedLogins) + 1
        const lock = lockSeconds(failures)
        yield* Effect.gen(function* () {
          yield* sql`UPDATE users SET failed_logins = failed_logins + 1,
            locked_until = ${lock > 0 ? now + lock * 1000 : null}, updated_at = ${now} WHERE id = ${user.id}`
          yield* audit.record({
            action: lock > 0 ? "user.locked" : "user.login_failed",
            targetType: "user",
            targetId: user.id,
            orgId: null,
            data: { failures },
          })
        }).pipe(sql.withTransaction, Effect.orDie, withCaller(loginCaller))
        return yield* new InvalidCredentials({ detail: "Email or password is wrong" })
      }
      return yield* Effect.gen(function* () {
        yield* sql`UPDATE users SET failed_logins = 0, locked_until = NULL, updated_at = ${now} WHERE id = ${user.id}`
        yield* audit.record({ action: "user.logged_in", targetType: "user", targetId: user.id, orgId: null })
        return yield* issuePair(user.id, uuidv7(now), now)
      }).pipe(sql.withTransaction, Effect.orDie, withCaller(loginCaller))
    })

    const invalidRefresh = () => new Unauthorized({ detail: "The refresh token is invalid or expired" })

    /** Rotates a refresh token. Reusing an already-rotated token revokes its whole family. */
    const refresh = Effect.fn("Identity.refresh")(function* (refreshToken: string) {
      const now = yield* Clock.currentTimeMillis
      const outcome = yield* Effect.gen(function* () {
        const rows = yield* sql<{
          id: string
          userId: string
          familyId: string
          expiresAt: number
          usedAt: number | null
          revokedAt: number | null
        }>`
          SELECT id, user_id, family_id, expires_at, used_at, revoked_at FROM refresh_tokens
          WHERE token_hash = ${sha256(refreshToken)}`
        const token = rows[0]
        if (token === undefined) return { kind: "invalid" } as const
        if (token.revokedAt !== null || Number(token.expiresAt) <= now) return { kind: "invalid" } as const
        const claimed = yield* sql`UPDATE refresh_tokens SET used_at = ${now}, updated_at = ${now}
          WHERE id = ${token.id} AND used_at IS NULL AND revoked_at IS NULL`.raw
        const won = affectedRows(claimed) === 1
        if (!won) {
          yield* sql`UPDATE refresh_tokens SET revoked_at = ${now}, updated_at = ${now}
            WHERE family_id = ${token.familyId} AND revoked_at IS NULL`
          yield* audit
            .record({
              action: "session.reuse_detected",
              targetType: "user",
              targetId: token.userId,
              orgId: null,
              data: { familyId: token.familyId },
            })
            .pipe(withCaller({ ...(yield* Caller), actor: { type: "user", id: token.userId } }))
          return { kind: "reused" } as const
        }
        if (Option.isNone(yield* userById(token.userId))) return { kind: "invalid" } as const
        return { kind: "ok", pair: yield* issuePair(token.userId, token.familyId, now) } as const
      }).pipe(sql.withTransaction, Effect.orDie)
      if (outcome.kind !== "ok") return yield* invalidRefresh()
      return outcome.pair
    })

    const logout = Effect.fn("Identity.logout")(function* (refreshToken: string) {
      const now = yield* Clock.currentTimeMillis
      yield* sql`UPDATE refresh_tokens SET revoked_at = ${now}, updated_at = ${now}
        WHERE revoked_at IS NULL AND family_id = (SELECT family_id FROM
          (SELECT family_id FROM refresh_tokens WHERE token_hash = ${sha256(refreshToken)}) AS t)`.pipe(Effect.orDie)
    })

    const asCaller = (
      actor: CallerShape["actor"],
      grants: ReadonlyArray<Grant>,
      meta: CallerShape["meta"],
    ): CallerShape => ({
      actor,
      grants,
      publicEvent: null,
      meta,
    })

    /** Resolves a bearer credential (access JWT or `sk_` API key) into a caller. */
    const authenticate = Effect.fn("Identity.authenticate")(function* (credential: string, meta: CallerShape["meta"]) {
      const unauthorized = new Unauthorized({ detail: "The access token is invalid or expired" })
      const now = yield* Clock.currentTimeMillis
      if (credential.startsWith("sk_")) {
        const rows = yield* sql<{
          id: string
          orgId: OrgId
          eventId: EventId | null
          role: Role
          revokedAt: number | null
        }>`
          SELECT id, org_id, event_id, role, revoked_at FROM api_keys WHERE key_hash = ${sha256(credential)}`.pipe(
          Effect.orDie,
        )
        const key = rows[0]
        if (key === undefined || key.revokedAt !== null) return yield* unauthorized
        yield* sql`UPDATE api_keys SET last_used_at = ${now} WHERE id = ${key.id}`.pipe(Effect.orDie)
        return asCaller(
          { type: "api_key", id: key.id },
          [{ role: key.role, orgId: key.orgId, eventId: key.eventId }],
          meta,
        )
      }
      const verified = yield* Effect.tryPromise(() =>
        Jose.jwtVerify(credential, jwtKey, {
          issuer: "sratix",
          audience: "sratix-api",
          algorithms: ["HS256"],
          currentDate: new Date(now),
        }),
      ).pipe(Effect.option)
      if (Option.isNone(verified) || verified.value.payload.sub === undefined) return yield* unauthorized
      const user = yield* userById(verified.value.payload.sub)
      if (Option.isNone(user)) return yield* unauthorized
      const scoped = verified.value.payload[SCOPED_GRANTS_CLAIM]
      if (scoped !== undefined) {
        // A token from an exchange carries its own grants: those the connector site may give, nothing stored.
        const grants = yield* decodeScopedGrants(scoped).pipe(Effect.mapError(() => unauthorized))
        return asCaller({ type: "user", id: user.value.id }, grants, meta)
      }
      return asCaller(
        { type: "user", id: user.value.id },
        user.value.grants.map((g) => ({
          role: g.role,
          orgId: g.orgId as OrgId | null,
          eventId: g.eventId as EventId | null,
        })),
        meta,
      )
    })

    /**
     * A short-lived access token limited to `grants` (docs/wordpress.md, token exchange): no refresh
     * token, and the stored grants of the user are not consulted while it lives.
     */
    const issueScopedAccessToken = Effect.fn("Identity.issueScopedAccessToken")(function* (
      userId: UserId,
      grants: ReadonlyArray<Grant>,
    ) {
      const now = yield* Clock.currentTimeMillis
      const claim = grants.map((g) => ({ role: g.role, orgId: g.orgId, eventId: g.eventId }))
      return yield* issueAccessToken(userId, now, { [SCOPED_GRANTS_CLAIM]: claim })
    })

    const me = Effect.fn("Identity.me")(function* () {
      const caller = yield* Caller
      if (caller.actor.type !== "user") {
        return yield* new NotFound({ detail: "Only users have a profile", resource: "user" })
      }
      return (yield* userById(caller.actor.id)).pipe(Option.getOrThrow)
    })

    const createApiKey = Effect.fn("Identity.createApiKey")(function* (
      orgId: OrgId,
      input: { name: string; role: Role; eventId?: string | undefined },
    ) {
      const level = roleScope[input.role]
      if (level === "platform" || (level === "event" && input.eventId === undefined)) {
        return yield* new InvalidRequest({
          detail: level === "platform" ? "API keys cannot be platform-wide" : `The role ${input.role} needs an eventId`,
          field: "role",
        })
      }
      const eventId = level === "event" ? (input.eventId as EventId) : null
      if (eventId !== null) {
        const owner = yield* sql<{ orgId: string }>`SELECT org_id FROM events WHERE id = ${eventId}`.pipe(Effect.orDie)
        if (owner[0]?.orgId !== orgId)
          return yield* new NotFound({ detail: "No such event in this organisation", resource: "event" })
      }
      const now = yield* Clock.currentTimeMillis
      const secret = randomBytes(32).toString("base64url")
      const key = `sk_${secret}`
      const id = uuidv7(now) as ApiKeyId
      const caller = yield* Caller
      yield* Effect.gen(function* () {
        yield* sql`INSERT INTO api_keys ${sql.insert({
          id,
          orgId,
          eventId,
          name: input.name,
          role: input.role,
          prefix: key.slice(0, 10),
          keyHash: sha256(key),
          createdBy: caller.actor.type === "anonymous" ? null : caller.actor.id,
          lastUsedAt: null,
          revokedAt: null,
          createdAt: now,
          updatedAt: now,
        })}`
        yield* audit.record({
          action: "api_key.created",
          targetType: "api_key",
          targetId: id,
          orgId,
          eventId,
          data: { role: input.role },
        })
      }).pipe(sql.withTransaction, Effect.orDie)
      return new ApiKeyCreated({
        id,
        name: input.name,
        role: input.role,
        orgId,
        eventId,
        prefix: key.slice(0, 10),
        key,
        createdAt: now,
      })
    })

    const listApiKeys = Effect.fn("Identity.listApiKeys")(function* (orgId: OrgId) {
      const rows = yield* sql<Record<string, unknown>>`SELECT id, name, role, org_id, event_id, prefix, last_used_at,
        revoked_at, created_at FROM api_keys WHERE org_id = ${orgId} ORDER BY id`.pipe(Effect.orDie)
      return yield* Effect.forEach(rows, decodeApiKey)
    })

    const revokeApiKey = Effect.fn("Identity.revokeApiKey")(function* (orgId: OrgId, id: string) {
      const now = yield* Clock.currentTimeMillis
      const changed = yield* Effect.gen(function* () {
        const result = yield* sql`UPDATE api_keys SET revoked_at = ${now}, updated_at = ${now}
          WHERE id = ${id} AND org_id = ${orgId} AND revoked_at IS NULL`.raw
        const n = affectedRows(result)
        if (n === 1) yield* audit.record({ action: "api_key.revoked", targetType: "api_key", targetId: id, orgId })
        return n
      }).pipe(sql.withTransaction, Effect.orDie)
      if (changed !== 1) return yield* new NotFound({ detail: "No such active API key", resource: "api-key" })
    })

    return {
      createUser,
      createAdmin,
      findUserByEmail,
      grant,
      addMember,
      membersOf,
      login,
      refresh,
      logout,
      authenticate,
      issueScopedAccessToken,
      me,
      createApiKey,
      listApiKeys,
      revokeApiKey,
    } as const
  }),
  dependencies: [Audit.Default],
}) {}

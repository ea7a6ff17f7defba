import { SqlClient } from "@effect/sql"
import { Clock, Effect, Option } from "effect"
import { Audit } from "../audit/Audit.js"
import { CoreConfig } from "../config/CoreConfig.js"
import {
  ConnectorSite,
  ConnectorSiteCreated,
  type CreateConnectorSite,
  ExchangedToken,
  type InboundWebhook,
  type RoleMap,
  SignatureRefused,
  type TokenExchangeRequest,
} from "../domain/Connector.js"
import { type EventId, type OrgId, type UserId, uuidv7 } from "../domain/Ids.js"
import { Forbidden, InvalidRequest, NotFound } from "../domain/Problems.js"
import { ACCESS_TOKEN_SECONDS, Identity } from "../identity/Identity.js"
import { roleScope } from "../identity/Rbac.js"
import { isUniqueViolation } from "../sql/Errors.js"
import { affectedRows, rowDecoder } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"
import { Caller, type Grant, withCaller } from "../tenancy/Caller.js"
import { newSecret, secretSealer } from "./Secrets.js"
import { REPLAY_WINDOW_SECONDS, verifyRequest } from "./Signature.js"

/** Nonces are remembered for twice the window: a request outside the window is refused as stale anyway. */
const NONCE_TTL_MS = 2 * REPLAY_WINDOW_SECONDS * 1000

/** Purposes of the two secrets of a site, also their associated data when sealed. */
export const INBOUND_SECRET = "inbound"
export const OUTBOUND_SECRET = "outbound"

export interface SignedRequest {
  readonly keyId: string | undefined
  readonly method: string
  readonly path: string
  readonly timestamp: string | undefined
  readonly nonce: string | undefined
  readonly signature: string | undefined
  readonly body: string
}

const decodeSite = rowDecoder(ConnectorSite, { json: ["roleMap"] })
const SITE_COLUMNS = "id, org_id, event_id, kind, source_site, base_url, role_map, disabled_at, created_at"

const defaultRoleMap = (hasEvent: boolean): RoleMap =>
  hasEvent ? { administrator: "event_admin", editor: "staff" } : { administrator: "org_admin" }

/**
 * The WordPress connector sites of an organisation (docs/wordpress.md): their credentials, signed
 * requests from them (token exchange, inbound webhooks) and the `wp_mappings` references between
 * WordPress users/posts and SRAtix records. WordPress is never the source of truth here: it pushes
 * references and snapshots, the server decides.
 */
export class Connectors extends Effect.Service<Connectors>()("sratix/connectors/Connectors", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const identity = yield* Identity
    const config = yield* CoreConfig
    const sealer = secretSealer(config.secret)

    const siteRow = (id: string) =>
      sql<Record<string, unknown>>`SELECT ${sql.unsafe(SITE_COLUMNS)}, inbound_secret_enc, outbound_secret_enc
        FROM connector_sites WHERE id = ${id}`.pipe(Effect.orDie)

    const createSite = Effect.fn("Connectors.createSite")(function* (orgId: OrgId, input: CreateConnectorSite) {
      const eventId = input.eventId ?? null
      if (eventId !== null) {
        const owner = yield* sql<{ orgId: string }>`SELECT org_id FROM events WHERE id = ${eventId}`.pipe(Effect.orDie)
        if (owner[0]?.orgId !== orgId) {
          return yield* new NotFound({ detail: "No such event in this organisation", resource: "event" })
        }
      }
      const roleMap = input.roleMap ?? defaultRoleMap(eventId !== null)
      for (const [wpRole, role] of Object.entries(roleMap)) {
        const level = roleScope[role]
        if (level === "platform" || (level === "event" && eventId === null)) {
          return yield* new InvalidRequest({
            detail: `${wpRole} → ${role}: ${level === "platform" ? "a site cannot grant platform roles" : "event roles need the site's eventId"}`,
            field: "roleMap",
          })
        }
      }
      const now = yield* Clock.currentTimeMillis
      const id = uuidv7(now)
      const apiSecret = newSecret("wpk_")
      const webhookSecret = newSecret("whs_")
      const baseUrl = input.baseUrl.replace(/\/+$/, "")
      yield* Effect.gen(function* () {
        yield* sql`INSERT INTO connector_sites ${sql.insert({
          id,
          orgId,
          eventId,
          kind: input.kind,
          sourceSite: input.sourceSite,
          baseUrl,
          inboundSecretEnc: sealer.seal(id, INBOUND_SECRET, apiSecret),
          outboundSecretEnc: sealer.seal(id, OUTBOUND_SECRET, webhookSecret),
          roleMap: JSON.stringify(roleMap),
          disabledAt: null,
          createdAt: now,
          updatedAt: now,
        })}`
        yield* audit.record({
          action: "connector_site.created",
          targetType: "connector_site",
          targetId: id,
          orgId,
          eventId,
          data: { kind: input.kind },
        })
      }).pipe(
        sql.withTransaction,
        Effect.catchTag("SqlError", (e) =>
          isUniqueViolation(e)
            ? new InvalidRequest({ detail: "This site is connected already", field: "sourceSite" })
            : Effect.die(e),
        ),
      )
      const site = new ConnectorSite({
        id,
        orgId,
        eventId,
        kind: input.kind,
        sourceSite: input.sourceSite,
        baseUrl,
        roleMap,
        disabledAt: null,
        createdAt: now,
      })
      return new ConnectorSiteCreated({ site, keyId: id, apiSecret, webhookSecret })
    })

    const listSites = Effect.fn("Connectors.listSites")(function* (orgId: OrgId) {
      const scope = yield* tenantScope(sql)
      const rows = yield* sql<Record<string, unknown>>`SELECT ${sql.unsafe(SITE_COLUMNS)} FROM connector_sites
        WHERE org_id = ${orgId} AND ${scope} ORDER BY id LIMIT 500`.pipe(Effect.orDie)
      return yield* Effect.forEach(rows, decodeSite)
    })

    /** The site by id with its secrets opened, for the server's own use only. */
    const siteWithSecrets = (id: string) =>
      Effect.gen(function* () {
        const [row] = yield* siteRow(id)
        if (row === undefined) return Option.none()
        const site = yield* decodeSite(row)
        return Option.some({
          site,
          inboundSecret: sealer.open(id, INBOUND_SECRET, row.inboundSecretEnc as string),
          outboundSecret: sealer.open(id, OUTBOUND_SECRET, row.outboundSecretEnc as string),
        })
      })

    /**
     * Authenticates a signed request from a site: known and enabled key, signature over the exact
     * bytes, inside the window, nonce never seen. The nonce is stored only after the signature
     * checks, so nobody without the key can fill the store.
     */
    const authenticate = Effect.fn("Connectors.authenticate")(function* (request: SignedRequest) {
      const refuse = (reason: SignatureRefused["reason"], detail: string) => new SignatureRefused({ reason, detail })
      const keyId = request.keyId ?? ""
      const found = /^[0-9a-f-]{36}$/.test(keyId) ? yield* siteWithSecrets(keyId) : Option.none()
      if (Option.isNone(found) || found.value.site.disabledAt !== null) {
        return yield* refuse("unknown-key", "No enabled connector site has this key")
      }
      const now = yield* Clock.currentTimeMillis
      const verdict = verifyRequest(found.value.inboundSecret, request, Math.floor(now / 1000))
      if (verdict !== null) return yield* refuse(verdict, `The request signature is refused: ${verdict}`)
      const fresh = yield* sql`INSERT INTO connector_nonces ${sql.insert({
        siteId: keyId,
        nonce: request.nonce ?? "",
        expiresAt: now + NONCE_TTL_MS,
        createdAt: now,
        updatedAt: now,
      })}`.pipe(
        Effect.as(true),
        Effect.catchIf(isUniqueViolation, () => Effect.succeed(false)),
        Effect.orDie,
      )
      if (!fresh) return yield* refuse("replayed", "This nonce was used before")
      return found.value.site
    })

    /** Forgets nonces past their window: the signature check refuses those requests as stale anyway. */
    const sweepNonces = Effect.fn("Connectors.sweepNonces")(function* () {
      const now = yield* Clock.currentTimeMillis
      return yield* sql`DELETE FROM connector_nonces WHERE expires_at < ${now}`.raw.pipe(
        Effect.orDie,
        Effect.map(affectedRows),
      )
    })

    const asSite = (site: ConnectorSite) => withCaller(Caller.system(`connector:${site.id}`))

    const mappedUser = (site: ConnectorSite, wpUserId: number) =>
      sql<{ sratixEntityId: string }>`SELECT sratix_entity_id FROM wp_mappings WHERE site_id = ${site.id}
        AND wp_entity_type = 'user' AND wp_entity_id = ${wpUserId} AND sratix_entity_type = 'user'`.pipe(
        Effect.orDie,
        Effect.map((rows) => Option.fromNullable(rows[0]?.sratixEntityId as UserId | undefined)),
      )

    const insertMapping = (
      site: ConnectorSite,
      wp: { type: "user" | "post"; id: number },
      sratix: { type: string; id: string },
      snapshot: unknown,
      now: number,
    ) =>
      sql`INSERT INTO wp_mappings ${sql.insert({
        id: uuidv7(now),
        orgId: site.orgId,
        siteId: site.id,
        sourceSite: site.sourceSite,
        wpEntityType: wp.type,
        wpEntityId: wp.id,
        sratixEntityType: sratix.type,
        sratixEntityId: sratix.id,
        snapshot: snapshot === null ? null : JSON.stringify(snapshot),
        lastSyncedAt: now,
        createdAt: now,
        updatedAt: now,
      })}`

    /**
     * The SRAtix user behind a WordPress user of this site: the mapping when there is one, else the
     * account with that email (created without a password when none exists), then mapped. Two
     * exchanges racing for a new user both end on the same mapping.
     */
    const resolveUser = (site: ConnectorSite, input: TokenExchangeRequest) =>
      Effect.gen(function* () {
        const mapped = yield* mappedUser(site, input.wpUserId)
        if (Option.isSome(mapped)) return mapped.value
        const existing = yield* identity.findUserByEmail(input.email)
        const userId = Option.isSome(existing)
          ? (existing.value.id as UserId)
          : ((yield* identity
              .createUser({ email: input.email, name: input.name })
              .pipe(
                Effect.catchTag("Conflict", () =>
                  Effect.flatMap(identity.findUserByEmail(input.email), (raced) =>
                    Option.isSome(raced) ? Effect.succeed(raced.value) : Effect.dieMessage("user vanished"),
                  ),
                ),
              )).id as UserId)
        const now = yield* Clock.currentTimeMillis
        yield* Effect.gen(function* () {
          yield* insertMapping(
            site,
            { type: "user", id: input.wpUserId },
            { type: "user", id: userId },
            { roles: input.roles },
            now,
          )
          yield* audit.record({
            action: "wp_mapping.created",
            targetType: "user",
            targetId: userId,
            orgId: site.orgId,
            data: { siteId: site.id, wpUserId: input.wpUserId },
          })
        }).pipe(
          sql.withTransaction,
          Effect.catchIf(isUniqueViolation, () => Effect.void),
          Effect.orDie,
        )
        return (yield* mappedUser(site, input.wpUserId)).pipe(Option.getOrElse(() => userId))
      })

    /**
     * Token exchange (reference §7): a site vouches for one of its users and their WordPress roles;
     * the answer is a short-lived access token whose grants are what the site's role map gives for
     * those roles, at the site's org (and event), and nothing else.
     */
    const exchangeToken = Effect.fn("Connectors.exchangeToken")(function* (
      site: ConnectorSite,
      input: TokenExchangeRequest,
    ) {
      if (site.kind !== "control") {
        return yield* new Forbidden({ detail: "Only a Control site exchanges tokens", permission: "token-exchange" })
      }
      const grants: Array<Grant> = []
      for (const wpRole of input.roles) {
        const role = site.roleMap[wpRole]
        if (role === undefined) continue
        const grant: Grant = {
          role,
          orgId: site.orgId as OrgId,
          eventId: roleScope[role] === "event" ? (site.eventId as EventId) : null,
        }
        if (!grants.some((g) => g.role === grant.role)) grants.push(grant)
      }
      if (grants.length === 0) {
        return yield* new Forbidden({
          detail: "None of this user's WordPress roles gives access to SRAtix",
          permission: "token-exchange",
        })
      }
      const userId = yield* resolveUser(site, input).pipe(asSite(site))
      const accessToken = yield* identity.issueScopedAccessToken(userId, grants)
      yield* audit
        .record({
          action: "connector.token_exchanged",
          targetType: "user",
          targetId: userId,
          orgId: site.orgId,
          eventId: site.eventId,
          data: { siteId: site.id, roles: grants.map((g) => g.role) },
        })
        .pipe(asSite(site))
      return new ExchangedToken({
        accessToken,
        tokenType: "Bearer",
        expiresIn: ACCESS_TOKEN_SECONDS,
        userId,
        grants: grants.map((g) => ({ role: g.role, orgId: g.orgId as string, eventId: g.eventId })),
      })
    })

    /**
     * What WordPress reports (reference §6): profile and membership changes refresh the snapshot of a
     * mapped user; a created entity post is mapped to the SRAtix record it was made for. The SRAtix
     * account itself is never changed: it may belong to other organisations too, which this site
     * must not reach. Unmapped users are ignored: a mapping starts with a token exchange, never with a push.
     */
    const receiveWebhook = Effect.fn("Connectors.receiveWebhook")(function* (
      site: ConnectorSite,
      hook: InboundWebhook,
    ) {
      const now = yield* Clock.currentTimeMillis
      const outcome = yield* Effect.gen(function* () {
        switch (hook.type) {
          case "user.updated":
          case "membership.changed": {
            const mapped = yield* mappedUser(site, hook.data.wpUserId)
            if (Option.isNone(mapped)) return "unmapped" as const
            const [row] = yield* sql<{ snapshot: string | null }>`SELECT snapshot FROM wp_mappings
              WHERE site_id = ${site.id} AND wp_entity_type = 'user' AND wp_entity_id = ${hook.data.wpUserId}
                AND sratix_entity_type = 'user'`
            const before = row?.snapshot ? (JSON.parse(row.snapshot) as Record<string, unknown>) : {}
            const snapshot =
              hook.type === "user.updated"
                ? { ...before, name: hook.data.name }
                : { ...before, roles: hook.data.roles, memberships: hook.data.memberships }
            yield* sql`UPDATE wp_mappings SET snapshot = ${JSON.stringify(snapshot)}, last_synced_at = ${now},
                updated_at = ${now}
              WHERE site_id = ${site.id} AND wp_entity_type = 'user' AND wp_entity_id = ${hook.data.wpUserId}
                AND sratix_entity_type = 'user'`
            yield* audit.record({
              action: hook.type === "user.updated" ? "wp_user.synced" : "wp_membership.synced",
              targetType: "user",
              targetId: mapped.value,
              orgId: site.orgId,
              data: { siteId: site.id, webhookId: hook.id },
            })
            return "applied" as const
          }
          case "entity.created": {
            yield* insertMapping(
              site,
              { type: "post", id: hook.data.wpPostId },
              { type: hook.data.sratixEntityType, id: hook.data.sratixEntityId },
              null,
              now,
            ).pipe(Effect.catchIf(isUniqueViolation, () => Effect.void))
            yield* audit.record({
              action: "wp_entity.mapped",
              targetType: hook.data.sratixEntityType,
              targetId: hook.data.sratixEntityId,
              orgId: site.orgId,
              data: { siteId: site.id, wpPostId: hook.data.wpPostId, webhookId: hook.id },
            })
            return "applied" as const
          }
        }
      }).pipe(sql.withTransaction, Effect.orDie, asSite(site))
      return { id: hook.id, outcome }
    })

    /** The WordPress post mapped to a SRAtix entity on this site, if any (§16). */
    const mappedPost = (siteId: string, sratixEntityType: string, sratixEntityId: string) =>
      sql<{ wpEntityId: number }>`SELECT wp_entity_id FROM wp_mappings WHERE site_id = ${siteId}
        AND wp_entity_type = 'post' AND sratix_entity_type = ${sratixEntityType}
        AND sratix_entity_id = ${sratixEntityId}`.pipe(
        Effect.orDie,
        Effect.map((rows) => Option.fromNullable(rows[0] === undefined ? undefined : Number(rows[0].wpEntityId))),
      )

    /** One site of the caller's organisation, or NotFound (never another tenant's). */
    const siteOf = Effect.fn("Connectors.siteOf")(function* (orgId: OrgId, siteId: string) {
      const scope = yield* tenantScope(sql)
      const rows = yield* sql<Record<string, unknown>>`SELECT ${sql.unsafe(SITE_COLUMNS)} FROM connector_sites
        WHERE id = ${siteId} AND org_id = ${orgId} AND ${scope}`.pipe(Effect.orDie)
      if (rows[0] === undefined)
        return yield* new NotFound({ detail: "No such connector site", resource: "connector-site" })
      return yield* decodeSite(rows[0])
    })

    return {
      createSite,
      listSites,
      siteOf,
      siteWithSecrets,
      authenticate,
      sweepNonces,
      exchangeToken,
      receiveWebhook,
      mappedPost,
      insertMapping,
    } as const
  }),
  dependencies: [Audit.Default, Identity.Default],
}) {}

import { createHmac } from "node:crypto"
import { HttpApiMiddleware, HttpRouter, HttpServerRequest } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import {
  Caller,
  type CallerShape,
  CoreConfig,
  can,
  canSomewhere,
  Forbidden,
  Identity,
  NotFound,
  Unauthorized,
} from "@sratix/core"
import { Effect, Layer, Option, Schema } from "effect"
import { type EndpointRule, routeKey } from "./Access.js"
import { clientAddress } from "./ClientAddress.js"

/**
 * Authenticates the request (Bearer access token or API key), then checks the endpoint's declared
 * access against the resource scope named by the route (`:eventId` or `:orgId`), and provides the
 * Caller that every core repository scopes its queries by.
 */
export class Authorization extends HttpApiMiddleware.Tag<Authorization>()("sratix/server/Authorization", {
  provides: Caller,
  failure: Schema.Union(Unauthorized, Forbidden, NotFound),
}) {}

export const AuthorizationRules = (rules: ReadonlyArray<EndpointRule>) =>
  new Map(rules.map((r) => [routeKey(r.method, r.path), r]))

export const AuthorizationLive = (rules: ReadonlyArray<EndpointRule>, options: { readonly trustProxy: boolean }) =>
  Layer.effect(
    Authorization,
    Effect.gen(function* () {
      const identity = yield* Identity
      const sql = yield* SqlClient.SqlClient
      const config = yield* CoreConfig
      const byRoute = AuthorizationRules(rules)

      // One HMAC per request was a measurable share of the per-request floor; a client sends many
      // requests, so the last few thousand addresses are remembered (in memory only, never logged).
      const ipHashes = new Map<string, string>()
      const ipHash = (ip: string | null) => {
        if (ip === null) return null
        let hash = ipHashes.get(ip)
        if (hash === undefined) {
          hash = createHmac("sha256", config.ipHashKey).update(ip).digest("hex").slice(0, 32)
          if (ipHashes.size >= 4096) ipHashes.delete(ipHashes.keys().next().value!)
          ipHashes.set(ip, hash)
        }
        return hash
      }

      const eventOrg = (eventId: string) =>
        sql<{ orgId: string }>`SELECT org_id FROM events WHERE id = ${eventId}`.pipe(
          Effect.orDie,
          Effect.map((rows) => Option.fromNullable(rows[0]?.orgId)),
        )

      return Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const route = yield* HttpRouter.RouteContext
        const rule = byRoute.get(routeKey(request.method, route.route.path))
        if (rule === undefined)
          return yield* Effect.dieMessage(`no access rule for ${request.method} ${route.route.path}`)
        const meta = {
          ipHash: ipHash(clientAddress(request, options.trustProxy)),
          userAgent: request.headers["user-agent"] ?? null,
        }
        const header = request.headers.authorization
        const credential = header?.toLowerCase().startsWith("bearer ") ? header.slice(7).trim() : null

        if (rule.access.kind === "public") {
          // A public endpoint still knows a signed-in caller, but an invalid token is not an error here.
          if (credential === null) return { ...Caller.anonymous, meta } satisfies CallerShape
          return yield* identity
            .authenticate(credential, meta)
            .pipe(Effect.catchTag("Unauthorized", () => Effect.succeed({ ...Caller.anonymous, meta })))
        }
        if (credential === null) {
          return yield* new Unauthorized({ detail: "Send an access token or API key as 'Authorization: Bearer …'" })
        }
        const caller = yield* identity.authenticate(credential, meta)
        if (rule.access.kind === "authenticated") return caller

        const needed = rule.access.permission
        const params = route.params
        let allowed: boolean
        if (params.eventId !== undefined) {
          const orgId = yield* eventOrg(params.eventId)
          if (Option.isNone(orgId)) return yield* new NotFound({ detail: "No such event", resource: "event" })
          allowed = can(caller, needed, { orgId: orgId.value as never, eventId: params.eventId as never })
        } else if (params.orgId !== undefined) {
          allowed = can(caller, needed, { orgId: params.orgId as never, eventId: null })
        } else {
          allowed = canSomewhere(caller, needed)
        }
        if (!allowed) {
          return yield* new Forbidden({ detail: `This needs the permission ${needed}`, permission: needed })
        }
        return caller
      })
    }),
  )

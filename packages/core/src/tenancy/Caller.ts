import { Context, Effect, Layer } from "effect"
import type { EventId, OrgId } from "../domain/Ids.js"
import { type Permission, type Role, roleGrants } from "../identity/Rbac.js"

export interface Grant {
  readonly role: Role
  readonly orgId: OrgId | null
  readonly eventId: EventId | null
}

export type Actor =
  | { readonly type: "anonymous" }
  | { readonly type: "user"; readonly id: string }
  | { readonly type: "api_key"; readonly id: string }
  | { readonly type: "system"; readonly id: string }

export interface RequestMeta {
  readonly ipHash: string | null
  readonly userAgent: string | null
}

/**
 * Who is calling, and what they may see. Every repository reads this service and scopes its
 * queries by it, so no query depends on its caller remembering to filter by tenant.
 */
export interface CallerShape {
  readonly actor: Actor
  readonly grants: ReadonlyArray<Grant>
  /** Anonymous buyers may act on exactly one event (the one they buy for); `null` = none. */
  readonly publicEvent: { readonly orgId: OrgId; readonly eventId: EventId } | null
  readonly meta: RequestMeta
}

export class Caller extends Context.Tag("sratix/tenancy/Caller")<Caller, CallerShape>() {
  static readonly system = (id: string): CallerShape => ({
    actor: { type: "system", id },
    grants: [{ role: "super_admin", orgId: null, eventId: null }],
    publicEvent: null,
    meta: { ipHash: null, userAgent: null },
  })
  static readonly anonymous: CallerShape = {
    actor: { type: "anonymous" },
    grants: [],
    publicEvent: null,
    meta: { ipHash: null, userAgent: null },
  }
  static readonly layerSystem = (id: string) => Layer.succeed(Caller, Caller.system(id))
}

export const isPlatform = (caller: CallerShape) => caller.grants.some((g) => g.orgId === null && g.eventId === null)

/** Does the caller hold `permission` for a resource that lives in `orgId` (and `eventId`)? */
export const can = (
  caller: CallerShape,
  permission: Permission,
  target: { readonly orgId: OrgId | null; readonly eventId?: EventId | null },
) =>
  caller.grants.some(
    (g) =>
      roleGrants(g.role, permission) &&
      ((g.orgId === null && g.eventId === null) ||
        (g.eventId === null && g.orgId !== null && g.orgId === target.orgId) ||
        (g.eventId !== null && target.eventId != null && g.eventId === target.eventId)),
  )

/** Does the caller hold `permission` anywhere at all (used for list endpoints, filtered by scope)? */
export const canSomewhere = (caller: CallerShape, permission: Permission) =>
  caller.grants.some((g) => roleGrants(g.role, permission))

/**
 * The visible tenant set as data: `all`, or the orgs and events the caller's grants reach.
 * Repositories turn this into a WHERE clause.
 */
export type Visibility =
  | { readonly kind: "all" }
  | {
      readonly kind: "some"
      /** Orgs whose every event the caller reaches. */
      readonly orgIds: ReadonlyArray<OrgId>
      /** Single events the caller reaches. */
      readonly eventIds: ReadonlyArray<EventId>
      /** Orgs the caller belongs to in any way (to read the organisation record itself). */
      readonly memberOrgIds: ReadonlyArray<OrgId>
    }

export const visibility = (caller: CallerShape): Visibility => {
  if (isPlatform(caller)) return { kind: "all" }
  const orgIds = new Set<OrgId>()
  const eventIds = new Set<EventId>()
  const memberOrgIds = new Set<OrgId>()
  for (const g of caller.grants) {
    if (g.orgId !== null) memberOrgIds.add(g.orgId)
    if (g.eventId !== null) eventIds.add(g.eventId)
    else if (g.orgId !== null) orgIds.add(g.orgId)
  }
  if (caller.publicEvent) eventIds.add(caller.publicEvent.eventId)
  return { kind: "some", orgIds: [...orgIds], eventIds: [...eventIds], memberOrgIds: [...memberOrgIds] }
}

/** Run `effect` as the given caller (e.g. a buyer scoped to the one event they buy for). */
export const withCaller =
  (caller: CallerShape) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.provideService(effect, Caller, caller)

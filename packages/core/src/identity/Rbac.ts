import { Schema } from "effect"

/** The ten roles of the platform. Each is granted at one scope level. */
export const Role = Schema.Literal(
  "super_admin",
  "org_admin",
  "event_admin",
  "exhibitor",
  "sponsor",
  "partner",
  "staff",
  "volunteer",
  "scanner",
  "attendee",
)
export type Role = typeof Role.Type
export const roles: ReadonlyArray<Role> = Role.literals

export type ScopeLevel = "platform" | "org" | "event"

/** Where a role may be granted. Exhibitors, sponsors and partners are event roles tied to an org. */
export const roleScope: Record<Role, ScopeLevel> = {
  super_admin: "platform",
  org_admin: "org",
  event_admin: "event",
  exhibitor: "event",
  sponsor: "event",
  partner: "event",
  staff: "event",
  volunteer: "event",
  scanner: "event",
  attendee: "event",
}

export const Permission = Schema.Literal(
  "platform.manage",
  "orgs.read",
  "orgs.manage",
  "members.read",
  "members.manage",
  "api-keys.manage",
  "events.read",
  "events.create",
  "events.write",
  "ticket-types.read",
  "ticket-types.write",
  "promo-codes.read",
  "promo-codes.write",
  "orders.read",
  "orders.write",
  // Money leaving the organisation is its own right: staff who sell and mark orders paid may not send it back.
  "payments.refund",
  "audit.read",
  "checkin.scan",
  "checkin.manage",
)
export type Permission = typeof Permission.Type

/**
 * Endpoint access is one of: open to anyone, open to any signed-in caller, or a permission.
 * Every endpoint declares exactly one; the server refuses to start if one does not.
 */
export type Access =
  | { readonly kind: "public" }
  | { readonly kind: "authenticated" }
  | {
      readonly kind: "permission"
      readonly permission: Permission
    }

const readEvent: ReadonlyArray<Permission> = ["events.read", "ticket-types.read"]

/** What each role may do within the scope it is granted at. */
export const rolePermissions: Record<Role, ReadonlyArray<Permission>> = {
  super_admin: Permission.literals,
  org_admin: [
    "orgs.read",
    "members.read",
    "members.manage",
    "api-keys.manage",
    "events.read",
    "events.create",
    "events.write",
    "ticket-types.read",
    "ticket-types.write",
    "promo-codes.read",
    "promo-codes.write",
    "orders.read",
    "orders.write",
    "payments.refund",
    "audit.read",
    "checkin.scan",
    "checkin.manage",
  ],
  event_admin: [
    ...readEvent,
    "events.write",
    "ticket-types.write",
    "promo-codes.read",
    "promo-codes.write",
    "orders.read",
    "orders.write",
    "payments.refund",
    "members.read",
    "audit.read",
    "checkin.scan",
    "checkin.manage",
  ],
  staff: [...readEvent, "orders.read", "checkin.scan"],
  exhibitor: readEvent,
  sponsor: readEvent,
  partner: readEvent,
  volunteer: ["events.read", "checkin.scan"],
  scanner: ["events.read", "checkin.scan"],
  attendee: ["events.read"],
}

export const roleGrants = (role: Role, permission: Permission) => rolePermissions[role].includes(permission)

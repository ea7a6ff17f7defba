import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { Role } from "../identity/Rbac.js"
import { Email, Name, Timestamp } from "./Common.js"
import { problemFields } from "./Problems.js"

/** A WordPress site talking to the server: `control` (membership site) or `client` (event site). */
export const ConnectorKind = Schema.Literal("control", "client")
export type ConnectorKind = typeof ConnectorKind.Type

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const Uuid = Schema.String.pipe(Schema.pattern(uuid, { message: () => "must be a lowercase UUID" }))

/** WordPress role slugs (`administrator`, `sra_member`): lowercase letters, digits, `_` and `-`. */
export const WpRoleName = Schema.String.pipe(Schema.pattern(/^[a-z0-9_-]{1,60}$/))

/** Which SRAtix role a WordPress role becomes, at the site's org (or event). Anything unlisted gets nothing. */
export const RoleMap = Schema.Record({ key: WpRoleName, value: Role }).annotations({ identifier: "RoleMap" })
export type RoleMap = typeof RoleMap.Type

const Hostname = Schema.String.pipe(
  Schema.maxLength(253),
  Schema.pattern(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, {
    message: () => "must be a lowercase host name",
  }),
)

/** Where the server reaches the site: an http(s) URL without query or fragment (a sub-folder install keeps its path). */
export const SiteUrl = Schema.String.pipe(
  Schema.maxLength(500),
  Schema.filter((s) => {
    try {
      const url = new URL(s)
      return (url.protocol === "https:" || url.protocol === "http:") &&
        url.search === "" &&
        url.hash === "" &&
        url.username === "" &&
        url.password === ""
        ? undefined
        : "must be an http(s) URL without credentials, query or fragment"
    } catch {
      return "must be an http(s) URL"
    }
  }),
  // Test data generators cannot guess strings this filter takes; they are given URLs of the right shape.
  Schema.annotations({ arbitrary: () => (fc) => fc.webUrl({ withQueryParameters: false, withFragments: false }) }),
)

export const CreateConnectorSite = Schema.Struct({
  kind: ConnectorKind,
  sourceSite: Hostname,
  baseUrl: SiteUrl,
  eventId: Schema.optional(Uuid),
  roleMap: Schema.optional(RoleMap),
}).annotations({ identifier: "CreateConnectorSite" })
export type CreateConnectorSite = typeof CreateConnectorSite.Type

export class ConnectorSite extends Schema.Class<ConnectorSite>("ConnectorSite")({
  id: Schema.String,
  orgId: Schema.String,
  eventId: Schema.NullOr(Schema.String),
  kind: ConnectorKind,
  sourceSite: Schema.String,
  baseUrl: Schema.String,
  roleMap: RoleMap,
  disabledAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
}) {}

export class ConnectorSiteCreated extends Schema.Class<ConnectorSiteCreated>("ConnectorSiteCreated")({
  site: ConnectorSite,
  keyId: Schema.String.annotations({ description: "Sent by the plugin as X-Sratix-Key" }),
  apiSecret: Schema.String.annotations({ description: "Signs the plugin's requests to the server; shown once" }),
  webhookSecret: Schema.String.annotations({ description: "Signs the server's webhooks to the site; shown once" }),
}) {}

export const TokenExchangeRequest = Schema.Struct({
  wpUserId: Schema.Int.pipe(Schema.positive()),
  roles: Schema.Array(WpRoleName).pipe(Schema.maxItems(30)),
  email: Email,
  name: Name,
}).annotations({ identifier: "TokenExchangeRequest" })
export type TokenExchangeRequest = typeof TokenExchangeRequest.Type

export const ScopedGrant = Schema.Struct({
  role: Role,
  orgId: Schema.String,
  eventId: Schema.NullOr(Schema.String),
}).annotations({ identifier: "ScopedGrant" })
export type ScopedGrant = typeof ScopedGrant.Type

export class ExchangedToken extends Schema.Class<ExchangedToken>("ExchangedToken")({
  accessToken: Schema.String,
  tokenType: Schema.Literal("Bearer"),
  expiresIn: Schema.Number.annotations({
    description: "Seconds until the access token expires; there is no refresh token",
  }),
  userId: Schema.String,
  grants: Schema.Array(ScopedGrant),
}) {}

const WebhookId = Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9._-]{1,100}$/))
const WpId = Schema.Int.pipe(Schema.positive())

/** What WordPress reports to the server (reference §6, "Sync triggers"). */
export const InboundWebhook = Schema.Union(
  Schema.Struct({
    id: WebhookId,
    type: Schema.Literal("user.updated"),
    data: Schema.Struct({ wpUserId: WpId, email: Email, name: Name }),
  }),
  Schema.Struct({
    id: WebhookId,
    type: Schema.Literal("membership.changed"),
    data: Schema.Struct({
      wpUserId: WpId,
      roles: Schema.Array(WpRoleName).pipe(Schema.maxItems(30)),
      memberships: Schema.Array(Schema.String.pipe(Schema.maxLength(100))).pipe(Schema.maxItems(50)),
    }),
  }),
  Schema.Struct({
    id: WebhookId,
    type: Schema.Literal("entity.created"),
    data: Schema.Struct({
      wpPostId: WpId,
      sratixEntityType: Schema.Literal("organization", "exhibitor", "partner", "sponsor"),
      sratixEntityId: Uuid,
    }),
  }),
).annotations({ identifier: "InboundWebhook" })
export type InboundWebhook = typeof InboundWebhook.Type

/** `unmapped`: about a WordPress user no token exchange has linked yet, so nothing to update. */
export const WebhookAccepted = Schema.Struct({
  id: Schema.String,
  outcome: Schema.Literal("applied", "unmapped"),
}).annotations({
  identifier: "WebhookAccepted",
})

export const SratixEntityType = Schema.Literal("organization", "exhibitor", "partner", "sponsor")
export type SratixEntityType = typeof SratixEntityType.Type

/** §16: link an exhibitor (partner, sponsor) to a WordPress entity post, asking Control to create one if none is mapped. */
export const EnsureEntity = Schema.Struct({
  sratixEntityType: SratixEntityType,
  sratixEntityId: Uuid,
  name: Name,
  address: Schema.optional(Schema.String.pipe(Schema.maxLength(500))),
  contactEmail: Schema.optional(Email),
  mark: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(100))),
}).annotations({ identifier: "EnsureEntity" })
export type EnsureEntity = typeof EnsureEntity.Type

export const OutboundEventType = Schema.Literal(
  "registration.confirmed",
  "attendee.updated",
  "entity.create",
  "entity.mark",
)
export type OutboundEventType = typeof OutboundEventType.Type

export const WebhookStatus = Schema.Literal("pending", "delivered", "failed")

export class WebhookEntry extends Schema.Class<WebhookEntry>("WebhookEntry")({
  id: Schema.String,
  orgId: Schema.String,
  siteId: Schema.String,
  eventType: OutboundEventType,
  subjectId: Schema.String,
  status: WebhookStatus,
  attempts: Schema.Number,
  generation: Schema.Number,
  lastError: Schema.NullOr(Schema.String),
  deliveredAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export class WebhookDelivery extends Schema.Class<WebhookDelivery>("WebhookDelivery")({
  id: Schema.String,
  outboxId: Schema.String,
  attempt: Schema.Number,
  outcome: Schema.Literal("delivered", "failed"),
  statusCode: Schema.NullOr(Schema.Number),
  error: Schema.NullOr(Schema.String),
  durationMs: Schema.Number,
  createdAt: Timestamp,
}) {}

/** A signed request the server cannot accept: unknown key, bad or stale signature, or a nonce seen before. */
export class SignatureRefused extends Schema.TaggedError<SignatureRefused>()(
  "SignatureRefused",
  {
    ...problemFields("signature-refused", 401, "Signature refused"),
    reason: Schema.Literal("unknown-key", "malformed", "stale", "bad-signature", "replayed"),
  },
  HttpApiSchema.annotations<SignatureRefused>({ status: 401 }),
) {}

import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import {
  Conflict,
  ConnectorSite,
  ConnectorSiteCreated,
  CreateConnectorSite,
  EnsureEntity,
  ExchangedToken,
  Forbidden,
  InboundWebhook,
  InvalidRequest,
  NotFound,
  OrgId,
  SignatureRefused,
  TokenExchangeRequest,
  WebhookAccepted,
  WebhookDelivery,
  WebhookEntry,
  WebhookStatus,
} from "@sratix/core"
import { Schema } from "effect"
import { permission, publicAccess, RequiredAccess } from "../http/Access.js"
import { Authorization } from "../http/Authorization.js"
import { Uuid } from "../http/Common.js"

const OrgPath = Schema.Struct({ orgId: OrgId })
const SitePath = Schema.Struct({ orgId: OrgId, siteId: Uuid })
const WebhookPath = Schema.Struct({ orgId: OrgId, webhookId: Uuid })

const SIGNED =
  "Signed by the connector site: headers X-Sratix-Key (the site's key id), X-Sratix-Timestamp (Unix seconds), " +
  "X-Sratix-Nonce (single use) and X-Sratix-Signature (`v1=` HMAC-SHA256, docs/wordpress.md). " +
  "Refused with 401 signature-refused when the key is unknown, the signature wrong, the time outside ±300 s or the nonce used before."

/**
 * The WordPress connectors (docs/wordpress.md): the two signature-gated endpoints the plugins call,
 * and the organisation's administration of its sites and their outbound webhooks. Connector
 * administration uses the `api-keys.manage` permission: a site's secrets are API credentials.
 */
export class ConnectorsApi extends HttpApiGroup.make("connectors")
  .add(
    HttpApiEndpoint.post("tokenExchange", "/auth/token-exchange")
      .setPayload(TokenExchangeRequest)
      .addSuccess(ExchangedToken)
      .addError(SignatureRefused)
      .addError(Forbidden)
      .annotate(RequiredAccess, publicAccess)
      .annotate(
        OpenApi.Description,
        `A Control site vouches for one of its users and their WordPress roles; the answer is a 15-minute access token limited to what the site's role map gives for those roles. ${SIGNED}`,
      ),
  )
  .add(
    HttpApiEndpoint.post("receiveWebhook", "/connectors/webhooks")
      .setPayload(InboundWebhook)
      .addSuccess(WebhookAccepted)
      .addError(SignatureRefused)
      .annotate(RequiredAccess, publicAccess)
      .annotate(
        OpenApi.Description,
        `WordPress reports a profile update, a membership change or a created entity post. ${SIGNED}`,
      ),
  )
  .add(
    HttpApiEndpoint.post("createSite", "/orgs/:orgId/wp-sites")
      .setPath(OrgPath)
      .setPayload(CreateConnectorSite)
      .addSuccess(ConnectorSiteCreated, { status: 201 })
      .addError(InvalidRequest)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("api-keys.manage"))
      .annotate(OpenApi.Description, "Connects a WordPress site; its two secrets are in this answer only."),
  )
  .add(
    HttpApiEndpoint.get("listSites", "/orgs/:orgId/wp-sites")
      .setPath(OrgPath)
      .addSuccess(Schema.Array(ConnectorSite))
      .annotate(RequiredAccess, permission("api-keys.manage")),
  )
  .add(
    HttpApiEndpoint.post("ensureEntity", "/orgs/:orgId/wp-sites/:siteId/entities")
      .setPath(SitePath)
      .setPayload(EnsureEntity)
      .addSuccess(WebhookEntry, { status: 202 })
      .addError(InvalidRequest)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("api-keys.manage"))
      .annotate(
        OpenApi.Description,
        "Entity auto-creation (reference §16): asks the Control site to create an entity post for an exhibitor, partner or sponsor that has none, or to mark the one it has.",
      ),
  )
  .add(
    HttpApiEndpoint.get("listWebhooks", "/orgs/:orgId/webhooks")
      .setPath(OrgPath)
      .setUrlParams(Schema.Struct({ status: Schema.optional(WebhookStatus) }))
      .addSuccess(Schema.Array(WebhookEntry))
      .annotate(RequiredAccess, permission("api-keys.manage"))
      .annotate(OpenApi.Description, "Outbound webhooks, newest first (at most 100)."),
  )
  .add(
    HttpApiEndpoint.get("webhookDeliveries", "/orgs/:orgId/webhooks/:webhookId/deliveries")
      .setPath(WebhookPath)
      .addSuccess(Schema.Array(WebhookDelivery))
      .addError(NotFound)
      .annotate(RequiredAccess, permission("api-keys.manage"))
      .annotate(OpenApi.Description, "The delivery log of one webhook: every attempt with its answer."),
  )
  .add(
    HttpApiEndpoint.post("replayWebhook", "/orgs/:orgId/webhooks/:webhookId/replay")
      .setPath(WebhookPath)
      .addSuccess(WebhookEntry)
      .addError(NotFound)
      .addError(Conflict)
      .annotate(RequiredAccess, permission("api-keys.manage"))
      .annotate(
        OpenApi.Description,
        "Queues a failed or delivered webhook again with fresh attempts; one still queued is left as it is.",
      ),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "WordPress connectors") {}

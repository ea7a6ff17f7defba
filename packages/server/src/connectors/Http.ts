import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { Connectors, SIGNATURE_HEADERS, SignatureRefused, Webhooks } from "@sratix/core"
import { Effect } from "effect"
import { SratixApi } from "../Api.js"

/** The signed request as received: the headers and the exact body bytes the signature covers. */
const signedRequest = Effect.gen(function* () {
  const request = yield* HttpServerRequest.HttpServerRequest
  const body = yield* request.text.pipe(
    Effect.mapError(() => new SignatureRefused({ reason: "malformed", detail: "The body could not be read" })),
  )
  return {
    keyId: request.headers[SIGNATURE_HEADERS.keyId],
    method: request.method,
    path: request.url,
    timestamp: request.headers[SIGNATURE_HEADERS.timestamp],
    nonce: request.headers[SIGNATURE_HEADERS.nonce],
    signature: request.headers[SIGNATURE_HEADERS.signature],
    body,
  }
})

export const ConnectorsLive = HttpApiBuilder.group(SratixApi, "connectors", (handlers) =>
  Effect.gen(function* () {
    const connectors = yield* Connectors
    const webhooks = yield* Webhooks
    const authenticated = Effect.flatMap(signedRequest, connectors.authenticate)
    return handlers
      .handle("tokenExchange", ({ payload }) =>
        Effect.flatMap(authenticated, (site) => connectors.exchangeToken(site, payload)),
      )
      .handle("receiveWebhook", ({ payload }) =>
        Effect.flatMap(authenticated, (site) => connectors.receiveWebhook(site, payload)),
      )
      .handle("createSite", ({ path, payload }) => connectors.createSite(path.orgId, payload))
      .handle("listSites", ({ path }) => connectors.listSites(path.orgId))
      .handle("ensureEntity", ({ path, payload }) => webhooks.ensureEntity(path.orgId, path.siteId, payload))
      .handle("listWebhooks", ({ path, urlParams }) =>
        webhooks.list({ orgId: path.orgId, ...(urlParams.status ? { status: urlParams.status } : {}) }),
      )
      .handle("webhookDeliveries", ({ path }) => webhooks.deliveries(path.webhookId, path.orgId))
      .handle("replayWebhook", ({ path }) => webhooks.replay(path.webhookId, path.orgId))
  }),
)

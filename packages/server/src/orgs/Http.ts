import { HttpApiBuilder } from "@effect/platform"
import { Audit, type EventId, Identity, Organizations } from "@sratix/core"
import { Effect } from "effect"
import { SratixApi } from "../Api.js"
import { DEFAULT_PAGE_SIZE } from "../http/Common.js"

export const OrgsLive = HttpApiBuilder.group(SratixApi, "orgs", (handlers) =>
  Effect.gen(function* () {
    const orgs = yield* Organizations
    const identity = yield* Identity
    const audit = yield* Audit
    return handlers
      .handle("list", ({ urlParams }) => orgs.list({ ...urlParams, limit: urlParams.limit ?? DEFAULT_PAGE_SIZE }))
      .handle("create", ({ payload }) => orgs.create(payload))
      .handle("get", ({ path }) => orgs.get(path.orgId))
      .handle("listMembers", ({ path }) => identity.membersOf(path.orgId))
      .handle("addMember", ({ path, payload }) =>
        identity.addMember(path.orgId, {
          email: payload.email,
          name: payload.name,
          role: payload.role,
          eventId: (payload.eventId ?? null) as EventId | null,
        }),
      )
      .handle("listApiKeys", ({ path }) => identity.listApiKeys(path.orgId))
      .handle("createApiKey", ({ path, payload }) => identity.createApiKey(path.orgId, payload))
      .handle("revokeApiKey", ({ path }) => identity.revokeApiKey(path.orgId, path.apiKeyId))
      .handle("auditLog", ({ path, urlParams }) =>
        audit.list({
          orgId: path.orgId,
          ...(urlParams.eventId ? { eventId: urlParams.eventId } : {}),
          ...(urlParams.cursor ? { cursor: urlParams.cursor } : {}),
          limit: urlParams.limit ?? DEFAULT_PAGE_SIZE,
        }),
      )
  }),
)

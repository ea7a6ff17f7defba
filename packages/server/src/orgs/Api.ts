import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import {
  ApiKey,
  ApiKeyCreated,
  AuditEntry,
  Conflict,
  CreateOrganization,
  Email,
  InvalidRequest,
  Name,
  NotFound,
  Organization,
  OrgId,
  Role,
  User,
} from "@sratix/core"
import { Schema } from "effect"
import { permission, RequiredAccess } from "../http/Access.js"
import { Authorization } from "../http/Authorization.js"
import { Page, PageQuery, Uuid } from "../http/Common.js"

const OrgPath = Schema.Struct({ orgId: OrgId })

export const AddMember = Schema.Struct({
  email: Email,
  name: Name,
  role: Role,
  eventId: Schema.optional(Uuid),
}).annotations({ identifier: "AddMember" })

export const CreateApiKey = Schema.Struct({
  name: Name,
  role: Role,
  eventId: Schema.optional(Uuid),
}).annotations({ identifier: "CreateApiKey" })

export class OrgsApi extends HttpApiGroup.make("orgs")
  .add(
    HttpApiEndpoint.get("list", "/orgs")
      .setUrlParams(PageQuery)
      .addSuccess(Page(Organization, "OrganizationPage"))
      .annotate(RequiredAccess, permission("orgs.read")),
  )
  .add(
    HttpApiEndpoint.post("create", "/orgs")
      .setPayload(CreateOrganization)
      .addSuccess(Organization, { status: 201 })
      .addError(Conflict)
      .annotate(RequiredAccess, permission("platform.manage")),
  )
  .add(
    HttpApiEndpoint.get("get", "/orgs/:orgId")
      .setPath(OrgPath)
      .addSuccess(Organization)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("orgs.read")),
  )
  .add(
    HttpApiEndpoint.get("listMembers", "/orgs/:orgId/members")
      .setPath(OrgPath)
      .addSuccess(Schema.Array(User))
      .annotate(RequiredAccess, permission("members.read")),
  )
  .add(
    HttpApiEndpoint.post("addMember", "/orgs/:orgId/members")
      .setPath(OrgPath)
      .setPayload(AddMember)
      .addSuccess(User, { status: 201 })
      .addError(InvalidRequest)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("members.manage"))
      .annotate(OpenApi.Description, "Adds a person to the organisation (creating the user if new) with a role."),
  )
  .add(
    HttpApiEndpoint.get("listApiKeys", "/orgs/:orgId/api-keys")
      .setPath(OrgPath)
      .addSuccess(Schema.Array(ApiKey))
      .annotate(RequiredAccess, permission("api-keys.manage")),
  )
  .add(
    HttpApiEndpoint.post("createApiKey", "/orgs/:orgId/api-keys")
      .setPath(OrgPath)
      .setPayload(CreateApiKey)
      .addSuccess(ApiKeyCreated, { status: 201 })
      .addError(InvalidRequest)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("api-keys.manage")),
  )
  .add(
    HttpApiEndpoint.del("revokeApiKey", "/orgs/:orgId/api-keys/:apiKeyId")
      .setPath(Schema.Struct({ orgId: OrgId, apiKeyId: Uuid }))
      .addSuccess(HttpApiSchema.NoContent)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("api-keys.manage")),
  )
  .add(
    HttpApiEndpoint.get("auditLog", "/orgs/:orgId/audit-log")
      .setPath(OrgPath)
      .setUrlParams(Schema.Struct({ ...PageQuery.fields, eventId: Schema.optional(Uuid) }))
      .addSuccess(Page(AuditEntry, "AuditEntryPage"))
      .annotate(RequiredAccess, permission("audit.read")),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "Organisations") {}

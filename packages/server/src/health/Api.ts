import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { publicAccess, RequiredAccess } from "../http/Access.js"
import { Authorization } from "../http/Authorization.js"

export const Health = Schema.Struct({
  status: Schema.Literal("ok", "degraded"),
  version: Schema.String,
  database: Schema.Struct({ status: Schema.Literal("ok", "unreachable"), engine: Schema.String }),
}).annotations({ identifier: "Health" })

export class HealthApi extends HttpApiGroup.make("health")
  .add(
    HttpApiEndpoint.get("health", "/health")
      .addSuccess(Health)
      .addError(Health, { status: 503 })
      .annotate(RequiredAccess, publicAccess),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "Health") {}

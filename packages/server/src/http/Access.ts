import { HttpApi, type HttpApiEndpoint } from "@effect/platform"
import type { Access, Permission } from "@sratix/core"
import { Context } from "effect"

/** The access rule an endpoint declares in its definition. The Authorization middleware enforces it. */
export class RequiredAccess extends Context.Tag("sratix/server/RequiredAccess")<RequiredAccess, Access>() {}

export const publicAccess: Access = { kind: "public" }
export const signedIn: Access = { kind: "authenticated" }
export const permission = (p: Permission): Access => ({ kind: "permission", permission: p })

export interface EndpointRule {
  readonly group: string
  readonly name: string
  readonly method: string
  readonly path: string
  readonly access: Access
}

export class MissingAccessDeclaration extends Error {
  override readonly name = "MissingAccessDeclaration"
}

/**
 * Every endpoint of the API with its declared access. Throws when one declares none, so an
 * endpoint added without a rule stops the server from starting and fails the RBAC test.
 */
export const endpointRules = (api: HttpApi.HttpApi.Any): ReadonlyArray<EndpointRule> => {
  const rules: Array<EndpointRule> = []
  HttpApi.reflect(api as HttpApi.HttpApi<string, never, never, never>, {
    onGroup: () => {},
    onEndpoint: ({ group, endpoint, mergedAnnotations, middleware }) => {
      if (![...middleware].some((m) => m.key === "sratix/server/Authorization")) {
        throw new MissingAccessDeclaration(
          `${endpoint.method} ${endpoint.path} is not behind the Authorization middleware`,
        )
      }
      const access = Context.getOption(mergedAnnotations, RequiredAccess)
      if (access._tag === "None") {
        throw new MissingAccessDeclaration(
          `${endpoint.method} ${endpoint.path} (${group.identifier}.${endpoint.name}) declares no access rule`,
        )
      }
      rules.push({
        group: group.identifier,
        name: endpoint.name,
        method: endpoint.method,
        path: endpoint.path,
        access: access.value,
      })
    },
  })
  return rules
}

export const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`

export type AnyEndpoint = HttpApiEndpoint.HttpApiEndpoint.Any

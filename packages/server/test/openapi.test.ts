import * as fs from "node:fs"
import { Validator } from "@seriousme/openapi-schema-validator"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  OPENAPI_JSON_PATH,
  renderOpenApiJson,
  renderSchemaTs,
  SCHEMA_TS_PATH,
  STALE_MESSAGE,
} from "../../../scripts/emit-openapi.js"
import { SratixApi } from "../src/Api.js"
import { endpointRules } from "../src/http/Access.js"
import { openApiSpec } from "../src/Server.js"
import { api, startTestServer, type TestServer } from "./support/TestServer.js"

type Json = Record<string, any>

/** The JSON pointer of the first place where two documents differ, to make a stale failure actionable. */
const firstDifference = (a: unknown, b: unknown, at = ""): string | null => {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return Object.is(a, b) ? null : at || "/"
  }
  const keysA = Object.keys(a)
  const keysB = Object.keys(b)
  for (const key of new Set([...keysA, ...keysB])) {
    const found = firstDifference(
      (a as Json)[key],
      (b as Json)[key],
      `${at}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`,
    )
    if (found !== null) return found
  }
  return keysA.join() === keysB.join() ? null : `${at || "/"} (key order)`
}

const assertSameJson = (actual: unknown, expected: unknown) => {
  if (renderOpenApiJson(actual) !== renderOpenApiJson(expected)) {
    throw new Error(`${STALE_MESSAGE} (first difference at ${firstDifference(actual, expected)})`)
  }
}

const operations = (spec: Json) =>
  Object.entries(spec.paths as Json).flatMap(([path, ops]) =>
    Object.entries(ops as Json).map(([method, op]) => ({ path, method, op: op as Json })),
  )

const resolve = (spec: Json, schema: Json): Json => {
  if (typeof schema.$ref !== "string") return schema
  const name = schema.$ref.replace("#/components/schemas/", "")
  return resolve(spec, spec.components.schemas[name])
}

/** A schema every value of which has the RFC 9457 members `type`, `title` and `status`. */
const isProblemSchema = (spec: Json, schema: Json): boolean => {
  const resolved = resolve(spec, schema)
  const branches = resolved.anyOf ?? resolved.oneOf
  if (Array.isArray(branches)) return branches.every((branch: Json) => isProblemSchema(spec, branch))
  const required: Array<string> = resolved.required ?? []
  return (
    resolved.type === "object" &&
    ["type", "title", "status"].every((member) => required.includes(member)) &&
    resolve(spec, resolved.properties.type).type === "string" &&
    resolve(spec, resolved.properties.title).type === "string" &&
    resolve(spec, resolved.properties.status).type === "number"
  )
}

describe("openapi.json", () => {
  let server: TestServer
  const spec = openApiSpec() as Json
  const committedJson = fs.readFileSync(OPENAPI_JSON_PATH, "utf8")
  const committed = JSON.parse(committedJson) as Json
  const rules = endpointRules(SratixApi)
  const publicOps = new Set(
    rules
      .filter((rule) => rule.access.kind === "public")
      .map((rule) => `${rule.method.toLowerCase()} ${rule.path.replace(/:(\w+)/g, "{$1}")}`),
  )

  beforeAll(async () => {
    server = await startTestServer("sqlite")
  })
  afterAll(() => server?.stop())

  it("is served at /api/v1/openapi.json exactly as openApiSpec() emits it, and is committed", async () => {
    const response = await fetch(`${server.url}/api/v1/openapi.json`)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("application/json")
    const served = (await response.json()) as Json
    expect(served).toEqual(spec)
    assertSameJson(served, spec)
    assertSameJson(committed, spec)
    // The committed file is the canonical rendering, not merely equal JSON.
    if (committedJson !== renderOpenApiJson(committed)) throw new Error(STALE_MESSAGE)
  })

  it("is a valid OpenAPI 3.1 document", async () => {
    expect(spec.openapi).toMatch(/^3\.1\./)
    const result = await new Validator().validate(structuredClone(spec))
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([])
    expect(result.valid).toBe(true)
  })

  it("declares every endpoint, and nothing else", () => {
    const declared = operations(spec).map(({ method, path }) => `${method} ${path}`)
    const expected = rules.map((rule) => `${rule.method.toLowerCase()} ${rule.path.replace(/:(\w+)/g, "{$1}")}`)
    expect([...declared].sort()).toEqual([...expected].sort())
  })

  it("gives every protected operation a bearer requirement and problem+json error responses", () => {
    expect(spec.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" })
    const protectedOps = operations(spec).filter(({ method, path }) => !publicOps.has(`${method} ${path}`))
    expect(protectedOps.length).toBeGreaterThan(0)
    const findings: Array<string> = []
    for (const { method, path, op } of protectedOps) {
      const name = `${method.toUpperCase()} ${path}`
      if (JSON.stringify(op.security) !== JSON.stringify([{ bearer: [] }])) {
        findings.push(`${name}: security is ${JSON.stringify(op.security)}`)
      }
      const errors = Object.entries(op.responses as Json).filter(([status]) => Number(status) >= 400)
      for (const required of ["401", "403"]) {
        if (!errors.some(([status]) => status === required)) findings.push(`${name}: no ${required} response`)
      }
      for (const [status, response] of errors) {
        const media = (response as Json).content ?? {}
        const schema = media["application/problem+json"]?.schema as Json | undefined
        if (schema === undefined) {
          findings.push(`${name} ${status}: no application/problem+json body declared`)
        } else if (!isProblemSchema(spec, schema)) {
          findings.push(`${name} ${status}: body is not a problem (type, title, status)`)
        }
      }
    }
    expect(findings).toEqual([])
  })

  it("leaves public operations open", () => {
    for (const { method, path, op } of operations(spec)) {
      if (publicOps.has(`${method} ${path}`)) expect(op.security ?? [], `${method} ${path}`).toEqual([])
    }
  })

  it("sends request-decoding failures as the declared validation problem", async () => {
    const response = await api(server, "POST", `/public/events/${crypto.randomUUID()}/orders`, { body: {} })
    expect(response.status).toBe(400)
    expect(response.headers.get("content-type")).toBe("application/problem+json")
    expect(response.body).toMatchObject({ type: expect.stringMatching(/\/validation-failed$/), status: 400 })
    expect(typeof response.body.title).toBe("string")
  })

  it("has committed SDK types that openapi-typescript generates from the committed document", async () => {
    const generated = await renderSchemaTs(committed)
    if (fs.readFileSync(SCHEMA_TS_PATH, "utf8") !== generated) throw new Error(STALE_MESSAGE)
  })
})

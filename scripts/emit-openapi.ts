/**
 * Writes the committed API contract for the SDK:
 *   packages/sdk/openapi.json   the server's OpenAPI 3.1 document, exactly as `openApiSpec()` emits it
 *   packages/sdk/src/schema.ts  TypeScript types generated from it by openapi-typescript
 *
 * Run with `npm run openapi` after changing any endpoint. `packages/server/test/openapi.test.ts`
 * regenerates both in memory with the functions below and fails when the committed files are stale.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from "openapi-typescript"

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
export const OPENAPI_JSON_PATH = path.join(root, "packages/sdk/openapi.json")
export const SCHEMA_TS_PATH = path.join(root, "packages/sdk/src/schema.ts")
export const STALE_MESSAGE = "packages/sdk/openapi.json is stale: run npm run openapi"

/** The committed text of openapi.json: 2-space indent, keys in emission order, trailing newline. */
export const renderOpenApiJson = (spec: unknown): string => `${JSON.stringify(spec, null, 2)}\n`

/** The committed text of src/schema.ts: what the openapi-typescript CLI would write for `spec`. */
export const renderSchemaTs = async (spec: unknown): Promise<string> => {
  // openapi-typescript resolves $refs in place, so give it a copy.
  const ast = await openapiTS(structuredClone(spec) as OpenAPI3, { silent: true })
  return COMMENT_HEADER + astToString(ast)
}

const main = async () => {
  // Imported here so that the renderers above can be used without loading the server.
  const { openApiSpec } = await import("../packages/server/src/Server.js")
  const spec: Record<string, unknown> = openApiSpec()
  fs.writeFileSync(OPENAPI_JSON_PATH, renderOpenApiJson(spec))
  fs.mkdirSync(path.dirname(SCHEMA_TS_PATH), { recursive: true })
  fs.writeFileSync(SCHEMA_TS_PATH, await renderSchemaTs(JSON.parse(fs.readFileSync(OPENAPI_JSON_PATH, "utf8"))))
  const operations = Object.values(spec.paths as Record<string, object>).reduce(
    (n, ops) => n + Object.keys(ops).length,
    0,
  )
  console.log(`wrote ${path.relative(root, OPENAPI_JSON_PATH)} (${operations} operations)`)
  console.log(`wrote ${path.relative(root, SCHEMA_TS_PATH)}`)
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error)
    process.exitCode = 1
  })
}

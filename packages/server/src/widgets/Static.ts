import { createHash } from "node:crypto"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { problemResponse } from "../http/Problems.js"

/** `packages/widgets/dist`, reached the same way from `src/widgets/` (tsx) and `dist/widgets/` (built). */
export const defaultWidgetsDir = fileURLToPath(new URL("../../../widgets/dist/", import.meta.url))

export interface Asset {
  readonly body: Uint8Array
  readonly gzip: Uint8Array
  readonly etag: string
}

/** A file read and gzipped once, with a content ETag; undefined when it does not exist. */
export const loadAsset = (file: string): Asset | undefined => {
  try {
    const body = fs.readFileSync(file)
    return {
      body,
      gzip: gzipSync(body, { level: 9 }),
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
    }
  } catch {
    return undefined
  }
}

/**
 * Serves the widget bundle at `/widgets/sratix.js` (and its source map) for host pages on any origin.
 * Module scripts are fetched in CORS mode, so the bundle carries `Access-Control-Allow-Origin: *`:
 * it is public code and is fetched without credentials. The file is read and compressed once, at
 * start; a changed bundle needs a restart, as a changed server does. Clients revalidate by ETag.
 */
export const widgetAssets = (dir: string = process.env.SRATIX_WIDGETS_DIR ?? defaultWidgetsDir) =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function* () {
      const assets = new Map<string, { asset: Asset | undefined; contentType: string }>([
        ["sratix.js", { asset: loadAsset(`${dir}/sratix.js`), contentType: "text/javascript; charset=utf-8" }],
        ["sratix.js.map", { asset: loadAsset(`${dir}/sratix.js.map`), contentType: "application/json" }],
      ])
      for (const [name, { asset, contentType }] of assets) {
        yield* router.get(
          `/widgets/${name}`,
          Effect.gen(function* () {
            if (asset === undefined) {
              return problemResponse(
                404,
                "not-found",
                "Not found",
                "The widget bundle is not built: run `npm run build`.",
              )
            }
            const request = yield* HttpServerRequest.HttpServerRequest
            const headers: Record<string, string> = {
              "access-control-allow-origin": "*",
              "cross-origin-resource-policy": "cross-origin",
              "cache-control": "public, max-age=300, must-revalidate",
              etag: asset.etag,
              vary: "accept-encoding",
            }
            if (request.headers["if-none-match"] === asset.etag)
              return HttpServerResponse.empty({ status: 304, headers })
            const gzip = /\bgzip\b/.test(request.headers["accept-encoding"] ?? "")
            return HttpServerResponse.uint8Array(gzip ? asset.gzip : asset.body, {
              contentType,
              headers: gzip ? { ...headers, "content-encoding": "gzip" } : headers,
            })
          }),
        )
      }
    }),
  )

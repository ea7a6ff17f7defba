import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { problemResponse } from "../http/Problems.js"
import { type Asset, loadAsset } from "../widgets/Static.js"

/** `packages/scanner/dist`, reached the same way from `src/scanner/` (tsx) and `dist/scanner/` (built). */
export const defaultScannerDir = fileURLToPath(new URL("../../../scanner/dist/", import.meta.url))

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".webmanifest": "application/manifest+json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
}

/**
 * The scanner's own page policy: the app, its lazily loaded decoder chunk, its service worker and
 * manifest from this origin; camera frames and scanned images as `blob:` (html5-qrcode draws them);
 * API calls to this origin only. The camera is allowed for this page alone, where the API's policy
 * forbids it everywhere else.
 */
export const SCANNER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "media-src 'self' blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; " +
  "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
const SCANNER_PERMISSIONS = "camera=(self), microphone=(), geolocation=()"

const filesUnder = (dir: string, prefix = ""): Array<string> => {
  let entries: Array<fs.Dirent>
  try {
    entries = fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })
  } catch {
    return []
  }
  return entries.flatMap((entry) => {
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`
    return entry.isDirectory() ? filesUnder(dir, relative) : [relative]
  })
}

/**
 * Serves the scanner PWA at `/scanner/` (docs/scanner.md). Every file of the build is read and
 * compressed once at start, so a request can only ever reach a file of the build (no path from the
 * URL touches the file system). Hashed assets are cached for a year; the page, the service worker
 * and the manifest are revalidated on every load, so a new build reaches the door at the next start.
 */
export const scannerAssets = (dir: string = process.env.SRATIX_SCANNER_DIR ?? defaultScannerDir) =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function* () {
      const assets = new Map<string, { asset: Asset; contentType: string }>()
      for (const name of filesUnder(dir)) {
        const asset = loadAsset(path.join(dir, name))
        const contentType = CONTENT_TYPES[path.extname(name)]
        if (asset !== undefined && contentType !== undefined) assets.set(name, { asset, contentType })
      }
      const index = assets.get("index.html")
      if (index !== undefined) assets.set("", index)

      const serve = Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const pathname = new URL(request.url, "http://x").pathname
        // The app's relative URLs (service worker scope, manifest) need the trailing slash.
        if (pathname === "/scanner") return HttpServerResponse.redirect("/scanner/", { status: 308 })
        const name = pathname.slice("/scanner/".length)
        const found = assets.get(name)
        if (found === undefined) {
          return index === undefined
            ? problemResponse(404, "not-found", "Not found", "The scanner is not built: run `npm run build`.")
            : problemResponse(404, "not-found", "Not found", "No such file in the scanner app.")
        }
        const { asset, contentType } = found
        const headers: Record<string, string> = {
          "cache-control": name.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache",
          etag: asset.etag,
          vary: "accept-encoding",
          "content-security-policy": SCANNER_CSP,
          "permissions-policy": SCANNER_PERMISSIONS,
        }
        if (request.headers["if-none-match"] === asset.etag) return HttpServerResponse.empty({ status: 304, headers })
        const gzip = /\bgzip\b/.test(request.headers["accept-encoding"] ?? "")
        return HttpServerResponse.uint8Array(gzip ? asset.gzip : asset.body, {
          contentType,
          headers: gzip ? { ...headers, "content-encoding": "gzip" } : headers,
        })
      })
      // The router matches `/scanner` and `/scanner/` alike; the handler tells them apart.
      yield* router.get("/scanner", serve)
      yield* router.get("/scanner/*", serve)
    }),
  )

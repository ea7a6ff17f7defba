/**
 * Widget bundle benchmark (issue 3): the gzipped size of `/widgets/sratix.js` as the server sends it,
 * and the time from the script request to an interactive ticket list on a host page in Chromium,
 * beside baselines measured in the same run on the same machine:
 *   (empty)  a page whose module script does nothing but signal — the floor of loading any module,
 *   (lit)    a Lit element bundled the same way that fetches the same event and renders one button
 *            per ticket type (bench/lib/lit-hello.ts) — the floor of "Lit + one API call + render".
 * Every load is cold: a fresh URL (so no HTTP or code cache), in one Chromium profile of our own.
 * The host pages come from a second origin, as on an organiser's site, so CORS is on the path.
 *
 *   npm run build && npm run bench:widget
 *
 * Knobs (env): SRATIX_BENCH_RUNS (25 loads per page), SRATIX_CHROMIUM (/usr/bin/chromium).
 * The last line of output is one JSON object with every figure.
 */
import { execFileSync } from "node:child_process"
import * as fs from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { brotliCompressSync, constants as zlibConstants } from "node:zlib"
import { loadEnvironment } from "@sratix/core"
import { makeLogger, startServer } from "@sratix/server"
import { build } from "vite"
import { CHROMIUM_PATH, launchChromium } from "../packages/widgets/test/support/Chromium.js"

const RUNS = Number(process.env.SRATIX_BENCH_RUNS ?? 25)
const repo = fileURLToPath(new URL("..", import.meta.url))
const bundle = path.join(repo, "packages/widgets/dist/sratix.js")
if (!fs.existsSync(bundle)) throw new Error("packages/widgets/dist/sratix.js is missing: run `npm run build` first")

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
const quantile = (xs: ReadonlyArray<number>, q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}

/** The bytes on the wire: a raw request, so nothing decompresses them on the way. */
const wireBytes = (url: string, encoding: string) =>
  new Promise<{ bytes: number; encoding: string | undefined }>((resolve, reject) => {
    http
      .get(url, { headers: { "accept-encoding": encoding } }, (response) => {
        let bytes = 0
        response.on("data", (chunk: Buffer) => {
          bytes += chunk.length
        })
        response.on("end", () => resolve({ bytes, encoding: response.headers["content-encoding"] }))
      })
      .on("error", reject)
  })

const work = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-bench-widget-"))
const cleanups: Array<() => Promise<void> | void> = [() => fs.rmSync(work, { recursive: true, force: true })]
const cleanup = async () => {
  for (const c of cleanups.reverse()) await c()
}

try {
  // The server with the demo event, as `npm start` runs it, on SQLite.
  const hostServer = http.createServer()
  await new Promise<void>((resolve) => hostServer.listen(0, "127.0.0.1", resolve))
  const hostOrigin = `http://127.0.0.1:${(hostServer.address() as AddressInfo).port}`
  cleanups.push(() => new Promise<void>((resolve) => hostServer.close(() => resolve())))
  const environment = loadEnvironment({
    PORT: "0",
    HOST: "127.0.0.1",
    SRATIX_DATA_DIR: path.join(work, "data"),
    SRATIX_LOG_LEVEL: "error",
    SRATIX_CORS_ORIGINS: hostOrigin,
    SRATIX_SECRET: "b".repeat(64),
  })
  const server = await startServer({
    environment,
    demo: true,
    rateLimitPerMinute: 1_000_000_000,
    authRateLimitPerMinute: 1_000_000_000,
    logger: makeLogger("error"),
  })
  cleanups.push(() => server.close())
  const events = (await (await fetch(`${server.url}/api/v1/public/events`)).json()) as { items: Array<{ id: string }> }
  const eventId = events.items[0]!.id

  // Size as served.
  const raw = fs.readFileSync(bundle)
  const gz = await wireBytes(`${server.url}/widgets/sratix.js`, "gzip")
  if (gz.encoding !== "gzip") throw new Error("the server did not send the bundle gzipped")
  const brotli = brotliCompressSync(raw, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).length

  // The Lit baseline, built by the same Vite as the widgets.
  const litDir = path.join(work, "lit")
  await build({
    configFile: false,
    root: repo,
    logLevel: "error",
    build: {
      target: "es2022",
      outDir: litDir,
      emptyOutDir: true,
      modulePreload: false,
      rollupOptions: {
        input: path.join(repo, "bench/lib/lit-hello.ts"),
        output: { format: "es", entryFileNames: "lit-hello.js" },
      },
    },
  })
  const litBundle = fs.readFileSync(path.join(litDir, "lit-hello.js"))

  // Host pages. Each records, with an inline classic script that runs before any module, when the
  // list became interactive; the script's request start comes from Resource Timing.
  const recorder = (eventName: string) =>
    `<script>addEventListener("${eventName}", () => { window.benchReady = performance.now() }, { once: true, capture: true })</script>`
  let serial = 0
  const pages: Record<string, (n: number) => string> = {
    widget: (n) =>
      `${recorder("sratix-ready")}<script type="module" src="${server.url}/widgets/sratix.js?run=${n}"></script>` +
      `<sratix-checkout event-id="${eventId}" theme="light"></sratix-checkout>`,
    lit: (n) =>
      `${recorder("bench-ready")}<script type="module" src="${hostOrigin}/lit-hello.js?run=${n}"></script>` +
      `<lit-ticket-list event-id="${eventId}" api-base="${server.url}"></lit-ticket-list>`,
    empty: (n) => `${recorder("bench-ready")}<script type="module" src="${hostOrigin}/empty.js?run=${n}"></script>`,
  }
  hostServer.on("request", (request, response) => {
    const url = new URL(request.url ?? "/", hostOrigin)
    const name = url.pathname.slice(1)
    if (name === "lit-hello.js" || name === "empty.js") {
      response.writeHead(200, { "content-type": "text/javascript", "cache-control": "no-store" })
      response.end(name === "empty.js" ? 'dispatchEvent(new Event("bench-ready"))' : litBundle)
      return
    }
    const page = pages[name]
    response.writeHead(page ? 200 : 404, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" })
    response.end(
      page
        ? `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bench</title></head><body>${page(Number(url.searchParams.get("run")))}</body></html>`
        : "",
    )
  })

  const context = await launchChromium({ width: 900, height: 900 })
  cleanups.push(() => context.dispose())
  const chromiumVersion = context.browser()?.version() ?? execFileSync(CHROMIUM_PATH, ["--version"]).toString().trim()

  const samples: Record<string, { scriptToReady: number[]; navigationToReady: number[] }> = {}
  const order = Object.keys(pages)
  // Warm-up: one load of each (process start, first compile of Chromium's own code).
  for (let round = -1; round < RUNS; round++) {
    for (const name of order) {
      const page = await context.newPage()
      const n = ++serial
      await page.goto(`${hostOrigin}/${name}?run=${n}`)
      await page.waitForFunction(() => (window as unknown as { benchReady?: number }).benchReady !== undefined, null, {
        timeout: 30_000,
      })
      const timing = await page.evaluate(() => {
        const script = performance
          .getEntriesByType("resource")
          .find((e) => /\/(sratix|lit-hello|empty)\.js\?/.test(e.name)) as PerformanceResourceTiming | undefined
        return {
          ready: (window as unknown as { benchReady: number }).benchReady,
          scriptStart: script?.startTime ?? NaN,
        }
      })
      await page.close()
      if (round < 0) continue
      samples[name] ??= { scriptToReady: [], navigationToReady: [] }
      const s = samples[name]
      s.scriptToReady.push(timing.ready - timing.scriptStart)
      s.navigationToReady.push(timing.ready)
    }
  }

  const rows = order.map((name) => {
    const s = samples[name]!
    return {
      page: name,
      runs: s.scriptToReady.length,
      scriptToReadyMedianMs: Math.round(median(s.scriptToReady) * 10) / 10,
      scriptToReadyP90Ms: Math.round(quantile(s.scriptToReady, 0.9) * 10) / 10,
      navigationToReadyMedianMs: Math.round(median(s.navigationToReady) * 10) / 10,
    }
  })
  const result = {
    date: new Date().toISOString(),
    commit: execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: repo }).toString().trim(),
    chromium: chromiumVersion,
    cpus: os.cpus().length,
    bundle: {
      rawBytes: raw.length,
      gzipBytesOnWire: gz.bytes,
      brotliBytes: brotli,
      goalGzipBytes: 45 * 1024,
      litBaselineRawBytes: litBundle.length,
    },
    rows,
  }
  console.log(`sratix.js: ${raw.length} B raw, ${gz.bytes} B gzip as served (goal ≤ ${45 * 1024}), ${brotli} B brotli`)
  console.log("page     runs  script→interactive median  p90      navigation→interactive median")
  for (const r of rows) {
    console.log(
      `${r.page.padEnd(8)} ${String(r.runs).padStart(4)}  ${`${r.scriptToReadyMedianMs} ms`.padStart(25)}  ${`${r.scriptToReadyP90Ms} ms`.padStart(7)}  ${`${r.navigationToReadyMedianMs} ms`.padStart(12)}`,
    )
  }
  console.log(JSON.stringify(result))
} finally {
  await cleanup()
}

/**
 * Badge PDFs per second through the shared BrowserPool (the built-in A6 template with sample data and
 * its QR code), with one browser and 1 and 3 pages, against a baseline in the same run: one browser
 * with 1 and 3 bare pages doing setContent + pdf of a plain A6 page. Prints one JSON line with the
 * rates and the ratio per page count (goal ≥ 0.7).
 *
 *   npm run bench:badges        (SRATIX_BENCH_SECONDS, default 10 per phase)
 */
import {
  BrowserConfig,
  BrowserPool,
  CHROMIUM_ARGS,
  renderBadge,
  SAMPLE_BADGE_TEMPLATE,
  sampleBadgeContent,
} from "@sratix/core"
import { Layer, ManagedRuntime } from "effect"
import puppeteer from "puppeteer-core"

const SECONDS = Number(process.env.SRATIX_BENCH_SECONDS || 10)
const CHROMIUM = process.env.SRATIX_CHROMIUM_PATH || "/usr/bin/chromium"

const timed = async (work: (lane: number) => Promise<unknown>, concurrency: number) => {
  const until = Date.now() + SECONDS * 1000
  let done = 0
  const started = Date.now()
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      while (Date.now() < until) {
        await work(lane)
        done++
      }
    }),
  )
  return done / ((Date.now() - started) / 1000)
}

const content = sampleBadgeContent()

const pooled = async (pages: number) => {
  const runtime = ManagedRuntime.make(
    BrowserPool.Default.pipe(
      Layer.provide(Layer.succeed(BrowserConfig, { executablePath: CHROMIUM, maxPages: pages })),
    ),
  )
  const render = () => runtime.runPromise(renderBadge(SAMPLE_BADGE_TEMPLATE, content, "pdf"))
  await Promise.all(Array.from({ length: pages }, render))
  const rate = await timed(render, pages)
  await runtime.dispose()
  return rate
}

const bare = async (pages: number) => {
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] })
  const tabs = await Promise.all(Array.from({ length: pages }, () => browser.newPage()))
  const plain = "<!doctype html><html><body><h1>Plain A6 page</h1><p>Hello.</p></body></html>"
  const rate = await timed(async (lane) => {
    await tabs[lane]!.setContent(plain)
    await tabs[lane]!.pdf({ format: "A6" })
  }, pages)
  await browser.close()
  return rate
}

const results: Record<string, number> = {}
for (const pages of [1, 3]) {
  const badges = await pooled(pages)
  const plain = await bare(pages)
  results[`badgesPerSecond${pages}`] = Number(badges.toFixed(1))
  results[`barePlainA6PerSecond${pages}`] = Number(plain.toFixed(1))
  results[`ratio${pages}`] = Number((badges / plain).toFixed(2))
}
console.log(JSON.stringify({ date: new Date().toISOString(), seconds: SECONDS, ...results }))

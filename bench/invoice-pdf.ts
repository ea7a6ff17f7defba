/**
 * Invoice PDFs per second through the shared BrowserPool (sample proforma with its QR-bill, 4 pages in
 * flight), against a baseline in the same run: one bare puppeteer page doing setContent + pdf of a
 * plain A4 page, sequentially. Prints one JSON line with both rates and their ratio.
 *
 *   npm run bench:invoice-pdf        (SRATIX_BENCH_SECONDS, default 10 per phase)
 */
import { BrowserPool, CHROMIUM_ARGS, renderInvoice, sampleInvoice } from "@sratix/core"
import { ManagedRuntime } from "effect"
import puppeteer from "puppeteer-core"

const SECONDS = Number(process.env.SRATIX_BENCH_SECONDS || 10)
const CONCURRENCY = 4

const timed = async (work: () => Promise<unknown>, concurrency: number) => {
  const until = Date.now() + SECONDS * 1000
  let done = 0
  const started = Date.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        await work()
        done++
      }
    }),
  )
  return done / ((Date.now() - started) / 1000)
}

const runtime = ManagedRuntime.make(BrowserPool.Default)
const invoice = sampleInvoice("de")
await runtime.runPromise(renderInvoice(invoice, "pdf"))
const pooled = await timed(() => runtime.runPromise(renderInvoice(invoice, "pdf")), CONCURRENCY)
await runtime.dispose()

const browser = await puppeteer.launch({
  executablePath: process.env.SRATIX_CHROMIUM_PATH || "/usr/bin/chromium",
  args: [...CHROMIUM_ARGS],
})
const page = await browser.newPage()
const plain = "<!doctype html><html><body><h1>Plain A4 page</h1><p>Hello.</p></body></html>"
const bare = await timed(async () => {
  await page.setContent(plain)
  await page.pdf({ format: "A4" })
}, 1)
await browser.close()

console.log(
  JSON.stringify({
    date: new Date().toISOString(),
    seconds: SECONDS,
    invoicePdfsPerSecond: Number(pooled.toFixed(1)),
    barePlainPdfsPerSecond: Number(bare.toFixed(1)),
    ratio: Number((pooled / bare).toFixed(2)),
  }),
)

import { HttpApiSchema } from "@effect/platform"
import { Context, Effect, Schema } from "effect"
import puppeteer, { type Browser, type HTTPRequest, type Page, type PDFOptions } from "puppeteer-core"
import { problemFields } from "../domain/Problems.js"

export interface BrowserConfigShape {
  /** The Chromium binary; the environment's `SRATIX_CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
  readonly executablePath: string
  /** Pages rendering at once; more wait for a free page. */
  readonly maxPages: number
}

export const DEFAULT_CHROMIUM = "/usr/bin/chromium"

/** Optional: without it the pool reads `SRATIX_CHROMIUM_PATH` (as `sratix doctor` does) and renders 4 pages at once. */
export class BrowserConfig extends Context.Tag("sratix/render/BrowserConfig")<BrowserConfig, BrowserConfigShape>() {}

const configFromEnv = (): BrowserConfigShape => ({
  executablePath: process.env.SRATIX_CHROMIUM_PATH || DEFAULT_CHROMIUM,
  maxPages: 4,
})

/** Flags that keep a headless Chromium quiet and working in containers (STACK.md). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-dev-shm-usage",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
] as const

export class RenderFailed extends Schema.TaggedError<RenderFailed>()(
  "RenderFailed",
  problemFields("render-failed", 503, "Rendering unavailable"),
  HttpApiSchema.annotations<RenderFailed>({ status: 503 }),
) {}

export interface PdfPageOptions {
  /** A paper name; a CSS `@page size` in the document wins over it. */
  readonly format?: PDFOptions["format"]
  readonly landscape?: boolean
  readonly margin?: PDFOptions["margin"]
}

export interface ScreenshotOptions {
  /** CSS pixels; A4 at 96 dpi is 794 × 1123. */
  readonly width: number
  readonly height: number
  readonly scale?: number
  /** The whole document rather than the first `height` pixels. */
  readonly fullPage?: boolean
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]

/** The number of pages of a PDF made by Chromium, which writes every page object uncompressed. */
export const pdfPageCount = (pdf: Uint8Array): number =>
  (
    Buffer.from(pdf.buffer, pdf.byteOffset, pdf.byteLength)
      .toString("latin1")
      .match(/\/Type\s*\/Page(?![s\w])/g) ?? []
  ).length

/** Documents are self-contained: anything that would leave the process (http, file) is refused. */
const allowRequest = (request: HTTPRequest) => {
  const url = request.url()
  if (url.startsWith("data:") || url === "about:blank") return request.continue()
  return request.abort("blockedbyclient")
}

/**
 * One headless Chromium for the process, launched on the first render (a server that never renders
 * never starts it) and closed with the layer's scope, with up to `maxPages` pages reused between
 * renders: a new page costs a renderer round trip, a reused one only its `setContent`. Pages run
 * with JavaScript off and every network request refused, so a document renders exactly what its
 * HTML holds. Generic on purpose: invoices and badges hand it HTML and page options.
 */
export class BrowserPool extends Effect.Service<BrowserPool>()("sratix/render/BrowserPool", {
  scoped: Effect.gen(function* () {
    const config = yield* Effect.map(Effect.serviceOption(BrowserConfig), (c) =>
      c._tag === "Some" ? c.value : configFromEnv(),
    )
    let launching: Promise<Browser> | null = null
    const idle: Array<Page> = []
    const permits = yield* Effect.makeSemaphore(Math.max(1, config.maxPages))

    const launch = () => {
      launching ??= puppeteer
        .launch({ executablePath: config.executablePath, headless: true, args: [...CHROMIUM_ARGS] })
        .then((browser) => {
          // A crashed browser is replaced on the next render rather than failing every one after it.
          browser.once("disconnected", () => {
            launching = null
            idle.length = 0
          })
          return browser
        })
        .catch((e: unknown) => {
          launching = null
          throw e
        })
      return launching
    }

    yield* Effect.addFinalizer(() =>
      Effect.promise(async () => {
        const pending = launching
        launching = null
        idle.length = 0
        const browser = await pending?.catch(() => null)
        await browser?.close().catch(() => undefined)
      }),
    )

    const openPage = Effect.tryPromise({
      try: async () => {
        const reused = idle.pop()
        if (reused !== undefined && !reused.isClosed()) return reused
        const page = await (await launch()).newPage()
        await page.setJavaScriptEnabled(false)
        await page.setRequestInterception(true)
        page.on("request", (request) => void allowRequest(request))
        return page
      },
      catch: (e) =>
        new RenderFailed({
          detail: `Chromium could not start at ${config.executablePath} (${messageOf(e)}): install chromium or set SRATIX_CHROMIUM_PATH`,
        }),
    })

    /** Runs `use` on a page holding `html`; the page goes back to the pool unless rendering failed. */
    const withContent = <A>(html: string, use: (page: Page) => Promise<A>, what: string) =>
      permits.withPermits(1)(
        Effect.acquireUseRelease(
          openPage,
          (page) =>
            Effect.tryPromise({
              try: async () => {
                await page.setContent(html, { waitUntil: "load" })
                return await use(page)
              },
              catch: (e) => new RenderFailed({ detail: `Rendering ${what} failed: ${messageOf(e)}` }),
            }),
          (page, exit) =>
            exit._tag === "Success" && idle.length < config.maxPages
              ? Effect.sync(() => void idle.push(page))
              : Effect.promise(() => page.close().catch(() => undefined)),
        ),
      )

    const renderPdf = Effect.fn("BrowserPool.renderPdf")(function* (html: string, options: PdfPageOptions = {}) {
      return yield* withContent(
        html,
        async (page) =>
          new Uint8Array(
            await page.pdf({
              format: options.format ?? "A4",
              landscape: options.landscape ?? false,
              margin: options.margin ?? { top: 0, right: 0, bottom: 0, left: 0 },
              printBackground: true,
              preferCSSPageSize: true,
            }),
          ),
        "a PDF",
      )
    })

    const screenshot = Effect.fn("BrowserPool.screenshot")(function* (html: string, options: ScreenshotOptions) {
      return yield* withContent(
        html,
        async (page) => {
          await page.setViewport({
            width: options.width,
            height: options.height,
            deviceScaleFactor: options.scale ?? 1,
          })
          return new Uint8Array(await page.screenshot({ type: "png", fullPage: options.fullPage ?? false }))
        },
        "a PNG",
      )
    })

    return { renderPdf, screenshot } as const
  }),
}) {}

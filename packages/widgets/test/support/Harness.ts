import * as fs from "node:fs"
import * as http from "node:http"
import { createRequire } from "node:module"
import type { AddressInfo } from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { Page } from "playwright-core"
import { build } from "vite"
import { billingProfile } from "../../../server/test/support/Fixtures.js"
import { api, startTestServer, type TestServer, tokenFor } from "../../../server/test/support/TestServer.js"
import { launchChromium } from "./Chromium.js"

const widgetsRoot = fileURLToPath(new URL("../../", import.meta.url))
export const repoRoot = path.resolve(widgetsRoot, "../..")

let bundle: { readonly dir: Promise<string>; users: number } | undefined
/**
 * Builds the widget bundle from the current sources into a private folder, so a test never runs
 * against a stale `dist/` and parallel test files never overwrite each other. Built once while any
 * stack of this process uses it; the last stack to stop removes the folder.
 */
export const buildBundle = (): Promise<string> => {
  bundle ??= {
    users: 0,
    dir: (async () => {
      const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-widgets-"))
      await build({
        configFile: path.join(widgetsRoot, "vite.config.ts"),
        logLevel: "error",
        build: { outDir, emptyOutDir: true },
      })
      return outDir
    })(),
  }
  return bundle.dir
}

const releaseBundle = async () => {
  if (bundle === undefined || --bundle.users > 0) return
  const dir = await bundle.dir
  bundle = undefined
  fs.rmSync(dir, { recursive: true, force: true })
}

/** A static web server on another origin than the API: the organiser's site. */
export interface HostSite {
  readonly origin: string
  /** Publishes `html` at `pathname` and returns its URL. */
  readonly page: (pathname: string, html: string) => string
  readonly close: () => Promise<void>
}

export const startHostSite = async (): Promise<HostSite> => {
  const pages = new Map<string, string>()
  const server = http.createServer((request, response) => {
    const html = pages.get(new URL(request.url ?? "/", "http://x").pathname)
    response.writeHead(html === undefined ? 404 : 200, { "content-type": "text/html; charset=utf-8" })
    response.end(html ?? "not found")
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    page: (pathname, html) => {
      pages.set(pathname, html)
      return `${origin}${pathname}`
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

export interface Stack {
  readonly server: TestServer
  readonly host: HostSite
  readonly browser: Awaited<ReturnType<typeof launchChromium>>
  readonly stop: () => Promise<void>
}

/**
 * The whole arrangement a visitor meets: the real server (SQLite) serving the freshly built bundle,
 * an organiser's page on another origin allowed by CORS, and Chromium.
 */
export const startStack = async (): Promise<Stack> => {
  const [dir, host] = await Promise.all([buildBundle(), startHostSite()])
  bundle!.users++
  process.env.SRATIX_WIDGETS_DIR = dir
  const server = await startTestServer("sqlite", { env: { SRATIX_CORS_ORIGINS: host.origin } })
  const browser = await launchChromium()
  return {
    server,
    host,
    browser,
    stop: async () => {
      await browser.dispose()
      await host.close()
      await server.stop()
      await releaseBundle()
    },
  }
}

export interface Shop {
  readonly token: string
  readonly orgId: string
  readonly eventId: string
  /** Free, 0 CHF, 1–4 per order. */
  readonly freeTypeId: string
  /** 120 CHF, 8.1 % VAT. */
  readonly paidTypeId: string
  /** Capacity 0: shown sold out. */
  readonly soldOutTypeId: string
  readonly promoCode: string
}

let shopSerial = 0
/** A published event with a free, a paid and a sold-out ticket type and a 10 % promo code, all through the API. */
export const seedShop = async (server: TestServer): Promise<Shop> => {
  const n = ++shopSerial
  const token = await tokenFor(server, "super_admin", { orgId: null, eventId: null })
  const ok = async (method: string, pathname: string, body?: unknown) => {
    const response = await api(server, method, pathname, { token, body })
    if (response.status >= 300)
      throw new Error(`${method} ${pathname}: ${response.status} ${JSON.stringify(response.body)}`)
    return response.body
  }
  const org = await ok("POST", "/orgs", { name: `Robotics ${n}`, slug: `robotics-${process.pid}-${n}` })
  const event = await ok("POST", `/orgs/${org.id}/events`, {
    slug: `robotics-day-${n}`,
    name: "Swiss Robotics Day",
    startsAt: "2027-11-05T08:00:00Z",
    endsAt: "2027-11-05T17:00:00Z",
    timezone: "Europe/Zurich",
  })
  // Seller details, so the event can offer payment by invoice (bank transfer with a QR-bill).
  await ok("PUT", `/orgs/${org.id}/billing-profile`, billingProfile)
  const types = `/events/${event.id}/ticket-types`
  const free = await ok("POST", types, { name: "Student", priceMinor: 0, capacity: 50, maxPerOrder: 4, sortOrder: 1 })
  const paid = await ok("POST", types, { name: "Full day", priceMinor: 12000, capacity: 100, sortOrder: 2 })
  const gone = await ok("POST", types, { name: "VIP dinner", priceMinor: 25000, capacity: 0, sortOrder: 3 })
  const promoCode = `SAVE10N${n}`
  await ok("POST", `/events/${event.id}/promo-codes`, { code: promoCode, kind: "percent", value: 1000 })
  await ok("PATCH", `/events/${event.id}`, { status: "published" })
  return {
    token,
    orgId: org.id,
    eventId: event.id,
    freeTypeId: free.id,
    paidTypeId: paid.id,
    soldOutTypeId: gone.id,
    promoCode,
  }
}

/** An organiser's page: some content and the two-line embed. */
export const hostPage = (
  serverUrl: string,
  options: {
    attributes?: Record<string, string>
    css?: string
    body?: string
    element?: string
    script?: boolean
  } = {},
): string => {
  const attributes = Object.entries(options.attributes ?? {})
    .map(([k, v]) => ` ${k}="${v.replaceAll('"', "&quot;")}"`)
    .join("")
  const element = options.element ?? "sratix-checkout"
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Swiss Robotics Day — tickets</title>
<style>${options.css ?? ""}</style>
${options.script === false ? "" : `<script type="module" src="${serverUrl}/widgets/sratix.js"></script>`}
</head><body><main><h1>Tickets</h1>${options.body ?? ""}
<${element}${attributes}></${element}>
</main></body></html>`
}

/** On the details step (English): fills in the buyer, places the order and waits for the step that follows. */
export const placeOrderAs = async (
  page: Page,
  buyer: { readonly name: string; readonly email: string },
  next: "Confirmation" | "Payment",
) => {
  await page.getByLabel("Full name").fill(buyer.name)
  await page.getByLabel("Email").fill(buyer.email)
  await page.getByRole("button", { name: "Place order" }).click()
  await page.getByRole("heading", { name: next }).waitFor()
}

/** Waits until the checkout shows its ticket list. */
export const ticketsReady = (page: Page) => page.locator("sratix-checkout [part~='ticket']").first().waitFor()

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8")

export interface AxeViolation {
  readonly id: string
  readonly impact: string | null
  readonly help: string
  readonly targets: ReadonlyArray<unknown>
}

/** axe-core's serious and critical violations on the page (it looks into open shadow roots). */
export const seriousViolations = async (page: Page): Promise<ReadonlyArray<AxeViolation>> => {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: axeSource })
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: unknown) => Promise<{ violations: any[] }> } }).axe
    const result = await axe.run(document)
    return result.violations.map((v) => ({
      id: v.id as string,
      impact: v.impact as string | null,
      help: v.help as string,
      targets: v.nodes.map((n: { target: unknown }) => n.target),
    }))
  })
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical")
}

export const artifactsDir = path.join(repoRoot, "test-artifacts", "widgets")

/** Saves a screenshot of the widget under test-artifacts/widgets/ (gitignored; CI keeps it). */
export const screenshot = async (
  page: Page,
  name: string,
  selector = "sratix-checkout, sratix-form",
): Promise<string> => {
  fs.mkdirSync(artifactsDir, { recursive: true })
  const file = path.join(artifactsDir, `${name}.png`)
  await page.locator(selector).first().screenshot({ path: file, animations: "disabled" })
  return file
}

/**
 * The events a host page saw, in order, recorded by a listener on `document`. `acrossNavigations`
 * keeps them in the tab's sessionStorage, for flows that leave the page and come back (Stripe).
 */
export const recordEvents = (page: Page, options: { acrossNavigations?: boolean } = {}) =>
  page.addInitScript((acrossNavigations: boolean) => {
    const stored = acrossNavigations ? sessionStorage.getItem("sratix-test-events") : null
    const seen: Array<{ type: string; detail: unknown }> = stored ? JSON.parse(stored) : []
    ;(window as unknown as { sratixEvents: typeof seen }).sratixEvents = seen
    for (const type of [
      "sratix-ready",
      "sratix-step-change",
      "sratix-locale-change",
      "sratix-order-created",
      "sratix-paid",
      "sratix-payment-started",
      "sratix-payment-completed",
      "sratix-error",
    ]) {
      document.addEventListener(type, (e) => {
        seen.push({ type, detail: JSON.parse(JSON.stringify((e as CustomEvent).detail)) })
        if (acrossNavigations) sessionStorage.setItem("sratix-test-events", JSON.stringify(seen))
      })
    }
  }, options.acrossNavigations ?? false)

export const recordedEvents = (page: Page) =>
  page.evaluate(() => (window as unknown as { sratixEvents: Array<{ type: string; detail: any }> }).sratixEvents)

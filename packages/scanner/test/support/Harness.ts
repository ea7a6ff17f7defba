import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import type { BrowserContext, Page } from "playwright-core"
import { chromium } from "playwright-core"
import { build } from "vite"
import { startTestServer, type TestServer } from "../../../server/test/support/TestServer.js"
import { CHROMIUM_ARGS, CHROMIUM_PATH, launchChromium } from "../../../widgets/test/support/Chromium.js"

const scannerRoot = fileURLToPath(new URL("../../", import.meta.url))

/** Builds the scanner from the current sources into a private folder (never a stale or shared `dist/`). */
export const buildScanner = async (): Promise<string> => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-scanner-"))
  await build({
    configFile: path.join(scannerRoot, "vite.config.ts"),
    logLevel: "error",
    build: { outDir, emptyOutDir: true },
  })
  return outDir
}

export interface ScannerStack {
  readonly server: TestServer
  readonly dir: string
  /** A new scanner device: its own Chromium profile (IndexedDB, service worker, cache). */
  readonly device: () => Promise<BrowserContext & { dispose: () => Promise<void> }>
  /** A device whose camera is Chromium's fake camera playing `video` (a Y4M file), camera permission granted. */
  readonly deviceWithCamera: (video: Buffer) => Promise<BrowserContext & { dispose: () => Promise<void> }>
  readonly stop: () => Promise<void>
}

/** The real server (SQLite) serving a fresh scanner build at `/scanner/`. */
export const startScannerStack = async (): Promise<ScannerStack> => {
  const dir = await buildScanner()
  const previous = process.env.SRATIX_SCANNER_DIR
  process.env.SRATIX_SCANNER_DIR = dir
  const server = await startTestServer("sqlite")
  if (previous === undefined) delete process.env.SRATIX_SCANNER_DIR
  else process.env.SRATIX_SCANNER_DIR = previous
  const devices: Array<{ dispose: () => Promise<void> }> = []
  return {
    server,
    dir,
    device: async () => {
      const context = await launchChromium({ width: 420, height: 900 })
      devices.push(context)
      return context
    },
    deviceWithCamera: async (video) => {
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-camera-"))
      const file = path.join(folder, "camera.y4m")
      fs.writeFileSync(file, video)
      const context = await chromium.launchPersistentContext(path.join(folder, "profile"), {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [
          ...CHROMIUM_ARGS,
          "--use-fake-device-for-media-stream",
          "--use-fake-ui-for-media-stream",
          `--use-file-for-fake-video-capture=${file}`,
        ],
        viewport: { width: 420, height: 900 },
        permissions: ["camera"],
      })
      const device = Object.assign(context, {
        dispose: async () => {
          await context.close()
          fs.rmSync(folder, { recursive: true, force: true })
        },
      })
      devices.push(device)
      return device
    },
    stop: async () => {
      await Promise.all(devices.map((d) => d.dispose()))
      await server.stop()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The app element's phase once it settles: `unenrolled`, `not_ready` or `ready`. */
export const phaseOf = (page: Page, phase: string) =>
  page.locator(`sratix-scanner-app[data-phase="${phase}"]`).waitFor({ timeout: 20_000 })

/** Waits until the service worker controls the page (the app shell is then cached for offline use). */
export const offlineReady = (page: Page) =>
  page.waitForFunction(
    async () => {
      const registration = await navigator.serviceWorker.getRegistration()
      return registration?.active?.state === "activated" && navigator.serviceWorker.controller !== null
    },
    undefined,
    { timeout: 20_000 },
  )

/** Scans a PNG through the app's "scan from an image" input (html5-qrcode decodes it in the page). */
export const scanImage = async (page: Page, png: Buffer, name = "ticket.png") => {
  await page
    .locator('sratix-scanner-scan input[type="file"]')
    .setInputFiles({ name, mimeType: "image/png", buffer: png })
  const verdict = page.locator("sratix-scanner-result section.verdict")
  const problem = page.locator("sratix-scanner-scan .error")
  await verdict.or(problem).waitFor({ timeout: 30_000 })
  if (await problem.isVisible()) throw new Error(`no verdict: ${await problem.textContent()}`)
  return {
    tone: await verdict.getAttribute("data-tone"),
    text: ((await verdict.textContent()) ?? "").replace(/\s+/g, " ").trim(),
  }
}

/** Presses "Next ticket" and waits for the scan screen. */
export const nextTicket = async (page: Page) => {
  await page.locator("sratix-scanner-result button").click()
  await page.locator("sratix-scanner-result section.verdict").waitFor({ state: "detached" })
}

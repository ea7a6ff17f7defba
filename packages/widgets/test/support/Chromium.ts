import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { type BrowserContext, chromium } from "playwright-core"

/** Flags that keep Debian's Chromium offline and quiet in a container (see STACK.md). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-dev-shm-usage",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
]
export const CHROMIUM_PATH = process.env.SRATIX_CHROMIUM ?? "/usr/bin/chromium"

/** Debian's Chromium, headless, with a profile folder of its own that `dispose` removes. */
export const launchChromium = async (
  viewport = { width: 900, height: 1000 },
): Promise<BrowserContext & { dispose: () => Promise<void> }> => {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-chromium-"))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  })
  return Object.assign(context, {
    dispose: async () => {
      await context.close()
      fs.rmSync(userDataDir, { recursive: true, force: true })
    },
  })
}

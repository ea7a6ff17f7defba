import { createHash } from "node:crypto"
import * as fs from "node:fs"
import { fileURLToPath } from "node:url"
import { defaultClientConditions, defineConfig, type Plugin } from "vite"

const publicDir = fileURLToPath(new URL("public", import.meta.url))

/** The placeholder in `src/sw.ts` that the build replaces with the precache list and cache name. */
const PRECACHE_PLACEHOLDER = '"__SRATIX_PRECACHE__"'

/**
 * Gives the service worker the exact list of files of this build, so it precaches the whole app
 * shell at install and the scanner opens with no network afterwards. The cache name is a hash of
 * every file's content: a new build gets a new cache, and the old one is dropped on activation.
 */
const precacheManifest = (): Plugin => ({
  name: "sratix-scanner-precache",
  enforce: "post",
  generateBundle(_options, bundle) {
    const worker = Object.values(bundle).find((file) => file.type === "chunk" && file.fileName === "sw.js")
    if (worker === undefined || worker.type !== "chunk") this.error("the service worker chunk sw.js is missing")
    const contents = new Map<string, string | Uint8Array>()
    for (const file of Object.values(bundle)) {
      if (file.fileName === "sw.js" || file.fileName.endsWith(".map")) continue
      contents.set(file.fileName, file.type === "chunk" ? file.code : file.source)
    }
    // Files from public/ are copied as they are and never pass through the bundle.
    for (const name of fs.readdirSync(publicDir)) contents.set(name, fs.readFileSync(`${publicDir}/${name}`))
    const files = [...contents.keys()].sort()
    const hash = createHash("sha256")
    for (const name of files) hash.update(name).update(contents.get(name)!)
    const manifest = { cache: `sratix-scanner-${hash.digest("hex").slice(0, 16)}`, files: ["./", ...files] }
    if (!worker.code.includes(PRECACHE_PLACEHOLDER)) this.error("sw.js lost its precache placeholder")
    worker.code = worker.code.replace(PRECACHE_PLACEHOLDER, JSON.stringify(JSON.stringify(manifest)))
  },
})

/**
 * The scanner PWA, served by the server under `/scanner/`. The app is split so html5-qrcode (large)
 * loads only when the camera or an image scan is first used; the service worker is its own entry
 * with a fixed name, since its URL is what the browser tracks for updates.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/scanner/",
  resolve: { conditions: ["source", ...defaultClientConditions] },
  publicDir,
  plugins: [precacheManifest()],
  build: {
    target: "es2022",
    outDir: fileURLToPath(new URL("dist", import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    modulePreload: false,
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL("index.html", import.meta.url)),
        sw: fileURLToPath(new URL("src/sw.ts", import.meta.url)),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === "sw" ? "sw.js" : "assets/[name]-[hash].js"),
      },
    },
  },
  esbuild: { legalComments: "none" },
})

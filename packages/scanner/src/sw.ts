/// <reference lib="webworker" />
/**
 * The scanner's service worker: precaches the app shell (the file list is written in at build time,
 * see vite.config.ts) and answers from that cache first, so the scanner starts with no network.
 * API calls always go to the network: packs and sync answers are never cached here (packs are kept,
 * encrypted, in IndexedDB by the app itself).
 */
const worker = globalThis as unknown as ServiceWorkerGlobalScope

const manifest: { readonly cache: string; readonly files: ReadonlyArray<string> } = JSON.parse("__SRATIX_PRECACHE__")
const scope = new URL(worker.registration.scope)
const shell = new URL("./", scope).href

worker.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(manifest.cache)
      await cache.addAll(manifest.files.map((file) => new Request(new URL(file, scope), { cache: "reload" })))
      await worker.skipWaiting()
    })(),
  )
})

worker.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("sratix-scanner-") && name !== manifest.cache) await caches.delete(name)
      }
      await worker.clients.claim()
    })(),
  )
})

worker.addEventListener("fetch", (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (request.method !== "GET" || url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return
  event.respondWith(
    (async () => {
      const cache = await caches.open(manifest.cache)
      // Every page of the app is the one shell; the enrolment code rides in the fragment, never in the request.
      const cached = request.mode === "navigate" ? await cache.match(shell) : await cache.match(request)
      if (cached !== undefined) return cached
      return fetch(request)
    })(),
  )
})

export {}

/**
 * The scanner's entry: defines the app element and registers the service worker that keeps the
 * app shell in the browser's cache, so the scanner opens with no network after its first load.
 */
import "./views/app/app.js"

if ("serviceWorker" in navigator) {
  addEventListener("load", () => {
    navigator.serviceWorker.register(new URL("sw.js", document.baseURI), { scope: "./" }).catch(() => {
      // Without a service worker the app still works online; nothing to tell the person at the door.
    })
  })
}

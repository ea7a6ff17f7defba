// Serves index.html on http://localhost:8080 with EVENT_ID replaced by the first published event of
// the SRAtix server (default http://localhost:3000, or the first argument). The page runs on another
// origin than the server, as an organiser's site does, so start the server with
// SRATIX_CORS_ORIGINS=http://localhost:8080.
import { readFileSync } from "node:fs"
import { createServer } from "node:http"

const api = process.argv[2] ?? "http://localhost:3000"
const events = await (await fetch(`${api}/api/v1/public/events`)).json()
const eventId = events.items[0]?.id
if (!eventId) {
  console.error(`No published event on ${api}: start it with \`npm start\` (it seeds a demo event).`)
  process.exit(1)
}
const page = readFileSync(new URL("index.html", import.meta.url), "utf8")
  .replaceAll("http://localhost:3000", api)
  .replace("EVENT_ID", eventId)
createServer((_, response) => {
  response.writeHead(200, { "content-type": "text/html; charset=utf-8" })
  response.end(page)
}).listen(8080, "localhost", () => console.log(`Host page with event ${eventId}: http://localhost:8080`))

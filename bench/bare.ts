/**
 * Ceiling (c): a bare node:http JSON endpoint with keep-alive and nothing else, in its own
 * process. The body has the shape and size of an availability answer.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"

const body = JSON.stringify({
  eventId: "0193b1c2-7d4e-7a10-9c2b-5f3e8d1a2b3c",
  ticketTypes: [{ id: "0193b1c2-7d4e-7a10-9c2b-5f3e8d1a2b3d", state: "on_sale", available: 1234 }],
})

const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
  res.end(body)
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo
  process.stdout.write(`SRATIX_BENCH_URL=http://127.0.0.1:${port}\n`)
})
const stop = () => server.close(() => process.exit(0)).closeAllConnections()
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
process.stdin.on("end", stop)
process.stdin.resume()

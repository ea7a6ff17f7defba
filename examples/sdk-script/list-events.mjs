// Lists the published events of a SRAtix server and what is still available, using @sratix/sdk.
// Usage: node examples/sdk-script/list-events.mjs [baseUrl]   (default http://localhost:3000)
import { createSratixClient, unwrap } from "@sratix/sdk"

const client = createSratixClient({ baseUrl: process.argv[2] ?? process.env.SRATIX_URL ?? "http://localhost:3000" })

/** @type {string | undefined} */
let cursor
do {
  const page = await unwrap(
    client.GET("/api/v1/public/events", { params: { query: cursor === undefined ? {} : { cursor } } }),
  )
  for (const { id, name, startsAt } of page.items) {
    const event = await unwrap(client.GET("/api/v1/public/events/{eventId}", { params: { path: { eventId: id } } }))
    console.log(`${name} (${startsAt.slice(0, 10)}, ${event.currency})`)
    for (const ticketType of event.ticketTypes) {
      const price = (ticketType.priceMinor / 100).toFixed(2)
      console.log(`  ${ticketType.name}: ${price} — ${ticketType.state}, ${ticketType.available} available`)
    }
  }
  cursor = page.nextCursor ?? undefined
} while (cursor !== undefined)

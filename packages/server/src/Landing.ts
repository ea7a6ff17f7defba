import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Caller, type Event, Events, TicketTypes, withCaller } from "@sratix/core"
import { Effect } from "effect"

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c)

const formatMoney = (minor: number, currency: string) =>
  new Intl.NumberFormat("de-CH", { style: "currency", currency }).format(minor / 100)

const formatDate = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat("en-GB", { dateStyle: "full", timeStyle: "short", timeZone }).format(new Date(ms))

/** A small human front door: published events with their ticket types and live availability. */
export const LandingLive = HttpApiBuilder.Router.use((router) =>
  Effect.gen(function* () {
    const events = yield* Events
    const ticketTypes = yield* TicketTypes

    const eventSection = (event: Event) =>
      Effect.gen(function* () {
        const types = yield* ticketTypes
          .listForEvent(event.id)
          .pipe(withCaller({ ...Caller.anonymous, publicEvent: { orgId: event.orgId, eventId: event.id } }))
        const rows = types
          .filter((t) => t.visibility === "public")
          .map(
            (t) =>
              `<tr><td>${escapeHtml(t.name)}</td><td class="num">${formatMoney(t.priceMinor, event.currency)}</td>` +
              `<td class="num">${t.available > 0 ? `${t.available} left` : "sold out"}</td></tr>`,
          )
          .join("")
        return `<article><h2>${escapeHtml(event.name)}</h2>
          <p class="when">${escapeHtml(formatDate(event.startsAt, event.timezone))}${event.venue ? ` · ${escapeHtml(event.venue.name)}${event.venue.city ? `, ${escapeHtml(event.venue.city)}` : ""}` : ""}</p>
          ${event.description ? `<p>${escapeHtml(event.description)}</p>` : ""}
          <table><thead><tr><th>Ticket</th><th class="num">Price</th><th class="num">Availability</th></tr></thead><tbody>${rows}</tbody></table>
          <p class="api">API: <code>GET /api/v1/public/events/${event.id}</code></p></article>`
      })

    yield* router.get(
      "/",
      Effect.gen(function* () {
        const page = yield* events.listPublished({ limit: 50 })
        const sections = yield* Effect.forEach(page.items, eventSection)
        const body = sections.length > 0 ? sections.join("") : "<p>No published events yet.</p>"
        return HttpServerResponse.html(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>SRAtix — events</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; }
  body { max-width: 48rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
  article { border: 1px solid #8884; border-radius: .5rem; padding: 1rem 1.25rem; margin: 1rem 0; }
  table { width: 100%; border-collapse: collapse; } th, td { padding: .35rem .5rem; border-bottom: 1px solid #8883; text-align: left; }
  .num { text-align: right; } .when { opacity: .8; } .api { font-size: .85rem; opacity: .7; }
</style></head>
<body><header><h1>SRAtix</h1><p>Events on sale. The REST API lives at <a href="/api/v1/openapi.json">/api/v1</a>.</p></header>
<main>${body}</main></body></html>`)
      }).pipe(Effect.orDie),
    )
  }),
)

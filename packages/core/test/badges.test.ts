import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as fc from "fast-check"
import {
  Badges,
  DEFAULT_KEY_GRACE_MS,
  type Event,
  fillTemplate,
  Orders,
  SAMPLE_BADGE_TEMPLATE,
  type SaveBadgeTemplateInput,
  SigningKeys,
  sampleBadgeContent,
  sheetLayout,
  Tickets,
  templateIssues,
  withCaller,
} from "../src/index.js"
import { verifyTicketCode } from "../src/offline/index.js"
import { engines } from "./support/Databases.js"
import { asBuyer, callerWith, createTicketType, orderInput, publishedEvent, systemLayer } from "./support/Fixtures.js"
import { qrCodesIn, qrCodesPerPage } from "./support/Pdf.js"

const template = (overrides: Partial<SaveBadgeTemplateInput> = {}): SaveBadgeTemplateInput => ({
  name: "General",
  size: { name: "A6" },
  html: SAMPLE_BADGE_TEMPLATE.html,
  css: SAMPLE_BADGE_TEMPLATE.css,
  colors: { default: "#1d4ed8" },
  ...overrides,
})

/** A paid order of free tickets, one per buyer name, with its tickets issued. */
const ticketsFor = (event: Event, typeId: string, buyers: ReadonlyArray<string>) =>
  Effect.forEach(buyers, (name, i) =>
    Effect.gen(function* () {
      const input = orderInput([{ ticketTypeId: typeId as never, quantity: 1 }], i)
      const placed = yield* Effect.flatMap(Orders, (o) =>
        o.place(event.id, { ...input, buyer: { ...input.buyer, name } }),
      ).pipe(asBuyer)
      const [ticket] = yield* Effect.flatMap(Tickets, (t) => t.issueForOrder(placed.order.id))
      return ticket!
    }),
  )

describe("badge templates", () => {
  const codes = (html: string, css = "", assets: Record<string, string> = {}) =>
    templateIssues({ html, css, assets }).map((i) => i.code)

  it("accept the built-in template", () => {
    expect(templateIssues(SAMPLE_BADGE_TEMPLATE)).toEqual([])
  })

  it("name each problem: unknown placeholder, broken HTML, missing asset, scripts, external files", () => {
    expect(codes("<p>{{nmae}}</p>")).toEqual(["unknown_placeholder"])
    expect(codes("<p>{{name}</p>")).toContain("malformed_placeholder")
    expect(codes("<div><p>{{name}}</div>")).toEqual(["broken_html"])
    expect(codes("<div>{{name}}")).toEqual(["broken_html"])
    expect(codes("<p>x</p></span>")).toEqual(["broken_html"])
    expect(codes('<div class="a>x</div>')).toContain("broken_html")
    expect(codes('<img src="{{asset.logo}}">')).toEqual(["missing_asset"])
    expect(codes('<img src="https://example.org/logo.png">')).toEqual(["external_reference"])
    expect(codes("<p>x</p>", "p { background: url(/etc/passwd) }")).toEqual(["external_reference"])
    expect(codes("<p>x</p>", "p { color: red ")).toEqual(["broken_html"])
    expect(codes("<script>alert(1)</script>")).toEqual(["script"])
    expect(codes('<p onclick="x()">a</p>')).toEqual(["script"])
    expect(codes("<p>x</p>", "p::after { content: '{{name}}' }")).toEqual(["placeholder_context"])
    expect(codes("<img alt={{name}}>")).toEqual(["placeholder_context"])
    const [issue] = templateIssues({ html: "<main>\n<div>\n<p>{{bogus}}</p>\n</div>\n</main>", css: "", assets: {} })
    expect(issue).toMatchObject({ code: "unknown_placeholder", line: 3, source: "html" })
    expect(issue!.message).toContain("{{bogus}}")
  })

  it("place any attendee text as text: no value can open a tag, end an attribute or reach the CSS", () => {
    const layout = {
      ...SAMPLE_BADGE_TEMPLATE,
      html: '<p title="{{company}}">{{name}}</p>',
      css: "p { color: {{color}} }",
    }
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string(), (name, company) => {
        const filled = fillTemplate(layout, { ...sampleBadgeContent(), name, company }, "data:,")
        expect(filled.html.match(/</g)?.length).toBe(2)
        expect(filled.html.match(/"/g)?.length).toBe(2)
        expect(filled.css).toBe("p { color: #1d4ed8 }")
      }),
      { numRuns: 500 },
    )
  })

  it("tile A4 exactly: A6 four edge to edge, A7 and CR80 with room for crop marks", () => {
    expect(sheetLayout({ widthMm: 105, heightMm: 148 })).toMatchObject({ columns: 2, rows: 2, cropMarks: false })
    expect(sheetLayout({ widthMm: 74, heightMm: 105 })).toMatchObject({ columns: 2, rows: 2, cropMarks: true })
    expect(sheetLayout({ widthMm: 53.98, heightMm: 85.6 })).toMatchObject({ columns: 3, rows: 3, cropMarks: true })
    const a6 = sheetLayout({ widthMm: 105, heightMm: 148 }).cells
    expect(a6.map((c) => [c.xMm, Math.round(c.yMm * 10) / 10])).toEqual([
      [0, 0.5],
      [105, 0.5],
      [0, 148.5],
      [105, 148.5],
    ])
  })
})

for (const engine of engines) {
  describe(`Badges (${engine})`, () => {
    it.live("a badge PDF's QR code decodes to the ticket's code, which verifies with the event's key", () =>
      Effect.gen(function* () {
        const badges = yield* Badges
        const { event } = yield* publishedEvent()
        const type = yield* createTicketType(event, { priceMinor: 0, name: "Visitor" })
        yield* badges.save(event.id, template())
        const [ticket] = yield* ticketsFor(event, type.id, ['Ada <Lovelace> & "Co"'])
        const pdf = yield* badges.renderForTicket(ticket!.id, "pdf")
        expect(pdf.pages).toBe(1)
        const [code] = qrCodesIn(pdf.bytes)
        expect(code).toBe(ticket!.code)
        const keys = yield* Effect.flatMap(SigningKeys, (k) => k.publicKeys(event.id))
        const verdict = yield* Effect.promise(() =>
          verifyTicketCode(code!, { eventId: event.id, keys, graceMs: DEFAULT_KEY_GRACE_MS, now: Date.now() }),
        )
        expect(verdict).toMatchObject({ ok: true, ticket: { ticketId: ticket!.id } })

        const html = new TextDecoder().decode((yield* badges.renderForTicket(ticket!.id, "html")).bytes)
        expect(html).toContain("Ada &lt;Lovelace&gt; &amp; &quot;Co&quot;")
        expect(html).not.toContain("<Lovelace>")
        const png = yield* badges.renderForTicket(ticket!.id, "png")
        expect(Buffer.from(png.bytes.subarray(1, 4)).toString()).toBe("PNG")
      }).pipe(Effect.provide(systemLayer(engine))),
    )

    it.live("another organisation's staff get no badge and cannot change the template", () =>
      Effect.gen(function* () {
        const badges = yield* Badges
        const { event } = yield* publishedEvent()
        const { org: other } = yield* publishedEvent()
        const type = yield* createTicketType(event, { priceMinor: 0 })
        yield* badges.save(event.id, template())
        const [ticket] = yield* ticketsFor(event, type.id, ["Hedy"])
        const outsider = withCaller(callerWith([{ role: "org_admin", orgId: other.id, eventId: null }]))
        const render = yield* Effect.either(outsider(badges.renderForTicket(ticket!.id, "html")))
        expect(Either.isLeft(render) && render.left._tag).toBe("NotFound")
        const save = yield* Effect.either(outsider(badges.save(event.id, template())))
        expect(Either.isLeft(save) && save.left._tag).toBe("NotFound")
        const batch = yield* Effect.either(outsider(badges.renderBatch({ eventId: event.id, order: "name" })))
        expect(Either.isLeft(batch) && batch.left._tag).toBe("NotFound")
      }).pipe(Effect.provide(systemLayer(engine))),
    )

    it.live("a ticket type's template wins over the event's; saving again bumps the version", () =>
      Effect.gen(function* () {
        const badges = yield* Badges
        const { event } = yield* publishedEvent()
        const vip = yield* createTicketType(event, { priceMinor: 0, name: "VIP" })
        const first = yield* badges.save(event.id, template())
        const again = yield* badges.save(event.id, template({ name: "General 2" }))
        expect([first.version, again.version, again.id]).toEqual([1, 2, first.id])
        yield* badges.save(event.id, template({ ticketTypeId: vip.id, html: "<p class=vip>VIP {{name}}</p>" }))
        const [ticket] = yield* ticketsFor(event, vip.id, ["Grace"])
        const html = new TextDecoder().decode((yield* badges.renderForTicket(ticket!.id, "html")).bytes)
        expect(html).toContain("VIP Grace")
        expect((yield* badges.list(event.id)).length).toBe(2)
      }).pipe(Effect.provide(systemLayer(engine))),
    )

    it.live("a bad template is refused at save, naming the problem, and nothing is stored", () =>
      Effect.gen(function* () {
        const badges = yield* Badges
        const { event } = yield* publishedEvent()
        for (const [bad, code] of [
          [template({ html: "<p>{{company_name}}</p>" }), "unknown_placeholder"],
          [template({ html: "<div><p>{{name}}</div>" }), "broken_html"],
          [template({ html: '<img src="{{asset.sponsor}}">' }), "missing_asset"],
          [template({ html: "<p>{{field.shoe_size}}</p>" }), null],
        ] as const) {
          const result = yield* Effect.either(badges.save(event.id, bad))
          if (code === null) {
            // No form on this event: any field may be mapped, answered or not.
            expect(Either.isRight(result)).toBe(true)
            continue
          }
          expect(Either.isLeft(result) && result.left._tag).toBe("BadgeTemplateInvalid")
          if (Either.isLeft(result) && result.left._tag === "BadgeTemplateInvalid") {
            expect(result.left.issues[0]!.code).toBe(code)
            expect(result.left.detail).toContain("line 1")
          }
        }
      }).pipe(Effect.provide(systemLayer(engine))),
    )

    it.live("a batch prints every valid ticket on A4 sheets in the chosen order", () =>
      Effect.gen(function* () {
        const badges = yield* Badges
        const { event } = yield* publishedEvent()
        const type = yield* createTicketType(event, { priceMinor: 0 })
        yield* badges.save(event.id, template({ size: { name: "A7" } }))
        const names = ["Emil", "Bea", "Carla", "Anna", "Dario"]
        const tickets = yield* ticketsFor(event, type.id, names)
        const batch = yield* badges.renderBatch({ eventId: event.id, order: "name" })
        // A7: four per sheet, five badges → two sheets.
        expect([batch.perSheet, batch.pages]).toEqual([4, 2])
        const byName = new Map(tickets.map((t) => [t.attendeeName, t.code]))
        expect(qrCodesIn(batch.bytes).length).toBe(5)
        const sorted = [...names].sort()
        expect(batch.ticketIds).toEqual(sorted.map((n) => tickets.find((t) => t.attendeeName === n)!.id))
        expect(qrCodesPerPage(batch.bytes)).toEqual([
          sorted
            .slice(0, 4)
            .map((n) => byName.get(n)!)
            .sort(),
          [byName.get(sorted[4]!)!],
        ])
        const html = new TextDecoder().decode(
          (yield* badges.renderBatch({ eventId: event.id, order: "orderDate", format: "html" })).bytes,
        )
        const positions = names.map((n) => html.indexOf(`>${n}<`))
        expect(positions.every((p, i) => i === 0 || p > positions[i - 1]!)).toBe(true)
        expect(html).toContain('class="mark"')
      }).pipe(Effect.provide(systemLayer(engine))),
    )
  })
}

import { SqlClient } from "@effect/sql"
import { Clock, Effect, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { TicketTypes } from "../catalog/TicketTypes.js"
import {
  type BadgeFormat,
  type BadgeOrder,
  BadgeTemplate,
  SaveBadgeTemplate,
  type SaveBadgeTemplateInput,
} from "../domain/Badge.js"
import type { EventId, OrderId, TicketTypeId } from "../domain/Ids.js"
import { uuidv7 } from "../domain/Ids.js"
import { Conflict, Forbidden, InvalidRequest, NotFound } from "../domain/Problems.js"
import type { TicketId } from "../domain/Ticket.js"
import { Events } from "../events/Events.js"
import { allFields } from "../forms/Definition.js"
import { FormSchemas } from "../forms/FormSchemas.js"
import { BrowserPool, pdfPageCount } from "../render/Browser.js"
import { isUniqueViolation } from "../sql/Errors.js"
import { rowDecoder } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"
import { Caller, can } from "../tenancy/Caller.js"
import { type Attendee, loadAttendees } from "./Attendees.js"
import { qrDataUrl } from "./Qr.js"
import {
  type BadgeContent,
  type BadgeLayout,
  badgeDocument,
  invalidTemplate,
  resolveSize,
  type SheetBadge,
  sheetsDocument,
  templateIssues,
} from "./Template.js"

export interface RenderedBadge {
  readonly bytes: Uint8Array
  readonly format: BadgeFormat
  /** Pages of a PDF; null for PNG and HTML. */
  readonly pages: number | null
}

/** CSS pixels per millimetre at 96 dpi; PNGs are taken at twice that so the QR code stays sharp. */
const PX_PER_MM = 96 / 25.4

/** Most badges one batch renders: a few hundred A4 sheets, a document a print shop still opens. */
export const MAX_BATCH_BADGES = 2000

const decodeTemplate = rowDecoder(BadgeTemplate, { json: ["assets", "colors", "fields"] })
const decodeSave = Schema.decodeUnknown(SaveBadgeTemplate)

const fromRow = (row: Record<string, unknown>) =>
  decodeTemplate({
    ...row,
    widthMm: Number(row.widthUm) / 1000,
    heightMm: Number(row.heightUm) / 1000,
    version: Number(row.version),
  })

/** Refuses a template with issues, naming them; `where` says which template (saving, or rendering one). */
export const checkTemplate = (
  layout: Pick<BadgeLayout, "html" | "css" | "assets">,
  where: string,
  fieldIds: ReadonlySet<string> | null = null,
) => {
  const issues = templateIssues(layout, fieldIds)
  return issues.length === 0 ? Effect.void : Effect.fail(invalidTemplate(issues, where))
}

/**
 * A badge as a print-ready PDF (one page of the badge's size), a PNG of it, or the HTML both are
 * made from. The template is checked again here: a template file or an older stored one renders
 * only when it is sound.
 */
export const renderBadge = (layout: BadgeLayout, content: BadgeContent, format: BadgeFormat, where = "Template") =>
  Effect.gen(function* () {
    yield* checkTemplate(layout, where)
    const markup = badgeDocument(layout, content, yield* qrDataUrl(content.code))
    if (format === "html") return { bytes: new TextEncoder().encode(markup), format, pages: null } as RenderedBadge
    const pool = yield* BrowserPool
    if (format === "png") {
      const bytes = yield* pool.screenshot(markup, {
        width: Math.round(layout.widthMm * PX_PER_MM),
        height: Math.round(layout.heightMm * PX_PER_MM),
        scale: 2,
      })
      return { bytes, format, pages: null } as RenderedBadge
    }
    const bytes = yield* pool.renderPdf(markup)
    return { bytes, format, pages: pdfPageCount(bytes) } as RenderedBadge
  }).pipe(Effect.withSpan("Badges.renderBadge", { attributes: { format } }))

/** Badges on A4 sheets in the order given: a PDF (or its HTML) for the printer. */
export const renderSheets = (
  badges: ReadonlyArray<{ layout: BadgeLayout; content: BadgeContent }>,
  format: "pdf" | "html",
) =>
  Effect.gen(function* () {
    const placed = yield* Effect.forEach(badges, (b) =>
      Effect.map(qrDataUrl(b.content.code), (qr): SheetBadge => ({ ...b, qr })),
    )
    const sheets = sheetsDocument(placed)
    if (format === "html") {
      return { bytes: new TextEncoder().encode(sheets.html), format, pages: null, perSheet: sheets.perSheet }
    }
    const bytes = yield* Effect.flatMap(BrowserPool, (pool) => pool.renderPdf(sheets.html, { format: "A4" }))
    return { bytes, format, pages: pdfPageCount(bytes), perSheet: sheets.perSheet }
  }).pipe(Effect.withSpan("Badges.renderSheets", { attributes: { badges: badges.length } }))

const collator = new Intl.Collator("en", { sensitivity: "base", numeric: true })

/** The print order: by the chosen key, ties by name, then by ticket id, so a batch always comes out the same. */
export const sortForPrint = <A extends { readonly ticketId: string; readonly content: BadgeContent }>(
  attendees: ReadonlyArray<A>,
  order: BadgeOrder,
): ReadonlyArray<A> => {
  const key = (a: A): string | number =>
    order === "orderDate" ? a.content.orderedAt : order === "name" ? a.content.name : a.content[order]
  return [...attendees].sort((a, b) => {
    const ka = key(a)
    const kb = key(b)
    const primary =
      typeof ka === "number" && typeof kb === "number" ? ka - kb : collator.compare(String(ka), String(kb))
    return primary || collator.compare(a.content.name, b.content.name) || (a.ticketId < b.ticketId ? -1 : 1)
  })
}

const layoutOf = (template: BadgeTemplate): BadgeLayout => template

const DEFAULT_FIELDS = { title: "title", track: "track", photo: "photo" } as const

/** Title and track come from the form fields the template maps them to. */
const withFields = (
  content: BadgeContent,
  fields: { readonly title: string; readonly track: string },
): BadgeContent => ({
  ...content,
  title: content.fields[fields.title] ?? "",
  track: content.fields[fields.track] ?? "",
})

/**
 * Badge templates (per event, optionally per ticket type) and badges rendered from them for
 * tickets. A template is checked when saved and again when rendered: unknown placeholders, broken
 * markup, scripts and references to anything not embedded are refused with every issue named.
 */
export class Badges extends Effect.Service<Badges>()("sratix/badges/Badges", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const events = yield* Events
    const ticketTypes = yield* TicketTypes
    const forms = yield* FormSchemas
    // The process's one Chromium pool, shared with invoices (the same layer, so built once).
    const pool = yield* BrowserPool

    const selectTemplates = (eventId: EventId) =>
      Effect.gen(function* () {
        const scope = yield* tenantScope(sql)
        const rows = yield* sql<Record<string, unknown>>`SELECT * FROM badge_templates
          WHERE event_id = ${eventId} AND ${scope} ORDER BY scope`.pipe(Effect.orDie)
        return yield* Effect.forEach(rows, fromRow)
      })

    /** Saves the event's default template (`ticketTypeId` null) or a ticket type's; each save bumps `version`. */
    const save = Effect.fn("Badges.save")(function* (eventId: EventId, input: SaveBadgeTemplateInput) {
      const event = yield* events.get(eventId)
      const caller = yield* Caller
      if (!can(caller, "events.write", { orgId: event.orgId, eventId: event.id })) {
        return yield* new Forbidden({
          detail: "Changing this event's badges is not allowed",
          permission: "events.write",
        })
      }
      const template = yield* decodeSave(input).pipe(
        Effect.mapError((e) => new InvalidRequest({ detail: `Badge template: ${e.message.split("\n")[0]}` })),
      )
      if (template.ticketTypeId !== null) yield* ticketTypes.get(event.id, template.ticketTypeId)
      const size = yield* Effect.try({
        try: () => resolveSize(template.size),
        catch: (e) => new InvalidRequest({ detail: (e as Error).message, field: "size" }),
      })
      const form = yield* forms.activeFor(event)
      const fieldIds = form === null ? null : new Set(allFields(form.definition).map((f) => f.id))
      yield* checkTemplate(template, `Badge template "${template.name}"`, fieldIds)
      const now = yield* Clock.currentTimeMillis
      const scope = template.ticketTypeId ?? "*"
      const values = {
        name: template.name,
        size: template.size.name,
        widthUm: Math.round(size.widthMm * 1000),
        heightUm: Math.round(size.heightMm * 1000),
        html: template.html,
        css: template.css,
        assets: JSON.stringify(template.assets),
        colors: JSON.stringify(template.colors),
        fields: JSON.stringify(template.fields),
        updatedAt: now,
      }
      const update = sql`UPDATE badge_templates SET ${sql.update(values)}, version = version + 1
        WHERE event_id = ${event.id} AND scope = ${scope}`
      yield* Effect.gen(function* () {
        const created = yield* sql`INSERT INTO badge_templates ${sql.insert({
          id: uuidv7(now),
          orgId: event.orgId,
          eventId: event.id,
          ticketTypeId: template.ticketTypeId,
          scope,
          ...values,
          version: 1,
          createdAt: now,
        })}`.pipe(
          Effect.as(true),
          // Saved before (or by a concurrent save): this save is the next version.
          Effect.catchIf(isUniqueViolation, () => Effect.as(update, false)),
        )
        yield* audit.record({
          action: created ? "badge_template.created" : "badge_template.updated",
          targetType: "event",
          targetId: event.id,
          orgId: event.orgId,
          eventId: event.id,
          data: { ticketTypeId: template.ticketTypeId, name: template.name },
        })
      }).pipe(sql.withTransaction, Effect.orDie)
      return yield* get(event.id, template.ticketTypeId)
    })

    /** The template saved for exactly this scope: the event's default (null) or a ticket type's. */
    const get = Effect.fn("Badges.get")(function* (eventId: EventId, ticketTypeId: TicketTypeId | null) {
      const templates = yield* selectTemplates(eventId)
      const found = templates.find((t) => t.ticketTypeId === ticketTypeId)
      return found ?? (yield* new NotFound({ detail: "No such badge template", resource: "badge-template" }))
    })

    const list = Effect.fn("Badges.list")(function* (eventId: EventId) {
      return yield* selectTemplates(eventId)
    })

    /** The ticket type's own template, else the event's default. */
    const chooser = (templates: ReadonlyArray<BadgeTemplate>) => (ticketTypeId: string) =>
      templates.find((t) => t.ticketTypeId === ticketTypeId) ?? templates.find((t) => t.ticketTypeId === null)

    const withTemplate = (attendee: Attendee, template: BadgeTemplate | undefined) =>
      template === undefined
        ? new NotFound({
            detail: `Event ${attendee.eventId} has no badge template for ticket type ${attendee.content.ticketTypeId} and no default`,
            resource: "badge-template",
          })
        : Effect.succeed({
            attendee,
            template,
            content: withFields(attendee.content, template.fields),
          })

    /**
     * The ticket's badge with its event's template (the ticket type's, else the default), or with
     * `draft`, a template not saved yet (a designer's file), checked the same way.
     */
    const renderForTicket = Effect.fn("Badges.renderForTicket")(function* (
      ticketId: TicketId,
      format: BadgeFormat,
      draft?: BadgeLayout,
    ) {
      const [probe] = yield* sql<{ eventId: EventId }>`SELECT event_id FROM tickets WHERE id = ${ticketId}`.pipe(
        Effect.orDie,
      )
      const templates = probe === undefined ? [] : yield* selectTemplates(probe.eventId)
      const choose = (typeId: string) => (draft === undefined ? chooser(templates)(typeId) : undefined)
      const [attendee] = yield* loadAttendees(
        (sql) => sql`t.id = ${ticketId}`,
        (typeId) => choose(typeId)?.fields.photo ?? DEFAULT_FIELDS.photo,
      )
      if (attendee === undefined) return yield* new NotFound({ detail: "No such ticket", resource: "ticket" })
      if (attendee.status !== "valid") {
        return yield* new Conflict({ detail: "This ticket is void: it gets no badge" })
      }
      if (draft !== undefined) {
        return yield* renderBadge(draft, withFields(attendee.content, DEFAULT_FIELDS), format, "Template").pipe(
          Effect.provideService(BrowserPool, pool),
        )
      }
      const { template, content } = yield* withTemplate(attendee, choose(attendee.content.ticketTypeId))
      return yield* renderBadge(
        layoutOf(template),
        content,
        format,
        `Badge template "${template.name}" v${template.version}`,
      ).pipe(Effect.provideService(BrowserPool, pool))
    })

    /**
     * The event's valid tickets (or the listed ones) on A4 sheets, in the chosen order; without a
     * list, optionally only one ticket type's or some orders' valid tickets. Fails with NotFound when a
     * listed ticket is not there, and with InvalidRequest for an empty or oversized batch.
     */
    const renderBatch = Effect.fn("Badges.renderBatch")(function* (input: {
      readonly eventId: EventId
      readonly ticketIds?: ReadonlyArray<TicketId>
      readonly ticketTypeId?: TicketTypeId
      readonly orderIds?: ReadonlyArray<OrderId>
      readonly order: BadgeOrder
      readonly format?: "pdf" | "html"
    }) {
      yield* events.get(input.eventId)
      const templates = yield* selectTemplates(input.eventId)
      const choose = chooser(templates)
      const ids = input.ticketIds
      if (ids !== undefined && ids.length > MAX_BATCH_BADGES) {
        return yield* new InvalidRequest({ detail: `At most ${MAX_BATCH_BADGES} badges per batch`, field: "ticketIds" })
      }
      const orderIds = input.orderIds
      if (orderIds !== undefined && (orderIds.length === 0 || orderIds.length > MAX_BATCH_BADGES)) {
        return yield* new InvalidRequest({
          detail: `List 1 to ${MAX_BATCH_BADGES} orders`,
          field: "orderIds",
        })
      }
      const attendees = yield* loadAttendees(
        (sql) =>
          ids === undefined
            ? sql`t.event_id = ${input.eventId} AND t.status = 'valid'
                ${input.ticketTypeId === undefined ? sql`` : sql`AND t.ticket_type_id = ${input.ticketTypeId}`}
                ${orderIds === undefined ? sql`` : sql`AND t.order_id IN ${sql.in(orderIds)}`}`
            : ids.length === 0
              ? sql`1=0`
              : sql`t.event_id = ${input.eventId} AND t.id IN ${sql.in(ids)}`,
        (typeId) => choose(typeId)?.fields.photo ?? null,
      )
      if (ids !== undefined) {
        const found = new Set(attendees.map((a) => a.ticketId))
        const missing = ids.find((id) => !found.has(id))
        if (missing !== undefined) {
          return yield* new NotFound({ detail: `No ticket ${missing} in this event`, resource: "ticket" })
        }
        const voided = attendees.find((a) => a.status !== "valid")
        if (voided !== undefined) return yield* new Conflict({ detail: `Ticket ${voided.ticketId} is void` })
      }
      if (attendees.length === 0) {
        return yield* new InvalidRequest({ detail: "No valid tickets to print", field: "ticketIds" })
      }
      if (attendees.length > MAX_BATCH_BADGES) {
        return yield* new InvalidRequest({
          detail: `${attendees.length} badges: at most ${MAX_BATCH_BADGES} per batch; list ticketIds`,
          field: "ticketIds",
        })
      }
      const prepared = yield* Effect.forEach(attendees, (a) => withTemplate(a, choose(a.content.ticketTypeId)))
      for (const template of new Set(prepared.map((p) => p.template))) {
        yield* checkTemplate(template, `Badge template "${template.name}" v${template.version}`)
      }
      const ordered = sortForPrint(
        prepared.map((p) => ({ ticketId: p.attendee.ticketId, content: p.content, layout: layoutOf(p.template) })),
        input.order,
      )
      const sheets = yield* renderSheets(ordered, input.format ?? "pdf").pipe(Effect.provideService(BrowserPool, pool))
      return { ...sheets, ticketIds: ordered.map((b) => b.ticketId as TicketId) }
    })

    return { save, get, list, renderForTicket, renderBatch } as const
  }),
  dependencies: [Audit.Default, Events.Default, TicketTypes.Default, FormSchemas.Default, BrowserPool.Default],
}) {}

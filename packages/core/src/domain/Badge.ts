import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"
import { Timestamp } from "./Common.js"
import { EventId, OrgId, TicketTypeId } from "./Ids.js"
import { problemFields } from "./Problems.js"

export const BadgeTemplateId = Schema.String.pipe(Schema.brand("BadgeTemplateId"))
export type BadgeTemplateId = typeof BadgeTemplateId.Type

/** Named badge sizes, portrait, in millimetres; `custom` carries its own. CR80 is the ID-card format. */
export const BADGE_SIZES = {
  A6: { widthMm: 105, heightMm: 148 },
  A7: { widthMm: 74, heightMm: 105 },
  CR80: { widthMm: 53.98, heightMm: 85.6 },
} as const

export const BadgeSizeName = Schema.Literal("A6", "A7", "CR80", "custom")
export type BadgeSizeName = typeof BadgeSizeName.Type

const Millimetres = Schema.Number.pipe(Schema.between(20, 297))

export const BadgeSize = Schema.Struct({
  name: BadgeSizeName,
  /** Resolved from the name for A6, A7 and CR80; given for `custom` (fits on A4: at most 210 × 297). */
  widthMm: Schema.optional(Millimetres.pipe(Schema.lessThanOrEqualTo(210))),
  heightMm: Schema.optional(Millimetres),
  /** Swaps width and height of a named size. */
  landscape: Schema.optionalWith(Schema.Boolean, { default: () => false }),
}).annotations({ identifier: "BadgeSize" })
export type BadgeSize = typeof BadgeSize.Type

/** A CSS colour a template may use through `{{color}}`: hex only, so a value can never escape its declaration. */
export const BadgeColour = Schema.String.pipe(Schema.pattern(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/))

/** An embedded image: the only way a template reaches a file (rendering refuses every network and file request). */
export const BadgeAsset = Schema.String.pipe(
  Schema.maxLength(4 * 1024 * 1024),
  Schema.pattern(/^data:image\/(?:png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$/),
).annotations({ description: "data:image/(png|jpeg|gif|webp|svg+xml);base64,…" })

export const AssetName = Schema.String.pipe(Schema.pattern(/^[a-zA-Z][\w-]{0,63}$/))

/** Which form fields feed the named placeholders; `{{field.<id>}}` reaches any other field. */
export const BadgeFieldMap = Schema.Struct({
  title: Schema.optionalWith(Schema.String, { default: () => "title" }),
  track: Schema.optionalWith(Schema.String, { default: () => "track" }),
  photo: Schema.optionalWith(Schema.String, { default: () => "photo" }),
}).annotations({ identifier: "BadgeFieldMap" })

const MAX_TEMPLATE_CHARS = 200_000

export const SaveBadgeTemplate = Schema.Struct({
  /** Null: the event's default template; else the template of that ticket type. */
  ticketTypeId: Schema.optionalWith(Schema.NullOr(TicketTypeId), { default: () => null }),
  name: Schema.Trim.pipe(Schema.minLength(1), Schema.maxLength(200)),
  size: BadgeSize,
  html: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(MAX_TEMPLATE_CHARS)),
  css: Schema.optionalWith(Schema.String.pipe(Schema.maxLength(MAX_TEMPLATE_CHARS)), { default: () => "" }),
  assets: Schema.optionalWith(Schema.Record({ key: AssetName, value: BadgeAsset }), { default: () => ({}) }),
  /** Colour by category: keyed by ticket type id or name, with `default` as the fallback. */
  colors: Schema.optionalWith(Schema.Record({ key: Schema.String, value: BadgeColour }), { default: () => ({}) }),
  fields: Schema.optionalWith(BadgeFieldMap, { default: () => ({ title: "title", track: "track", photo: "photo" }) }),
}).annotations({ identifier: "SaveBadgeTemplate" })
export type SaveBadgeTemplate = typeof SaveBadgeTemplate.Type
export type SaveBadgeTemplateInput = typeof SaveBadgeTemplate.Encoded

export class BadgeTemplate extends Schema.Class<BadgeTemplate>("BadgeTemplate")({
  id: BadgeTemplateId,
  orgId: OrgId,
  eventId: EventId,
  ticketTypeId: Schema.NullOr(TicketTypeId),
  name: Schema.String,
  size: BadgeSizeName,
  widthMm: Schema.Number,
  heightMm: Schema.Number,
  html: Schema.String,
  css: Schema.String,
  assets: Schema.Record({ key: Schema.String, value: Schema.String }),
  colors: Schema.Record({ key: Schema.String, value: Schema.String }),
  fields: Schema.Struct({ title: Schema.String, track: Schema.String, photo: Schema.String }),
  /** 1 on creation, +1 on every save. */
  version: Schema.Int,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

export const BadgeTemplateIssueCode = Schema.Literal(
  "unknown_placeholder",
  "malformed_placeholder",
  "placeholder_context",
  "broken_html",
  "script",
  "missing_asset",
  "external_reference",
)
export type BadgeTemplateIssueCode = typeof BadgeTemplateIssueCode.Type

export const BadgeTemplateIssue = Schema.Struct({
  code: BadgeTemplateIssueCode,
  message: Schema.String,
  /** 1-based line in the HTML or CSS the problem is on, when it has one. */
  line: Schema.optional(Schema.Int),
  source: Schema.Literal("html", "css"),
}).annotations({ identifier: "BadgeTemplateIssue" })
export type BadgeTemplateIssue = typeof BadgeTemplateIssue.Type

/** A template that cannot render as written; `issues` names every problem found. */
export class BadgeTemplateInvalid extends Schema.TaggedError<BadgeTemplateInvalid>()(
  "BadgeTemplateInvalid",
  {
    ...problemFields("badge-template-invalid", 422, "Badge template invalid"),
    issues: Schema.Array(BadgeTemplateIssue),
  },
  HttpApiSchema.annotations<BadgeTemplateInvalid>({ status: 422 }),
) {}

export const BadgeOrder = Schema.Literal("name", "company", "ticketType", "orderDate")
export type BadgeOrder = typeof BadgeOrder.Type

export const BadgeFormat = Schema.Literal("pdf", "png", "html")
export type BadgeFormat = typeof BadgeFormat.Type

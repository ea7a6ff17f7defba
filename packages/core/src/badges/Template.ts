import { parseFragment } from "parse5"
import {
  BADGE_SIZES,
  type BadgeSize,
  BadgeTemplateInvalid,
  type BadgeTemplateIssue,
  type BadgeTemplateIssueCode,
} from "../domain/Badge.js"
import { escapeHtml } from "../render/Html.js"

/** What a template needs to render, whether stored, read from a file or built in. */
export interface BadgeLayout {
  readonly html: string
  readonly css: string
  readonly widthMm: number
  readonly heightMm: number
  readonly assets: Readonly<Record<string, string>>
  readonly colors: Readonly<Record<string, string>>
}

/** One attendee's badge data; every text is escaped when placed, never trusted. */
export interface BadgeContent {
  readonly name: string
  readonly company: string
  readonly title: string
  readonly ticketType: string
  readonly ticketTypeId: string
  readonly track: string
  readonly event: string
  readonly date: string
  readonly venue: string
  /** The ticket's signed code, which the QR code holds. */
  readonly code: string
  /** The attendee's photo as a data URL, or null (a transparent pixel is placed instead). */
  readonly photo: string | null
  /** Every answered form field, by field id, as text. */
  readonly fields: Readonly<Record<string, string>>
  readonly orderedAt: number
}

/** Placeholders that stand for text: HTML-escaped, allowed in markup only. */
const TEXT_PLACEHOLDERS = ["name", "company", "title", "ticketType", "track", "event", "date", "venue", "code"]
/** Placeholders that stand for an image URL (a data URL), allowed in markup and in CSS `url()`. */
const URL_PLACEHOLDERS = ["qr", "photo"]
/** `{{color}}`: the category colour, a hex value, allowed anywhere. */
const COLOUR_PLACEHOLDER = "color"

export const BADGE_PLACEHOLDERS = [
  ...TEXT_PLACEHOLDERS,
  ...URL_PLACEHOLDERS,
  COLOUR_PLACEHOLDER,
  "field.<id>",
  "asset.<name>",
] as const

const TRANSPARENT_PIXEL =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="

const VOID_ELEMENTS = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "source",
  "track",
  "wbr",
])

/** SVG and MathML shapes close themselves with `/>`; HTML elements do not. */
const FOREIGN_SELF_CLOSING =
  /^(?:path|circle|rect|line|polyline|polygon|ellipse|use|stop|image|text|tspan|g|mi|mo|mn)$/i

const PLACEHOLDER = /\{\{\s*([a-zA-Z][\w-]*(?:\.[\w-]+)?)\s*\}\}/g
const BRACES = /\{\{|\}\}/g

type Kind = "text" | "url" | "colour" | "unknown"

const kindOf = (name: string): Kind => {
  if (TEXT_PLACEHOLDERS.includes(name) || name.startsWith("field.")) return "text"
  if (URL_PLACEHOLDERS.includes(name) || name.startsWith("asset.")) return "url"
  if (name === COLOUR_PLACEHOLDER) return "colour"
  return "unknown"
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split("\n").length

/** Badge width and height in mm from a size as saved. */
export const resolveSize = (size: BadgeSize): { widthMm: number; heightMm: number } => {
  const base = size.name === "custom" ? null : BADGE_SIZES[size.name]
  const widthMm = base?.widthMm ?? size.widthMm
  const heightMm = base?.heightMm ?? size.heightMm
  if (widthMm === undefined || heightMm === undefined) {
    throw new Error("a custom badge size needs widthMm and heightMm")
  }
  return size.landscape ? { widthMm: heightMm, heightMm: widthMm } : { widthMm, heightMm }
}

interface CheckContext {
  readonly assets: ReadonlySet<string>
  /** Field ids of the event's form; null when unknown (then any `field.<id>` is accepted). */
  readonly fieldIds: ReadonlySet<string> | null
}

class Issues {
  readonly list: Array<BadgeTemplateIssue> = []
  add(source: "html" | "css", code: BadgeTemplateIssueCode, message: string, text?: string, offset?: number) {
    if (this.list.length >= 50) return
    this.list.push(
      text === undefined || offset === undefined
        ? { source, code, message }
        : { source, code, message, line: lineAt(text, offset) },
    )
  }
}

const checkPlaceholders = (
  source: "html" | "css",
  text: string,
  context: CheckContext,
  issues: Issues,
  allowed: (kind: Kind) => boolean,
) => {
  const matched = new Set<number>()
  for (const m of text.matchAll(PLACEHOLDER)) {
    matched.add(m.index)
    matched.add(m.index + m[0].length - 2)
    const name = m[1]!
    const kind = kindOf(name)
    if (kind === "unknown") {
      issues.add(
        source,
        "unknown_placeholder",
        `Unknown placeholder {{${name}}}: use one of ${BADGE_PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")}`,
        text,
        m.index,
      )
      continue
    }
    if (name.startsWith("asset.") && !context.assets.has(name.slice(6))) {
      issues.add(
        source,
        "missing_asset",
        `{{${name}}} names no asset of this template (it has: ${[...context.assets].join(", ") || "none"})`,
        text,
        m.index,
      )
    }
    if (name.startsWith("field.") && context.fieldIds !== null && !context.fieldIds.has(name.slice(6))) {
      issues.add(
        source,
        "unknown_placeholder",
        `{{${name}}}: the event's form has no field "${name.slice(6)}"`,
        text,
        m.index,
      )
    }
    if (!allowed(kind)) {
      issues.add(
        source,
        "placeholder_context",
        `{{${name}}} is text and cannot be placed in CSS (only {{color}}, {{qr}}, {{photo}} and {{asset.<name>}} can)`,
        text,
        m.index,
      )
    }
  }
  for (const m of text.matchAll(BRACES)) {
    if (!matched.has(m.index)) {
      issues.add(source, "malformed_placeholder", `"${m[0]}" is not part of a {{placeholder}}`, text, m.index)
    }
  }
}

/** A reference a rendering could follow: only embedded data, in-document fragments or a URL placeholder are allowed. */
const isEmbedded = (value: string) => {
  const v = value.trim()
  if (v === "" || v.startsWith("data:") || v.startsWith("#")) return true
  const only = /^\{\{\s*([a-zA-Z][\w-]*(?:\.[\w-]+)?)\s*\}\}$/.exec(v)
  return only !== null && kindOf(only[1]!) === "url"
}

const checkCss = (css: string, context: CheckContext, issues: Issues) => {
  checkPlaceholders("css", css, context, issues, (kind) => kind !== "text")
  const lt = css.indexOf("<")
  if (lt >= 0) issues.add("css", "broken_html", "CSS cannot contain '<' (it would end the style element)", css, lt)
  for (const m of css.matchAll(/@import\b/gi)) {
    issues.add("css", "external_reference", "@import is not allowed: put the rules in the template's CSS", css, m.index)
  }
  for (const m of css.matchAll(/url\(\s*(['"]?)(.*?)\1\s*\)/gi)) {
    if (!isEmbedded(m[2]!)) {
      issues.add(
        "css",
        "external_reference",
        `url(${m[2]}) is not embedded: add the image to the template's assets and use url({{asset.<name>}})`,
        css,
        m.index,
      )
    }
  }
  // Braces outside comments and strings must balance, or the rest of the sheet is silently dropped.
  const stripped = css.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "))
  let depth = 0
  let quote: string | null = null
  for (let i = 0; i < stripped.length; i++) {
    const c = stripped[i]!
    if (quote !== null) {
      if (c === "\\") i++
      else if (c === quote) quote = null
      continue
    }
    if (c === '"' || c === "'") quote = c
    else if (c === "{" && stripped[i + 1] !== "{" && stripped[i - 1] !== "{") depth++
    else if (c === "}" && stripped[i + 1] !== "}" && stripped[i - 1] !== "}") {
      depth--
      if (depth < 0) {
        issues.add("css", "broken_html", "'}' closes no open block", css, i)
        depth = 0
      }
    }
  }
  if (depth > 0) issues.add("css", "broken_html", `${depth} CSS block(s) opened with '{' are never closed`)
  if (/\/\*(?![\s\S]*?\*\/)/.test(css)) issues.add("css", "broken_html", "a CSS comment is never closed")
}

const TAG = /<!--[\s\S]*?(?:-->|$)|<(\/?)([a-zA-Z][\w:-]*)((?:"[^"]*"|'[^']*'|[^'">])*?)(\/?)>/g
const ATTRIBUTE = /([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g
const URL_ATTRIBUTES = new Set(["src", "href", "xlink:href", "poster", "srcset", "action", "formaction", "data"])
const RAW_TEXT = new Set(["style", "textarea", "title"])

/**
 * The strict structure check parse5 leaves out: every non-void element is closed, in order. HTML
 * parsers repair unclosed or misnested tags silently, which on a badge means a region swallowing
 * the next one; a designer wants the line instead.
 */
const checkHtml = (markup: string, context: CheckContext, issues: Issues) => {
  parseFragment(markup, {
    sourceCodeLocationInfo: true,
    onParseError: (e) =>
      issues.add("html", "broken_html", `HTML parse error "${e.code}" at column ${e.startCol}`, markup, e.startOffset),
  })
  checkPlaceholders("html", markup, context, issues, () => true)
  const open: Array<{ name: string; offset: number }> = []
  TAG.lastIndex = 0
  for (let m = TAG.exec(markup); m !== null; m = TAG.exec(markup)) {
    if (m[0].startsWith("<!--")) {
      if (!m[0].endsWith("-->")) issues.add("html", "broken_html", "a comment is never closed", markup, m.index)
      continue
    }
    const [, closing, rawName, attributes = "", selfClosing] = m
    const name = rawName!.toLowerCase()
    if (name === "script") {
      if (closing === "")
        issues.add("html", "script", "<script> is not allowed: badges render without scripts", markup, m.index)
      continue
    }
    if (closing === "") {
      for (const a of attributes.matchAll(ATTRIBUTE)) {
        const attribute = a[1]!.toLowerCase()
        const value = a[2] ?? a[3] ?? a[4]
        if (attribute.startsWith("on")) {
          issues.add("html", "script", `<${name} ${attribute}>: event handlers are not allowed`, markup, m.index)
        } else if (a[4] !== undefined && /\{\{/.test(a[4])) {
          issues.add(
            "html",
            "placeholder_context",
            `<${name} ${attribute}=…>: quote attribute values that hold placeholders`,
            markup,
            m.index,
          )
        }
        if (value !== undefined && /^\s*javascript:/i.test(value)) {
          issues.add("html", "script", `<${name} ${attribute}="javascript:…"> is not allowed`, markup, m.index)
        } else if (value !== undefined && URL_ATTRIBUTES.has(attribute) && !isEmbedded(value)) {
          issues.add(
            "html",
            "external_reference",
            `<${name} ${attribute}="${value.slice(0, 80)}"> is not embedded: add it to the template's assets and use {{asset.<name>}}`,
            markup,
            m.index,
          )
        } else if (attribute === "style" && value !== undefined) {
          checkCss(value, context, issues)
        }
      }
    }
    if (VOID_ELEMENTS.has(name)) {
      if (closing === "/") issues.add("html", "broken_html", `</${name}>: <${name}> has no end tag`, markup, m.index)
      continue
    }
    if (closing === "") {
      if (selfClosing === "/" && FOREIGN_SELF_CLOSING.test(name)) continue
      if (selfClosing === "/") {
        issues.add(
          "html",
          "broken_html",
          `<${name}/> does not close itself in HTML: write <${name}></${name}>`,
          markup,
          m.index,
        )
        continue
      }
      if (RAW_TEXT.has(name)) {
        const end = markup.toLowerCase().indexOf(`</${name}`, TAG.lastIndex)
        if (end < 0) {
          issues.add("html", "broken_html", `<${name}> opened here is never closed`, markup, m.index)
          break
        }
        if (name === "style") checkCss(markup.slice(TAG.lastIndex, end), context, issues)
        TAG.lastIndex = end
        continue
      }
      open.push({ name, offset: m.index })
      continue
    }
    const top = open[open.length - 1]
    if (top?.name === name) {
      open.pop()
      continue
    }
    const at = open.findLastIndex((o) => o.name === name)
    if (at < 0) {
      issues.add("html", "broken_html", `</${name}> closes nothing: no <${name}> is open here`, markup, m.index)
      continue
    }
    for (const unclosed of open.splice(at).slice(1).reverse()) {
      issues.add(
        "html",
        "broken_html",
        `<${unclosed.name}> on line ${lineAt(markup, unclosed.offset)} is not closed before </${name}>`,
        markup,
        m.index,
      )
    }
  }
  for (const unclosed of open) {
    issues.add("html", "broken_html", `<${unclosed.name}> is never closed`, markup, unclosed.offset)
  }
}

/** Every problem of a template, in source order per part; empty when it renders as written. */
export const templateIssues = (
  template: Pick<BadgeLayout, "html" | "css" | "assets">,
  fieldIds: ReadonlySet<string> | null = null,
): ReadonlyArray<BadgeTemplateIssue> => {
  const issues = new Issues()
  const context = { assets: new Set(Object.keys(template.assets)), fieldIds }
  checkHtml(template.html, context, issues)
  checkCss(template.css, context, issues)
  return issues.list
}

/** The problem a caller gets for a template with issues: the first one in `detail`, all in `issues`. */
export const invalidTemplate = (issues: ReadonlyArray<BadgeTemplateIssue>, where: string) => {
  const first = issues[0]!
  const line = first.line === undefined ? "" : ` line ${first.line}`
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""
  return new BadgeTemplateInvalid({
    detail: `${where}: ${first.source}${line}: ${first.message}${more}`,
    issues,
  })
}

/** The category colour of a ticket type: by id, then by name, then `default`, then a neutral grey. */
export const colourFor = (colors: Readonly<Record<string, string>>, content: BadgeContent) =>
  colors[content.ticketTypeId] ?? colors[content.ticketType] ?? colors.default ?? "#4b5563"

const placeholderValue = (layout: BadgeLayout, content: BadgeContent, qr: string, name: string): string => {
  if (name.startsWith("field.")) return content.fields[name.slice(6)] ?? ""
  if (name.startsWith("asset.")) return layout.assets[name.slice(6)] ?? TRANSPARENT_PIXEL
  switch (name) {
    case "qr":
      return qr
    case "photo":
      return content.photo ?? TRANSPARENT_PIXEL
    case "color":
      return colourFor(layout.colors, content)
    default:
      return (content as unknown as Record<string, string>)[name] ?? ""
  }
}

/**
 * The badge's shadow-root markup with its placeholders filled: text escaped for HTML, URL and
 * colour values (data URLs, hex) placed as they are in CSS, where the template check allows only them.
 */
export const fillTemplate = (layout: BadgeLayout, content: BadgeContent, qr: string) => {
  const fill = (text: string, encode: (s: string) => string) =>
    text.replace(PLACEHOLDER, (_, name: string) => encode(placeholderValue(layout, content, qr, name)))
  return { html: fill(layout.html, escapeHtml), css: fill(layout.css, (s) => s) }
}

const BASE_CSS =
  ':host{display:block;position:relative;overflow:hidden;box-sizing:border-box;background:#fff;color:#111;font-family:"Liberation Sans",Arial,Helvetica,sans-serif}*,*::before,*::after{box-sizing:border-box}'

/**
 * One badge element: a box of the badge's exact size whose template lives in a declarative shadow
 * root, so each template's CSS applies to its own badge only, also when a sheet mixes templates.
 */
export const badgeElement = (layout: BadgeLayout, content: BadgeContent, qr: string, style = "") => {
  const filled = fillTemplate(layout, content, qr)
  return `<div class="sratix-badge" style="width:${layout.widthMm}mm;height:${layout.heightMm}mm;${style}"><template shadowrootmode="open"><style>${BASE_CSS}${filled.css}</style>${filled.html}</template></div>`
}

const documentOf = (pageCss: string, body: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><style>${pageCss}html,body{margin:0;padding:0}.sratix-badge{position:relative;overflow:hidden}</style></head><body>${body}</body></html>`

/** A print-ready document of one badge: the page is the badge. */
export const badgeDocument = (layout: BadgeLayout, content: BadgeContent, qr: string) =>
  documentOf(
    `@page{size:${layout.widthMm}mm ${layout.heightMm}mm;margin:0}html,body{width:${layout.widthMm}mm;height:${layout.heightMm}mm;overflow:hidden}`,
    badgeElement(layout, content, qr),
  )

export const A4 = { widthMm: 210, heightMm: 297 } as const
const SHEET_MARGIN_MM = 8
/** Room between badges for crop marks: a mark starts 1 mm off the cut and is 3 mm long. */
const GUTTER_MM = 6
const MARK_OFFSET_MM = 1
const MARK_LENGTH_MM = 3

export interface SheetLayout {
  readonly columns: number
  readonly rows: number
  /** Top-left corners of the cells on an A4 sheet, row by row. */
  readonly cells: ReadonlyArray<{ readonly xMm: number; readonly yMm: number }>
  readonly cropMarks: boolean
}

const EPSILON = 1e-6

/**
 * How badges of one cell size tile an A4 sheet. With a margin and gutters for crop marks when that
 * fits as many badges as edge to edge; else edge to edge (A6 fills A4 exactly 2 × 2), where the cut
 * lines are the sheet's halves and the placement is exact.
 */
export const sheetLayout = (cell: { readonly widthMm: number; readonly heightMm: number }): SheetLayout => {
  const fit = (space: number, size: number, gap: number) => Math.floor((space + gap + EPSILON) / (size + gap))
  const marked = {
    columns: fit(A4.widthMm - 2 * SHEET_MARGIN_MM, cell.widthMm, GUTTER_MM),
    rows: fit(A4.heightMm - 2 * SHEET_MARGIN_MM, cell.heightMm, GUTTER_MM),
  }
  const tight = { columns: fit(A4.widthMm, cell.widthMm, 0), rows: fit(A4.heightMm, cell.heightMm, 0) }
  const cropMarks = marked.columns * marked.rows >= tight.columns * tight.rows && marked.columns * marked.rows > 0
  const { columns, rows } = cropMarks ? marked : tight
  const gap = cropMarks ? GUTTER_MM : 0
  const gridWidth = columns * cell.widthMm + (columns - 1) * gap
  const gridHeight = rows * cell.heightMm + (rows - 1) * gap
  const left = (A4.widthMm - gridWidth) / 2
  const top = (A4.heightMm - gridHeight) / 2
  const cells = []
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      cells.push({ xMm: left + c * (cell.widthMm + gap), yMm: top + r * (cell.heightMm + gap) })
    }
  }
  return { columns, rows, cells, cropMarks }
}

const mm = (n: number) => `${Math.round(n * 1000) / 1000}mm`

const cropMarksAround = (x: number, y: number, w: number, h: number) => {
  const line = (left: number, top: number, width: number, height: number) =>
    `<i class="mark" style="left:${mm(left)};top:${mm(top)};width:${mm(width)};height:${mm(height)}"></i>`
  const out: Array<string> = []
  for (const cx of [x, x + w]) {
    for (const cy of [y, y + h]) {
      const outward = { x: cx === x ? -1 : 1, y: cy === y ? -1 : 1 }
      const hx = outward.x < 0 ? cx - MARK_OFFSET_MM - MARK_LENGTH_MM : cx + MARK_OFFSET_MM
      const vy = outward.y < 0 ? cy - MARK_OFFSET_MM - MARK_LENGTH_MM : cy + MARK_OFFSET_MM
      out.push(line(hx, cy, MARK_LENGTH_MM, 0), line(cx, vy, 0, MARK_LENGTH_MM))
    }
  }
  return out.join("")
}

export interface SheetBadge {
  readonly layout: BadgeLayout
  readonly content: BadgeContent
  readonly qr: string
}

/**
 * Badges on A4 sheets, in the given order, row by row. Cells take the largest badge size; each
 * badge sits at its cell's top-left corner with crop marks at its own corners.
 */
export const sheetsDocument = (badges: ReadonlyArray<SheetBadge>) => {
  const cell = {
    widthMm: Math.max(...badges.map((b) => b.layout.widthMm)),
    heightMm: Math.max(...badges.map((b) => b.layout.heightMm)),
  }
  const layout = sheetLayout(cell)
  const perSheet = layout.cells.length
  const sheets: Array<string> = []
  for (let first = 0; first < badges.length; first += perSheet) {
    const placed = badges.slice(first, first + perSheet).map((badge, i) => {
      const { xMm, yMm } = layout.cells[i]!
      const marks = layout.cropMarks ? cropMarksAround(xMm, yMm, badge.layout.widthMm, badge.layout.heightMm) : ""
      return (
        badgeElement(badge.layout, badge.content, badge.qr, `position:absolute;left:${mm(xMm)};top:${mm(yMm)}`) + marks
      )
    })
    sheets.push(`<section class="sheet">${placed.join("")}</section>`)
  }
  return {
    perSheet,
    html: documentOf(
      // 296.9 mm: a sheet of exactly 297 mm can round over the page and leave an empty page after it.
      "@page{size:A4;margin:0}.sheet{position:relative;width:210mm;height:296.9mm;overflow:hidden;break-after:page}.sheet:last-child{break-after:auto}.mark{position:absolute;display:block;border:0 solid #000;border-top-width:0.2mm;border-left-width:0.2mm}",
      sheets.join(""),
    ),
  }
}

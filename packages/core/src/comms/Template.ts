import { HttpApiSchema } from "@effect/platform"
import { Effect, Schema } from "effect"
import mjml2html from "mjml"
import type { Locale } from "../domain/Common.js"
import { problemFields } from "../domain/Problems.js"
import { escapeHtml } from "../render/Html.js"

export const LOCALES: ReadonlyArray<Locale> = ["en", "de", "fr", "it"]

/**
 * An email template: MJML for the HTML part, plain text for the text part, a subject, and the
 * words of each language. Three kinds of token, the same in all three:
 * - `{{field}}`: a value of the message, escaped for HTML in the HTML part;
 * - `{{#list}}…{{/list}}`: repeated for each item of a list, whose fields are in scope inside;
 * - `{{t.key}}`: the key's text in the message's language (which may itself hold `{{field}}`s).
 * Every token is checked when the template is loaded, in every language: an unknown field, list or
 * key, an unclosed block or MJML that does not validate is an error naming the template.
 */
export interface TemplateSource {
  readonly name: string
  readonly fields: ReadonlyArray<string>
  readonly lists: Readonly<Record<string, ReadonlyArray<string>>>
  readonly subject: string
  readonly mjml: string
  readonly text: string
  readonly messages: Readonly<Record<Locale, Readonly<Record<string, string>>>>
}

export interface TemplateData {
  readonly fields: Readonly<Record<string, string>>
  readonly lists?: Readonly<Record<string, ReadonlyArray<Readonly<Record<string, string>>>>>
}

export interface RenderedEmail {
  readonly subject: string
  readonly html: string
  readonly text: string
}

export class TemplateInvalid extends Schema.TaggedError<TemplateInvalid>()(
  "TemplateInvalid",
  { ...problemFields("template-invalid", 422, "Template invalid"), template: Schema.String },
  HttpApiSchema.annotations<TemplateInvalid>({ status: 422 }),
) {}

type Node =
  | { readonly kind: "text"; readonly value: string }
  | { readonly kind: "field"; readonly name: string }
  | { readonly kind: "list"; readonly name: string; readonly body: ReadonlyArray<Node> }

const TOKEN = /\{\{\s*([#/]?)([A-Za-z][A-Za-z0-9_.]*)\s*\}\}/g

/** Tokens into a tree; `where` names the part in errors. */
const parse = (source: string, where: string): ReadonlyArray<Node> => {
  const root: Array<Node> = []
  const stack: Array<{ name: string; body: Array<Node> }> = []
  let current = root
  let last = 0
  for (const match of source.matchAll(TOKEN)) {
    const [whole, sigil, name] = match as unknown as [string, string, string]
    if (match.index > last) current.push({ kind: "text", value: source.slice(last, match.index) })
    last = match.index + whole.length
    if (sigil === "#") {
      const body: Array<Node> = []
      current.push({ kind: "list", name, body })
      stack.push({ name, body: current })
      current = body
    } else if (sigil === "/") {
      const open = stack.pop()
      if (open === undefined || open.name !== name) {
        throw new Error(`${where}: {{/${name}}} closes ${open ? `{{#${open.name}}}` : "nothing"}`)
      }
      current = open.body
    } else {
      current.push({ kind: "field", name })
    }
  }
  if (stack.length > 0) throw new Error(`${where}: {{#${stack[stack.length - 1]!.name}}} is never closed`)
  if (last < source.length) current.push({ kind: "text", value: source.slice(last) })
  return root
}

/** Every field and list used exists where it is used. */
const check = (nodes: ReadonlyArray<Node>, source: TemplateSource, where: string, inList: string | null) => {
  for (const node of nodes) {
    if (node.kind === "field") {
      const known =
        source.fields.includes(node.name) || (inList !== null && (source.lists[inList] ?? []).includes(node.name))
      if (!known) throw new Error(`${where}: unknown placeholder {{${node.name}}}`)
    } else if (node.kind === "list") {
      if (inList !== null) throw new Error(`${where}: {{#${node.name}}} inside {{#${inList}}} (lists do not nest)`)
      if (!Object.hasOwn(source.lists, node.name)) throw new Error(`${where}: unknown list {{#${node.name}}}`)
      check(node.body, source, where, node.name)
    }
  }
}

/** `{{t.key}}` replaced by the language's text, through `encode` (HTML for MJML, none for text). */
const translate = (
  text: string,
  source: TemplateSource,
  locale: Locale,
  where: string,
  encode: (s: string) => string,
) =>
  text.replace(/\{\{\s*t\.([A-Za-z0-9_]+)\s*\}\}/g, (_, key: string) => {
    const message = source.messages[locale]?.[key]
    if (message === undefined) throw new Error(`${where}: no "${key}" text in ${locale}`)
    if (/\{\{\s*[#/]|\{\{\s*t\./.test(message))
      throw new Error(`${where}: text "${key}" (${locale}) may hold only fields`)
    return encode(message)
  })

const MJ_TAG = /<(\/?)(mjml|mj-[a-z-]+)\b(?:[^>"']|"[^"]*"|'[^']*')*?(\/?)>/g

/**
 * mjml2html tolerates unclosed and crossed tags and guesses: a template must say what it means.
 * The MJML elements must nest properly; the HTML inside mj-text, mj-table and mj-raw is left to MJML.
 */
const checkNesting = (mjml: string, where: string) => {
  const stack: Array<string> = []
  for (const match of mjml.matchAll(MJ_TAG)) {
    const [, closing, tag, selfClosing] = match as unknown as [string, string, string, string]
    if (selfClosing === "/") continue
    if (closing === "") {
      stack.push(tag)
      continue
    }
    const open = stack.pop()
    if (open !== tag) throw new Error(`${where}: </${tag}> closes ${open ? `<${open}>` : "nothing"}`)
  }
  if (stack.length > 0) throw new Error(`${where}: <${stack[stack.length - 1]}> is never closed`)
  if (!/^\s*<mjml\b/.test(mjml)) throw new Error(`${where}: an MJML document starts with <mjml>`)
}

/** A template in one language, ready to fill: MJML already compiled, tokens already parsed. */
export interface CompiledTemplate {
  readonly name: string
  readonly locale: Locale
  readonly subject: ReadonlyArray<Node>
  readonly html: ReadonlyArray<Node>
  readonly text: ReadonlyArray<Node>
}

const invalid = (source: { readonly name: string }, detail: string) =>
  new TemplateInvalid({ detail: `Email template "${source.name}": ${detail}`, template: source.name })

/** Validates and compiles one language of a template (MJML → HTML once, placeholders kept for later). */
export const compileTemplate = (
  source: TemplateSource,
  locale: Locale,
): Effect.Effect<CompiledTemplate, TemplateInvalid> =>
  Effect.gen(function* () {
    const prepared = yield* Effect.try({
      try: () => {
        checkNesting(source.mjml, "mjml")
        for (const list of Object.keys(source.lists)) {
          if (source.fields.includes(list)) throw new Error(`"${list}" is both a field and a list`)
        }
        const subjectTokens = parse(
          translate(source.subject, source, locale, "subject", (s) => s),
          "subject",
        )
        const textTokens = parse(
          translate(source.text, source, locale, "text", (s) => s),
          "text",
        )
        const mjml = translate(source.mjml, source, locale, "mjml", escapeHtml)
        // Checked before MJML runs, so the error names the placeholder rather than what MJML made of it.
        check(parse(mjml, "mjml"), source, "mjml", null)
        check(subjectTokens, source, "subject", null)
        if (subjectTokens.some((n) => n.kind === "list")) throw new Error("subject: lists belong in the body")
        check(textTokens, source, "text", null)
        return { mjml, subjectTokens, textTokens }
      },
      catch: (e) => invalid(source, `${(e as Error).message} (${locale})`),
    })
    const output = yield* Effect.tryPromise({
      // No web fonts: a message must not make the reader's client fetch from a third party.
      try: () => mjml2html(prepared.mjml, { validationLevel: "strict", fonts: {}, keepComments: false }),
      catch: (e) => {
        const errors = (e as { errors?: ReadonlyArray<{ formattedMessage?: string; message?: string }> }).errors
        const first = errors?.[0]
        const reason = first?.message ?? (e as Error).message
        const line = first?.formattedMessage?.match(/^Line (\d+)/)?.[1]
        return invalid(source, `MJML: ${reason}${line ? ` (line ${line})` : ""}`)
      },
    })
    const html = yield* Effect.try({
      try: () => parse(output.html, "html"),
      catch: (e) => invalid(source, (e as Error).message),
    })
    return { name: source.name, locale, subject: prepared.subjectTokens, html, text: prepared.textTokens }
  }).pipe(Effect.withSpan("EmailTemplates.compile", { attributes: { template: source.name, locale } }))

class MissingValue extends Error {}

const fill = (
  nodes: ReadonlyArray<Node>,
  data: TemplateData,
  encode: (s: string) => string,
  item: Readonly<Record<string, string>> | null,
): string => {
  let out = ""
  for (const node of nodes) {
    if (node.kind === "text") out += node.value
    else if (node.kind === "field") {
      const value = item?.[node.name] ?? data.fields[node.name]
      if (value === undefined) throw new MissingValue(`no value for {{${node.name}}}`)
      out += encode(value)
    } else {
      const items = data.lists?.[node.name]
      if (items === undefined) throw new MissingValue(`no list {{#${node.name}}}`)
      for (const entry of items) out += fill(node.body, data, encode, entry)
    }
  }
  return out
}

/** A header line: no line breaks (no header injection), runs of whitespace as one space. */
const oneLine = (s: string) => s.replace(/\s+/g, " ")

/** The message from a compiled template and its data; values are escaped in the HTML part. */
export const renderTemplate = (
  template: CompiledTemplate,
  data: TemplateData,
): Effect.Effect<RenderedEmail, TemplateInvalid> =>
  Effect.try({
    try: () => ({
      subject: fill(template.subject, data, oneLine, null).trim(),
      html: fill(template.html, data, escapeHtml, null),
      text: fill(template.text, data, (s) => s, null),
    }),
    catch: (e) =>
      e instanceof MissingValue
        ? invalid(template, `${e.message} (${template.locale})`)
        : invalid(template, `cannot render: ${String(e)}`),
  })

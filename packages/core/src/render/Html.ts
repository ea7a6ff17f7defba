/** Markup that is already safe to place in a document: produced by `html` or wrapped with `trusted`. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString() {
    return this.value
  }
}

const entities: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
}

export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => entities[c]!)

/** For markup that comes from code we control (an SVG a library drew), never from people. */
export const trusted = (markup: string) => new SafeHtml(markup)

type Interpolation = SafeHtml | string | number | null | undefined | false | ReadonlyArray<Interpolation>

const render = (value: Interpolation): string => {
  if (value === null || value === undefined || value === false) return ""
  if (value instanceof SafeHtml) return value.value
  if (Array.isArray(value)) return value.map(render).join("")
  return escapeHtml(String(value))
}

/**
 * A template tag for documents rendered from data people typed (names, addresses, line texts):
 * every interpolated value is escaped unless it is itself `SafeHtml`, so a template cannot forget.
 */
export const html = (strings: TemplateStringsArray, ...values: ReadonlyArray<Interpolation>): SafeHtml =>
  new SafeHtml(strings.reduce((out, part, i) => out + part + (i < values.length ? render(values[i]!) : ""), ""))

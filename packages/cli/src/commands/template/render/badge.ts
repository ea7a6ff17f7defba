import * as fs from "node:fs"
import * as path from "node:path"
import { Errors, Flags } from "@oclif/core"
import {
  type BadgeFormat,
  type BadgeLayout,
  Badges,
  EventId,
  type RenderedBadge,
  renderBadge,
  resolveSize,
  SAMPLE_BADGE_TEMPLATE,
  SaveBadgeTemplate,
  sampleBadgeContent,
  TicketId,
} from "@sratix/core"
import { Effect, Schema } from "effect"
import { BaseCommand } from "../../../BaseCommand.js"
import { ExitCode } from "../../../Failures.js"
import { formatFromOut, writeAtomically } from "../../../Output.js"

export interface BadgeRenderResult {
  /** Where the badge was written, or "-" for standard output. */
  readonly path: string
  readonly format: BadgeFormat
  readonly bytes: number
  /** Pages of a PDF; null for PNG and HTML. */
  readonly pages: number | null
  /** Null when sample data was used. */
  readonly ticketId: string | null
  /** "built-in", the template file, or the stored template's name and version. */
  readonly template: string
}

const formats: ReadonlyArray<BadgeFormat> = ["pdf", "png", "html"]
const invalid = (message: string) => new Errors.CLIError(message, { exit: ExitCode.invalidInput })

/**
 * A template file: JSON in the shape the API saves (name, size, html, css, assets, colors,
 * fields), or bare HTML for an A6 badge (its styles in a <style> element).
 */
const readTemplateFile = (file: string): BadgeLayout => {
  let text: string
  try {
    text = fs.readFileSync(file, "utf8")
  } catch (e) {
    throw invalid(`--template ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? "error"})`)
  }
  if (!file.toLowerCase().endsWith(".json")) {
    return { ...SAMPLE_BADGE_TEMPLATE, html: text, css: "", assets: {} }
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw invalid(`--template ${file}: not JSON (${(e as Error).message})`)
  }
  const decoded = Schema.decodeUnknownEither(SaveBadgeTemplate)({ name: path.basename(file), ...(json as object) })
  if (decoded._tag === "Left") throw invalid(`--template ${file}: ${decoded.left.message.split("\n")[0]}`)
  const template = decoded.right
  try {
    return { ...template, ...resolveSize(template.size) }
  } catch (e) {
    throw invalid(`--template ${file}: ${(e as Error).message}`)
  }
}

export default class TemplateRenderBadge extends BaseCommand<typeof TemplateRenderBadge> {
  static override summary = "Render a badge to PDF, PNG or HTML, for a ticket or with sample data."
  static override description =
    "For designers iterating on a template: --template FILE (JSON as the API saves it, or bare HTML for an A6 " +
    "badge) renders with sample data and needs no database; --ticket renders a real ticket with its event's " +
    "stored template (or --template); --event renders the event's stored default template with sample data. " +
    "The template is checked first: unknown placeholders, broken HTML and missing assets are named with their line. " +
    "Chromium comes from SRATIX_CHROMIUM_PATH (default /usr/bin/chromium)."
  static override examples = [
    "<%= config.bin %> <%= command.id %> --out sample.pdf",
    "<%= config.bin %> <%= command.id %> --template badge.json --out badge.png",
    "<%= config.bin %> <%= command.id %> --ticket 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60 --out badge.pdf",
  ]
  static override flags = {
    ticket: Flags.string({ description: "Ticket whose badge to render", helpValue: "ID", exclusive: ["event"] }),
    event: Flags.string({
      description: "Event whose stored default template to render with sample data",
      helpValue: "ID",
    }),
    template: Flags.string({
      description: "Template file (.json or .html) instead of a stored one",
      helpValue: "FILE",
    }),
    out: Flags.string({ description: "File to write, or - for standard output", required: true, helpValue: "FILE" }),
    format: Flags.string({
      description: "Output format (default: from the --out extension, else pdf)",
      options: [...formats],
    }),
  }

  async run(): Promise<BadgeRenderResult> {
    const { out, ticket, event } = this.flags
    const format = formatFromOut(this.flags.format, out, formats, "pdf")
    const toStdout = out === "-"
    if (toStdout && this.jsonEnabled())
      throw invalid("--out - and --json both write to standard output: give --out a file")
    if (ticket !== undefined && !Schema.is(TicketId)(ticket)) throw invalid(`"${ticket}" is not a ticket id (a UUID)`)
    if (event !== undefined && !Schema.is(EventId)(event)) throw invalid(`"${event}" is not an event id (a UUID)`)
    const file = this.flags.template
    const fromFile = file === undefined ? null : readTemplateFile(file)
    const hints = { hints: { NotFound: "check the id; the CLI reads the database at DATABASE_URL" } }

    let rendered: RenderedBadge
    let template: string
    if (ticket !== undefined && fromFile === null) {
      rendered = await this.withCore(
        Effect.flatMap(Badges, (b) => b.renderForTicket(ticket as TicketId, format)),
        hints,
      )
      template = "stored"
    } else if (ticket !== undefined && fromFile !== null) {
      // A template file with a real ticket's data: what the attendee would get once it is saved.
      rendered = await this.withCore(
        Effect.flatMap(Badges, (b) => b.renderForTicket(ticket as TicketId, format, fromFile)),
        hints,
      )
      template = file!
    } else if (event !== undefined && fromFile === null) {
      const stored = await this.withCore(
        Effect.flatMap(Badges, (b) => b.get(event as EventId, null)),
        hints,
      )
      rendered = await this.withBrowser(renderBadge(stored, sampleBadgeContent(), format, `Template "${stored.name}"`))
      template = `${stored.name} v${stored.version}`
    } else {
      const layout = fromFile ?? SAMPLE_BADGE_TEMPLATE
      rendered = await this.withBrowser(renderBadge(layout, sampleBadgeContent(), format, file ?? "Built-in template"))
      template = file ?? "built-in"
    }
    if (toStdout) process.stdout.write(rendered.bytes)
    else {
      writeAtomically(out, rendered.bytes)
      const pages = rendered.pages === null ? "" : `, ${rendered.pages} page${rendered.pages === 1 ? "" : "s"}`
      this.log(`Wrote the badge to ${out} (${format}, ${rendered.bytes.length} bytes${pages}).`)
    }
    return {
      path: out,
      format,
      bytes: rendered.bytes.length,
      pages: rendered.pages,
      ticketId: ticket ?? null,
      template,
    }
  }
}

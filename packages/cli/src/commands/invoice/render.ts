import { Errors, Flags } from "@oclif/core"
import {
  type InvoiceFormat,
  InvoiceId,
  type InvoiceKind,
  Invoices,
  type Locale,
  type RenderedInvoice,
  renderInvoice,
  sampleInvoice,
} from "@sratix/core"
import { Effect, Schema } from "effect"
import { BaseCommand } from "../../BaseCommand.js"
import { ExitCode } from "../../Failures.js"
import { formatFromOut, writeAtomically } from "../../Output.js"

export interface InvoiceRenderResult {
  /** Where the document was written, or "-" for standard output. */
  readonly path: string
  readonly format: InvoiceFormat
  readonly bytes: number
  /** Pages of a PDF; null for PNG and HTML. */
  readonly pages: number | null
  readonly locale: Locale | null
  /** Null for `--sample`. */
  readonly invoiceId: string | null
  readonly number: string
}

const formats: ReadonlyArray<InvoiceFormat> = ["pdf", "png", "html"]
const isInvoiceId = Schema.is(InvoiceId)

export default class InvoiceRender extends BaseCommand<typeof InvoiceRender> {
  static override summary = "Render an invoice, or a sample one, to PDF, PNG or HTML."
  static override description =
    "The document as customers get it: A4, in the invoice's language (or --locale), with the Swiss QR-bill " +
    "payment part at the bottom while an amount is still to be paid. --sample renders an exhibitor's " +
    "proforma from built-in data, without a database, to check templates, fonts and Chromium. " +
    "Chromium comes from SRATIX_CHROMIUM_PATH (default /usr/bin/chromium)."
  static override examples = [
    "<%= config.bin %> <%= command.id %> --id 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60 --out invoice.pdf",
    "<%= config.bin %> <%= command.id %> --sample --locale fr --reference scor --out sample.png",
  ]
  static override flags = {
    id: Flags.string({ description: "Invoice id", helpValue: "ID", exactlyOne: ["id", "sample"] }),
    sample: Flags.boolean({ description: "Render built-in sample data instead of a stored invoice" }),
    out: Flags.string({ description: "File to write, or - for standard output", required: true, helpValue: "FILE" }),
    format: Flags.string({
      description: "Output format (default: from the --out extension, else pdf)",
      options: [...formats],
    }),
    locale: Flags.string({ description: "Language of the labels", options: ["en", "de", "fr", "it"] }),
    reference: Flags.string({
      description: "With --sample: a QR-IBAN with a QR reference, or an IBAN with a creditor reference",
      options: ["qrr", "scor"],
      default: "qrr",
    }),
    kind: Flags.string({
      description: "With --sample: the kind of document",
      options: ["proforma", "final", "credit_note"],
      default: "proforma",
    }),
  }

  async run(): Promise<InvoiceRenderResult> {
    const { out, id, sample } = this.flags
    const format = formatFromOut<InvoiceFormat>(this.flags.format, out, formats, "pdf")
    const locale = this.flags.locale as Locale | undefined
    const toStdout = out === "-"
    if (toStdout && this.jsonEnabled()) {
      throw new Errors.CLIError("--out - and --json both write to standard output: give --out a file", {
        exit: ExitCode.invalidInput,
      })
    }
    let rendered: RenderedInvoice
    let described: { invoiceId: string | null; number: string; locale: Locale }
    if (sample) {
      const invoice = sampleInvoice(locale ?? "en", {
        reference: this.flags.reference === "scor" ? "SCOR" : "QRR",
        kind: this.flags.kind as InvoiceKind,
      })
      rendered = await this.withBrowser(renderInvoice(invoice, format))
      described = { invoiceId: null, number: invoice.number, locale: invoice.locale }
    } else {
      if (!isInvoiceId(id)) {
        throw new Errors.CLIError(`"${id}" is not an invoice id (a UUID)`, { exit: ExitCode.invalidInput })
      }
      const result = await this.withCore(
        Effect.gen(function* () {
          const invoices = yield* Invoices
          const invoice = yield* invoices.get(id)
          const document = yield* invoices.render(id, format, locale === undefined ? {} : { locale })
          return { invoice, document }
        }),
        { hints: { NotFound: "check the id; the CLI reads the database at DATABASE_URL" } },
      )
      rendered = result.document
      described = { invoiceId: id, number: result.invoice.number, locale: locale ?? result.invoice.locale }
    }
    if (toStdout) process.stdout.write(rendered.bytes)
    else {
      writeAtomically(out, rendered.bytes)
      const pages = rendered.pages === null ? "" : `, ${rendered.pages} page${rendered.pages === 1 ? "" : "s"}`
      this.log(`Wrote ${described.number} to ${out} (${format}, ${rendered.bytes.length} bytes${pages}).`)
    }
    return { path: out, format, bytes: rendered.bytes.length, pages: rendered.pages, ...described }
  }
}

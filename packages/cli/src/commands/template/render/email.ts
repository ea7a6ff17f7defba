import { Errors, Flags } from "@oclif/core"
import {
  composeMessage,
  Emails,
  EmailTemplates,
  InvoiceId,
  type Locale,
  loadEnvironment,
  OrderId,
  SAMPLE_RECIPIENT,
  sampleTemplateData,
  TEMPLATE_NAMES,
  type TemplateName,
} from "@sratix/core"
import { Effect, Exit, Schema } from "effect"
import { BaseCommand } from "../../../BaseCommand.js"
import { describeCause, ExitCode } from "../../../Failures.js"
import { formatFromOut, writeAtomically } from "../../../Output.js"

type EmailFormat = "html" | "txt" | "eml"

export interface EmailRenderResult {
  /** Where the message was written, or "-" for standard output. */
  readonly path: string
  readonly format: EmailFormat
  readonly bytes: number
  readonly template: TemplateName
  readonly locale: Locale
  readonly subject: string
  /** Null for sample data. */
  readonly orderId: string | null
  readonly invoiceId: string | null
}

const formats: ReadonlyArray<EmailFormat> = ["html", "txt", "eml"]
const isOrderId = Schema.is(OrderId)
const isInvoiceId = Schema.is(InvoiceId)

export default class TemplateRenderEmail extends BaseCommand<typeof TemplateRenderEmail> {
  static override summary = "Render an email template with sample data, or about a stored order or invoice."
  static override description =
    "The message as it would be sent, without sending or logging it: the HTML part, the plain-text part, or a " +
    "whole RFC 5322 message (.eml) any mail client opens. Without --order or --invoice, built-in sample data is " +
    "used and no database is needed, so a designer can iterate on a template. A template that does not " +
    "validate (unknown placeholder, broken MJML) fails with an error naming the template and the fault."
  static override examples = [
    "<%= config.bin %> <%= command.id %> --template confirmation --lang de --out confirmation.html",
    "<%= config.bin %> <%= command.id %> --template confirmation --order 0193a4f2-7c1e-7d3a-9f00-00000000c0de --out message.eml",
    "<%= config.bin %> <%= command.id %> --template invoice_reminder --invoice 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60 --out -",
  ]
  static override flags = {
    template: Flags.string({ description: "Which message", options: [...TEMPLATE_NAMES], required: true }),
    lang: Flags.string({
      description: "Language (default: the order's or invoice's, else en)",
      options: ["en", "de", "fr", "it"],
    }),
    order: Flags.string({
      description: "A stored order (confirmation, badge_ready, event_reminder)",
      helpValue: "ID",
      exclusive: ["invoice"],
    }),
    invoice: Flags.string({
      description: "A stored invoice (invoice, invoice_reminder)",
      helpValue: "ID",
      exclusive: ["order"],
    }),
    out: Flags.string({ description: "File to write, or - for standard output", required: true, helpValue: "FILE" }),
    format: Flags.string({
      description: "Output format (default: from the --out extension, else html)",
      options: [...formats],
    }),
  }

  async run(): Promise<EmailRenderResult> {
    const { out, order, invoice } = this.flags
    const template = this.flags.template as TemplateName
    const format = formatFromOut<EmailFormat>(this.flags.format, out, formats, "html")
    const lang = this.flags.lang as Locale | undefined
    const toStdout = out === "-"
    if (toStdout && this.jsonEnabled()) {
      throw new Errors.CLIError("--out - and --json both write to standard output: give --out a file", {
        exit: ExitCode.invalidInput,
      })
    }
    if (order !== undefined && !isOrderId(order)) {
      throw new Errors.CLIError(`"${order}" is not an order id (a UUID)`, { exit: ExitCode.invalidInput })
    }
    if (invoice !== undefined && !isInvoiceId(invoice)) {
      throw new Errors.CLIError(`"${invoice}" is not an invoice id (a UUID)`, { exit: ExitCode.invalidInput })
    }
    const subject = order !== undefined ? { orderId: order } : invoice !== undefined ? { invoiceId: invoice } : null
    const message =
      subject === null
        ? await this.sample(template, lang ?? "en")
        : await this.withCore(
            Effect.flatMap(Emails, (emails) =>
              emails.preview(template, subject, lang === undefined ? {} : { locale: lang }),
            ),
            { hints: { NotFound: "check the id; the CLI reads the database at DATABASE_URL" } },
          )
    const bytes =
      format === "html"
        ? Buffer.from(message.html)
        : format === "txt"
          ? Buffer.from(message.text)
          : await Effect.runPromise(
              composeMessage(
                {
                  id: "preview",
                  to: message.to,
                  subject: message.subject,
                  html: message.html,
                  text: message.text,
                  attachments: [],
                },
                this.mailFrom(),
              ),
            )
    if (toStdout) process.stdout.write(bytes)
    else {
      writeAtomically(out, bytes)
      this.log(`Wrote ${template} (${message.locale}) to ${out} (${format}, ${bytes.length} bytes): ${message.subject}`)
    }
    return {
      path: out,
      format,
      bytes: bytes.length,
      template,
      locale: message.locale,
      subject: message.subject,
      orderId: order ?? null,
      invoiceId: invoice ?? null,
    }
  }

  /** Templates only: sample data needs no database, secret or migrations. */
  private async sample(template: TemplateName, locale: Locale) {
    const exit = await Effect.runPromiseExit(
      Effect.flatMap(EmailTemplates, (t) => t.render(template, locale, sampleTemplateData(template, locale))).pipe(
        Effect.provide(EmailTemplates.Default),
      ),
    )
    if (Exit.isSuccess(exit)) return { ...exit.value, locale, to: SAMPLE_RECIPIENT }
    const failure = describeCause(exit.cause)
    throw new Errors.CLIError(failure.message, { exit: failure.exit })
  }

  /** The configured sender; a sample renders even when the rest of the environment is not set up. */
  private mailFrom() {
    return loadEnvironment(process.env).mail.from
  }
}

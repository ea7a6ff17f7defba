import * as fs from "node:fs"
import * as path from "node:path"
import { Args, Errors } from "@oclif/core"
import { BankImports, type ImportSummary } from "@sratix/core"
import { Effect } from "effect"
import { BaseCommand, plural } from "../../BaseCommand.js"
import { ExitCode } from "../../Failures.js"

/** Bank files are small (a day of credits); anything larger than this is not a camt.054 notification. */
const MAX_FILE_BYTES = 50 * 1024 * 1024

export default class PaymentsImportCamtCommand extends BaseCommand<typeof PaymentsImportCamtCommand> {
  static override summary = "Import a camt.054 bank credit notification: settle invoices paid by QR reference."
  static override description =
    "Reads an ISO 20022 camt.054 file (versions .04 and .08, as Swiss banks send them) and matches each booked " +
    "credit to its open invoice by QR reference, exact amount and currency; a match settles the payment (ledger " +
    "charge, order paid, invoice paid, tickets issued). Partial, over-paid, wrong-currency, already-paid and " +
    "unmatched credits are stored for a person to decide (see `payments review`), never applied by guess. " +
    "Importing the same file or an overlapping one again changes nothing. A file that is not a readable " +
    "camt.054 is refused whole (exit 2) and nothing is written."
  static override examples = [
    "<%= config.bin %> <%= command.id %> ./camt054-2026-12-03.xml",
    "<%= config.bin %> <%= command.id %> ./camt054.xml --json",
  ]
  static override args = {
    file: Args.string({ description: "The camt.054 XML file", required: true }),
  }

  async run(): Promise<ImportSummary> {
    const file = this.args.file
    const xml = readBankFile(file)
    const summary = await this.withCore(Effect.flatMap(BankImports, (b) => b.importFile(xml, path.basename(file))))
    if (summary.credits.length > 0) {
      this.log(["status", "reason", "amount", "reference", "invoice", "bank ref"].join("\t"))
      for (const c of summary.credits) {
        this.log(
          [
            c.status,
            c.reason ?? "-",
            `${(c.amountMinor / 100).toFixed(2)} ${c.currency}`,
            c.paymentReference ?? "-",
            c.invoiceNumber ?? "-",
            c.bankRef,
          ].join("\t"),
        )
      }
    }
    this.log(
      `${summary.version} ${summary.messageId}: ${summary.matched} matched, ${summary.needsReview} need review, ` +
        `${plural(summary.duplicates, "duplicate")}, ${summary.ignored} ignored (debits, not booked)` +
        (summary.seenBefore ? "; this file was imported before" : ""),
    )
    if (summary.needsReview > 0) this.log(`Decide the credits awaiting review: \`${this.config.bin} payments review\``)
    return summary
  }
}

const readBankFile = (file: string) => {
  let stat: fs.Stats
  try {
    stat = fs.statSync(file)
  } catch {
    throw new Errors.CLIError(`Cannot read ${file}: no such file`, { exit: ExitCode.invalidInput })
  }
  if (!stat.isFile() || stat.size > MAX_FILE_BYTES) {
    throw new Errors.CLIError(`${file} is not a camt.054 file (not a regular file, or larger than 50 MB)`, {
      exit: ExitCode.invalidInput,
    })
  }
  return fs.readFileSync(file, "utf8")
}

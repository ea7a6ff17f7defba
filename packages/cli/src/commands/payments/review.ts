import { Flags } from "@oclif/core"
import { BankImports, type StoredBankCredit } from "@sratix/core"
import { Effect } from "effect"
import { BaseCommand, plural } from "../../BaseCommand.js"

export interface PaymentsReviewResult {
  readonly credits: ReadonlyArray<StoredBankCredit>
}

export default class PaymentsReviewCommand extends BaseCommand<typeof PaymentsReviewCommand> {
  static override summary = "List bank credits awaiting a person's decision, with the reason each was not applied."
  static override description =
    "Credits from imported camt.054 files that did not match an open invoice exactly: partial, overpaid, " +
    "wrong_currency, already_paid, order_closed or unmatched. Oldest first. Settle one by hand with " +
    "`payments resolve ID --decision applied|returned|written-off`."
  static override examples = ["<%= config.bin %> <%= command.id %>", "<%= config.bin %> <%= command.id %> --json"]
  static override flags = {
    limit: Flags.integer({ description: "At most this many credits", default: 500, min: 1, max: 10_000 }),
  }

  async run(): Promise<PaymentsReviewResult> {
    const limit = this.flags.limit
    const credits = await this.withCore(Effect.flatMap(BankImports, (b) => b.awaitingReview(limit)))
    if (credits.length === 0) this.log("No bank credits await review.")
    else {
      this.log(["id", "reason", "amount", "reference", "order", "booked", "debtor", "bank ref"].join("\t"))
      for (const c of credits) {
        this.log(
          [
            c.id,
            c.reason ?? "-",
            `${(c.amountMinor / 100).toFixed(2)} ${c.currency}`,
            c.paymentReference ?? "-",
            c.orderId ?? "-",
            c.bookedOn ?? "-",
            c.debtorName ?? "-",
            c.bankRef,
          ].join("\t"),
        )
      }
      this.log(`${plural(credits.length, "credit")} awaiting review.`)
    }
    return { credits }
  }
}

import { Flags } from "@oclif/core"
import { Payments, type ReconcileResult } from "@sratix/core"
import { Effect } from "effect"
import { BaseCommand, plural } from "../../BaseCommand.js"
import { ProgressBar } from "../../Progress.js"

export interface PaymentsReconcileResult {
  readonly checked: number
  readonly changed: ReadonlyArray<ReconcileResult>
}

export default class PaymentsReconcileCommand extends BaseCommand<typeof PaymentsReconcileCommand> {
  static override summary = "Ask Stripe for every card payment still open and apply what it reports."
  static override description =
    "For webhooks that never arrived: every Stripe payment still pending or failed after --older-than minutes " +
    "is brought in line with its Checkout Session, exactly as the webhook would have done it (paid orders are " +
    "fulfilled, expired sessions closed). Safe to run at any time and in parallel with the server."
  static override examples = [
    "<%= config.bin %> <%= command.id %>",
    "<%= config.bin %> <%= command.id %> --older-than 60 --json",
  ]
  static override flags = {
    "older-than": Flags.integer({
      description: "Only payments started at least this many minutes ago",
      default: 10,
      min: 0,
      max: 60 * 24 * 30,
      helpValue: "MINUTES",
    }),
  }

  async run(): Promise<PaymentsReconcileResult> {
    const bar = new ProgressBar(!this.jsonEnabled(), "Reconciling")
    const olderThanMs = this.flags["older-than"] * 60_000
    const results = await this.withCore(
      Effect.flatMap(Payments, (p) =>
        p.reconcile({
          olderThanMs,
          onProgress: (done, total) => {
            if (done === 0) bar.start(total)
            else bar.update(done, total)
          },
        }),
      ),
    ).finally(() => bar.stop())
    const changed = results.filter((r) => r.before !== r.after)
    for (const r of changed) this.log(`${r.paymentId} (order ${r.orderId}): ${r.before} → ${r.after}`)
    this.log(`${plural(results.length, "open payment")} checked, ${changed.length} changed.`)
    return { checked: results.length, changed }
  }
}

import { Args, Errors, Flags } from "@oclif/core"
import { BankImports, OrderId, type StoredBankCredit } from "@sratix/core"
import { Effect, Schema } from "effect"
import { BaseCommand } from "../../BaseCommand.js"
import { ExitCode } from "../../Failures.js"

const isOrderId = Schema.is(OrderId)

export default class PaymentsResolveCommand extends BaseCommand<typeof PaymentsResolveCommand> {
  static override summary =
    "Decide on a bank credit awaiting review: apply it to an order, or record it returned or written off."
  static override description =
    "Ids come from `payments review`. `applied` pays the order the credit was matched to (or the one given with " +
    "--order, when the buyer typed a wrong reference) with the credit's amount, accepting a shortfall such as " +
    "bank fees: the payment goes on the ledger and the tickets are issued. `returned` records that the money went " +
    "back through the bank; `written-off` that it is kept without an order. Each decision needs a --note and is " +
    "audited; a credit is decided once."
  static override examples = [
    "<%= config.bin %> <%= command.id %> 0193… --decision applied --note 'bank fees deducted, accepted'",
    "<%= config.bin %> <%= command.id %> 0193… --decision applied --order 0193… --note 'debtor name matches'",
    "<%= config.bin %> <%= command.id %> 0193… --decision returned --note 'sent back 2026-12-04' --json",
  ]
  static override args = {
    credit: Args.string({ description: "Bank credit id (from `payments review`)", required: true }),
  }
  static override flags = {
    decision: Flags.string({
      description: "What happens to the money",
      options: ["applied", "returned", "written-off"],
      required: true,
    }),
    order: Flags.string({ description: "Order the money pays (applied only)", helpValue: "ID" }),
    note: Flags.string({ description: "Why, for the audit log", required: true, helpValue: "TEXT" }),
  }

  async run(): Promise<StoredBankCredit> {
    const { decision, order, note } = this.flags
    const credit = this.args.credit
    if (order !== undefined && (decision !== "applied" || !isOrderId(order))) {
      throw new Errors.CLIError(
        decision === "applied" ? `"${order}" is not an order id (a UUID)` : "--order goes with --decision applied",
        { exit: ExitCode.invalidInput },
      )
    }
    const resolution =
      decision === "applied"
        ? { decision: "applied" as const, orderId: order as OrderId | undefined, note }
        : { decision: decision === "returned" ? ("returned" as const) : ("written_off" as const), note }
    const resolved = await this.withCore(
      Effect.flatMap(BankImports, (b) => b.resolve(credit, resolution)),
      { hints: { NotFound: `list the credits with \`${this.config.bin} payments review\`` } },
    )
    this.log(
      `Credit ${resolved.bankRef} is resolved (${decision}${resolved.orderId === null ? "" : `, order ${resolved.orderId}`}).`,
    )
    return resolved
  }
}

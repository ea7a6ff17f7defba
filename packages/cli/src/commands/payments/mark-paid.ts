import { Errors, Flags } from "@oclif/core"
import { type Order, OrderId, Orders, Payments } from "@sratix/core"
import { Effect, Schema } from "effect"
import { BaseCommand } from "../../BaseCommand.js"
import { ExitCode } from "../../Failures.js"
import { requireEventId } from "../../Lookups.js"

const isOrderId = Schema.is(OrderId)

export default class PaymentsMarkPaidCommand extends BaseCommand<typeof PaymentsMarkPaidCommand> {
  static override summary = "Record money a person saw arrive for an order (a transfer checked by hand, cash)."
  static override description =
    "The order must be awaiting payment. When it awaits an invoice's bank transfer, that invoice is paid with it. " +
    "The payment goes on the ledger, the order is paid and its tickets are issued. Without --amount the order's " +
    "total is recorded; --amount is in the currency's minor unit (Rappen)."
  static override examples = [
    "<%= config.bin %> <%= command.id %> --event 0193… --order 0193…",
    "<%= config.bin %> <%= command.id %> --event 0193… --order 0193… --amount 15800 --reference 'PF 2026-12-03 #44'",
  ]
  static override flags = {
    event: Flags.string({ description: "Event id", required: true, helpValue: "ID" }),
    order: Flags.string({ description: "Order id", required: true, helpValue: "ID" }),
    amount: Flags.integer({ description: "Amount received, in minor units", min: 1, helpValue: "MINOR" }),
    reference: Flags.string({ description: "Where the money was seen (statement line, receipt)", helpValue: "TEXT" }),
  }

  async run(): Promise<Order> {
    const { event, order, amount, reference } = this.flags
    const eventId = requireEventId(event, this.config.bin)
    if (!isOrderId(order)) {
      throw new Errors.CLIError(`"${order}" is not an order id (a UUID)`, { exit: ExitCode.invalidInput })
    }
    if (reference !== undefined && reference.length > 255) {
      throw new Errors.CLIError("--reference is at most 255 characters", { exit: ExitCode.invalidInput })
    }
    const orderId = order
    const paid = await this.withCore(
      Effect.gen(function* () {
        yield* Effect.flatMap(Orders, (o) => o.get(eventId, orderId))
        return yield* Effect.flatMap(Payments, (p) =>
          p.markPaid(eventId, orderId, {
            ...(amount === undefined ? {} : { amountMinor: amount }),
            ...(reference === undefined ? {} : { reference }),
          }),
        )
      }),
      { hints: { NotFound: `check the ids with \`${this.config.bin} event show\`` } },
    )
    this.log(`Order ${paid.id} is ${paid.status}; its tickets are being issued.`)
    return paid
  }
}

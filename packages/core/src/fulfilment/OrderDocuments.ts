import { Effect } from "effect"
import { Badges } from "../badges/Badges.js"
import type { ConfirmationDocuments } from "../comms/Emails.js"
import type { WalletLink } from "../comms/Messages.js"
import type { EmailAttachment } from "../comms/Transport.js"
import type { OrderId } from "../domain/Ids.js"
import { Invoices } from "../invoices/Invoices.js"
import { Orders } from "../orders/Orders.js"
import { Tickets } from "../tickets/Tickets.js"
import { Wallet } from "../wallet/Wallet.js"

/** A name that reads well in a mail client and survives every file system: letters, digits, dashes. */
const fileStem = (name: string) =>
  name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60) || "ticket"

/**
 * The files an order's confirmation carries (docs/fulfilment.md): each valid ticket's badge PDF
 * (when the event has a badge template), its Apple Wallet pass (when Apple Wallet is configured),
 * the order's invoice PDF (when it has one), and a "Save to Google Wallet" link per ticket (when
 * Google Wallet is configured). Made from stored data only, so a retried job attaches the same
 * documents; whether they are sent once is the communications log's business.
 */
export class OrderDocuments extends Effect.Service<OrderDocuments>()("sratix/fulfilment/OrderDocuments", {
  effect: Effect.gen(function* () {
    const tickets = yield* Tickets
    const badges = yield* Badges
    const wallet = yield* Wallet
    const invoices = yield* Invoices
    const orders = yield* Orders

    const forConfirmation = Effect.fn("OrderDocuments.forConfirmation")(function* (orderId: OrderId) {
      const order = yield* orders.find(orderId)
      // Refunded or cancelled since: no confirmation goes out (Emails says why), so nothing to make.
      if (order.status !== "paid") return {} satisfies ConfirmationDocuments
      const valid = (yield* tickets.listForOrder(order.id)).filter((t) => t.status === "valid")
      const configured = yield* wallet.status()
      const attachments: Array<EmailAttachment> = []
      const walletLinks: Array<WalletLink> = []
      for (const [index, ticket] of valid.entries()) {
        const stem = `${index + 1}-${fileStem(ticket.attendeeName)}`
        // No template for the ticket's type and no default: the event prints no badges, which is a
        // choice of its organiser, not a failure of this order.
        const badge = yield* badges.renderForTicket(ticket.id, "pdf").pipe(
          Effect.map((rendered) => rendered.bytes),
          Effect.catchIf(
            (e) => e._tag === "NotFound" && e.resource === "badge-template",
            () => Effect.succeed(null),
          ),
        )
        if (badge !== null) {
          attachments.push({ filename: `badge-${stem}.pdf`, contentType: "application/pdf", content: badge })
        }
        if (configured.apple) {
          attachments.push({
            filename: `ticket-${stem}.pkpass`,
            contentType: "application/vnd.apple.pkpass",
            content: yield* wallet.applePass(ticket.id),
          })
        }
        if (configured.google) {
          walletLinks.push({ attendee: ticket.attendeeName, url: yield* wallet.googleSaveUrl(ticket.id) })
        }
      }
      // The final invoice, unless it was cancelled (a credit note replaced it): a proforma is not a receipt.
      const invoice = (yield* invoices.list({ orgId: order.orgId, orderId: order.id, kind: "final", limit: 10 })).items
        .filter((i) => i.status !== "cancelled")
        .at(-1)
      if (invoice !== undefined) {
        attachments.push({
          filename: `${invoice.number}.pdf`,
          contentType: "application/pdf",
          content: yield* invoices.renderPdf(invoice.id),
        })
      }
      return { attachments, walletLinks } satisfies ConfirmationDocuments
    })

    return { forConfirmation } as const
  }),
  dependencies: [Orders.Default, Tickets.Default, Badges.Default, Wallet.Default, Invoices.Default],
}) {}

import { Effect } from "effect"
import { TicketTypes } from "../catalog/TicketTypes.js"
import type { Locale } from "../domain/Common.js"
import type { EventId, OrderId, OrgId } from "../domain/Ids.js"
import { Order } from "../domain/Order.js"
import { InvalidRequest } from "../domain/Problems.js"
import { Events } from "../events/Events.js"
import { type Invoice, Invoice as InvoiceDocument, type InvoiceId } from "../invoices/Invoice.js"
import { Invoices } from "../invoices/Invoices.js"
import { Orders } from "../orders/Orders.js"
import { Organizations } from "../organizations/Organizations.js"
import { Tickets } from "../tickets/Tickets.js"
import type { TemplateName } from "./Builtin.js"
import { Communications, SendInProgress, type SendIntent } from "./Communications.js"
import { EmailTemplates } from "./EmailTemplates.js"
import {
  badgeReadyData,
  confirmationData,
  eventReminderData,
  invoiceData,
  invoiceReminderData,
  type WalletLink,
} from "./Messages.js"
import type { TemplateData } from "./Template.js"
import { DeliveryFailed, type EmailAttachment, EmailTransport } from "./Transport.js"

/** What a send did. `already_sent`: an earlier attempt with the same key had sent it. */
export type SendOutcome =
  | { readonly status: "sent"; readonly communicationId: string; readonly providerMessageId: string }
  | { readonly status: "already_sent"; readonly communicationId: string }
  | { readonly status: "not_needed"; readonly reason: string }

export interface SendOptions {
  /** Defaults to one message per order or invoice (see each method); a job may pass its own. */
  readonly idempotencyKey?: string
}

/** The default key of an order's confirmation: one per order, whichever job or retry sends it. */
export const orderConfirmationKey = (orderId: string) => `order-confirmation:${orderId}`

/** What the fulfilment made for the confirmation: files to attach and links for the body. */
export interface ConfirmationDocuments {
  readonly attachments?: ReadonlyArray<EmailAttachment>
  readonly walletLinks?: ReadonlyArray<WalletLink>
}

/** Mail servers commonly refuse messages over 25 MB; base64 adds a third. */
const MAX_ATTACHMENT_BYTES = 15 * 1024 * 1024
const CONTENT_TYPE = /^[a-z]+\/[a-z0-9.+-]+$/i

/** The given attachments, with names that cannot break a header or name a path. */
const checkAttachments = (attachments: ReadonlyArray<EmailAttachment>) =>
  Effect.gen(function* () {
    let total = 0
    const checked: Array<EmailAttachment> = []
    for (const a of attachments) {
      const filename = a.filename
        .replace(/[\\/]/g, "_")
        // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
        .replace(/[\u0000-\u001f\u007f]/g, "")
        .trim()
      if (filename === "" || filename.length > 120) {
        return yield* new InvalidRequest({
          detail: "An attachment needs a name of 1 to 120 characters",
          field: "attachments",
        })
      }
      if (!CONTENT_TYPE.test(a.contentType)) {
        return yield* new InvalidRequest({ detail: `"${a.contentType}" is not a content type`, field: "attachments" })
      }
      total += a.content.byteLength
      checked.push({ ...a, filename })
    }
    if (total > MAX_ATTACHMENT_BYTES) {
      return yield* new InvalidRequest({
        detail: `Attachments total ${total} bytes; at most ${MAX_ATTACHMENT_BYTES} fit in one message`,
        field: "attachments",
      })
    }
    return checked
  })

/**
 * The emails the platform sends about orders and invoices (docs/email.md): data loaded through the
 * core services as the caller, the language of the order or invoice, the template filled, then
 * one send per idempotency key through the configured transport, logged in `communications`.
 */
export class Emails extends Effect.Service<Emails>()("sratix/comms/Emails", {
  effect: Effect.gen(function* () {
    const orders = yield* Orders
    const events = yield* Events
    const organizations = yield* Organizations
    const tickets = yield* Tickets
    const ticketTypes = yield* TicketTypes
    const invoices = yield* Invoices
    const templates = yield* EmailTemplates
    const communications = yield* Communications
    const transport = yield* EmailTransport

    /**
     * Render first (a broken template leaves no row behind), then claim the key, send, settle.
     * A failed delivery is recorded before it is returned, so the job's retry finds it `failed`.
     */
    const deliver = (
      intent: Omit<SendIntent, "channel" | "template" | "locale"> & {
        readonly template: TemplateName
        readonly locale: Locale
      },
      data: TemplateData,
      attachments: ReadonlyArray<EmailAttachment>,
    ) =>
      Effect.gen(function* () {
        const checked = yield* checkAttachments(attachments)
        const rendered = yield* templates.render(intent.template, intent.locale, data)
        const claim = yield* communications.claim({ ...intent, channel: "email" })
        if (claim._tag === "AlreadySent") {
          return {
            status: "already_sent",
            communicationId: claim.communication.id,
          } satisfies SendOutcome as SendOutcome
        }
        const communication = claim.communication
        const result = yield* transport
          .send({ id: communication.id, to: intent.recipient, ...rendered, attachments: checked })
          .pipe(
            Effect.tapError((e) => communications.markFailed(communication, e.detail, transport.name)),
            // A defect (a bug, a crash of the library) must not leave the row `sending` until its lease ends.
            Effect.tapDefect((cause) => communications.markFailed(communication, String(cause), transport.name)),
          )
        yield* communications.markSent(communication, result)
        return {
          status: "sent",
          communicationId: communication.id,
          providerMessageId: result.providerMessageId,
        } satisfies SendOutcome as SendOutcome
      })

    const senderOf = (orgId: OrgId) => Effect.map(organizations.get(orgId), (org) => org.name)

    /** An order with what its messages show: event, sender, valid tickets and the ticket types' names. */
    const orderContext = (orderId: OrderId) =>
      Effect.gen(function* () {
        const order = yield* orders.find(orderId)
        const event = yield* events.get(order.eventId)
        const seats = (yield* tickets.listForOrder(order.id)).filter((t) => t.status === "valid")
        const names = new Map((yield* ticketTypes.listForEvent(order.eventId)).map((t) => [t.id as string, t.name]))
        return { order, event, seats, names, sender: yield* senderOf(order.orgId) }
      })

    type OrderContext = Effect.Effect.Success<ReturnType<typeof orderContext>>

    const orderData = (
      template: "confirmation" | "badge_ready" | "event_reminder",
      context: OrderContext,
      locale: Locale,
      attachments: ReadonlyArray<EmailAttachment>,
      walletLinks: ReadonlyArray<WalletLink> = [],
    ): TemplateData => {
      const { order, event, sender } = context
      switch (template) {
        case "confirmation":
          return confirmationData({
            order: locale === order.locale ? order : new Order({ ...order, locale }),
            event,
            sender,
            tickets: context.seats,
            ticketTypeNames: context.names,
            attachments,
            walletLinks,
          })
        case "badge_ready":
          return badgeReadyData({
            event,
            sender,
            recipientName: order.buyerName,
            attendee: context.seats[0]?.attendeeName ?? order.buyerName,
            locale,
            attachments,
          })
        case "event_reminder":
          return eventReminderData({ event, sender, recipientName: order.buyerName, locale })
      }
    }

    /**
     * The order confirmation with its tickets, to the buyer, in the order's language. Attachments
     * (badge PDFs, .pkpass files, the invoice PDF) and wallet links come from the fulfilment that
     * made them (OrderDocuments). Default key: `order-confirmation:<orderId>`, one confirmation per order.
     */
    const sendOrderConfirmation = Effect.fn("Emails.sendOrderConfirmation")(function* (
      orderId: OrderId,
      options: SendOptions & ConfirmationDocuments = {},
    ) {
      const context = yield* orderContext(orderId)
      const { order } = context
      if (order.status !== "paid") {
        return { status: "not_needed", reason: `the order is ${order.status}` } satisfies SendOutcome as SendOutcome
      }
      const attachments = options.attachments ?? []
      return yield* deliver(
        {
          idempotencyKey: options.idempotencyKey ?? orderConfirmationKey(order.id),
          orgId: order.orgId,
          eventId: order.eventId,
          template: "confirmation",
          locale: order.locale,
          recipient: order.buyerEmail,
          subjectType: "order",
          subjectId: order.id,
        },
        orderData("confirmation", context, order.locale, attachments, options.walletLinks),
        attachments,
      )
    })

    /** Whether the order's confirmation went out: a retried job need not make its documents again. */
    const confirmationSent = Effect.fn("Emails.confirmationSent")(function* (orderId: OrderId) {
      return yield* communications.isSent(orderConfirmationKey(orderId))
    })

    /** The buyer's address: on the invoice, else the order's buyer. */
    const recipientOf = (invoice: Invoice) =>
      Effect.gen(function* () {
        if (invoice.buyer.email !== null) return invoice.buyer.email
        if (invoice.orderId !== null) return (yield* orders.find(invoice.orderId)).buyerEmail
        return yield* new InvalidRequest({
          detail: `Invoice ${invoice.number} has no buyer email and no order to take one from`,
          field: "buyer.email",
        })
      })

    const invoiceSend = (
      invoice: Invoice,
      template: "invoice" | "invoice_reminder",
      key: string,
      data: (attachments: ReadonlyArray<EmailAttachment>) => TemplateData,
    ) =>
      Effect.gen(function* () {
        const recipient = yield* recipientOf(invoice)
        const pdf = yield* invoices.renderPdf(invoice.id)
        const attachments = [
          { filename: `${invoice.number}.pdf`, contentType: "application/pdf", content: pdf },
        ] satisfies ReadonlyArray<EmailAttachment>
        return yield* deliver(
          {
            idempotencyKey: key,
            orgId: invoice.orgId,
            eventId: invoice.eventId as EventId | null,
            template,
            locale: invoice.locale,
            recipient,
            subjectType: "invoice",
            subjectId: invoice.id,
          },
          data(attachments),
          attachments,
        )
      })

    /** The invoice with its PDF (QR-bill included). Default key: `invoice:<invoiceId>`. */
    const sendInvoice = Effect.fn("Emails.sendInvoice")(function* (invoiceId: InvoiceId, options: SendOptions = {}) {
      const invoice = yield* invoices.get(invoiceId)
      return yield* invoiceSend(invoice, "invoice", options.idempotencyKey ?? `invoice:${invoice.id}`, (a) =>
        invoiceData(invoice, a),
      )
    })

    /**
     * A payment reminder for an open invoice, with the PDF again; nothing for a paid or cancelled
     * one or a credit note. Default key: `invoice-reminder:<invoiceId>`, so one reminder per
     * invoice; a second reminder needs its own key (e.g. `invoice-reminder:<id>:2`).
     */
    const sendInvoiceReminder = Effect.fn("Emails.sendInvoiceReminder")(function* (
      invoiceId: InvoiceId,
      options: SendOptions = {},
    ) {
      const invoice = yield* invoices.get(invoiceId)
      if (invoice.kind === "credit_note" || invoice.status !== "open") {
        const reason =
          invoice.kind === "credit_note" ? "a credit note is not paid by its reader" : `it is ${invoice.status}`
        return { status: "not_needed", reason } satisfies SendOutcome as SendOutcome
      }
      return yield* invoiceSend(
        invoice,
        "invoice_reminder",
        options.idempotencyKey ?? `invoice-reminder:${invoice.id}`,
        (a) => invoiceReminderData(invoice, a),
      )
    })

    /**
     * A message as it would be sent about a stored order or invoice, without sending or logging it
     * (`sratix template render email --order|--invoice`); `locale` overrides the stored language.
     */
    const preview = Effect.fn("Emails.preview")(function* (
      template: TemplateName,
      subject: { readonly orderId: OrderId } | { readonly invoiceId: InvoiceId },
      options: { readonly locale?: Locale } = {},
    ) {
      if (template === "invoice" || template === "invoice_reminder") {
        if (!("invoiceId" in subject)) {
          return yield* new InvalidRequest({ detail: `The ${template} template is about an invoice`, field: "invoice" })
        }
        const stored = yield* invoices.get(subject.invoiceId)
        const invoice =
          options.locale === undefined ? stored : new InvoiceDocument({ ...stored, locale: options.locale })
        const files = [{ filename: `${invoice.number}.pdf` }]
        const data = template === "invoice" ? invoiceData(invoice, []) : invoiceReminderData(invoice, [])
        const rendered = yield* templates.render(template, invoice.locale, {
          ...data,
          lists: { ...data.lists, attachments: files },
        })
        return { ...rendered, locale: invoice.locale, to: yield* recipientOf(invoice) }
      }
      if (!("orderId" in subject)) {
        return yield* new InvalidRequest({ detail: `The ${template} template is about an order`, field: "order" })
      }
      const context = yield* orderContext(subject.orderId)
      const locale = options.locale ?? context.order.locale
      const rendered = yield* templates.render(template, locale, orderData(template, context, locale, []))
      return { ...rendered, locale, to: context.order.buyerEmail }
    })

    return { sendOrderConfirmation, confirmationSent, sendInvoice, sendInvoiceReminder, preview } as const
  }),
  dependencies: [
    Orders.Default,
    Events.Default,
    Organizations.Default,
    Tickets.Default,
    TicketTypes.Default,
    Invoices.Default,
    EmailTemplates.Default,
    Communications.Default,
    EmailTransport.fromConfig,
  ],
}) {}

/**
 * For the job handler: worth retrying later (a temporary delivery failure, or another attempt still
 * holding the send). A permanent refusal (5xx), a bad template or missing data will not heal.
 */
export const isRetryableSend = (e: unknown) =>
  (e instanceof DeliveryFailed && !e.permanent) || e instanceof SendInProgress

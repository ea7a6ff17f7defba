import type { Locale } from "../domain/Common.js"
import type { Event } from "../domain/Event.js"
import type { Order } from "../domain/Order.js"
import type { Ticket } from "../domain/Ticket.js"
import type { Invoice } from "../invoices/Invoice.js"
import { formatters, invoiceLabels } from "../invoices/Labels.js"
import type { TemplateData } from "./Template.js"
import type { EmailAttachment } from "./Transport.js"

/**
 * What each template is filled with, from domain objects: the one place that decides how a date,
 * an amount or a venue reads in a message. Pure, so previews, tests and sends agree.
 */

const attachmentList = (attachments: ReadonlyArray<EmailAttachment>) =>
  attachments.map((a) => ({ filename: a.filename }))

/** "Thursday, 10 September 2026, 09:00 – 17:30" in the event's zone and the reader's language. */
export const eventWhen = (event: Pick<Event, "startsAt" | "endsAt" | "timezone">, locale: Locale) =>
  new Intl.DateTimeFormat(`${locale}-CH`, { dateStyle: "full", timeStyle: "short", timeZone: event.timezone })
    .formatRange(new Date(event.startsAt), new Date(event.endsAt))
    .replaceAll("\u202f", " ")

export const eventWhere = (event: Pick<Event, "venue">) => {
  const v = event.venue
  if (v === null) return ""
  const town = [v.postalCode, v.city].filter((x) => x !== undefined && x !== "").join(" ")
  return [v.name, v.street, town].filter((x) => x !== undefined && x !== "").join(", ")
}

const eventFields = (event: Event, sender: string, recipientName: string, locale: Locale) => ({
  recipientName,
  sender,
  eventName: event.name,
  eventDate: eventWhen(event, locale),
  venue: eventWhere(event),
})

export interface ConfirmationInput {
  readonly order: Order
  readonly event: Event
  /** The organisation's name: who the message is from. */
  readonly sender: string
  readonly tickets: ReadonlyArray<Pick<Ticket, "ticketTypeId" | "attendeeName">>
  readonly ticketTypeNames: ReadonlyMap<string, string>
  readonly attachments: ReadonlyArray<EmailAttachment>
  /** "Save to Google Wallet" links, one per ticket, when Google Wallet is configured. */
  readonly walletLinks?: ReadonlyArray<WalletLink>
}

export interface WalletLink {
  readonly attendee: string
  readonly url: string
}

export const confirmationData = (input: ConfirmationInput): TemplateData => {
  const { order, event } = input
  const format = formatters(order.locale, order.currency, event.timezone)
  return {
    fields: {
      ...eventFields(event, input.sender, order.buyerName, order.locale),
      orderReference: order.id,
      total: format.money(order.totalMinor),
    },
    lists: {
      tickets: input.tickets.map((t) => ({
        ticketType: input.ticketTypeNames.get(t.ticketTypeId) ?? t.ticketTypeId,
        attendee: t.attendeeName,
      })),
      walletLinks: (input.walletLinks ?? []).map((l) => ({ attendee: l.attendee, url: l.url })),
      attachments: attachmentList(input.attachments),
    },
  }
}

const invoiceFields = (invoice: Invoice) => {
  const format = formatters(invoice.locale, invoice.currency, invoice.timeZone)
  return {
    format,
    fields: {
      recipientName: invoice.buyer.name,
      sender: invoice.seller.legalName,
      documentTitle: invoiceLabels[invoice.locale].title[invoice.kind],
      invoiceNumber: invoice.number,
      total: format.money(invoice.totalMinor),
      reference: invoice.paymentReference ?? "",
    },
  }
}

export const invoiceData = (invoice: Invoice, attachments: ReadonlyArray<EmailAttachment>): TemplateData => {
  const { format, fields } = invoiceFields(invoice)
  return {
    fields,
    lists: {
      due: invoice.dueAt === null ? [] : [{ dueDate: format.date(invoice.dueAt) }],
      attachments: attachmentList(attachments),
    },
  }
}

export const invoiceReminderData = (invoice: Invoice, attachments: ReadonlyArray<EmailAttachment>): TemplateData => {
  const { format, fields } = invoiceFields(invoice)
  return {
    fields: {
      ...fields,
      issueDate: format.date(invoice.issuedAt),
      dueDate: invoice.dueAt === null ? "" : format.date(invoice.dueAt),
    },
    lists: { attachments: attachmentList(attachments) },
  }
}

export const badgeReadyData = (input: {
  readonly event: Event
  readonly sender: string
  readonly recipientName: string
  readonly attendee: string
  readonly locale: Locale
  readonly attachments: ReadonlyArray<EmailAttachment>
}): TemplateData => ({
  fields: { ...eventFields(input.event, input.sender, input.recipientName, input.locale), attendee: input.attendee },
  lists: { attachments: attachmentList(input.attachments) },
})

export const eventReminderData = (input: {
  readonly event: Event
  readonly sender: string
  readonly recipientName: string
  readonly locale: Locale
}): TemplateData => ({
  fields: eventFields(input.event, input.sender, input.recipientName, input.locale),
  lists: { attachments: [] },
})

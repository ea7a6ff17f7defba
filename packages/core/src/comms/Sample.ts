import type { Locale } from "../domain/Common.js"
import { Event } from "../domain/Event.js"
import type { EventId, OrderId, OrgId, TicketTypeId } from "../domain/Ids.js"
import { Order, OrderItem } from "../domain/Order.js"
import { sampleInvoice } from "../invoices/Sample.js"
import type { TemplateName } from "./Builtin.js"
import { badgeReadyData, confirmationData, eventReminderData, invoiceData, invoiceReminderData } from "./Messages.js"
import type { TemplateData } from "./Template.js"

const ORG = "0193a4f2-7c1e-7d3a-9f00-000000000001" as OrgId
const EVENT = "0193a4f2-7c1e-7d3a-9f00-000000000002" as EventId
const TYPES = {
  regular: "0193a4f2-7c1e-7d3a-9f00-0000000000a1" as TicketTypeId,
  student: "0193a4f2-7c1e-7d3a-9f00-0000000000a2" as TicketTypeId,
}
const AT = Date.parse("2026-09-01T08:00:00Z")

export const SAMPLE_SENDER = "Swiss Robotics Association"

export const sampleEvent = new Event({
  id: EVENT,
  orgId: ORG,
  slug: "swiss-robotics-day-2026",
  name: "Swiss Robotics Day 2026",
  description: null,
  startsAt: Date.parse("2026-11-12T08:00:00Z"),
  endsAt: Date.parse("2026-11-12T16:30:00Z"),
  timezone: "Europe/Zurich",
  venue: { name: "Messe Zürich", street: "Wallisellenstrasse 49", postalCode: "8050", city: "Zürich", country: "CH" },
  currency: "CHF",
  status: "published",
  createdAt: AT,
  updatedAt: AT,
})

const ticketTypeNames: Record<Locale, ReadonlyMap<string, string>> = {
  en: new Map([
    [TYPES.regular, "Regular"],
    [TYPES.student, "Student"],
  ]),
  de: new Map([
    [TYPES.regular, "Normal"],
    [TYPES.student, "Studierende"],
  ]),
  fr: new Map([
    [TYPES.regular, "Normal"],
    [TYPES.student, "Étudiant·e"],
  ]),
  it: new Map([
    [TYPES.regular, "Normale"],
    [TYPES.student, "Studente"],
  ]),
}

/** A paid order of two seats, for previews (`sratix template render email`) and tests. */
export const sampleOrder = (locale: Locale) =>
  new Order({
    id: "0193a4f2-7c1e-7d3a-9f00-00000000c0de" as OrderId,
    orgId: ORG,
    eventId: EVENT,
    status: "paid",
    currency: "CHF",
    buyerEmail: "pia.rutschmann@example.org",
    buyerName: "Pia Rutschmann",
    locale,
    promoCodeId: null,
    items: [
      new OrderItem({
        ticketTypeId: TYPES.regular,
        quantity: 1,
        unitPriceMinor: 7900,
        discountMinor: 0,
        totalMinor: 7900,
        vatRateBp: 810,
      }),
      new OrderItem({
        ticketTypeId: TYPES.student,
        quantity: 1,
        unitPriceMinor: 2900,
        discountMinor: 0,
        totalMinor: 2900,
        vatRateBp: 810,
      }),
    ],
    subtotalMinor: 10_800,
    discountMinor: 0,
    totalMinor: 10_800,
    vatMinor: 809,
    vatBreakdown: [{ rateBp: 810, grossMinor: 10_800, vatMinor: 809 }],
    expiresAt: null,
    paidAt: AT,
    cancelledAt: null,
    createdAt: AT,
    updatedAt: AT,
  })

/** Built-in data for every template, so a designer sees it without a database. */
export const sampleTemplateData = (template: TemplateName, locale: Locale): TemplateData => {
  switch (template) {
    case "confirmation":
      return confirmationData({
        order: sampleOrder(locale),
        event: sampleEvent,
        sender: SAMPLE_SENDER,
        tickets: [
          { ticketTypeId: TYPES.regular, attendeeName: "Pia Rutschmann" },
          { ticketTypeId: TYPES.student, attendeeName: "Luca Bernasconi" },
        ],
        ticketTypeNames: ticketTypeNames[locale],
        attachments: [],
      })
    case "invoice":
      return invoiceData(sampleInvoice(locale, { kind: "final" }), [])
    case "invoice_reminder":
      return invoiceReminderData(sampleInvoice(locale, { kind: "final" }), [])
    case "badge_ready":
      return badgeReadyData({
        event: sampleEvent,
        sender: SAMPLE_SENDER,
        recipientName: "Pia Rutschmann",
        attendee: "Luca Bernasconi",
        locale,
        attachments: [],
      })
    case "event_reminder":
      return eventReminderData({ event: sampleEvent, sender: SAMPLE_SENDER, recipientName: "Pia Rutschmann", locale })
  }
}

/** Where a sample message goes in a preview `.eml`. */
export const SAMPLE_RECIPIENT = "Pia Rutschmann <pia.rutschmann@example.org>"

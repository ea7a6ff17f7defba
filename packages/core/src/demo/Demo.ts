import { SqlClient } from "@effect/sql"
import { Clock, Effect, Schema } from "effect"
import { PromoCodes } from "../catalog/PromoCodes.js"
import { TicketTypes } from "../catalog/TicketTypes.js"
import { CreateEvent } from "../domain/Event.js"
import { FormDefinitionSchema } from "../domain/Form.js"
import { CreatePromoCode } from "../domain/PromoCode.js"
import { CreateTicketType } from "../domain/TicketType.js"
import { Events } from "../events/Events.js"
import { FormSchemas } from "../forms/FormSchemas.js"
import { Organizations } from "../organizations/Organizations.js"

export const DEMO_ORG_SLUG = "swiss-robotics-association"
export const DEMO_EVENT_SLUG = "swiss-robotics-day"

const day = 24 * 60 * 60 * 1000

/**
 * A realistic Swiss Robotics Day: early-bird, regular, student, free exhibitor-staff and a
 * sold-by-code VIP type, plus a promo code for association members. Idempotent: running it again
 * leaves an existing demo untouched.
 */
export const seedDemo = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const existing = yield* sql<{ id: string; eventId: string | null }>`SELECT o.id, e.id AS event_id
    FROM organizations o LEFT JOIN events e ON e.org_id = o.id AND e.slug = ${DEMO_EVENT_SLUG}
    WHERE o.slug = ${DEMO_ORG_SLUG}`.pipe(Effect.orDie)
  if (existing[0]?.eventId) return { created: false, orgId: existing[0].id, eventId: existing[0].eventId }

  const now = yield* Clock.currentTimeMillis
  const orgs = yield* Organizations
  const events = yield* Events
  const ticketTypes = yield* TicketTypes
  const promoCodes = yield* PromoCodes
  const org = existing[0]
    ? { id: existing[0].id }
    : yield* orgs.create({ name: "Swiss Robotics Association", slug: DEMO_ORG_SLUG })

  const eventDay = new Date(now + 120 * day)
  eventDay.setUTCHours(7, 0, 0, 0)
  const starts = eventDay.getTime()
  const event = yield* events.create(
    org.id as never,
    Schema.decodeSync(CreateEvent)({
      slug: DEMO_EVENT_SLUG,
      name: `Swiss Robotics Day ${eventDay.getUTCFullYear()}`,
      description:
        "Switzerland's meeting place for robotics: research labs, start-ups and industry, with keynotes, an exhibition and live demos.",
      startsAt: new Date(starts).toISOString(),
      endsAt: new Date(starts + 10 * 60 * 60 * 1000).toISOString(),
      timezone: "Europe/Zurich",
      venue: {
        name: "SwissTech Convention Center",
        street: "Route Louis-Favre 2",
        postalCode: "1024",
        city: "Ecublens",
        country: "CH",
      },
      currency: "CHF",
    }),
  )
  const types = [
    {
      name: "Early Bird",
      priceMinor: 4900,
      capacity: 200,
      salesEndAt: new Date(now + 30 * day).toISOString(),
      sortOrder: 1,
    },
    { name: "Regular", priceMinor: 7900, capacity: 800, sortOrder: 2 },
    {
      name: "Student",
      priceMinor: 1900,
      capacity: 300,
      maxPerOrder: 1,
      description: "Valid student ID required at the door",
      sortOrder: 3,
    },
    { name: "Exhibitor Staff", priceMinor: 0, capacity: 150, visibility: "hidden" as const, sortOrder: 4 },
    { name: "VIP Dinner", priceMinor: 19_900, capacity: 40, maxPerOrder: 2, sortOrder: 5 },
  ]
  const created = []
  for (const t of types) {
    created.push(yield* ticketTypes.create(event, Schema.decodeSync(CreateTicketType)({ vatRateBp: 810, ...t })))
  }
  yield* promoCodes.create(
    event,
    Schema.decodeSync(CreatePromoCode)({ code: "SRA-MEMBER", kind: "percent", value: 2000, maxUses: 500 }),
  )
  yield* promoCodes.create(
    event,
    Schema.decodeSync(CreatePromoCode)({
      code: "EXHIBITOR-2026",
      kind: "percent",
      value: 10_000,
      ticketTypeIds: [created[3]!.id],
      maxUses: 150,
    }),
  )
  const forms = yield* FormSchemas
  const form = yield* forms.create(event.id, demoForm({ student: created[2]!.id, vip: created[4]!.id }))
  yield* forms.activate(event.id, form.version)
  yield* events.update(event.id, { status: "published" })
  return { created: true, orgId: org.id, eventId: event.id }
})

/** The demo's registration form: a bit of everything the format offers, in the four languages. */
const demoForm = (types: { readonly student: string; readonly vip: string }) =>
  Schema.decodeSync(FormDefinitionSchema)({
    name: "Swiss Robotics Day registration",
    sections: [
      { id: "you", label: { en: "About you", de: "Über Sie", fr: "À propos de vous", it: "Su di lei" }, order: 1 },
      { id: "day", label: { en: "On the day", de: "Am Anlass", fr: "Le jour même", it: "Il giorno stesso" }, order: 2 },
      { id: "privacy", label: { en: "Privacy", de: "Datenschutz", fr: "Confidentialité", it: "Privacy" }, order: 3 },
    ],
    fields: [
      {
        id: "first_name",
        type: "text",
        label: { en: "First name", de: "Vorname", fr: "Prénom", it: "Nome" },
        required: true,
        requiredJustification: "Printed on the badge",
        normalizeAs: "first_name",
        validation: { maxLength: 100 },
        section: "you",
        order: 1,
      },
      {
        id: "last_name",
        type: "text",
        label: { en: "Last name", de: "Nachname", fr: "Nom", it: "Cognome" },
        required: true,
        requiredJustification: "Printed on the badge",
        normalizeAs: "last_name",
        validation: { maxLength: 100 },
        section: "you",
        order: 2,
      },
      {
        id: "email",
        type: "email",
        label: { en: "Email", de: "E-Mail", fr: "E-mail", it: "E-mail" },
        help: {
          en: "Your ticket is sent here.",
          de: "Ihr Ticket wird an diese Adresse gesendet.",
          fr: "Votre billet est envoyé à cette adresse.",
          it: "Il biglietto viene inviato a questo indirizzo.",
        },
        required: true,
        requiredJustification: "Delivering the ticket",
        normalizeAs: "email",
        section: "you",
        order: 3,
      },
      {
        id: "organization",
        type: "text",
        label: { en: "Organisation", de: "Organisation", fr: "Organisation", it: "Organizzazione" },
        normalizeAs: "organization",
        validation: { maxLength: 200 },
        section: "you",
        order: 4,
      },
      {
        id: "university",
        type: "text",
        label: { en: "University", de: "Hochschule", fr: "Haute école", it: "Università" },
        required: true,
        requiredJustification: "Student tickets are for enrolled students",
        conditions: [{ field: "ticket_type", operator: "eq", value: types.student }],
        section: "you",
        order: 5,
      },
      {
        id: "canton",
        type: "canton",
        label: { en: "Canton", de: "Kanton", fr: "Canton", it: "Cantone" },
        section: "you",
        order: 6,
      },
      {
        id: "dietary",
        type: "multi-select",
        label: { en: "Dietary needs", de: "Ernährung", fr: "Régime alimentaire", it: "Esigenze alimentari" },
        options: [
          { value: "vegetarian", label: { en: "Vegetarian", de: "Vegetarisch", fr: "Végétarien", it: "Vegetariano" } },
          { value: "vegan", label: { en: "Vegan", de: "Vegan", fr: "Végétalien", it: "Vegano" } },
          {
            value: "gluten_free",
            label: { en: "Gluten-free", de: "Glutenfrei", fr: "Sans gluten", it: "Senza glutine" },
          },
        ],
        normalizeAs: "dietary",
        section: "day",
        order: 1,
      },
      {
        id: "dinner_guest",
        type: "text",
        label: {
          en: "Dinner guest's name",
          de: "Name der Begleitperson",
          fr: "Nom de l'invité",
          it: "Nome dell'ospite",
        },
        section: "day",
        order: 2,
      },
      {
        id: "marketing",
        type: "consent",
        label: {
          en: "Send me news about SRA events",
          de: "Senden Sie mir Neuigkeiten zu SRA-Anlässen",
          fr: "Envoyez-moi des nouvelles des événements SRA",
          it: "Inviatemi notizie sugli eventi SRA",
        },
        consentPurpose: "marketing",
        legalBasis: "consent",
        section: "privacy",
        order: 1,
      },
    ],
    ticketTypeFieldMappings: { [types.vip]: ["dinner_guest"] },
  })

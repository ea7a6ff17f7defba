import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { SqlClient } from "@effect/sql"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import * as fc from "fast-check"
import { type ParsedMail, simpleParser } from "mailparser"
import {
  BillingProfiles,
  Communications,
  composeMessage,
  Emails,
  EmailTemplates,
  EmailTransport,
  type Event,
  escapeHtml,
  fileOutbox,
  Invoices,
  LOCALES,
  type Locale,
  loadEnvironment,
  MailConfig,
  type OrderId,
  Orders,
  redactAddresses,
  sampleInvoice,
  sampleTemplateData,
  smsFileOutbox,
  smtpTransport,
  TEMPLATE_NAMES,
  type TemplateSource,
  Tickets,
  withCaller,
} from "../src/index.js"
import { engines } from "./support/Databases.js"
import {
  asBuyer,
  callerWith,
  createTicketType,
  type Engine,
  orderInput,
  outcome,
  publishedEvent,
  systemLayer,
  tally,
} from "./support/Fixtures.js"
import { type LoopbackSmtp, loopbackSmtp } from "./support/SmtpServer.js"

const FROM = "Swiss Robotics Day <tickets@robotics.example>"
const HOSTILE_NAME = `<img src=x onerror="alert(1)"> Pia & "Co"`

/** Bytes that are not text, so a re-encoding anywhere on the way would show. */
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) % 256)
const attachments = [
  { filename: "badge.pdf", contentType: "application/pdf", content: bytes(40_000, 1) },
  { filename: "ticket.pkpass", contentType: "application/vnd.apple.pkpass", content: bytes(12_345, 2) },
  { filename: "invoice.pdf", contentType: "application/pdf", content: bytes(3_000, 3) },
]

/** A paid order of free tickets with its tickets issued, as fulfilment leaves it before the email. */
const paidOrder = (event: Event, options: { seats?: number; locale?: Locale; name?: string } = {}) =>
  Effect.gen(function* () {
    const type = yield* createTicketType(event, { priceMinor: 0, name: "Tagesticket" })
    const input = orderInput([{ ticketTypeId: type.id, quantity: options.seats ?? 2 }])
    const placed = yield* Effect.flatMap(Orders, (o) =>
      o.place(event.id, {
        ...input,
        locale: options.locale ?? "de",
        buyer: { email: "Pia.Rutschmann@example.org", name: options.name ?? HOSTILE_NAME },
      }),
    ).pipe(asBuyer)
    yield* Effect.flatMap(Tickets, (t) => t.issueForOrder(placed.order.id))
    return placed.order
  })

/** Emails with the SMTP transport instead of the outbox the test layer configures. */
const overSmtp = (smtp: LoopbackSmtp) =>
  Emails.DefaultWithoutDependencies.pipe(Layer.provide(Layer.succeed(EmailTransport, smtpTransport(smtp.url, FROM))))

const sendConfirmation = (orderId: OrderId, smtp: LoopbackSmtp, key?: string) =>
  Effect.flatMap(Emails, (e) =>
    e.sendOrderConfirmation(orderId, { attachments, ...(key === undefined ? {} : { idempotencyKey: key }) }),
  ).pipe(Effect.provide(overSmtp(smtp)))

const rowsFor = (subjectId: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql<Record<string, unknown>>`SELECT * FROM communications WHERE subject_id = ${subjectId}`.pipe(Effect.orDie),
  )

const parse = (raw: Buffer | string): Effect.Effect<ParsedMail> => Effect.promise(() => simpleParser(raw))

describe.each(engines)("emails on %s", (engine: Engine) => {
  it.scopedLive(
    "order confirmation over SMTP: HTML and text in the order's language, names escaped, attachments intact, logged once",
    () =>
      Effect.gen(function* () {
        const smtp = yield* loopbackSmtp
        const { event } = yield* publishedEvent()
        const order = yield* paidOrder(event)
        const first = yield* sendConfirmation(order.id, smtp)
        expect(first.status).toBe("sent")
        expect(smtp.received).toHaveLength(1)

        const mail = yield* parse(smtp.received[0]!)
        expect(mail.subject).toBe(`Ihre Tickets für ${event.name}`)
        expect(mail.from?.text).toContain("tickets@robotics.example")
        expect((mail.to && !Array.isArray(mail.to) ? mail.to.text : "").toLowerCase()).toBe(
          "pia.rutschmann@example.org",
        )
        expect(mail.messageId).toMatch(/@robotics\.example>$/)
        const html = String(mail.html)
        expect(html).toContain("Vielen Dank für Ihre Bestellung")
        expect(html).toContain(escapeHtml(HOSTILE_NAME))
        expect(html).not.toContain("<img src=x")
        expect(mail.text).toContain(`Guten Tag ${HOSTILE_NAME}`)
        expect(mail.text).toContain("- Tagesticket:")
        expect(mail.attachments.map((a) => [a.filename, a.contentType])).toEqual(
          attachments.map((a) => [a.filename, a.contentType]),
        )
        for (const [i, a] of mail.attachments.entries()) {
          expect(Buffer.compare(a.content, Buffer.from(attachments[i]!.content))).toBe(0)
        }

        const [row] = yield* rowsFor(order.id)
        expect(row).toMatchObject({
          status: "sent",
          template: "confirmation",
          locale: "de",
          channel: "email",
          provider: "smtp",
          attempts: 1,
          providerMessageId: mail.messageId,
          idempotencyKey: `order-confirmation:${order.id}`,
        })
        // The address is never stored: only its keyed hash, the same for any spelling of the case.
        expect(JSON.stringify(row)).not.toContain("example.org")
        const comms = yield* Communications
        expect(row!.recipientHash).toBe(comms.recipientHash("PIA.RUTSCHMANN@example.org "))

        // The job runs again (a retry after a crash, a duplicate delivery): nothing is sent.
        const again = yield* sendConfirmation(order.id, smtp)
        expect(again).toEqual({
          status: "already_sent",
          communicationId: first.status === "sent" ? first.communicationId : "",
        })
        expect(smtp.received).toHaveLength(1)
        expect(yield* rowsFor(order.id)).toHaveLength(1)
      }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.scopedLive("an SMTP failure is logged as failed without the address; the retry sends exactly once", () =>
    Effect.gen(function* () {
      const smtp = yield* loopbackSmtp
      const { event } = yield* publishedEvent()
      const order = yield* paidOrder(event, { locale: "fr", name: "Léa Favre" })
      smtp.refuseNext(1, 451, "4.2.0 <pia.rutschmann@example.org>: mailbox busy, try later")
      const failure = yield* Effect.flip(sendConfirmation(order.id, smtp))
      expect(failure).toMatchObject({ _tag: "DeliveryFailed", permanent: false })
      const [failed] = yield* rowsFor(order.id)
      expect(failed).toMatchObject({ status: "failed", attempts: 1, provider: "smtp" })
      expect(String(failed!.error)).toContain("451")
      expect(String(failed!.error)).toContain("<address>")
      expect(String(failed!.error)).not.toContain("example.org")
      expect(smtp.received).toHaveLength(0)

      const retried = yield* sendConfirmation(order.id, smtp)
      expect(retried.status).toBe("sent")
      yield* sendConfirmation(order.id, smtp)
      expect(smtp.received).toHaveLength(1)
      expect((yield* parse(smtp.received[0]!)).subject).toBe(`Vos billets pour ${event.name}`)
      const rows = yield* rowsFor(order.id)
      expect(rows).toHaveLength(1)
      expect(rows[0]).toMatchObject({ status: "sent", attempts: 2, error: null })

      // A permanent refusal says so, for the job to stop retrying.
      smtp.refuseNext(1, 550, "5.1.1 unknown user")
      const permanent = yield* Effect.flip(sendConfirmation(order.id, smtp, "second-confirmation"))
      expect(permanent).toMatchObject({ _tag: "DeliveryFailed", permanent: true })
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.scopedLive(
    "a send under way is never sent beside; once its lease has run out (the attempt died) a retry takes over",
    () =>
      Effect.gen(function* () {
        const smtp = yield* loopbackSmtp
        const { event } = yield* publishedEvent()
        const order = yield* paidOrder(event)
        const comms = yield* Communications
        // An attempt that claimed the send and died before settling it.
        const claim = yield* comms.claim({
          idempotencyKey: `order-confirmation:${order.id}`,
          orgId: order.orgId,
          eventId: order.eventId,
          channel: "email",
          template: "confirmation",
          locale: "de",
          recipient: order.buyerEmail,
          subjectType: "order",
          subjectId: order.id,
        })
        expect(claim._tag).toBe("Claimed")
        expect(yield* Effect.flip(sendConfirmation(order.id, smtp))).toMatchObject({ _tag: "SendInProgress" })
        expect(smtp.received).toHaveLength(0)

        const sql = yield* SqlClient.SqlClient
        yield* sql`UPDATE communications SET lease_until = ${Date.now() - 1} WHERE subject_id = ${order.id}`
        expect((yield* sendConfirmation(order.id, smtp)).status).toBe("sent")
        expect(smtp.received).toHaveLength(1)
        expect((yield* rowsFor(order.id))[0]).toMatchObject({ status: "sent", attempts: 2 })
        // The dead attempt's late answer does not overwrite its successor's outcome.
        if (claim._tag === "Claimed") expect(yield* comms.markFailed(claim.communication, "late", "smtp")).toBe(false)
        expect((yield* rowsFor(order.id))[0]).toMatchObject({ status: "sent" })

        // A key reused for another message is refused, not silently answered with the first.
        const other = yield* paidOrder(event)
        const reused = yield* Effect.flip(sendConfirmation(other.id, smtp, `order-confirmation:${order.id}`))
        expect(reused._tag).toBe("IdempotencyKeyReused")
      }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.scopedLive("eight concurrent runs of the same job send one message", () =>
    Effect.gen(function* () {
      const smtp = yield* loopbackSmtp
      const { event } = yield* publishedEvent()
      const order = yield* paidOrder(event)
      const results = yield* Effect.all(
        Array.from({ length: 8 }, () =>
          outcome(Effect.map(sendConfirmation(order.id, smtp), (o) => ({ _tag: o.status }))).pipe(
            Effect.map((r) => (r === "ok" ? "done" : r)),
          ),
        ),
        { concurrency: "unbounded" },
      )
      const counts = tally(results)
      expect(counts.defect ?? 0).toBe(0)
      expect(smtp.received).toHaveLength(1)
      expect((yield* rowsFor(order.id))[0]).toMatchObject({ status: "sent", attempts: 1 })
      // Every run ended as sent, already sent, or "in progress, retry later": none failed for good.
      expect(Object.keys(counts).every((k) => k === "done" || k === "SendInProgress")).toBe(true)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.live("the file outbox (the default transport) writes a parseable .eml per message", () =>
    Effect.gen(function* () {
      const { event } = yield* publishedEvent()
      const order = yield* paidOrder(event, { locale: "it", name: "Luca Bernasconi" })
      const sent = yield* Effect.flatMap(Emails, (e) => e.sendOrderConfirmation(order.id, { attachments }))
      if (sent.status !== "sent") throw new Error(`expected a send, got ${sent.status}`)
      const { outboxDir } = yield* MailConfig
      const mail = yield* parse(fs.readFileSync(path.join(outboxDir, `${sent.communicationId}.eml`)))
      expect(mail.subject).toBe(`I suoi biglietti per ${event.name}`)
      expect(mail.text).toContain("Buongiorno Luca Bernasconi")
      expect(String(mail.html)).toContain("<!doctype html>")
      expect(mail.attachments.map((a) => a.size)).toEqual(attachments.map((a) => a.content.byteLength))
      expect(fs.readdirSync(outboxDir).filter((f) => f.endsWith(".partial"))).toEqual([])
      expect((yield* rowsFor(order.id))[0]).toMatchObject({ status: "sent", provider: "outbox" })
      expect(yield* fileOutbox(outboxDir, FROM).getStatus(sent.providerMessageId)).toBe("stored")
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.live("only a caller who may see the order sends about it; the log is read within the caller's scope", () =>
    Effect.gen(function* () {
      const { event } = yield* publishedEvent()
      const { org: otherOrg } = yield* publishedEvent()
      const order = yield* paidOrder(event)
      const outsider = withCaller(callerWith([{ role: "org_admin", orgId: otherOrg.id, eventId: null }]))
      const send = yield* Effect.flip(Effect.flatMap(Emails, (e) => e.sendOrderConfirmation(order.id)).pipe(outsider))
      expect(send._tag).toBe("NotFound")
      const read = yield* Effect.flip(
        Effect.flatMap(Communications, (c) => c.list({ orgId: order.orgId, limit: 10 })).pipe(outsider),
      )
      expect(read._tag).toBe("Forbidden")
      expect(yield* rowsFor(order.id)).toHaveLength(0)

      yield* Effect.flatMap(Emails, (e) => e.sendOrderConfirmation(order.id))
      const staff = withCaller(callerWith([{ role: "staff", orgId: order.orgId, eventId: order.eventId }]))
      const page = yield* Effect.flatMap(Communications, (c) =>
        c.list({ orgId: order.orgId, eventId: order.eventId, limit: 10 }),
      ).pipe(staff)
      expect(page.items.map((c) => c.subjectId)).toEqual([order.id])
      const mine = yield* Effect.flatMap(Communications, (c) => c.listForRecipient("pia.rutschmann@example.org"))
      expect(mine.map((c) => c.subjectId)).toContain(order.id)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.live("a preview renders a stored order in any language and sends and logs nothing", () =>
    Effect.gen(function* () {
      const { event } = yield* publishedEvent()
      const order = yield* paidOrder(event, { name: "Léa Favre" })
      const emails = yield* Emails
      const preview = yield* emails.preview("confirmation", { orderId: order.id }, { locale: "fr" })
      expect(preview).toMatchObject({ locale: "fr", subject: `Vos billets pour ${event.name}` })
      expect(preview.text).toContain("Bonjour Léa Favre,")
      expect((yield* emails.preview("badge_ready", { orderId: order.id })).subject).toBe(`Ihr Badge für ${event.name}`)
      const wrong = yield* Effect.flip(emails.preview("invoice", { orderId: order.id }))
      expect(wrong._tag).toBe("InvalidRequest")
      expect(yield* rowsFor(order.id)).toHaveLength(0)
    }).pipe(Effect.provide(systemLayer(engine))),
  )

  it.live("nothing to confirm for an unpaid order", () =>
    Effect.gen(function* () {
      const { event } = yield* publishedEvent()
      const type = yield* createTicketType(event, { priceMinor: 5000 })
      const placed = yield* Effect.flatMap(Orders, (o) =>
        o.place(event.id, orderInput([{ ticketTypeId: type.id, quantity: 1 }])),
      ).pipe(asBuyer)
      const result = yield* Effect.flatMap(Emails, (e) => e.sendOrderConfirmation(placed.order.id))
      expect(result.status).toBe("not_needed")
      expect(yield* rowsFor(placed.order.id)).toHaveLength(0)
    }).pipe(Effect.provide(systemLayer(engine))),
  )
})

describe("invoice emails", () => {
  it.scopedLive("the invoice goes out with its PDF in the invoice's language; a reminder only while it is open", () =>
    Effect.gen(function* () {
      const smtp = yield* loopbackSmtp
      const { org } = yield* publishedEvent()
      // The sample invoice's seller, with its QR-IBAN.
      const { footer: _, ...seller } = sampleInvoice("de").seller
      yield* Effect.flatMap(BillingProfiles, (p) => p.set(org.id, { ...seller, paymentTermsDays: 30 }))
      const invoices = yield* Invoices
      const invoice = yield* invoices.issue({
        orgId: org.id,
        kind: "final",
        locale: "de",
        currency: "CHF",
        buyer: { ...sampleInvoice("de").buyer, email: "buchhaltung@example.org" },
        lines: [{ description: "Ausstellungsstand", quantity: 1, unitPriceMinor: 250_000, vatRateBp: 810 }],
      })
      const emails = Emails.DefaultWithoutDependencies.pipe(
        Layer.provide(Layer.succeed(EmailTransport, smtpTransport(smtp.url, FROM))),
      )
      const send = Effect.flatMap(Emails, (e) => e.sendInvoice(invoice.id)).pipe(Effect.provide(emails))
      const remind = Effect.flatMap(Emails, (e) => e.sendInvoiceReminder(invoice.id)).pipe(Effect.provide(emails))
      expect((yield* send).status).toBe("sent")
      expect((yield* send).status).toBe("already_sent")
      const mail = yield* parse(smtp.received[0]!)
      expect(mail.subject).toBe(`Rechnung ${invoice.number} von Swiss Robotics Association`)
      expect(mail.text).toContain(invoice.paymentReference!)
      expect(mail.attachments).toHaveLength(1)
      expect(mail.attachments[0]!.filename).toBe(`${invoice.number}.pdf`)
      expect(mail.attachments[0]!.content.subarray(0, 5).toString()).toBe("%PDF-")

      expect((yield* remind).status).toBe("sent")
      expect((yield* parse(smtp.received[1]!)).subject).toBe(`Zahlungserinnerung: Rechnung ${invoice.number}`)
      yield* invoices.markPaid(invoice.id)
      expect(
        yield* Effect.flatMap(Emails, (e) =>
          e.sendInvoiceReminder(invoice.id, { idempotencyKey: `invoice-reminder:${invoice.id}:2` }),
        ).pipe(Effect.provide(emails)),
      ).toMatchObject({ status: "not_needed" })
      expect(smtp.received).toHaveLength(2)
    }).pipe(Effect.provide(systemLayer("sqlite"))),
  )
})

const templates = <A, E>(effect: Effect.Effect<A, E, EmailTemplates>) => Effect.provide(effect, EmailTemplates.Default)

const tiny: TemplateSource = {
  name: "tiny",
  fields: ["name"],
  lists: { items: ["label"] },
  subject: "{{t.subject}}",
  mjml: `<mjml><mj-body><mj-section><mj-column><mj-text>{{t.hello}}</mj-text>
    <mj-text>{{#items}}<p>{{label}}</p>{{/items}}</mj-text></mj-column></mj-section></mj-body></mjml>`,
  text: "{{t.hello}}\n{{#items}}- {{label}}\n{{/items}}",
  messages: {
    en: { subject: "For {{name}}", hello: "Hello {{name}}" },
    de: { subject: "Für {{name}}", hello: "Hallo {{name}}" },
    fr: { subject: "Pour {{name}}", hello: "Bonjour {{name}}" },
    it: { subject: "Per {{name}}", hello: "Ciao {{name}}" },
  },
}

const invalidBecause = (source: TemplateSource) =>
  templates(Effect.flatMap(EmailTemplates, (t) => Effect.flip(t.load(source))))

describe("email templates", () => {
  it.effect("every template renders in every language with an HTML and a text part, and no token left", () =>
    templates(
      Effect.gen(function* () {
        const t = yield* EmailTemplates
        for (const name of TEMPLATE_NAMES) {
          for (const locale of LOCALES) {
            const mail = yield* t.render(name, locale, sampleTemplateData(name, locale))
            expect(mail.subject.length).toBeGreaterThan(5)
            expect(mail.html).toMatch(/^<!doctype html>/)
            for (const part of [mail.subject, mail.html, mail.text]) expect(part).not.toMatch(/\{\{|\}\}/)
          }
        }
      }),
    ),
  )

  it.effect("any value is escaped in HTML, kept verbatim in text, and a subject stays one line", () =>
    templates(
      Effect.gen(function* () {
        const t = yield* EmailTemplates
        yield* t.load(tiny)
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              fc.string({ maxLength: 40 }),
              fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
              async (name, labels) => {
                const mail = await Effect.runPromise(
                  templates(
                    Effect.flatMap(EmailTemplates, (x) =>
                      x.renderSource(tiny, "en", {
                        fields: { name },
                        lists: { items: labels.map((label) => ({ label })) },
                      }),
                    ),
                  ),
                )
                expect(mail.html).toContain(`Hello ${escapeHtml(name)}`)
                for (const label of labels) expect(mail.html).toContain(`<p>${escapeHtml(label)}</p>`)
                expect(mail.text).toContain(`Hello ${name}`)
                expect(mail.subject).not.toMatch(/[\r\n]/)
                // "&" is left out: "Hello &amp;" begins with "Hello &".
                if (/[<>"']/.test(name)) expect(mail.html).not.toContain(`Hello ${name}`)
              },
            ),
            { numRuns: 60 },
          ),
        )
      }),
    ),
  )

  it.effect("a bad template is refused at load time with an error naming the template and the fault", () =>
    Effect.gen(function* () {
      const unknownField = yield* invalidBecause({ ...tiny, mjml: tiny.mjml.replace("{{label}}", "{{lable}}") })
      expect(unknownField).toMatchObject({ _tag: "TemplateInvalid", template: "tiny" })
      expect(unknownField.detail).toContain("unknown placeholder {{lable}}")

      const unknownInText = yield* invalidBecause({ ...tiny, text: "{{surname}}" })
      expect(unknownInText.detail).toContain("text: unknown placeholder {{surname}}")

      const missingWord = yield* invalidBecause({ ...tiny, messages: { ...tiny.messages, fr: { subject: "x" } } })
      expect(missingWord.detail).toContain(`no "hello" text in fr`)

      const unclosedBlock = yield* invalidBecause({ ...tiny, text: "{{#items}}{{label}}" })
      expect(unclosedBlock.detail).toContain("{{#items}} is never closed")

      const unknownElement = yield* invalidBecause({ ...tiny, mjml: tiny.mjml.replaceAll("mj-column", "mj-colum") })
      expect(unknownElement.detail).toContain("MJML: Element mj-colum doesn't exist")

      const unclosedElement = yield* invalidBecause({ ...tiny, mjml: tiny.mjml.replace("</mj-section>", "") })
      expect(unclosedElement.detail).toContain("</mj-body> closes <mj-section>")

      const notMjml = yield* invalidBecause({ ...tiny, mjml: "<html><body>hi</body></html>" })
      expect(notMjml.detail).toContain("starts with <mjml>")
    }),
  )

  it.effect("a value missing at render time is named", () =>
    templates(
      Effect.gen(function* () {
        const t = yield* EmailTemplates
        const missing = yield* Effect.flip(t.renderSource(tiny, "de", { fields: {}, lists: { items: [] } }))
        expect(missing.detail).toContain("no value for {{name}} (de)")
      }),
    ),
  )
})

describe("transports and configuration", () => {
  it.effect("compose makes an RFC 5322 message; the SMS outbox refuses what is not a number", () =>
    Effect.gen(function* () {
      const raw = yield* composeMessage(
        {
          id: "m1",
          to: "a@example.org",
          subject: "Grüezi\r\nBcc: x@evil.example",
          html: "<p>x</p>",
          text: "x",
          attachments: [],
        },
        FROM,
      )
      const mail = yield* parse(raw)
      expect(mail.bcc).toBeUndefined()
      expect(mail.headers.get("message-id")).toBe("<m1@robotics.example>")

      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-sms-"))
      const sms = smsFileOutbox(dir)
      yield* sms.send({ id: "s1", to: "+41791234567", body: "Doors open at 8:30" })
      expect(fs.readFileSync(path.join(dir, "s1.txt"), "utf8")).toContain("Doors open at 8:30")
      expect(yield* Effect.flip(sms.send({ id: "s2", to: "079 123", body: "x" }))).toMatchObject({ permanent: true })
      expect(
        yield* Effect.flip(
          fileOutbox(dir, FROM).send({ id: "../x", to: "a@b.ch", subject: "", html: "", text: "", attachments: [] }),
        ),
      ).toMatchObject({ _tag: "DeliveryFailed" })
    }),
  )

  it("SMTP_URL and SRATIX_MAIL_FROM are checked at start", () => {
    const base = { SRATIX_DATA_DIR: "/tmp/sratix-mail-config" }
    const mail = loadEnvironment({ ...base, SMTP_URL: "smtp://u:p@mail.example:587", SRATIX_MAIL_FROM: FROM }).mail
    expect(mail).toEqual({
      smtpUrl: "smtp://u:p@mail.example:587",
      from: FROM,
      outboxDir: "/tmp/sratix-mail-config/outbox",
    })
    expect(loadEnvironment(base).mail.smtpUrl).toBeNull()
    expect(() => loadEnvironment({ ...base, SMTP_URL: "http://mail.example" })).toThrow(/smtp:\/\/ or smtps:\/\//)
    expect(() => loadEnvironment({ ...base, SMTP_URL: "not a url" })).toThrow(/not a URL/)
    expect(() => loadEnvironment({ ...base, SRATIX_MAIL_FROM: "SRAtix" })).toThrow(/SRATIX_MAIL_FROM/)
    expect(redactAddresses("550 <pia@example.org>: no such user (pia@example.org)")).toBe(
      "550 <<address>>: no such user (<address>)",
    )
  })
})

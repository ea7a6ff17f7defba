import * as fs from "node:fs/promises"
import * as path from "node:path"
import { HttpApiSchema } from "@effect/platform"
import { Context, Effect, Layer, Schema } from "effect"
import nodemailer from "nodemailer"
import MailComposer from "nodemailer/lib/mail-composer"
import { problemFields } from "../domain/Problems.js"
import { fromAddress, MailConfig } from "./MailConfig.js"

export interface EmailAttachment {
  readonly filename: string
  readonly contentType: string
  readonly content: Uint8Array
}

export interface EmailMessage {
  /** Our id of this message (the communication's id): names the outbox file and the Message-ID. */
  readonly id: string
  readonly to: string
  readonly subject: string
  readonly html: string
  readonly text: string
  readonly attachments: ReadonlyArray<EmailAttachment>
  /** Overrides the configured sender. */
  readonly from?: string
}

export interface DeliveryResult {
  /** What the provider calls the message (for SMTP and the outbox: the Message-ID header we set). */
  readonly providerMessageId: string
  readonly provider: string
}

/**
 * What a provider knows later. SMTP answers nothing after accepting a message (no DSNs are read),
 * so it says `unknown`; API providers (Postmark, SendGrid) will report delivery and bounces.
 */
export type DeliveryStatus = "stored" | "delivered" | "bounced" | "unknown"

/** The provider refused or could not be reached. `permanent`: a 5xx answer, retrying will not help. */
export class DeliveryFailed extends Schema.TaggedError<DeliveryFailed>()(
  "DeliveryFailed",
  { ...problemFields("delivery-failed", 502, "Delivery failed"), permanent: Schema.Boolean },
  HttpApiSchema.annotations<DeliveryFailed>({ status: 502 }),
) {}

/** The reference document's EmailTransport: swapping SMTP for an API provider is a new layer, not a refactor. */
export interface EmailTransportShape {
  readonly name: string
  readonly send: (message: EmailMessage) => Effect.Effect<DeliveryResult, DeliveryFailed>
  readonly getStatus: (providerMessageId: string) => Effect.Effect<DeliveryStatus>
}

export class EmailTransport extends Context.Tag("sratix/comms/EmailTransport")<EmailTransport, EmailTransportShape>() {
  /** SMTP when `SMTP_URL` is set, the file outbox otherwise (ARCHITECTURE.md, "two ways to run"). */
  static readonly fromConfig = Layer.effect(
    EmailTransport,
    Effect.map(MailConfig, (config) =>
      config.smtpUrl === null ? fileOutbox(config.outboxDir, config.from) : smtpTransport(config.smtpUrl, config.from),
    ),
  )
}

/** `<id@domain-of-the-sender>`: stable per communication, so a resend after a crash carries the same id. */
export const messageIdFor = (id: string, from: string) => `<${id}@${fromAddress(from)?.split("@")[1] ?? "sratix"}>`

const composerOptions = (message: EmailMessage, from: string) => ({
  from: message.from ?? from,
  to: message.to,
  subject: message.subject,
  text: message.text,
  html: message.html,
  messageId: messageIdFor(message.id, message.from ?? from),
  attachments: message.attachments.map((a) => ({
    filename: a.filename,
    contentType: a.contentType,
    content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength),
  })),
})

/** An RFC 5322 message as bytes: exactly what SMTP would carry. */
export const composeMessage = (message: EmailMessage, from: string): Effect.Effect<Buffer> =>
  Effect.promise(() => new MailComposer(composerOptions(message, from)).compile().build())

const IDS = /^[A-Za-z0-9_-]{1,64}$/

/**
 * The zero-setup default: each message as `<dir>/<id>.eml`, a real message any mail client opens.
 * Written beside and renamed, so a reader never sees half a file; the same id overwrites the same
 * file, so a repeated send leaves one message.
 */
export const fileOutbox = (dir: string, from: string): EmailTransportShape => ({
  name: "outbox",
  send: (message) =>
    Effect.gen(function* () {
      if (!IDS.test(message.id)) return yield* new DeliveryFailed({ detail: "invalid message id", permanent: true })
      const bytes = yield* composeMessage(message, from)
      const file = path.join(dir, `${message.id}.eml`)
      yield* Effect.tryPromise({
        try: async () => {
          await fs.mkdir(dir, { recursive: true, mode: 0o700 })
          await fs.writeFile(`${file}.partial`, bytes, { mode: 0o600 })
          await fs.rename(`${file}.partial`, file)
        },
        catch: (e) => new DeliveryFailed({ detail: `outbox ${dir}: ${(e as Error).message}`, permanent: false }),
      })
      return { providerMessageId: messageIdFor(message.id, message.from ?? from), provider: "outbox" }
    }),
  getStatus: (providerMessageId) => {
    const id = /^<([^@>]+)@/.exec(providerMessageId)?.[1]
    if (id === undefined || !IDS.test(id)) return Effect.succeed("unknown")
    return Effect.promise(() =>
      fs.access(path.join(dir, `${id}.eml`)).then(
        () => "stored" as const,
        () => "unknown" as const,
      ),
    )
  },
})

interface SmtpError {
  readonly message?: string
  readonly responseCode?: number
  readonly code?: string
}

/**
 * SMTP through nodemailer with a connection pool. The URL decides TLS: `smtps://` from the first
 * byte, `smtp://` upgrades with STARTTLS when offered (`?requireTLS=true` refuses servers that do not).
 */
export const smtpTransport = (url: string, from: string): EmailTransportShape => {
  // A stuck server fails the send within about two minutes (no traffic for 60 s ends it), well
  // inside the lease a retry waits out before it takes a send over (MailConfig.sendLeaseMs).
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 60_000,
    dnsTimeout: 10_000,
  })
  return {
    name: "smtp",
    send: (message) =>
      Effect.tryPromise({
        try: () => transport.sendMail(composerOptions(message, from)),
        catch: (e) => {
          const error = e as SmtpError
          // The server's own answer, which names the reason; never the message or the recipient.
          const detail = `SMTP ${error.responseCode ?? error.code ?? "error"}: ${(error.message ?? String(e)).slice(0, 300)}`
          return new DeliveryFailed({
            detail,
            permanent: error.responseCode !== undefined && error.responseCode >= 500,
          })
        },
      }).pipe(
        Effect.map((info) => ({ providerMessageId: String(info.messageId), provider: "smtp" })),
        Effect.withSpan("EmailTransport.smtp.send"),
      ),
    getStatus: () => Effect.succeed("unknown"),
  }
}

export interface SmsMessage {
  readonly id: string
  /** E.164, e.g. +41791234567. */
  readonly to: string
  readonly body: string
}

/** The same abstraction for SMS; a provider (Twilio, ASPSMS) is a new implementation. */
export interface SmsTransportShape {
  readonly name: string
  readonly send: (message: SmsMessage) => Effect.Effect<DeliveryResult, DeliveryFailed>
}

export class SmsTransport extends Context.Tag("sratix/comms/SmsTransport")<SmsTransport, SmsTransportShape>() {
  /** No SMS provider is configured yet: messages land in the outbox as `sms/<id>.txt`. */
  static readonly fromConfig = Layer.effect(
    SmsTransport,
    Effect.map(MailConfig, (config) => smsFileOutbox(path.join(config.outboxDir, "sms"))),
  )
}

const E164 = /^\+[1-9]\d{6,14}$/

/** Each SMS as a small text file (recipient, then the body), written atomically; nothing goes to logs. */
export const smsFileOutbox = (dir: string): SmsTransportShape => ({
  name: "sms-outbox",
  send: (message) =>
    Effect.gen(function* () {
      if (!IDS.test(message.id)) return yield* new DeliveryFailed({ detail: "invalid message id", permanent: true })
      if (!E164.test(message.to)) {
        return yield* new DeliveryFailed({ detail: "the recipient is not an E.164 number", permanent: true })
      }
      const file = path.join(dir, `${message.id}.txt`)
      yield* Effect.tryPromise({
        try: async () => {
          await fs.mkdir(dir, { recursive: true, mode: 0o700 })
          await fs.writeFile(`${file}.partial`, `To: ${message.to}\n\n${message.body}\n`, { mode: 0o600 })
          await fs.rename(`${file}.partial`, file)
        },
        catch: (e) => new DeliveryFailed({ detail: `sms outbox ${dir}: ${(e as Error).message}`, permanent: false }),
      })
      return { providerMessageId: message.id, provider: "sms-outbox" }
    }),
})

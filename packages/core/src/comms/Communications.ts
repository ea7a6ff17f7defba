import { createHmac } from "node:crypto"
import { HttpApiSchema } from "@effect/platform"
import { SqlClient } from "@effect/sql"
import { Clock, Effect, Schema } from "effect"
import { Audit } from "../audit/Audit.js"
import { CoreConfig } from "../config/CoreConfig.js"
import { Locale, Timestamp } from "../domain/Common.js"
import { EventId, OrgId, uuidv7 } from "../domain/Ids.js"
import { Forbidden, IdempotencyKeyReused, problemFields } from "../domain/Problems.js"
import { isUniqueViolation } from "../sql/Errors.js"
import { affectedRows, decodeCursor, rowDecoder, toPage } from "../sql/Rows.js"
import { tenantScope } from "../sql/Tenant.js"
import { Caller, can, canSomewhere } from "../tenancy/Caller.js"
import { MailConfig } from "./MailConfig.js"
import type { DeliveryResult } from "./Transport.js"

export const CommunicationStatus = Schema.Literal("sending", "sent", "failed")
export type CommunicationStatus = typeof CommunicationStatus.Type

/** A message the platform sent or tried to send; the recipient only as a keyed hash (docs/email.md). */
export class Communication extends Schema.Class<Communication>("Communication")({
  id: Schema.String,
  orgId: OrgId,
  eventId: Schema.NullOr(EventId),
  idempotencyKey: Schema.String,
  channel: Schema.Literal("email", "sms"),
  template: Schema.String,
  locale: Locale,
  recipientHash: Schema.String,
  subjectType: Schema.Literal("order", "invoice", "ticket"),
  subjectId: Schema.String,
  status: CommunicationStatus,
  attempts: Schema.Int,
  provider: Schema.NullOr(Schema.String),
  providerMessageId: Schema.NullOr(Schema.String),
  error: Schema.NullOr(Schema.String),
  leaseUntil: Schema.NullOr(Timestamp),
  sentAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

/** Another attempt holds the send and its lease has not run out: retry later, never send beside it. */
export class SendInProgress extends Schema.TaggedError<SendInProgress>()(
  "SendInProgress",
  { ...problemFields("send-in-progress", 409, "Send in progress"), communicationId: Schema.String },
  HttpApiSchema.annotations<SendInProgress>({ status: 409 }),
) {}

export interface SendIntent {
  readonly idempotencyKey: string
  readonly orgId: OrgId
  readonly eventId: EventId | null
  readonly channel: "email" | "sms"
  readonly template: string
  readonly locale: Locale
  readonly recipient: string
  readonly subjectType: Communication["subjectType"]
  readonly subjectId: string
}

/** `Claimed`: this attempt sends now. `AlreadySent`: an earlier attempt did; do nothing. */
export type Claim =
  | { readonly _tag: "Claimed"; readonly communication: Communication }
  | { readonly _tag: "AlreadySent"; readonly communication: Communication }

const decode = rowDecoder(Communication)
const MAX_KEY = 200

/** Provider answers often quote the address ("550 <pia@example.org>: unknown user"): never store it. */
export const redactAddresses = (text: string) => text.replace(/[^\s<>()"',;:@]+@[^\s<>()"',;:@]+/g, "<address>")

/**
 * The communications log and the idempotency of sends. A send is claimed before the provider is
 * called (status `sending`, with a lease) and settled after (`sent` or `failed`): a retry of a sent
 * message does nothing, a retry of a failed one sends again, and a retry that finds a send under
 * way waits until its lease has run out (the attempt died) before it takes over.
 */
export class Communications extends Effect.Service<Communications>()("sratix/comms/Communications", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const audit = yield* Audit
    const config = yield* CoreConfig
    const mail = yield* MailConfig
    // A key of its own, derived from the server secret, so the hash says nothing without the secret.
    const hashKey = createHmac("sha256", config.secret).update("communications-recipient").digest()

    /** The stored form of an address or phone number: HMAC-SHA256 of its trimmed, lower-cased form. */
    const recipientHash = (recipient: string) =>
      createHmac("sha256", hashKey).update(recipient.trim().toLowerCase()).digest("hex")

    const byKey = (key: string) =>
      Effect.flatMap(
        sql<Record<string, unknown>>`SELECT * FROM communications WHERE idempotency_key = ${key}`,
        (rows) => (rows[0] === undefined ? Effect.succeed(null) : decode(rows[0])),
      )

    const mayWrite = (target: { readonly orgId: OrgId; readonly eventId: EventId | null }) =>
      Effect.flatMap(Caller, (caller) =>
        can(caller, "orders.write", target)
          ? Effect.void
          : new Forbidden({ detail: "Sending messages here is not allowed", permission: "orders.write" }),
      )

    const claim = Effect.fn("Communications.claim")(
      function* (intent: SendIntent) {
        yield* mayWrite(intent)
        if (intent.idempotencyKey.length === 0 || intent.idempotencyKey.length > MAX_KEY) {
          return yield* Effect.die(new Error(`idempotency key must have 1 to ${MAX_KEY} characters`))
        }
        const now = yield* Clock.currentTimeMillis
        const leaseUntil = now + mail.sendLeaseMs
        const row = {
          id: uuidv7(now),
          orgId: intent.orgId,
          eventId: intent.eventId,
          idempotencyKey: intent.idempotencyKey,
          channel: intent.channel,
          template: intent.template,
          locale: intent.locale,
          recipientHash: recipientHash(intent.recipient),
          subjectType: intent.subjectType,
          subjectId: intent.subjectId,
          status: "sending" as const,
          attempts: 1,
          provider: null,
          providerMessageId: null,
          error: null,
          leaseUntil,
          sentAt: null,
          createdAt: now,
          updatedAt: now,
        }
        const inserted = yield* sql`INSERT INTO communications ${sql.insert(row)}`.pipe(
          Effect.as(true),
          Effect.catchIf(isUniqueViolation, () => Effect.succeed(false)),
        )
        if (inserted) return { _tag: "Claimed", communication: new Communication(row) } satisfies Claim as Claim
        const existing = yield* byKey(intent.idempotencyKey)
        if (existing === null) return yield* Effect.die(new Error("communication vanished after a key conflict"))
        if (
          existing.orgId !== intent.orgId ||
          existing.subjectId !== intent.subjectId ||
          existing.template !== intent.template
        ) {
          return yield* new IdempotencyKeyReused({
            detail: `The key "${intent.idempotencyKey}" was used for another message`,
          })
        }
        if (existing.status === "sent") return { _tag: "AlreadySent", communication: existing } satisfies Claim as Claim
        if (existing.status === "sending" && (existing.leaseUntil ?? 0) > now) {
          return yield* new SendInProgress({
            detail: `Message ${existing.id} is being sent by another attempt; retry after its lease`,
            communicationId: existing.id,
          })
        }
        // Compare-and-set on the attempt counter: of two retries that both saw this row, one wins.
        const taken = yield* sql`UPDATE communications SET status = 'sending', attempts = ${existing.attempts + 1},
          lease_until = ${leaseUntil}, locale = ${intent.locale}, recipient_hash = ${row.recipientHash},
          updated_at = ${now}
        WHERE id = ${existing.id} AND attempts = ${existing.attempts} AND status <> 'sent'`.raw.pipe(
          Effect.map(affectedRows),
        )
        if (taken !== 1) {
          return yield* new SendInProgress({
            detail: `Message ${existing.id} was taken over by another attempt`,
            communicationId: existing.id,
          })
        }
        const communication = new Communication({
          ...existing,
          status: "sending",
          attempts: existing.attempts + 1,
          locale: intent.locale,
          recipientHash: row.recipientHash,
          leaseUntil,
          updatedAt: now,
        })
        return { _tag: "Claimed", communication } satisfies Claim as Claim
      },
      Effect.catchTag("SqlError", Effect.die),
    )

    /**
     * Settles this attempt. Only the attempt that holds the row writes (`attempts` matches): a late
     * answer of an attempt that lost its lease never overwrites its successor's outcome.
     */
    const settle = (
      communication: Communication,
      outcome: { readonly sent: DeliveryResult } | { readonly failed: string; readonly provider: string },
    ) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const sent = "sent" in outcome
        const changed = yield* Effect.gen(function* () {
          const n = yield* (
            sent
              ? sql`UPDATE communications SET status = 'sent', provider = ${outcome.sent.provider},
                provider_message_id = ${outcome.sent.providerMessageId.slice(0, 255)}, error = NULL,
                lease_until = NULL, sent_at = ${now}, updated_at = ${now}
              WHERE id = ${communication.id} AND attempts = ${communication.attempts}`
              : sql`UPDATE communications SET status = 'failed', provider = ${outcome.provider},
                error = ${redactAddresses(outcome.failed).slice(0, 500)}, lease_until = NULL, updated_at = ${now}
              WHERE id = ${communication.id} AND attempts = ${communication.attempts} AND status = 'sending'`
          ).raw.pipe(Effect.map(affectedRows))
          if (n === 1) {
            yield* audit.record({
              action: sent ? "communication.sent" : "communication.failed",
              targetType: "communication",
              targetId: communication.id,
              orgId: communication.orgId,
              eventId: communication.eventId,
              data: {
                template: communication.template,
                subjectType: communication.subjectType,
                subjectId: communication.subjectId,
                attempts: communication.attempts,
              },
            })
          }
          return n === 1
        }).pipe(sql.withTransaction, Effect.orDie)
        return changed
      })

    const markSent = Effect.fn("Communications.markSent")(function* (
      communication: Communication,
      result: DeliveryResult,
    ) {
      return yield* settle(communication, { sent: result })
    })

    const markFailed = Effect.fn("Communications.markFailed")(function* (
      communication: Communication,
      error: string,
      provider: string,
    ) {
      return yield* settle(communication, { failed: error, provider })
    })

    /**
     * Whether the message of this key was sent: lets a retried job skip costly preparation (PDFs,
     * passes) of a message that went out. Only an optimisation: `claim` still decides.
     */
    const isSent = Effect.fn("Communications.isSent")(function* (idempotencyKey: string) {
      const existing = yield* byKey(idempotencyKey).pipe(Effect.orDie)
      if (existing === null) return false
      yield* mayWrite(existing)
      return existing.status === "sent"
    })

    const mayRead = (target: { orgId: OrgId; eventId: EventId | null } | null) =>
      Effect.flatMap(Caller, (caller) =>
        (target === null ? canSomewhere(caller, "orders.read") : can(caller, "orders.read", target))
          ? Effect.void
          : new Forbidden({ detail: "Reading the communications log is not allowed", permission: "orders.read" }),
      )

    /** Newest first, scoped to what the caller may see. */
    const list = Effect.fn("Communications.list")(function* (filter: {
      readonly orgId: OrgId
      readonly eventId?: EventId | undefined
      readonly subjectId?: string | undefined
      readonly cursor?: string | undefined
      readonly limit: number
    }) {
      yield* mayRead({ orgId: filter.orgId, eventId: filter.eventId ?? null })
      const scope = yield* tenantScope(sql)
      const after = decodeCursor(filter.cursor)
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM communications
        WHERE org_id = ${filter.orgId} AND ${scope}
          ${filter.eventId !== undefined ? sql`AND event_id = ${filter.eventId}` : sql``}
          ${filter.subjectId !== undefined ? sql`AND subject_id = ${filter.subjectId}` : sql``}
          ${after ? sql`AND id < ${after}` : sql``}
        ORDER BY id DESC LIMIT ${filter.limit + 1}`.pipe(Effect.orDie)
      return toPage(yield* Effect.forEach(rows, decode), filter.limit)
    })

    /** For a right-of-access request: every message sent to this address (matched by its hash). */
    const listForRecipient = Effect.fn("Communications.listForRecipient")(function* (recipient: string) {
      yield* mayRead(null)
      const scope = yield* tenantScope(sql)
      const rows = yield* sql<Record<string, unknown>>`SELECT * FROM communications
        WHERE recipient_hash = ${recipientHash(recipient)} AND ${scope} ORDER BY id`.pipe(Effect.orDie)
      return yield* Effect.forEach(rows, decode)
    })

    return { claim, isSent, markSent, markFailed, list, listForRecipient, recipientHash } as const
  }),
  dependencies: [Audit.Default],
}) {}

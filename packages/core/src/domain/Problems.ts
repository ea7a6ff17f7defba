import { HttpApiSchema } from "@effect/platform"
import { Schema } from "effect"

/** Base of every problem `type` URI (RFC 9457). The path segment is the stable identifier. */
export const PROBLEM_BASE = "https://sratix.org/problems/"

/**
 * The RFC 9457 members every SRAtix error carries. `type`, `title` and `status` default from the
 * error class, so callers only say what went wrong (`detail`) and any extension members.
 */
export const problemFields = (slug: string, status: number, title: string) => ({
  type: Schema.Literal(`${PROBLEM_BASE}${slug}`).pipe(
    Schema.propertySignature,
    Schema.withConstructorDefault(() => `${PROBLEM_BASE}${slug}` as const),
  ),
  title: Schema.Literal(title).pipe(
    Schema.propertySignature,
    Schema.withConstructorDefault(() => title),
  ),
  status: Schema.Literal(status).pipe(
    Schema.propertySignature,
    Schema.withConstructorDefault(() => status),
  ),
  detail: Schema.String,
})

export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { ...problemFields("not-found", 404, "Not found"), resource: Schema.String },
  HttpApiSchema.annotations<NotFound>({ status: 404 }),
) {}

export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  problemFields("unauthorized", 401, "Authentication required"),
  HttpApiSchema.annotations<Unauthorized>({ status: 401 }),
) {}

export class Forbidden extends Schema.TaggedError<Forbidden>()(
  "Forbidden",
  { ...problemFields("forbidden", 403, "Forbidden"), permission: Schema.String },
  HttpApiSchema.annotations<Forbidden>({ status: 403 }),
) {}

export class Conflict extends Schema.TaggedError<Conflict>()(
  "Conflict",
  problemFields("conflict", 409, "Conflict"),
  HttpApiSchema.annotations<Conflict>({ status: 409 }),
) {}

export class InvalidRequest extends Schema.TaggedError<InvalidRequest>()(
  "InvalidRequest",
  { ...problemFields("invalid-request", 422, "Invalid request"), field: Schema.optional(Schema.String) },
  HttpApiSchema.annotations<InvalidRequest>({ status: 422 }),
) {}

export class SoldOut extends Schema.TaggedError<SoldOut>()(
  "SoldOut",
  {
    ...problemFields("sold-out", 409, "Sold out"),
    ticketTypeId: Schema.String,
    available: Schema.Number,
  },
  HttpApiSchema.annotations<SoldOut>({ status: 409 }),
) {}

export class PromoCodeUnavailable extends Schema.TaggedError<PromoCodeUnavailable>()(
  "PromoCodeUnavailable",
  {
    ...problemFields("promo-code-unavailable", 409, "Promo code unavailable"),
    reason: Schema.Literal("unknown", "exhausted", "not-yet-valid", "expired", "inactive", "not-applicable"),
  },
  HttpApiSchema.annotations<PromoCodeUnavailable>({ status: 409 }),
) {}

export class SalesClosed extends Schema.TaggedError<SalesClosed>()(
  "SalesClosed",
  { ...problemFields("sales-closed", 409, "Sales closed"), ticketTypeId: Schema.optional(Schema.String) },
  HttpApiSchema.annotations<SalesClosed>({ status: 409 }),
) {}

export class InvalidStateTransition extends Schema.TaggedError<InvalidStateTransition>()(
  "InvalidStateTransition",
  {
    ...problemFields("invalid-state-transition", 409, "Invalid state transition"),
    from: Schema.String,
    to: Schema.String,
  },
  HttpApiSchema.annotations<InvalidStateTransition>({ status: 409 }),
) {}

export class IdempotencyKeyReused extends Schema.TaggedError<IdempotencyKeyReused>()(
  "IdempotencyKeyReused",
  problemFields("idempotency-key-reused", 422, "Idempotency key reused with a different request"),
  HttpApiSchema.annotations<IdempotencyKeyReused>({ status: 422 }),
) {}

export class InvalidCredentials extends Schema.TaggedError<InvalidCredentials>()(
  "InvalidCredentials",
  problemFields("invalid-credentials", 401, "Invalid credentials"),
  HttpApiSchema.annotations<InvalidCredentials>({ status: 401 }),
) {}

export class AccountLocked extends Schema.TaggedError<AccountLocked>()(
  "AccountLocked",
  { ...problemFields("account-locked", 423, "Account locked"), retryAfterSeconds: Schema.Number },
  HttpApiSchema.annotations<AccountLocked>({ status: 423 }),
) {}

export class RateLimited extends Schema.TaggedError<RateLimited>()(
  "RateLimited",
  { ...problemFields("rate-limited", 429, "Too many requests"), retryAfterSeconds: Schema.Number },
  HttpApiSchema.annotations<RateLimited>({ status: 429 }),
) {}

export class FormDefinitionInvalid extends Schema.TaggedError<FormDefinitionInvalid>()(
  "FormDefinitionInvalid",
  {
    ...problemFields("form-definition-invalid", 422, "Form definition invalid"),
    field: Schema.NullOr(Schema.String),
    issues: Schema.Array(Schema.Struct({ field: Schema.NullOr(Schema.String), message: Schema.String })),
  },
  HttpApiSchema.annotations<FormDefinitionInvalid>({ status: 422 }),
) {}

export const FormAnswerError = Schema.Struct({
  attendee: Schema.optional(Schema.Int),
  field: Schema.String,
  code: Schema.String,
  message: Schema.String,
}).annotations({ identifier: "FormAnswerError" })

export class FormInvalid extends Schema.TaggedError<FormInvalid>()(
  "FormInvalid",
  {
    ...problemFields("form-invalid", 422, "Form answers invalid"),
    field: Schema.String,
    errors: Schema.Array(FormAnswerError),
  },
  HttpApiSchema.annotations<FormInvalid>({ status: 422 }),
) {}

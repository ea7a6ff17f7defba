import { Schema } from "effect"
import { Timestamp } from "./Common.js"
import { EventId, OrgId, PromoCodeId, TicketTypeId } from "./Ids.js"

export const PromoCodeKind = Schema.Literal("percent", "fixed").annotations({
  description: "percent: value in basis points of the price (2500 = 25 %); fixed: minor units off each ticket",
})
export type PromoCodeKind = typeof PromoCodeKind.Type

/** Codes are matched case-insensitively and stored upper-case. */
export const PromoCodeText = Schema.Trim.pipe(
  Schema.pattern(/^[A-Za-z0-9_-]{3,64}$/, { message: () => "must be 3–64 letters, digits, - or _" }),
  Schema.transform(Schema.String, { strict: true, decode: (s) => s.toUpperCase(), encode: (s) => s }),
)

export class PromoCode extends Schema.Class<PromoCode>("PromoCode")({
  id: PromoCodeId,
  orgId: OrgId,
  eventId: EventId,
  code: Schema.String,
  kind: PromoCodeKind,
  value: Schema.Int,
  ticketTypeIds: Schema.Array(TicketTypeId).annotations({ description: "empty: applies to every type" }),
  maxUses: Schema.NullOr(Schema.Int),
  uses: Schema.Int,
  validFrom: Schema.NullOr(Timestamp),
  validUntil: Schema.NullOr(Timestamp),
  active: Schema.Boolean,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

type PromoShape = {
  readonly kind?: PromoCodeKind | undefined
  readonly value?: number | undefined
  readonly validFrom?: number | null | undefined
  readonly validUntil?: number | null | undefined
}
const consistent = (p: PromoShape) => {
  if (p.kind === "percent" && p.value !== undefined && (p.value < 1 || p.value > 10_000)) {
    return "a percent value is in basis points between 1 and 10000"
  }
  if (p.validFrom != null && p.validUntil != null && p.validUntil <= p.validFrom) {
    return "validUntil must be after validFrom"
  }
  return true
}

export const CreatePromoCode = Schema.Struct({
  code: PromoCodeText,
  kind: PromoCodeKind,
  value: Schema.Int.pipe(Schema.between(1, 100_000_000_00)),
  ticketTypeIds: Schema.optionalWith(Schema.Array(TicketTypeId).pipe(Schema.maxItems(100)), {
    default: () => [],
  }),
  maxUses: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.between(1, 10_000_000)))),
  validFrom: Schema.optional(Schema.NullOr(Timestamp)),
  validUntil: Schema.optional(Schema.NullOr(Timestamp)),
})
  .pipe(Schema.filter(consistent))
  .annotations({ identifier: "CreatePromoCode" })
export type CreatePromoCode = typeof CreatePromoCode.Type

export const UpdatePromoCode = Schema.Struct({
  maxUses: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.between(1, 10_000_000)))),
  validFrom: Schema.optional(Schema.NullOr(Timestamp)),
  validUntil: Schema.optional(Schema.NullOr(Timestamp)),
  active: Schema.optional(Schema.Boolean),
})
  .pipe(Schema.filter(consistent))
  .annotations({ identifier: "UpdatePromoCode" })
export type UpdatePromoCode = typeof UpdatePromoCode.Type

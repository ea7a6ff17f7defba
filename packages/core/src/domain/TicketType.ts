import { Schema } from "effect"
import { Description, MinorUnits, Name, Timestamp, VatRateBp } from "./Common.js"
import { EventId, OrgId, TicketTypeId } from "./Ids.js"

export const Visibility = Schema.Literal("public", "hidden").annotations({
  description: "hidden types are sold only with a promo code limited to them",
})
export type Visibility = typeof Visibility.Type

/** Hard ceilings that keep every money computation exact in IEEE doubles. */
export const MAX_CAPACITY = 1_000_000
export const MAX_PER_ORDER = 100

export class TicketType extends Schema.Class<TicketType>("TicketType")({
  id: TicketTypeId,
  orgId: OrgId,
  eventId: EventId,
  name: Name,
  description: Schema.NullOr(Description),
  priceMinor: MinorUnits,
  vatRateBp: VatRateBp,
  capacity: Schema.Int,
  salesStartAt: Schema.NullOr(Timestamp),
  salesEndAt: Schema.NullOr(Timestamp),
  minPerOrder: Schema.Int,
  maxPerOrder: Schema.Int,
  visibility: Visibility,
  sortOrder: Schema.Int,
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

/** A ticket type with its live availability, as the organiser sees it. */
export class TicketTypeWithAvailability extends TicketType.extend<TicketTypeWithAvailability>(
  "TicketTypeWithAvailability",
)({
  available: Schema.Int,
}) {}

const ticketTypeFields = {
  name: Name,
  description: Schema.optional(Schema.NullOr(Description)),
  priceMinor: MinorUnits,
  vatRateBp: Schema.optionalWith(VatRateBp, { default: () => 810 }),
  capacity: Schema.Int.pipe(Schema.between(0, MAX_CAPACITY)),
  salesStartAt: Schema.optional(Schema.NullOr(Timestamp)),
  salesEndAt: Schema.optional(Schema.NullOr(Timestamp)),
  minPerOrder: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, MAX_PER_ORDER)), { default: () => 1 }),
  maxPerOrder: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, MAX_PER_ORDER)), { default: () => 10 }),
  visibility: Schema.optionalWith(Visibility, { default: () => "public" as const }),
  sortOrder: Schema.optionalWith(Schema.Int.pipe(Schema.between(-100_000, 100_000)), { default: () => 0 }),
}

type Window = {
  readonly salesStartAt?: number | null | undefined
  readonly salesEndAt?: number | null | undefined
  readonly minPerOrder?: number | undefined
  readonly maxPerOrder?: number | undefined
}
const consistent = (t: Window) => {
  if (t.salesStartAt != null && t.salesEndAt != null && t.salesEndAt <= t.salesStartAt) {
    return "salesEndAt must be after salesStartAt"
  }
  if (t.minPerOrder !== undefined && t.maxPerOrder !== undefined && t.maxPerOrder < t.minPerOrder) {
    return "maxPerOrder must be at least minPerOrder"
  }
  return true
}

export const CreateTicketType = Schema.Struct(ticketTypeFields)
  .pipe(Schema.filter(consistent))
  .annotations({ identifier: "CreateTicketType" })
export type CreateTicketType = typeof CreateTicketType.Type

export const UpdateTicketType = Schema.Struct({
  name: Schema.optional(Name),
  description: Schema.optional(Schema.NullOr(Description)),
  priceMinor: Schema.optional(MinorUnits),
  vatRateBp: Schema.optional(VatRateBp),
  capacity: Schema.optional(Schema.Int.pipe(Schema.between(0, MAX_CAPACITY))),
  salesStartAt: Schema.optional(Schema.NullOr(Timestamp)),
  salesEndAt: Schema.optional(Schema.NullOr(Timestamp)),
  minPerOrder: Schema.optional(Schema.Int.pipe(Schema.between(1, MAX_PER_ORDER))),
  maxPerOrder: Schema.optional(Schema.Int.pipe(Schema.between(1, MAX_PER_ORDER))),
  visibility: Schema.optional(Visibility),
  sortOrder: Schema.optional(Schema.Int.pipe(Schema.between(-100_000, 100_000))),
})
  .pipe(Schema.filter(consistent))
  .annotations({ identifier: "UpdateTicketType" })
export type UpdateTicketType = typeof UpdateTicketType.Type

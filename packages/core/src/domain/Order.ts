import { Schema } from "effect"
import { Currency, Email, Locale, MinorUnits, Name, Timestamp, VatRateBp } from "./Common.js"
import { AttendeeInput, MAX_ATTENDEES } from "./Form.js"
import { EventId, OrderId, OrgId, PromoCodeId, TicketTypeId } from "./Ids.js"
import { MAX_PER_ORDER } from "./TicketType.js"

export const OrderStatus = Schema.Literal("draft", "pending_payment", "paid", "cancelled", "expired")
export type OrderStatus = typeof OrderStatus.Type

/**
 * The order lifecycle. Seats are held from `pending_payment` on; `paid` converts the holds,
 * `cancelled` and `expired` return them. Terminal states never change again.
 */
export const orderTransitions: Record<OrderStatus, ReadonlyArray<OrderStatus>> = {
  draft: ["pending_payment", "cancelled"],
  pending_payment: ["paid", "cancelled", "expired"],
  paid: ["cancelled"],
  cancelled: [],
  expired: [],
}

export class OrderItem extends Schema.Class<OrderItem>("OrderItem")({
  ticketTypeId: TicketTypeId,
  quantity: Schema.Int,
  unitPriceMinor: MinorUnits,
  discountMinor: MinorUnits,
  totalMinor: MinorUnits,
  vatRateBp: VatRateBp,
}) {}

export const VatLine = Schema.Struct({
  rateBp: VatRateBp,
  grossMinor: MinorUnits,
  vatMinor: MinorUnits,
}).annotations({ identifier: "VatLine" })
export type VatLine = typeof VatLine.Type

export class Order extends Schema.Class<Order>("Order")({
  id: OrderId,
  orgId: OrgId,
  eventId: EventId,
  status: OrderStatus,
  currency: Currency,
  buyerEmail: Schema.String,
  buyerName: Schema.String,
  locale: Locale,
  promoCodeId: Schema.NullOr(PromoCodeId),
  items: Schema.Array(OrderItem),
  subtotalMinor: MinorUnits,
  discountMinor: MinorUnits,
  totalMinor: MinorUnits,
  vatMinor: MinorUnits,
  vatBreakdown: Schema.Array(VatLine),
  expiresAt: Schema.NullOr(Timestamp),
  paidAt: Schema.NullOr(Timestamp),
  cancelledAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

/** What the buyer receives once: the order plus the secret that lets them read it later. */
export class PlacedOrder extends Schema.Class<PlacedOrder>("PlacedOrder")({
  order: Order,
  accessToken: Schema.String.annotations({ description: "Secret for GET /public/orders/{id}; shown once" }),
}) {}

export const OrderLine = Schema.Struct({
  ticketTypeId: TicketTypeId,
  quantity: Schema.Int.pipe(Schema.between(1, MAX_PER_ORDER)),
}).annotations({ identifier: "OrderLine" })

export const PlaceOrder = Schema.Struct({
  items: Schema.Array(OrderLine).pipe(Schema.minItems(1), Schema.maxItems(20)),
  buyer: Schema.Struct({ email: Email, name: Name }),
  promoCode: Schema.optional(Schema.String.pipe(Schema.maxLength(64))),
  locale: Schema.optionalWith(Locale, { default: () => "en" as const }),
  formVersion: Schema.optional(
    Schema.Int.pipe(Schema.positive()).annotations({
      description:
        "The form version the answers were given for; refused (form-invalid, code form_outdated) when another is active",
    }),
  ),
  attendees: Schema.optional(
    Schema.Array(AttendeeInput).pipe(Schema.maxItems(MAX_ATTENDEES)).annotations({
      description:
        "One per seat, with that attendee's answers to the event's active form; required when the event has one",
    }),
  ),
}).annotations({ identifier: "PlaceOrder" })
export type PlaceOrder = typeof PlaceOrder.Type

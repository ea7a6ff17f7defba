import { Schema } from "effect"
import { Timestamp } from "./Common.js"
import { EventId, OrderId, OrgId, TicketTypeId } from "./Ids.js"

export const TicketId = Schema.String.pipe(
  Schema.pattern(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
  Schema.brand("TicketId"),
)
export type TicketId = typeof TicketId.Type

export const TicketStatus = Schema.Literal("valid", "void")
export type TicketStatus = typeof TicketStatus.Type

/** One admission: a seat of a paid order, with the attendee as they were at issuance and its signed code. */
export class Ticket extends Schema.Class<Ticket>("Ticket")({
  id: TicketId,
  orgId: OrgId,
  eventId: EventId,
  orderId: OrderId,
  /** 0-based; the attendee index when the order carried form answers. */
  seatIndex: Schema.Int,
  ticketTypeId: TicketTypeId,
  attendeeName: Schema.String,
  attendeeEmail: Schema.String,
  status: TicketStatus,
  /** What the QR code holds: `SX1.<kid>.<payload+signature>` (docs/tickets.md). */
  code: Schema.String,
  keyId: Schema.String,
  voidReason: Schema.NullOr(Schema.String),
  voidedAt: Schema.NullOr(Timestamp),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}) {}

/** A voided ticket as a scanner's pack lists it. */
export const RevokedTicket = Schema.Struct({ ticketId: TicketId, voidedAt: Timestamp }).annotations({
  identifier: "RevokedTicket",
})
export type RevokedTicket = typeof RevokedTicket.Type

export const PublicSigningKey = Schema.Struct({
  kid: Schema.String,
  /** Raw Ed25519 public key, base64url. */
  publicKey: Schema.String,
  retiredAt: Schema.NullOr(Timestamp),
}).annotations({ identifier: "PublicSigningKey" })
export type PublicSigningKey = typeof PublicSigningKey.Type

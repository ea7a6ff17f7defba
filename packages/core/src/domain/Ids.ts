import { Schema } from "effect"

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const Id = <B extends string>(brand: B) =>
  Schema.String.pipe(Schema.pattern(uuid, { message: () => `must be a lowercase UUID` }), Schema.brand(brand))

export const OrgId = Id("OrgId")
export type OrgId = typeof OrgId.Type
export const EventId = Id("EventId")
export type EventId = typeof EventId.Type
export const TicketTypeId = Id("TicketTypeId")
export type TicketTypeId = typeof TicketTypeId.Type
export const PromoCodeId = Id("PromoCodeId")
export type PromoCodeId = typeof PromoCodeId.Type
export const OrderId = Id("OrderId")
export type OrderId = typeof OrderId.Type
export const UserId = Id("UserId")
export type UserId = typeof UserId.Type
export const ApiKeyId = Id("ApiKeyId")
export type ApiKeyId = typeof ApiKeyId.Type
export const PaymentId = Id("PaymentId")
export type PaymentId = typeof PaymentId.Type
export const RefundId = Id("RefundId")
export type RefundId = typeof RefundId.Type

let lastMs = 0
let sequence = 0

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Time-ordered ids keep
 * InnoDB inserts append-mostly and make `id` usable as a stable pagination cursor.
 * Within one process ids are strictly increasing (RFC 9562 §6.2, method 1: a 12-bit counter
 * seeded at random for each new millisecond), so rows written in the same millisecond, such as
 * `order.placed` and `order.paid` of a free order, still sort in the order they were made.
 */
export const uuidv7 = (now: number = Date.now()): string => {
  const bytes = new Uint8Array(16)
  globalThis.crypto.getRandomValues(bytes)
  if (now > lastMs) {
    lastMs = now
    sequence = ((bytes[6]! & 0x07) << 8) | bytes[7]!
  } else if (++sequence > 0xfff) {
    lastMs++
    sequence = 0
  }
  bytes[6] = sequence >> 8
  bytes[7] = sequence & 0xff
  let ms = lastMs
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256
    ms = Math.floor(ms / 256)
  }
  bytes[6] = (bytes[6]! & 0x0f) | 0x70
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
export const FormSchemaId = Id("FormSchemaId")
export type FormSchemaId = typeof FormSchemaId.Type
export const SubmissionId = Id("SubmissionId")
export type SubmissionId = typeof SubmissionId.Type

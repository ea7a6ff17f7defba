/**
 * @sratix/sdk — a thin typed client for the SRAtix REST API.
 *
 * Types come from `schema.ts`, which openapi-typescript generates from the committed `openapi.json`
 * (`npm run openapi` at the repository root). Browser-safe: no Node built-ins.
 */
import type { components } from "./schema.js"

export { createSratixClient, idempotencyKey, type SratixClient, type SratixClientOptions } from "./Client.js"
export { isProblem, isSratixProblem, type Problem, SratixProblem, unwrap } from "./Problem.js"
export type { components, operations, paths } from "./schema.js"

type Schemas = components["schemas"]

/** One page of a cursor-paginated list; pass `nextCursor` as `?cursor=` until it is null. */
export interface Page<T> {
  items: T[]
  nextCursor: string | null
}

export type TokenPair = Schemas["TokenPair"]
export type User = Schemas["User"]
export type Organization = Schemas["Organization"]
export type CreateOrganization = Schemas["CreateOrganization"]
export type ApiKey = Schemas["ApiKey"]
export type ApiKeyCreated = Schemas["ApiKeyCreated"]
export type AuditEntry = Schemas["AuditEntry"]
export type Event = Schemas["Event"]
export type CreateEvent = Schemas["CreateEvent"]
export type UpdateEvent = Schemas["UpdateEvent"]
export type TicketType = Schemas["TicketTypeWithAvailability"]
export type CreateTicketType = Schemas["CreateTicketType"]
export type UpdateTicketType = Schemas["UpdateTicketType"]
export type PromoCode = Schemas["PromoCode"]
export type CreatePromoCode = Schemas["CreatePromoCode"]
export type Order = Schemas["Order"]
export type OrderItem = Schemas["OrderItem"]
export type PlaceOrder = Schemas["PlaceOrder"]
export type PlacedOrder = Schemas["PlacedOrder"]
export type PublicEvent = Schemas["PublicEvent"]
export type PublicEventDetail = Schemas["PublicEventDetail"]
export type PublicTicketType = Schemas["PublicTicketType"]
export type Availability = Schemas["Availability"]
export type SoldOut = Schemas["SoldOut"]
export type PaymentOptions = Schemas["PaymentOptions"]
export type StartPayment = Schemas["StartPayment"]
export type PaymentStart = Schemas["PaymentStart"]
export type Payment = Schemas["Payment"]
export type Refund = Schemas["Refund"]
export type OrderPayments = Schemas["OrderPayments"]
export type EventPaymentSettings = Schemas["EventPaymentSettings"]
export type Invoice = Schemas["Invoice"]

import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import {
  Currency,
  Description,
  EventId,
  FormInvalid,
  IdempotencyKeyReused,
  InvalidRequest,
  MinorUnits,
  Name,
  NotFound,
  Order,
  OrderId,
  PlacedOrder,
  PlaceOrder,
  PromoCodeUnavailable,
  PublicForm,
  SalesClosed,
  SoldOut,
  TicketTypeId,
  Timestamp,
  UploadReceipt,
  VatRateBp,
  Venue,
} from "@sratix/core"
import { Schema } from "effect"
import { publicAccess, RequiredAccess } from "../http/Access.js"
import { Authorization } from "../http/Authorization.js"
import { Page, PageQuery } from "../http/Common.js"

export const SalesStateSchema = Schema.Literal("on_sale", "not_yet_on_sale", "sales_ended", "sold_out")

export const PublicTicketType = Schema.Struct({
  id: TicketTypeId,
  name: Name,
  description: Schema.NullOr(Description),
  priceMinor: MinorUnits,
  vatRateBp: VatRateBp,
  minPerOrder: Schema.Int,
  maxPerOrder: Schema.Int,
  salesStartAt: Schema.NullOr(Timestamp),
  salesEndAt: Schema.NullOr(Timestamp),
  state: SalesStateSchema,
  available: Schema.Int,
}).annotations({ identifier: "PublicTicketType" })

export const PublicEvent = Schema.Struct({
  id: EventId,
  slug: Schema.String,
  name: Name,
  description: Schema.NullOr(Description),
  startsAt: Timestamp,
  endsAt: Timestamp,
  timezone: Schema.String,
  venue: Schema.NullOr(Venue),
  currency: Currency,
}).annotations({ identifier: "PublicEvent" })

export const PublicEventDetail = Schema.Struct({
  ...PublicEvent.fields,
  ticketTypes: Schema.Array(PublicTicketType),
}).annotations({ identifier: "PublicEventDetail" })

export const Availability = Schema.Struct({
  eventId: EventId,
  ticketTypes: Schema.Array(Schema.Struct({ id: TicketTypeId, state: SalesStateSchema, available: Schema.Int })),
}).annotations({ identifier: "Availability" })

const EventPath = Schema.Struct({ eventId: EventId })

export class PublicApi extends HttpApiGroup.make("public")
  .add(
    HttpApiEndpoint.get("listEvents", "/public/events")
      .setUrlParams(PageQuery)
      .addSuccess(Page(PublicEvent, "PublicEventPage"))
      .annotate(RequiredAccess, publicAccess)
      .annotate(OpenApi.Description, "Published events."),
  )
  .add(
    HttpApiEndpoint.get("getEvent", "/public/events/:eventId")
      .setPath(EventPath)
      .addSuccess(PublicEventDetail)
      .addError(NotFound)
      .annotate(RequiredAccess, publicAccess)
      .annotate(OpenApi.Description, "A published event with its public ticket types and their availability."),
  )
  .add(
    HttpApiEndpoint.get("availability", "/public/events/:eventId/availability")
      .setPath(EventPath)
      .addSuccess(Availability)
      .addError(NotFound)
      .annotate(RequiredAccess, publicAccess)
      .annotate(OpenApi.Description, "Live availability of the public ticket types; cheap to poll."),
  )
  .add(
    HttpApiEndpoint.get("getForm", "/public/events/:eventId/form")
      .setPath(EventPath)
      .addSuccess(PublicForm)
      .addError(NotFound)
      .annotate(RequiredAccess, publicAccess)
      .annotate(
        OpenApi.Description,
        "The event's active registration form; 404 when it asks nothing beyond the buyer.",
      ),
  )
  .add(
    HttpApiEndpoint.post("upload", "/public/events/:eventId/uploads")
      .setPath(EventPath)
      .setHeaders(
        Schema.Struct({
          "x-sratix-field": Schema.String.pipe(Schema.minLength(1), Schema.maxLength(64)).annotations({
            description: "Id of the file field the upload answers",
          }),
          "x-sratix-filename": Schema.optional(Schema.String.pipe(Schema.maxLength(255))),
          "accept-language": Schema.optional(Schema.String.pipe(Schema.maxLength(200))),
        }),
      )
      .setPayload(HttpApiSchema.Uint8Array({ contentType: "application/octet-stream" }))
      .addSuccess(UploadReceipt, { status: 201 })
      .addError(NotFound)
      .addError(FormInvalid)
      .annotate(RequiredAccess, publicAccess)
      .annotate(
        OpenApi.Description,
        "Uploads the file for a file field, sent raw in its own media type. Put the returned `uploadId` in " +
          "that field's answer; files no order claims within a day are deleted.",
      ),
  )
  .add(
    HttpApiEndpoint.post("placeOrder", "/public/events/:eventId/orders")
      .setPath(EventPath)
      .setHeaders(
        Schema.Struct({
          "idempotency-key": Schema.optional(
            Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)).annotations({
              description: "Retries with the same key and body return the first result instead of ordering twice",
            }),
          ),
        }),
      )
      .setPayload(PlaceOrder)
      .addSuccess(PlacedOrder, { status: 201 })
      .addError(NotFound)
      .addError(SoldOut)
      .addError(SalesClosed)
      .addError(PromoCodeUnavailable)
      .addError(InvalidRequest)
      .addError(FormInvalid)
      .addError(IdempotencyKeyReused)
      .annotate(RequiredAccess, publicAccess)
      .annotate(
        OpenApi.Description,
        "Places an order. Seats are held until `expiresAt`; an order that costs nothing is paid at once.",
      ),
  )
  .add(
    HttpApiEndpoint.get("getOrder", "/public/orders/:orderId")
      .setPath(Schema.Struct({ orderId: OrderId }))
      .setHeaders(Schema.Struct({ "x-order-token": Schema.String.pipe(Schema.maxLength(200)) }))
      .addSuccess(Order)
      .addError(NotFound)
      .annotate(RequiredAccess, publicAccess)
      .annotate(OpenApi.Description, "The buyer's view of their order, with the access token from placing it."),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "Public") {}

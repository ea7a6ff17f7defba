import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import {
  BadgeOrder,
  BadgeTemplateInvalid,
  Conflict,
  EventId,
  InvalidRequest,
  NotFound,
  OrderId,
  RenderFailed,
  TicketId,
  TicketTypeId,
  WalletNotConfigured,
} from "@sratix/core"
import { Schema } from "effect"
import { permission, publicAccess, RequiredAccess } from "../http/Access.js"
import { Authorization } from "../http/Authorization.js"

const Pdf = HttpApiSchema.Uint8Array({ contentType: "application/pdf" })
const PkPass = HttpApiSchema.Uint8Array({ contentType: "application/vnd.apple.pkpass" })

/** `?orderIds=a,b,c`: a comma-separated list of order ids. */
const OrderIdList = Schema.compose(Schema.split(","), Schema.Array(OrderId))

/** Badges for staff: one ticket's badge, or print sheets of several (docs/badges.md). */
export class BadgesApi extends HttpApiGroup.make("badges")
  .add(
    HttpApiEndpoint.get("ticketBadge", "/events/:eventId/tickets/:ticketId/badge.pdf")
      .setPath(Schema.Struct({ eventId: EventId, ticketId: TicketId }))
      .addSuccess(Pdf)
      .addError(NotFound)
      .addError(Conflict)
      .addError(BadgeTemplateInvalid)
      .addError(RenderFailed)
      .annotate(RequiredAccess, permission("orders.read"))
      .annotate(OpenApi.Description, "The ticket's badge as a one-page PDF of the badge's size, with its template."),
  )
  .add(
    HttpApiEndpoint.get("printSheet", "/events/:eventId/badges.pdf")
      .setPath(Schema.Struct({ eventId: EventId }))
      .setUrlParams(
        Schema.Struct({
          ticketTypeId: Schema.optional(TicketTypeId),
          orderIds: Schema.optional(OrderIdList),
          order: Schema.optional(BadgeOrder),
        }),
      )
      .addSuccess(Pdf)
      .addError(NotFound)
      .addError(Conflict)
      .addError(InvalidRequest)
      .addError(BadgeTemplateInvalid)
      .addError(RenderFailed)
      .annotate(RequiredAccess, permission("orders.read"))
      .annotate(
        OpenApi.Description,
        "The event's valid tickets' badges on A4 sheets with crop marks, optionally one ticket type's or the listed " +
          "orders' (`orderIds=a,b`), sorted by `order` (name, company, ticketType, orderDate; default name). " +
          "At most 2,000 badges.",
      ),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "Badges") {}

const BuyerTicketPath = Schema.Struct({ orderId: OrderId, ticketId: TicketId })
const OrderToken = Schema.Struct({ "x-order-token": Schema.String.pipe(Schema.maxLength(200)) })

export const GoogleWalletLink = Schema.Struct({ url: Schema.String }).annotations({ identifier: "GoogleWalletLink" })

/** The buyer's own documents, with the order's access token (as `GET /public/orders/:orderId`). */
export class TicketDocumentsApi extends HttpApiGroup.make("ticketDocuments")
  .add(
    HttpApiEndpoint.get("badge", "/public/orders/:orderId/tickets/:ticketId/badge.pdf")
      .setPath(BuyerTicketPath)
      .setHeaders(OrderToken)
      .addSuccess(Pdf)
      .addError(NotFound)
      .addError(Conflict)
      .addError(BadgeTemplateInvalid)
      .addError(RenderFailed)
      .annotate(RequiredAccess, publicAccess)
      .annotate(OpenApi.Description, "A ticket of the order as its badge PDF, for the buyer."),
  )
  .add(
    HttpApiEndpoint.get("applePass", "/public/orders/:orderId/tickets/:ticketId/pass.pkpass")
      .setPath(BuyerTicketPath)
      .setHeaders(OrderToken)
      .addSuccess(PkPass)
      .addError(NotFound)
      .addError(Conflict)
      .addError(WalletNotConfigured)
      .addError(RenderFailed)
      .annotate(RequiredAccess, publicAccess)
      .annotate(OpenApi.Description, "A ticket of the order as an Apple Wallet pass (503 when not configured)."),
  )
  .add(
    HttpApiEndpoint.get("googleWallet", "/public/orders/:orderId/tickets/:ticketId/google-wallet")
      .setPath(BuyerTicketPath)
      .setHeaders(OrderToken)
      .addSuccess(GoogleWalletLink)
      .addError(NotFound)
      .addError(Conflict)
      .addError(WalletNotConfigured)
      .addError(RenderFailed)
      .annotate(RequiredAccess, publicAccess)
      .annotate(OpenApi.Description, "The ticket's 'Save to Google Wallet' link (503 when not configured)."),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "Ticket documents") {}

import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { EventId, InvalidStateTransition, NotFound, Order, OrderId, OrderStatus } from "@sratix/core"
import { Schema } from "effect"
import { permission, RequiredAccess } from "../http/Access.js"
import { Authorization } from "../http/Authorization.js"
import { Page, PageQuery } from "../http/Common.js"

const OrderPath = Schema.Struct({ eventId: EventId, orderId: OrderId })

export class OrdersApi extends HttpApiGroup.make("orders")
  .add(
    HttpApiEndpoint.get("list", "/events/:eventId/orders")
      .setPath(Schema.Struct({ eventId: EventId }))
      .setUrlParams(Schema.Struct({ ...PageQuery.fields, status: Schema.optional(OrderStatus) }))
      .addSuccess(Page(Order, "OrderPage"))
      .annotate(RequiredAccess, permission("orders.read")),
  )
  .add(
    HttpApiEndpoint.get("get", "/events/:eventId/orders/:orderId")
      .setPath(OrderPath)
      .addSuccess(Order)
      .addError(NotFound)
      .annotate(RequiredAccess, permission("orders.read")),
  )
  .add(
    HttpApiEndpoint.post("cancel", "/events/:eventId/orders/:orderId/cancel")
      .setPath(OrderPath)
      .addSuccess(Order)
      .addError(NotFound)
      .addError(InvalidStateTransition)
      .annotate(RequiredAccess, permission("orders.write"))
      .annotate(OpenApi.Description, "Cancels an order and returns its seats (and promo code use)."),
  )
  .middleware(Authorization)
  .annotate(OpenApi.Title, "Orders") {}

import { HttpApiBuilder } from "@effect/platform"
import { Orders } from "@sratix/core"
import { Effect } from "effect"
import { SratixApi } from "../Api.js"
import { DEFAULT_PAGE_SIZE } from "../http/Common.js"

export const OrdersLive = HttpApiBuilder.group(SratixApi, "orders", (handlers) =>
  Effect.gen(function* () {
    const orders = yield* Orders
    return handlers
      .handle("list", ({ path, urlParams }) =>
        orders.list(path.eventId, { ...urlParams, limit: urlParams.limit ?? DEFAULT_PAGE_SIZE }),
      )
      .handle("get", ({ path }) => orders.get(path.eventId, path.orderId))
      .handle("cancel", ({ path }) => orders.cancel(path.eventId, path.orderId))
  }),
)

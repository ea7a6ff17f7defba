import { HttpApiBuilder } from "@effect/platform"
import {
  Badges,
  Caller,
  NotFound,
  type OrderId,
  Orders,
  type TicketId,
  Tickets,
  Wallet,
  withCaller,
} from "@sratix/core"
import { Effect } from "effect"
import { SratixApi } from "../Api.js"

export const BadgesLive = HttpApiBuilder.group(SratixApi, "badges", (handlers) =>
  Effect.gen(function* () {
    const badges = yield* Badges
    const tickets = yield* Tickets
    return handlers
      .handle("ticketBadge", ({ path }) =>
        Effect.gen(function* () {
          // Scoped to the caller's tenancy by `find`; a ticket of another event of theirs is not this one.
          const ticket = yield* tickets.find(path.ticketId)
          if (ticket.eventId !== path.eventId) {
            return yield* new NotFound({ detail: "No such ticket in this event", resource: "ticket" })
          }
          return (yield* badges.renderForTicket(ticket.id, "pdf")).bytes
        }),
      )
      .handle("printSheet", ({ path, urlParams }) =>
        badges
          .renderBatch({
            eventId: path.eventId,
            order: urlParams.order ?? "name",
            ...(urlParams.ticketTypeId === undefined ? {} : { ticketTypeId: urlParams.ticketTypeId }),
            ...(urlParams.orderIds === undefined ? {} : { orderIds: urlParams.orderIds }),
          })
          .pipe(Effect.map((sheets) => sheets.bytes)),
      )
  }),
)

/** The buyer holds no role: once the order's token checks out, its own tickets are read as the system. */
const asOrderSystem = withCaller(Caller.system("ticket-documents"))

export const TicketDocumentsLive = HttpApiBuilder.group(SratixApi, "ticketDocuments", (handlers) =>
  Effect.gen(function* () {
    const orders = yield* Orders
    const tickets = yield* Tickets
    const badges = yield* Badges
    const wallet = yield* Wallet

    /** The ticket, if it belongs to the order whose token was given; NotFound for everything else. */
    const ticketOfOrder = (orderId: OrderId, ticketId: TicketId, token: string) =>
      Effect.gen(function* () {
        yield* orders.getWithToken(orderId, token)
        const owned = (yield* tickets.listForOrder(orderId).pipe(asOrderSystem)).some((t) => t.id === ticketId)
        if (!owned) return yield* new NotFound({ detail: "No such ticket in this order", resource: "ticket" })
        return ticketId
      })

    return handlers
      .handle("badge", ({ path, headers }) =>
        Effect.flatMap(ticketOfOrder(path.orderId, path.ticketId, headers["x-order-token"]), (id) =>
          badges.renderForTicket(id, "pdf").pipe(
            Effect.map((badge) => badge.bytes),
            asOrderSystem,
          ),
        ),
      )
      .handle("applePass", ({ path, headers }) =>
        Effect.flatMap(ticketOfOrder(path.orderId, path.ticketId, headers["x-order-token"]), (id) =>
          wallet.applePass(id).pipe(asOrderSystem),
        ),
      )
      .handle("googleWallet", ({ path, headers }) =>
        Effect.flatMap(ticketOfOrder(path.orderId, path.ticketId, headers["x-order-token"]), (id) =>
          wallet.googleSaveUrl(id).pipe(
            Effect.map((url) => ({ url })),
            asOrderSystem,
          ),
        ),
      )
  }),
)

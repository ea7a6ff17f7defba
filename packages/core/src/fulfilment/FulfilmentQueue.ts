import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { Order } from "../domain/Order.js"
import { JobQueue } from "../jobs/JobQueue.js"
import { isUniqueViolation } from "../sql/Errors.js"
import { FulfilOrder, fulfilJobId } from "./Jobs.js"

/**
 * The asking side of fulfilment (docs/adr/0012-fulfilment-after-commit.md). `recordPaid` runs inside
 * the transaction that makes an order paid and writes the order's `pending` fulfilment row; `request`
 * runs after that commit and enqueues the job. A job enqueued before the commit could run against an
 * order that is not paid yet (or never will be, on a rollback); a row written in the same transaction
 * cannot be lost by a crash between the commit and the enqueue, because the sweep re-enqueues it.
 */
export class FulfilmentQueue extends Effect.Service<FulfilmentQueue>()("sratix/fulfilment/FulfilmentQueue", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const queue = yield* JobQueue

    /** Inside the paying transaction. A second call for the order (a replay) leaves the first row. */
    const recordPaid = (order: Pick<Order, "id" | "orgId" | "eventId">, now: number) =>
      sql`INSERT INTO order_fulfilments ${sql.insert({
        orderId: order.id,
        orgId: order.orgId,
        eventId: order.eventId,
        status: "pending",
        tickets: null,
        completedAt: null,
        createdAt: now,
        updatedAt: now,
      })}`.pipe(
        Effect.asVoid,
        Effect.catchIf(isUniqueViolation, () => Effect.void),
      )

    /**
     * After the commit. Never fails the caller: the payment is already committed, and an order whose
     * job could not be enqueued is still `pending`, so the sweep enqueues it later.
     */
    const request = (orderId: string) =>
      queue.enqueue(FulfilOrder, { orderId: orderId as Order["id"] }, { id: fulfilJobId(orderId) }).pipe(
        Effect.catchAllCause((cause) =>
          Effect.logWarning("fulfilment enqueue failed; the sweep will retry", { orderId, cause }),
        ),
        Effect.withSpan("FulfilmentQueue.request", { attributes: { "order.id": orderId } }),
      )

    return { recordPaid, request } as const
  }),
}) {}

import { SqlClient } from "@effect/sql"
import { Clock, Data, Effect } from "effect"
import type { TicketTypeId } from "../domain/Ids.js"
import { InvalidRequest, SoldOut } from "../domain/Problems.js"
import type { TicketType } from "../domain/TicketType.js"
import { DatabaseInfo } from "../sql/Database.js"
import { affectedRows } from "../sql/Rows.js"

export interface Allocation {
  readonly ticketTypeId: TicketTypeId
  readonly bucket: number
  readonly quantity: number
}

/**
 * Capacity as counters of remaining seats, split over one or more bucket rows per ticket type.
 * All methods run inside the caller's transaction. The rules are in docs/invariants.md:
 * a seat leaves a bucket only through a conditional decrement (`remaining >= n`), so no
 * interleaving of transactions, processes or engines can take more seats than exist.
 */
/**
 * Places each request (a quantity) whole into one bucket, in request order, filling from bucket
 * index `start` onwards (cyclically) before moving on, so that a batch touches few rows and batches
 * starting elsewhere touch others. `null` for a request no bucket had room for at its turn.
 * Never plans more than a bucket's `remaining`: the conditional decrement checks it again anyway.
 */
export const assignBuckets = (
  buckets: ReadonlyArray<{ readonly bucket: number; readonly remaining: number }>,
  quantities: ReadonlyArray<number>,
  start: number,
): Array<number | null> => {
  const left = buckets.map((b) => b.remaining)
  let cursor = buckets.length === 0 ? 0 : ((start % buckets.length) + buckets.length) % buckets.length
  return quantities.map((quantity) => {
    for (let step = 0; step < buckets.length; step++) {
      const i = (cursor + step) % buckets.length
      if (left[i]! >= quantity) {
        left[i]! -= quantity
        cursor = i
        return buckets[i]!.bucket
      }
    }
    return null
  })
}

/** The fast path could not take seats without locking more than one bucket: retry locked. */
export class NeedsFullLock extends Data.TaggedError("NeedsFullLock") {}

export class Inventory extends Effect.Service<Inventory>()("sratix/inventory/Inventory", {
  effect: Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const { dialect } = yield* DatabaseInfo
    const forUpdate = dialect === "mysql" ? sql` FOR UPDATE` : sql``

    const split = (capacity: number, buckets: number) =>
      Array.from({ length: buckets }, (_, i) => Math.floor(capacity / buckets) + (i < capacity % buckets ? 1 : 0))

    const open = Effect.fn("Inventory.open")(function* (ticketType: TicketType, buckets: number) {
      const now = yield* Clock.currentTimeMillis
      const rows = split(ticketType.capacity, buckets).map((remaining, bucket) => ({
        ticketTypeId: ticketType.id,
        bucket,
        orgId: ticketType.orgId,
        eventId: ticketType.eventId,
        remaining,
        createdAt: now,
        updatedAt: now,
      }))
      yield* sql`INSERT INTO inventory_buckets ${sql.insert(rows)}`
    })

    const lockAll = (ticketTypeId: TicketTypeId) =>
      sql<{ bucket: number; remaining: number }>`SELECT bucket, remaining FROM inventory_buckets
        WHERE ticket_type_id = ${ticketTypeId} ORDER BY bucket${forUpdate}`

    const decrement = (ticketTypeId: TicketTypeId, bucket: number, quantity: number, now: number) =>
      sql`UPDATE inventory_buckets SET remaining = remaining - ${quantity}, updated_at = ${now}
        WHERE ticket_type_id = ${ticketTypeId} AND bucket = ${bucket} AND remaining >= ${quantity}`.raw.pipe(
        Effect.map(affectedRows),
      )

    /**
     * The fast path: one conditional decrement of one bucket that looked big enough. Fails with
     * NeedsFullLock when no bucket looked big enough or a racer emptied the one picked; the caller
     * then rolls back (releasing the row the failed UPDATE locked) and retries with `takeLocked`.
     * Never locking a second bucket here is what keeps bucket locks in one order: no deadlocks.
     */
    const takeFast = Effect.fn("Inventory.takeFast")(function* (ticketTypeId: TicketTypeId, quantity: number) {
      const now = yield* Clock.currentTimeMillis
      const candidates = yield* sql<{ bucket: number }>`SELECT bucket FROM inventory_buckets
        WHERE ticket_type_id = ${ticketTypeId} AND remaining >= ${quantity}`
      if (candidates.length === 0) return yield* new NeedsFullLock()
      const pick = candidates[Math.floor(Math.random() * candidates.length)]!.bucket
      if ((yield* decrement(ticketTypeId, pick, quantity, now)) !== 1) return yield* new NeedsFullLock()
      return [{ ticketTypeId, bucket: pick, quantity }] as ReadonlyArray<Allocation>
    })

    /**
     * The slow path, and the only place that decides "sold out" for a snapshot that said there was
     * enough: locks every bucket of the type in bucket order, then takes across them.
     */
    const takeLocked = Effect.fn("Inventory.takeLocked")(function* (ticketTypeId: TicketTypeId, quantity: number) {
      const now = yield* Clock.currentTimeMillis
      const buckets = yield* lockAll(ticketTypeId)
      const available = buckets.reduce((sum, b) => sum + Number(b.remaining), 0)
      if (available < quantity) {
        return yield* new SoldOut({
          detail: available === 0 ? "This ticket type is sold out" : `Only ${available} left`,
          ticketTypeId,
          available,
        })
      }
      const allocations: Array<Allocation> = []
      let missing = quantity
      for (const b of buckets) {
        const n = Math.min(missing, Number(b.remaining))
        if (n === 0) continue
        if ((yield* decrement(ticketTypeId, b.bucket, n, now)) !== 1) {
          return yield* Effect.dieMessage("inventory bucket changed while locked")
        }
        allocations.push({ ticketTypeId, bucket: b.bucket, quantity: n })
        missing -= n
        if (missing === 0) break
      }
      return allocations as ReadonlyArray<Allocation>
    })

    /**
     * For a batch of orders of one type: where each would go, from the committed counters (no lock).
     * Outside any transaction; `takePlanned` then takes the seats inside one.
     */
    const plan = Effect.fn("Inventory.plan")(function* (ticketTypeId: TicketTypeId, quantities: ReadonlyArray<number>) {
      const buckets = yield* sql<{ bucket: number; remaining: number }>`SELECT bucket, remaining
        FROM inventory_buckets WHERE ticket_type_id = ${ticketTypeId} ORDER BY bucket`
      const counters = buckets.map((b) => ({ bucket: Number(b.bucket), remaining: Number(b.remaining) }))
      return assignBuckets(counters, quantities, Math.floor(Math.random() * Math.max(1, counters.length)))
    })

    /**
     * Takes the planned seats, one conditional decrement per bucket in ascending bucket order (the
     * order every path locks buckets in). Fails with NeedsFullLock when a bucket no longer has
     * them: the caller rolls back and places the orders one by one.
     */
    const takePlanned = Effect.fn("Inventory.takePlanned")(function* (
      ticketTypeId: TicketTypeId,
      perBucket: ReadonlyMap<number, number>,
    ) {
      const now = yield* Clock.currentTimeMillis
      for (const [bucket, quantity] of [...perBucket].sort(([a], [b]) => a - b)) {
        if ((yield* decrement(ticketTypeId, bucket, quantity, now)) !== 1) return yield* new NeedsFullLock()
      }
    })

    /** Takes `quantity` seats or fails with SoldOut (locked) or NeedsFullLock (fast). */
    const take = (ticketTypeId: TicketTypeId, quantity: number, mode: "fast" | "locked") =>
      mode === "fast" ? takeFast(ticketTypeId, quantity) : takeLocked(ticketTypeId, quantity)

    const give = Effect.fn("Inventory.give")(function* (allocations: ReadonlyArray<Allocation>) {
      const now = yield* Clock.currentTimeMillis
      const ordered = [...allocations].sort(
        (a, b) => a.ticketTypeId.localeCompare(b.ticketTypeId) || a.bucket - b.bucket,
      )
      for (const a of ordered) {
        yield* sql`UPDATE inventory_buckets SET remaining = remaining + ${a.quantity}, updated_at = ${now}
          WHERE ticket_type_id = ${a.ticketTypeId} AND bucket = ${a.bucket}`
      }
    })

    /** Changes capacity; refuses to go below what is sold or held. Returns the new availability. */
    const resize = Effect.fn("Inventory.resize")(function* (current: TicketType, capacity: number) {
      const now = yield* Clock.currentTimeMillis
      const buckets = yield* lockAll(current.id)
      const remaining = buckets.reduce((sum, b) => sum + Number(b.remaining), 0)
      const committed = current.capacity - remaining
      if (capacity < committed) {
        return yield* new InvalidRequest({
          detail: `Capacity cannot go below the ${committed} seats already sold or held`,
          field: "capacity",
        })
      }
      let delta = capacity - current.capacity
      for (const b of buckets) {
        if (delta === 0) break
        const change = delta > 0 ? delta : -Math.min(-delta, Number(b.remaining))
        yield* sql`UPDATE inventory_buckets SET remaining = remaining + ${change}, updated_at = ${now}
          WHERE ticket_type_id = ${current.id} AND bucket = ${b.bucket}`
        delta -= change
      }
      return capacity - committed
    })

    return { open, take, plan, takePlanned, give, resize } as const
  }),
}) {}

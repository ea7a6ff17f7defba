import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import * as fc from "fast-check"
import { assignBuckets } from "../src/inventory/Inventory.js"
import { groupCommit } from "../src/orders/GroupCommit.js"

describe("assignBuckets (the plan of a batch of orders)", () => {
  const buckets = fc
    .array(fc.nat({ max: 40 }), { minLength: 1, maxLength: 8 })
    .map((remaining) => remaining.map((r, bucket) => ({ bucket, remaining: r })))
  const quantities = fc.array(fc.integer({ min: 1, max: 10 }), { maxLength: 120 })

  it("never plans more than a bucket holds, and leaves an order out only when nothing had room", () => {
    fc.assert(
      fc.property(buckets, quantities, fc.nat(), (counters, wanted, start) => {
        const plan = assignBuckets(counters, wanted, start)
        expect(plan).toHaveLength(wanted.length)
        const left = new Map(counters.map((b) => [b.bucket, b.remaining]))
        plan.forEach((bucket, i) => {
          if (bucket === null) {
            // Left out: at its turn no bucket had room for it whole.
            expect([...left.values()].every((r) => r < wanted[i]!)).toBe(true)
          } else {
            left.set(bucket, left.get(bucket)! - wanted[i]!)
            expect(left.get(bucket)).toBeGreaterThanOrEqual(0)
          }
        })
      }),
    )
  })

  it("single seats fill the batch up to what remains in all buckets together", () => {
    fc.assert(
      fc.property(buckets, fc.nat({ max: 200 }), fc.nat(), (counters, n, start) => {
        const plan = assignBuckets(counters, Array(n).fill(1), start)
        const total = counters.reduce((s, b) => s + b.remaining, 0)
        expect(plan.filter((b) => b !== null)).toHaveLength(Math.min(n, total))
      }),
    )
  })
})

describe("groupCommit", () => {
  it.effect("what arrives during a commit goes into the next batch; each member gets its own answer", () =>
    Effect.gen(function* () {
      const batches: Array<ReadonlyArray<number>> = []
      const gate = yield* Deferred.make<void>()
      const gc = groupCommit<string, number, never>({
        maxBatch: 10,
        commit: (_key, members) =>
          Effect.gen(function* () {
            batches.push(members)
            if (batches.length === 1) yield* Deferred.await(gate)
            // Odd members are refused: they must hear `false`, the others `true`.
            return new Set(members.filter((m) => m % 2 === 0))
          }),
      })
      const first = yield* Effect.fork(gc.submit("a", 0))
      yield* Effect.yieldNow()
      const rest = yield* Effect.fork(
        Effect.all(
          Array.from({ length: 25 }, (_, i) => gc.submit("a", i + 1)),
          { concurrency: "unbounded" },
        ),
      )
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      expect(yield* Fiber.join(first)).toBe(true)
      const answers = yield* Fiber.join(rest)
      expect(answers).toEqual(Array.from({ length: 25 }, (_, i) => (i + 1) % 2 === 0))
      // One alone (nothing was in flight), then the 25 that waited, at most 10 per batch.
      expect(batches.map((b) => b.length)).toEqual([1, 10, 10, 5])
    }),
  )

  it.effect("a failed commit answers every member false, and the next submission starts afresh", () =>
    Effect.gen(function* () {
      let calls = 0
      const gc = groupCommit<string, number, never>({
        maxBatch: 100,
        commit: (_key, members) => {
          calls++
          return calls === 1 ? Effect.dieMessage("boom") : Effect.succeed(new Set(members))
        },
      })
      expect(yield* gc.submit("k", 1)).toBe(false)
      expect(yield* gc.submit("k", 2)).toBe(true)
    }),
  )

  it.effect("keys are independent lanes", () =>
    Effect.gen(function* () {
      const seen: Array<string> = []
      const gc = groupCommit<string, number, never>({
        maxBatch: 100,
        commit: (key, members) =>
          Effect.sync(() => {
            seen.push(`${key}:${members.length}`)
            return new Set(members)
          }),
      })
      const answers = yield* Effect.all([gc.submit("x", 1), gc.submit("y", 2)], { concurrency: "unbounded" })
      expect(answers).toEqual([true, true])
      expect(seen.sort()).toEqual(["x:1", "y:1"])
    }),
  )
})

import { performance } from "node:perf_hooks"

export interface LoadResult {
  /** Operations attempted (stops early at the deadline). */
  readonly attempted: number
  readonly elapsedMs: number
  /** Time from start until the last successful operation completed. */
  readonly lastSuccessMs: number
  readonly outcomes: ReadonlyMap<number, number>
  /** Latencies (ms) of every operation, and of the successful ones only. */
  readonly latencies: Float64Array
  readonly successLatencies: Float64Array
  readonly successes: number
  readonly truncated: boolean
  readonly errorSample: string | null
}

/**
 * Runs `op(i)` for i = 0..total-1 with `concurrency` in flight, stopping new work at `maxMs`.
 * `op` resolves to an outcome code (an HTTP status, or 1/0 for database operations); outcomes
 * for which `isSuccess` holds count as successes. A thrown error counts as outcome -1.
 */
export const hammer = async (options: {
  readonly concurrency: number
  readonly total: number
  readonly maxMs: number
  readonly op: (i: number) => Promise<number>
  readonly isSuccess: (outcome: number) => boolean
}): Promise<LoadResult> => {
  const { concurrency, total, maxMs, op, isSuccess } = options
  const latencies = new Float64Array(total)
  const successLatencies = new Float64Array(total)
  const outcomes = new Map<number, number>()
  let next = 0
  let done = 0
  let successes = 0
  let truncated = false
  let errorSample: string | null = null
  const start = performance.now()
  const deadline = start + maxMs
  let lastSuccess = start
  const worker = async () => {
    for (;;) {
      if (next >= total) return
      if (performance.now() > deadline) {
        truncated = true
        return
      }
      const i = next++
      const t0 = performance.now()
      let outcome: number
      try {
        outcome = await op(i)
      } catch (e) {
        outcome = -1
        errorSample ??= String((e as Error)?.stack ?? e)
      }
      const t1 = performance.now()
      latencies[done++] = t1 - t0
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
      if (isSuccess(outcome)) {
        successLatencies[successes++] = t1 - t0
        lastSuccess = t1
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker))
  const end = performance.now()
  return {
    attempted: done,
    elapsedMs: end - start,
    lastSuccessMs: lastSuccess - start,
    outcomes,
    latencies: latencies.slice(0, done),
    successLatencies: successLatencies.slice(0, successes),
    successes,
    truncated,
    errorSample,
  }
}

/** Synchronous variant for better-sqlite3 (one connection; concurrency does not apply). */
export const hammerSync = (options: {
  readonly total: number
  readonly maxMs: number
  readonly op: (i: number) => number
}): LoadResult => {
  const { total, maxMs, op } = options
  const latencies = new Float64Array(total)
  const successLatencies = new Float64Array(total)
  const outcomes = new Map<number, number>()
  let successes = 0
  let done = 0
  let truncated = false
  const start = performance.now()
  const deadline = start + maxMs
  let lastSuccess = start
  for (let i = 0; i < total; i++) {
    const t0 = performance.now()
    if (t0 > deadline) {
      truncated = true
      break
    }
    const outcome = op(i)
    const t1 = performance.now()
    latencies[done++] = t1 - t0
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
    if (outcome === 1) {
      successLatencies[successes++] = t1 - t0
      lastSuccess = t1
    }
  }
  const end = performance.now()
  return {
    attempted: done,
    elapsedMs: end - start,
    lastSuccessMs: lastSuccess - start,
    outcomes,
    latencies: latencies.slice(0, done),
    successLatencies: successLatencies.slice(0, successes),
    successes,
    truncated,
    errorSample: null,
  }
}

export const percentile = (values: Float64Array, p: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

import { type HttpApp, HttpServerRequest } from "@effect/platform"
import { Context, Effect, Layer } from "effect"
import { Redis } from "ioredis"
import { clientAddress } from "./ClientAddress.js"
import { problemResponse } from "./Problems.js"
import type { Logger } from "./RequestLog.js"

export interface RateLimitVerdict {
  readonly allowed: boolean
  readonly retryAfterMs: number
}

/** Fixed-window counters keyed by client and endpoint class. */
export class RateLimitStore extends Context.Tag("sratix/server/RateLimitStore")<
  RateLimitStore,
  { readonly hit: (key: string, limit: number, windowMs: number) => Effect.Effect<RateLimitVerdict> }
>() {
  /** One process: a Map, swept as windows end. */
  static readonly memory = Layer.sync(RateLimitStore, () => {
    const windows = new Map<string, { count: number; resetAt: number }>()
    let nextSweep = 0
    return {
      hit: (key, limit, windowMs) =>
        Effect.sync(() => {
          const now = Date.now()
          if (now >= nextSweep) {
            for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k)
            nextSweep = now + windowMs
          }
          let w = windows.get(key)
          if (w === undefined || w.resetAt <= now) {
            w = { count: 0, resetAt: now + windowMs }
            windows.set(key, w)
          }
          w.count++
          return { allowed: w.count <= limit, retryAfterMs: w.resetAt - now }
        }),
    }
  })

  /** Shared by every server instance. Fails open (allows) if Redis is unreachable, and says so. */
  static readonly redis = (url: string, logger: Logger) =>
    Layer.scoped(
      RateLimitStore,
      Effect.gen(function* () {
        const redis = yield* Effect.acquireRelease(
          Effect.sync(() => new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true })),
          (r) => Effect.promise(() => r.quit().catch(() => "")),
        )
        redis.on("error", () => {})
        // Connected before the first request, so that limits hold from the start; a Redis that is
        // configured but unreachable at boot is a configuration error, not something to serve around.
        yield* Effect.tryPromise(() => redis.connect()).pipe(
          Effect.timeout("5 seconds"),
          Effect.orDieWith((e) => new Error(`REDIS_URL is set but Redis is unreachable: ${String(e)}`)),
        )
        const script = `local c = redis.call('INCR', KEYS[1])
          if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
          return {c, redis.call('PTTL', KEYS[1])}`
        return {
          hit: (key, limit, windowMs) =>
            Effect.tryPromise(
              () => redis.eval(script, 1, `sratix:rl:${key}`, windowMs) as Promise<[number, number]>,
            ).pipe(
              Effect.map(([count, ttl]) => ({ allowed: count <= limit, retryAfterMs: Math.max(ttl, 0) })),
              Effect.catchAll((e) =>
                Effect.sync(() => {
                  logger.warn("rate limiter unavailable; allowing request", { error: String(e) })
                  return { allowed: true, retryAfterMs: 0 }
                }),
              ),
            ),
        }
      }),
    )
}

export interface RateLimitOptions {
  /** Requests per client per minute on the API; 0 disables. */
  readonly perMinute: number
  /** Stricter budget for the authentication endpoints. */
  readonly authPerMinute: number
  readonly trustProxy: boolean
}

export const rateLimit =
  (options: RateLimitOptions, store: RateLimitStore["Type"]) =>
  <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> =>
    Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const path = request.url.split("?")[0] ?? ""
      if (!path.startsWith("/api/") || request.method === "OPTIONS") return yield* app
      // Enrolment redeems a credential like a login does, so it gets the same strict budget.
      const auth = path.startsWith("/api/v1/auth/") || path === "/api/v1/check-in/enrol"
      const limit = auth ? options.authPerMinute : options.perMinute
      if (limit <= 0) return yield* app
      const client = clientAddress(request, options.trustProxy) ?? "unknown"
      const verdict = yield* store.hit(`${auth ? "auth" : "api"}:${client}`, limit, 60_000)
      if (verdict.allowed) return yield* app
      const retryAfterSeconds = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000))
      return problemResponse(
        429,
        "rate-limited",
        "Too many requests",
        `Slow down: try again in ${retryAfterSeconds} s`,
        { retryAfterSeconds },
        { "retry-after": String(retryAfterSeconds) },
      )
    })

import { randomUUID } from "node:crypto"
import { type HttpApp, HttpServerRequest } from "@effect/platform"
import { Cause, Effect } from "effect"

const levels = { debug: 20, info: 30, warn: 40, error: 50 } as const
export type LogLevel = keyof typeof levels

export interface Logger {
  /** Whether lines at this level are written: callers skip building lines that would be dropped. */
  readonly enabled: (level: LogLevel) => boolean
  readonly info: (msg: string, fields?: Record<string, unknown>) => void
  readonly warn: (msg: string, fields?: Record<string, unknown>) => void
  readonly error: (msg: string, fields?: Record<string, unknown>) => void
}

/** pino-compatible JSON lines on stdout, so the usual log tooling reads them. */
export const makeLogger = (
  minimum: LogLevel,
  write: (line: string) => void = (l) => process.stdout.write(l),
): Logger => {
  const log =
    (level: LogLevel) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      if (levels[level] < levels[minimum]) return
      write(`${JSON.stringify({ level: levels[level], time: Date.now(), name: "sratix", msg, ...fields })}\n`)
    }
  return {
    enabled: (level) => levels[level] >= levels[minimum],
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
  }
}

/**
 * One line per request: method, path without its query string, status and duration. No IP, no
 * headers, no bodies: query strings and bodies may carry personal data.
 */
export const requestLog = (logger: Logger) => {
  const failed =
    (requestId?: string) =>
    <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
      Effect.tapErrorCause(self, (cause) => {
        // Unknown routes and unreadable bodies are the client's doing: answered with 4xx, not logged as ours.
        const tag = (Cause.squash(cause) as { _tag?: string } | null)?._tag
        return tag === "RouteNotFound" || tag === "RequestError"
          ? Effect.void
          : Effect.sync(() =>
              logger.error("request failed", { reqId: requestId ?? randomUUID(), cause: Cause.pretty(cause) }),
            )
      })
  return <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R> => {
    // Below info, only failures are written: no clock, id or line per request (the per-request
    // floor of the server; see docs/benchmarks.md).
    if (!logger.enabled("info")) return app.pipe(failed())
    return Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const started = performance.now()
      const requestId = randomUUID()
      const response = yield* app.pipe(failed(requestId))
      logger.info("request", {
        reqId: requestId,
        req: { method: request.method, path: request.url.split("?")[0] },
        res: { statusCode: response.status },
        responseTime: Math.round((performance.now() - started) * 10) / 10,
      })
      return response
    })
  }
}

import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { HttpApiBuilder, HttpApp, HttpMiddleware, HttpServerResponse, OpenApi } from "@effect/platform"
import { NodeHttpServer } from "@effect/platform-node"
import {
  Caller,
  CoreServices,
  type Environment,
  environmentLayer,
  Fulfilment,
  migrate,
  Orders,
  PROBLEM_BASE,
  resolveSecret,
  Submissions,
  seedDemo,
} from "@sratix/core"
import { Effect, Exit, Layer, ManagedRuntime, Schedule, Scope } from "effect"
import { SratixApi } from "./Api.js"
import { AuthLive } from "./auth/Http.js"
import { BadgesLive, TicketDocumentsLive } from "./badges/Http.js"
import { CheckInFeed } from "./checkin/Feed.js"
import { CheckInLive } from "./checkin/Http.js"
import { ConnectorsLive } from "./connectors/Http.js"
import { EventsLive } from "./events/Http.js"
import { FormsLive } from "./forms/Http.js"
import { HealthLive } from "./health/Http.js"
import { endpointRules } from "./http/Access.js"
import { AuthorizationLive } from "./http/Authorization.js"
import { answerClientErrors } from "./http/ClientErrors.js"
import { toProblem } from "./http/Problems.js"
import { RateLimitStore, rateLimit } from "./http/RateLimit.js"
import { requestGuard } from "./http/RequestGuard.js"
import { type Logger, makeLogger, requestLog } from "./http/RequestLog.js"
import { withSecurityHeaders } from "./http/SecurityHeaders.js"
import { InvoicesLive } from "./invoices/Http.js"
import { LandingLive } from "./Landing.js"
import { OrdersLive } from "./orders/Http.js"
import { OrgsLive } from "./orgs/Http.js"
import { PaymentsLive, WebhooksLive } from "./payments/Http.js"
import { PaymentReturnPagesLive } from "./payments/ReturnPages.js"
import { PromoCodesLive } from "./promoCodes/Http.js"
import { PublicLive } from "./public/Http.js"
import { scannerAssets } from "./scanner/Static.js"
import { TicketTypesLive } from "./ticketTypes/Http.js"
import { widgetAssets } from "./widgets/Static.js"

export interface ServerOptions {
  readonly environment: Environment
  readonly demo: boolean
  /** Overrides for tests and benchmarks; production reads them from the environment. */
  readonly rateLimitPerMinute?: number
  readonly authRateLimitPerMinute?: number
  readonly sweepEvery?: string
  readonly logger?: Logger
}

const rules = endpointRules(SratixApi)

interface OpenApiDocument {
  readonly openapi: string
  readonly info: Record<string, unknown>
  readonly paths: Record<string, Record<string, OpenApiOperation>>
  readonly components: Record<string, unknown> & { schemas?: Record<string, unknown> }
  readonly [key: string]: unknown
}
interface OpenApiOperation {
  security?: unknown
  responses?: Record<string, { content?: Record<string, unknown> }>
}

/** RFC 9457 members every error body carries; request-decoding failures add `issues`. */
const validationProblem = {
  type: "object",
  required: ["type", "title", "status", "detail"],
  properties: {
    type: { type: "string", enum: [`${PROBLEM_BASE}validation-failed`] },
    title: { type: "string" },
    status: { type: "number", enum: [400] },
    detail: { type: "string" },
    issues: { type: "array", items: { type: "object" } },
  },
}

/**
 * Finishes the generated document with what the server does around the handlers: the bearer
 * requirement of every protected operation (from the same rules the middleware enforces), and
 * error bodies as `application/problem+json`, including the validation problem sent for 400s.
 */
const finalizeSpec = (spec: OpenApiDocument): OpenApiDocument => {
  const protectedOps = new Set(
    rules
      .filter((r) => r.access.kind !== "public")
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
  )
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (protectedOps.has(`${method} ${path}`)) op.security = [{ bearer: [] }]
      for (const [status, response] of Object.entries(op.responses ?? {})) {
        if (Number(status) < 400 || response.content === undefined) continue
        const json = response.content["application/json"] as { schema?: { $ref?: string } } | undefined
        if (json === undefined) continue
        const schema = json.schema?.$ref?.endsWith("/HttpApiDecodeError")
          ? { $ref: "#/components/schemas/ValidationProblem" }
          : json.schema
        response.content = { "application/problem+json": { schema } }
      }
    }
  }
  const schemas = { ...(spec.components.schemas ?? {}), ValidationProblem: validationProblem }
  const securitySchemes = {
    bearer: { type: "http", scheme: "bearer", description: "Access token (JWT) or API key (sk_…)" },
  }
  return { ...spec, components: { ...spec.components, schemas, securitySchemes } }
}

export const openApiSpec = (): OpenApiDocument => finalizeSpec(OpenApi.fromApi(SratixApi) as unknown as OpenApiDocument)

const ApiLive = HttpApiBuilder.api(SratixApi).pipe(
  Layer.provide([
    HealthLive,
    AuthLive,
    OrgsLive,
    EventsLive,
    TicketTypesLive,
    PromoCodesLive,
    OrdersLive,
    FormsLive,
    PublicLive,
    PaymentsLive,
    InvoicesLive,
    WebhooksLive,
    CheckInLive,
    BadgesLive,
    TicketDocumentsLive,
    ConnectorsLive,
  ]),
)

/**
 * The sweepers run in every instance; conditional updates make concurrent sweeps safe. Holds are
 * swept every few seconds, unclaimed uploads (kept for a day) every few minutes.
 */
const sweeper = (every: string, logger: Logger) =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const orders = yield* Orders
      const submissions = yield* Submissions
      const sweep = <E, R>(name: string, run: Effect.Effect<number, E, R>, interval: string) =>
        run.pipe(
          Effect.tap((n) => (n > 0 ? Effect.sync(() => logger.info(`${name} swept`, { count: n })) : Effect.void)),
          Effect.catchAllCause((cause) =>
            Effect.sync(() => logger.error(`${name} sweep failed`, { cause: String(cause) })),
          ),
          Effect.repeat(Schedule.spaced(interval as never)),
          Effect.forkScoped,
        )
      yield* sweep("expired holds", orders.expireDue(), every)
      yield* sweep("unclaimed uploads", submissions.sweepUnclaimed(), "5 minutes")
    }),
  )

/**
 * Background work in the server process (docs/jobs.md): order fulfilment, invoice reminders and their
 * sweeps. On the in-process queue this is the only worker; with REDIS_URL it is one of many, beside any
 * `sratix worker` processes. Closing the layer is the workers' graceful shutdown.
 */
const backgroundWorkers = Layer.scopedDiscard(Effect.flatMap(Fulfilment, (fulfilment) => fulfilment.runWorkers()))

/** The whole server as one layer: API, landing page, openapi.json, middleware, sweeper, background workers. */
export const serverLayer = (options: ServerOptions & { readonly secret: Uint8Array }) => {
  const { environment } = options
  const logger = options.logger ?? makeLogger(environment.logLevel)
  const core = CoreServices.pipe(Layer.provideMerge(environmentLayer(environment, options.secret)))
  const rateLimits = environment.redisUrl ? RateLimitStore.redis(environment.redisUrl, logger) : RateLimitStore.memory
  const openApiJson = HttpApiBuilder.Router.use((router) =>
    router.get(
      "/api/v1/openapi.json",
      Effect.sync(() => openApiSpecResponse()),
    ),
  )
  const cors = HttpMiddleware.cors({
    // A predicate, not the list: a list of one makes the middleware echo that origin to everyone.
    allowedOrigins: (origin) => environment.corsOrigins.includes(origin),
    allowedHeaders: [
      "authorization",
      "content-type",
      "idempotency-key",
      "x-order-token",
      "x-sratix-field",
      "x-sratix-filename",
    ],
    exposedHeaders: ["retry-after"],
    maxAge: 600,
  })
  const limiterOptions = {
    perMinute: options.rateLimitPerMinute ?? Number(process.env.SRATIX_RATE_LIMIT_PER_MINUTE ?? 600),
    authPerMinute: options.authRateLimitPerMinute ?? Number(process.env.SRATIX_AUTH_RATE_LIMIT_PER_MINUTE ?? 20),
    webhookPerMinute: Number(process.env.SRATIX_WEBHOOK_RATE_LIMIT_PER_MINUTE ?? 6000),
    trustProxy: environment.trustProxy,
  }
  const finalize = (_: unknown, response: HttpServerResponse.HttpServerResponse) =>
    Effect.succeed(withSecurityHeaders(toProblem(response)))
  const http = HttpApiBuilder.serve((app) => requestLog(logger)(HttpApp.withPreResponseHandler(app, finalize))).pipe(
    Layer.provide(HttpApiBuilder.middleware(Effect.map(RateLimitStore, (store) => rateLimit(limiterOptions, store)))),
    Layer.provide(HttpApiBuilder.middleware(requestGuard)),
    Layer.provide(HttpApiBuilder.middleware(cors)),
    Layer.provide(ApiLive),
    Layer.provide(LandingLive),
    Layer.provide(PaymentReturnPagesLive),
    Layer.provide(widgetAssets()),
    Layer.provide(scannerAssets()),
    Layer.provide(openApiJson),
    Layer.provide(AuthorizationLive(rules, { trustProxy: environment.trustProxy })),
    Layer.provide(rateLimits),
    Layer.provide(environment.redisUrl ? CheckInFeed.redis(environment.redisUrl, logger) : CheckInFeed.memory),
  )
  // No tracer is installed, so the platform's per-request server span (URL parsing, every header
  // copied into attributes) would be built for nobody: it is a large part of the per-request floor.
  return Layer.mergeAll(
    HttpMiddleware.withTracerDisabledWhen(http, () => true),
    sweeper(options.sweepEvery ?? "5 seconds", logger),
    backgroundWorkers,
  ).pipe(Layer.provide(Caller.layerSystem("server")), Layer.provide(core))
}

/** Pending connections the kernel keeps for us (it caps this at net.core.somaxconn). */
const ACCEPT_BACKLOG = 4096

let cachedSpec: ReturnType<typeof openApiSpec> | undefined
const openApiSpecResponse = () => {
  cachedSpec ??= openApiSpec()
  return HttpServerResponse.unsafeJson(cachedSpec)
}

export interface RunningServer {
  readonly url: string
  readonly port: number
  readonly close: () => Promise<void>
}

/**
 * Migrates, optionally seeds the demo, and listens. Resolves once the port is bound; `close`
 * stops accepting requests and waits for in-flight ones.
 */
export const startServer = async (options: ServerOptions): Promise<RunningServer> => {
  const { environment } = options
  const logger = options.logger ?? makeLogger(environment.logLevel)
  const { secret, generated } = resolveSecret(environment)
  if (generated) {
    logger.warn("generated a new server secret in the data folder; set SRATIX_SECRET in production", {
      dataDir: environment.dataDir,
    })
  }
  const setup = ManagedRuntime.make(
    CoreServices.pipe(
      Layer.provideMerge(environmentLayer(environment, secret)),
      Layer.provide(Caller.layerSystem("setup")),
    ),
  )
  try {
    await setup.runPromise(
      Effect.gen(function* () {
        const applied = yield* migrate
        if (applied.length > 0) logger.info("migrations applied", { migrations: applied.map((m) => m.name) })
        if (options.demo) {
          const demo = yield* seedDemo.pipe(Effect.provide(Caller.layerSystem("demo-seed")))
          if (demo.created) logger.info("demo event created", { eventId: demo.eventId })
        }
      }),
    )
  } finally {
    await setup.dispose()
  }
  const server = createServer()
  answerClientErrors(server)
  const layer = serverLayer({ ...options, secret, logger }).pipe(
    // When a sale opens, thousands of buyers connect within a second; Node's default accept backlog
    // (511) overflows while the event loop is busy and the kernel then resets connections.
    Layer.provide(
      NodeHttpServer.layer(() => server, { port: environment.port, host: environment.host, backlog: ACCEPT_BACKLOG }),
    ),
  )
  const scope = Effect.runSync(Scope.make())
  await Effect.runPromise(Layer.buildWithScope(layer, scope))
  const address = server.address() as AddressInfo
  const host = environment.host === "0.0.0.0" || environment.host === "::" ? "localhost" : environment.host
  const url = `http://${host}:${address.port}`
  logger.info("listening", { url })
  return {
    url,
    port: address.port,
    close: () => Effect.runPromise(Scope.close(scope, Exit.void)),
  }
}

/** `sratix serve`: runs until SIGINT or SIGTERM, then shuts down gracefully; resolves with where it listened. */
export const runServer = async (options: {
  environment: Environment
  demo: boolean
}): Promise<{ readonly url: string; readonly port: number }> => {
  const running = await startServer(options)
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop)
      process.off("SIGTERM", stop)
      running.close().then(resolve, resolve)
    }
    process.on("SIGINT", stop)
    process.on("SIGTERM", stop)
  })
  return { url: running.url, port: running.port }
}

import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { createInterface } from "node:readline"
import { Effect, Layer, ManagedRuntime } from "effect"
import {
  Caller,
  CoreServices,
  environmentLayer,
  Identity,
  loadEnvironment,
  migrate,
  type Role,
} from "../../../core/src/index.js"
import { freshDatabase, type TestDatabase, testSecret } from "../../../core/test/support/Databases.js"
import { sharedWalletEnv } from "../../../core/test/support/PassCertificates.js"
import { type StripeStandIn, startStripeStandIn } from "../../../core/test/support/StripeStandIn.js"
import { makeLogger } from "../../src/http/RequestLog.js"
import { type RunningServer, startServer } from "../../src/Server.js"

export interface TestServer extends RunningServer {
  readonly db: TestDatabase
  readonly dataDir: string
  /** Runs an Effect against the same database with platform-wide rights (for setup and assertions). */
  readonly run: <A, E>(effect: Effect.Effect<A, E, CoreContext>) => Promise<A>
  readonly runtime: ManagedRuntime.ManagedRuntime<CoreContext, never>
  readonly stop: () => Promise<void>
}

type CoreContext = Layer.Layer.Success<ReturnType<typeof coreLayer>>

const coreLayer = (environment: ReturnType<typeof loadEnvironment>) =>
  Layer.mergeAll(
    CoreServices.pipe(Layer.provideMerge(environmentLayer(environment, new TextEncoder().encode(secretHex)))),
    Caller.layerSystem("test"),
  )

const secretHex = Buffer.from(testSecret).toString("hex")

let stripe: Promise<StripeStandIn> | undefined
let stripeUsers = 0

/**
 * The Stripe stand-in every test server of this file uses as its test mode (started with the
 * first server, closed with the last), so card payments and signed webhooks work in every suite.
 */
export const stripeStandIn = (): Promise<StripeStandIn> => {
  stripe ??= startStripeStandIn()
  return stripe
}

let currentStripe: StripeStandIn | undefined

/** A webhook delivery signed with the stand-in's secret, for the servers already running. */
export const signedStripeEvent = (type: string, object: Record<string, unknown>) => {
  if (currentStripe === undefined) throw new Error("start a test server before signing Stripe events")
  const payload = currentStripe.event(type, object)
  return { payload, signature: currentStripe.sign(payload) }
}

/**
 * A real server on a loopback port over a fresh database (SQLite file or MariaDB schema), with
 * rate limits high enough for concurrency tests unless a test asks for real ones.
 */
export const startTestServer = async (
  engine: "sqlite" | "mysql",
  options: {
    rateLimitPerMinute?: number
    authRateLimitPerMinute?: number
    sweepEvery?: string
    env?: Record<string, string>
  } = {},
): Promise<TestServer> => {
  const db = await freshDatabase(engine)
  const standIn = await stripeStandIn()
  currentStripe = standIn
  stripeUsers++
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-server-"))
  const environment = loadEnvironment({
    PORT: "0",
    HOST: "127.0.0.1",
    SRATIX_DATA_DIR: dataDir,
    DATABASE_URL: db.url,
    SRATIX_SECRET: secretHex,
    SRATIX_LOG_LEVEL: "error",
    STRIPE_SECRET_KEY_TEST: standIn.secretKey,
    STRIPE_WEBHOOK_SECRET_TEST: standIn.webhookSecret,
    STRIPE_API_URL: `http://127.0.0.1:${standIn.port}`,
    // Wallets on, with test certificates, so their endpoints answer as in production.
    ...sharedWalletEnv(),
    ...options.env,
  })
  const server = await startServer({
    environment,
    demo: false,
    rateLimitPerMinute: options.rateLimitPerMinute ?? 1_000_000,
    authRateLimitPerMinute: options.authRateLimitPerMinute ?? 1_000_000,
    logger: makeLogger("error"),
    ...(options.sweepEvery ? { sweepEvery: options.sweepEvery } : {}),
  })
  const runtime = ManagedRuntime.make(coreLayer(environment))
  await runtime.runPromise(Effect.orDie(migrate))
  return {
    ...server,
    db,
    dataDir,
    runtime,
    run: (effect) => runtime.runPromise(effect),
    stop: async () => {
      await server.close()
      await runtime.dispose()
      await db.drop()
      fs.rmSync(dataDir, { recursive: true, force: true })
      if (--stripeUsers === 0) {
        stripe = undefined
        currentStripe = undefined
        await standIn.close()
      }
    },
  }
}

export const PASSWORD = "correct horse battery staple"

let userCounter = 0

/** Creates a user holding `role` at the given scope and returns a fresh access token for it. */
export const tokenFor = async (
  server: TestServer,
  role: Role,
  scope: { orgId: string | null; eventId: string | null },
): Promise<string> => {
  const email = `user${++userCounter}-${Date.now()}@test.sratix.org`
  await server.run(
    Effect.gen(function* () {
      const identity = yield* Identity
      const user = yield* identity.createUser({ email, name: `Test ${role}`, password: PASSWORD })
      yield* identity.grant(user.id, role, scope as never)
    }).pipe(Effect.orDie),
  )
  return login(server, email)
}

export const login = async (server: TestServer, email: string, password = PASSWORD): Promise<string> => {
  const response = await fetch(`${server.url}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password }),
  })
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { accessToken: string }).accessToken
}

/** JSON request helper: returns status, headers and parsed body. */
export const api = async (
  server: { url: string },
  method: string,
  pathname: string,
  options: {
    token?: string
    body?: unknown
    headers?: Record<string, string>
    /** A non-JSON body (a file), sent as is with its content type. */
    raw?: { contentType: string; data: string | Uint8Array<ArrayBuffer> }
  } = {},
) => {
  const payload = options.raw ? options.raw.data : options.body !== undefined ? JSON.stringify(options.body) : undefined
  const response = await fetch(`${server.url}/api/v1${pathname}`, {
    method,
    headers: {
      ...(options.raw ? { "content-type": options.raw.contentType } : {}),
      ...(!options.raw && options.body !== undefined ? { "content-type": "application/json" } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    ...(payload === undefined ? {} : { body: payload }),
  })
  // A server-sent event stream never ends by itself: only its status and headers are of interest here.
  const eventStream = response.headers.get("content-type")?.startsWith("text/event-stream") === true
  if (eventStream) await response.body?.cancel()
  const text = eventStream ? "" : await response.text()
  let body: unknown = null
  try {
    body = text ? JSON.parse(text) : null
  } catch {
    body = text
  }
  return {
    status: response.status,
    headers: response.headers,
    body: body as Record<string, unknown> & { [k: string]: any },
  }
}

/**
 * A server in its own process (support/child-server.mts) on the given database, for tests that need
 * several instances; `env` adds to or overrides its environment (REDIS_URL, SRATIX_SECRET).
 */
export const spawnServer = (
  databaseUrl: string,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ url: string; child: ChildProcess }> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--conditions", "source", "--import", "tsx", path.join(import.meta.dirname, "child-server.mts")],
      {
        env: {
          ...process.env,
          PORT: "0",
          HOST: "127.0.0.1",
          DATABASE_URL: databaseUrl,
          SRATIX_DATA_DIR: dataDir,
          SRATIX_SECRET: "ab".repeat(32),
          SRATIX_LOG_LEVEL: "error",
          SRATIX_TEST_SWEEP_EVERY: "200 millis",
          ...env,
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    )
    const timer = setTimeout(() => reject(new Error("child server did not start")), 60_000)
    createInterface({ input: child.stdout! }).once("line", (line) => {
      clearTimeout(timer)
      resolve({ url: (JSON.parse(line) as { url: string }).url, child })
    })
    child.once("exit", (code) => reject(new Error(`child server exited with ${code}`)))
  })

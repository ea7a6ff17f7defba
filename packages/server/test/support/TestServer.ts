import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
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
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-server-"))
  const environment = loadEnvironment({
    PORT: "0",
    HOST: "127.0.0.1",
    SRATIX_DATA_DIR: dataDir,
    DATABASE_URL: db.url,
    SRATIX_SECRET: secretHex,
    SRATIX_LOG_LEVEL: "error",
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
  const text = await response.text()
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

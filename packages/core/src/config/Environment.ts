import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { Layer } from "effect"
import { MailConfig, type MailConfigShape, mailFromEnv } from "../comms/MailConfig.js"
import { jobQueueLayer } from "../jobs/Queues.js"
import { PaymentsConfig, type PaymentsConfigShape, stripeFromEnv } from "../payments/PaymentsConfig.js"
import * as Database from "../sql/Database.js"
import { FileStorage } from "../storage/FileStorage.js"
import { WalletConfig, type WalletConfigShape, walletFromEnv } from "../wallet/WalletConfig.js"
import { CoreConfig } from "./CoreConfig.js"

/** Everything the process reads from its environment, parsed once. */
export interface Environment {
  readonly port: number
  readonly host: string
  readonly dataDir: string
  readonly databaseUrl: string
  readonly redisUrl: string | null
  readonly corsOrigins: ReadonlyArray<string>
  readonly holdMinutes: number
  readonly inventoryBuckets: number
  readonly secret: string | null
  readonly trustProxy: boolean
  readonly logLevel: "debug" | "info" | "warn" | "error"
  readonly publicUrl: string
  readonly payments: Pick<PaymentsConfigShape, "stripe" | "stripeApi">
  readonly mail: Omit<MailConfigShape, "sendLeaseMs">
  readonly wallet: WalletConfigShape
}

export class ConfigError extends Error {
  override readonly name = "ConfigError"
}

const integer = (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) => {
  const raw = env[name]
  if (raw === undefined || raw === "") return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max} (got "${raw}")`)
  }
  return value
}

export const loadEnvironment = (env: NodeJS.ProcessEnv = process.env): Environment => {
  const dataDir = path.resolve(env.SRATIX_DATA_DIR || "./data")
  const databaseUrl = env.DATABASE_URL || Database.defaultDatabaseUrl(dataDir)
  try {
    Database.parseDatabaseUrl(databaseUrl)
  } catch (e) {
    throw new ConfigError((e as Error).message)
  }
  const logLevel = (env.SRATIX_LOG_LEVEL || "info") as Environment["logLevel"]
  if (!["debug", "info", "warn", "error"].includes(logLevel)) {
    throw new ConfigError(`SRATIX_LOG_LEVEL must be debug, info, warn or error (got "${logLevel}")`)
  }
  const mysql = databaseUrl.startsWith("mysql") || databaseUrl.startsWith("mariadb")
  return {
    port: integer(env, "PORT", 3000, 0, 65535),
    host: env.HOST || "0.0.0.0",
    dataDir,
    databaseUrl,
    redisUrl: env.REDIS_URL || null,
    corsOrigins: (env.SRATIX_CORS_ORIGINS || "")
      .split(",")
      .map((o) => o.trim())
      .filter((o) => o.length > 0),
    holdMinutes: integer(env, "SRATIX_HOLD_MINUTES", 15, 1, 24 * 60),
    inventoryBuckets: integer(env, "SRATIX_INVENTORY_BUCKETS", mysql ? 8 : 1, 1, 64),
    secret: env.SRATIX_SECRET || null,
    trustProxy: env.SRATIX_TRUST_PROXY === "true",
    logLevel,
    publicUrl: (env.SRATIX_PUBLIC_URL || `http://localhost:${env.PORT || 3000}`).replace(/\/+$/, ""),
    payments: (() => {
      try {
        return stripeFromEnv(env)
      } catch (e) {
        throw new ConfigError((e as Error).message)
      }
    })(),
    mail: (() => {
      try {
        return mailFromEnv(env, dataDir)
      } catch (e) {
        throw new ConfigError((e as Error).message)
      }
    })(),
    wallet: (() => {
      try {
        return walletFromEnv(env)
      } catch (e) {
        throw new ConfigError((e as Error).message)
      }
    })(),
  }
}

/**
 * The server secret: from SRATIX_SECRET, or generated once into `<data>/keys/secret` for the
 * zero-setup default. `generated` tells the caller to warn loudly.
 */
export const resolveSecret = (environment: Environment): { secret: Uint8Array; generated: boolean } => {
  if (environment.secret !== null) {
    if (environment.secret.length < 32) throw new ConfigError("SRATIX_SECRET must be at least 32 characters")
    return { secret: new TextEncoder().encode(environment.secret), generated: false }
  }
  const file = path.join(environment.dataDir, "keys", "secret")
  if (fs.existsSync(file)) return { secret: new Uint8Array(fs.readFileSync(file)), generated: false }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 })
  const secret = randomBytes(32)
  fs.writeFileSync(file, secret, { mode: 0o600 })
  return { secret: new Uint8Array(secret), generated: true }
}

/** Database, job queue (BullMQ when REDIS_URL is set) and core configuration for a process (server or CLI). */
export const environmentLayer = (environment: Environment, secret: Uint8Array) =>
  Layer.mergeAll(
    Database.layer({ url: environment.databaseUrl }),
    CoreConfig.layer({
      secret,
      holdMinutes: environment.holdMinutes,
      inventoryBuckets: environment.inventoryBuckets,
    }),
    FileStorage.local(path.join(environment.dataDir, "uploads")),
    PaymentsConfig.layer({ ...environment.payments, publicUrl: environment.publicUrl, redisUrl: environment.redisUrl }),
    jobQueueLayer(environment.redisUrl),
    MailConfig.layer(environment.mail),
    WalletConfig.layer(environment.wallet),
  )

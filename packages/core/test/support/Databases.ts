import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { SqlClient } from "@effect/sql"
import { Effect, Layer } from "effect"
import {
  CoreConfig,
  CoreServices,
  Database,
  FileStorage,
  InProcessQueueLive,
  type JobQueue,
  MailConfig,
  type MailConfigShape,
  migrate,
  PaymentsConfig,
  type PaymentsConfigShape,
} from "../../src/index.js"

export interface TestDatabase {
  readonly engine: "sqlite" | "mysql"
  readonly url: string
  readonly drop: () => Promise<void>
}

const mysqlBase = process.env.SRATIX_TEST_MYSQL_URL

/**
 * The engines every persistence test runs on. MariaDB comes from `scripts/services.sh`; under CI
 * its absence is an error, never a silent skip.
 */
export const engines: ReadonlyArray<"sqlite" | "mysql"> = mysqlBase ? ["sqlite", "mysql"] : ["sqlite"]
if (!mysqlBase && process.env.CI) {
  throw new Error("SRATIX_TEST_MYSQL_URL is not set: run the suite through `npm test`")
}

/** A fresh, empty database: a temp SQLite file, or a new schema on the test MariaDB. */
export const freshDatabase = async (engine: "sqlite" | "mysql"): Promise<TestDatabase> => {
  if (engine === "sqlite") {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sratix-test-"))
    return {
      engine,
      url: `sqlite:${path.join(dir, "test.db")}`,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    }
  }
  const name = `sratix_t_${randomBytes(6).toString("hex")}`
  const admin = Database.layer({ url: `${mysqlBase}/mysql`, maxConnections: 1 })
  const run = (statement: string) =>
    Effect.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(Effect.provide(admin), Effect.orDie),
    )
  await run(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
  return {
    engine,
    url: `${mysqlBase}/${name}`,
    drop: async () => {
      await run(`DROP DATABASE IF EXISTS ${name}`)
    },
  }
}

export const testSecret = new Uint8Array(32).fill(7)

/** Core services on a migrated database. */
export const coreLayer = (
  url: string,
  config: {
    holdMinutes?: number
    inventoryBuckets?: number
    payments?: Partial<PaymentsConfigShape>
    /** The job queue the services enqueue on; the in-process one unless a test brings BullMQ. */
    jobs?: Layer.Layer<JobQueue>
    /** Mail settings over the defaults (a fresh file outbox): e.g. an SMTP URL or a short send lease. */
    mail?: Partial<MailConfigShape>
  } = {},
) => {
  const { payments, jobs, mail, ...core } = config
  const db = Database.layer({ url, maxConnections: 30 })
  const migrated = Layer.effectDiscard(Effect.orDie(migrate)).pipe(Layer.provide(db))
  return CoreServices.pipe(
    Layer.provideMerge(
      Layer.mergeAll(
        db,
        CoreConfig.layer({ secret: testSecret, ...core }),
        PaymentsConfig.layer(payments),
        FileStorage.local(fs.mkdtempSync(path.join(os.tmpdir(), "sratix-files-"))),
        jobs ?? InProcessQueueLive,
        MailConfig.layer({ outboxDir: fs.mkdtempSync(path.join(os.tmpdir(), "sratix-outbox-")), ...mail }),
      ),
    ),
    Layer.provide(migrated),
  )
}

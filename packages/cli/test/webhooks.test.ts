import * as fs from "node:fs"
import type { SqlClient } from "@effect/sql"
import { Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  Caller,
  Connectors,
  CoreServices,
  type EventId,
  Events,
  environmentLayer,
  loadEnvironment,
} from "../../core/src/index.js"
import { seedWebhook } from "../../server/test/support/Fixtures.js"
import { assertBuilt, expectOneLineError, run, runJson, tempDir } from "./support/Cli.js"

const SECRET = "cli-test-secret-0123456789abcdef-0123456789"

describe("sratix webhooks list and replay", () => {
  let dataDir: string
  let env: Record<string, string>
  let orgId: string
  let failedIds: Array<string>
  let runtime: ManagedRuntime.ManagedRuntime<
    Layer.Layer.Success<typeof CoreServices> | Caller | SqlClient.SqlClient,
    never
  >

  beforeAll(async () => {
    assertBuilt()
    dataDir = tempDir()
    env = { SRATIX_DATA_DIR: dataDir, SRATIX_SECRET: SECRET }
    const seeded = await runJson<{ eventId: EventId }>(["seed", "demo"], env)
    runtime = ManagedRuntime.make(
      CoreServices.pipe(
        Layer.provideMerge(environmentLayer(loadEnvironment(env), new TextEncoder().encode(SECRET))),
        Layer.provideMerge(Caller.layerSystem("test")),
      ),
    )
    const seededRows = await runtime.runPromise(
      Effect.gen(function* () {
        const event = yield* Effect.flatMap(Events, (e) => e.get(seeded.json.eventId))
        const created = yield* Effect.flatMap(Connectors, (c) =>
          c.createSite(event.orgId, {
            kind: "control",
            sourceSite: "members.example.org",
            baseUrl: "http://127.0.0.1:9",
            eventId: event.id,
          }),
        )
        const site = { id: created.keyId, orgId: event.orgId }
        const failed = [yield* seedWebhook(site, "failed"), yield* seedWebhook(site, "failed")]
        yield* seedWebhook(site, "delivered")
        return { failed, orgId: event.orgId }
      }).pipe(Effect.orDie),
    )
    failedIds = seededRows.failed
    orgId = seededRows.orgId
  }, 300_000)
  afterAll(async () => {
    await runtime?.dispose()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it("lists by state, and replays every failed webhook once", { timeout: 300_000 }, async () => {
    const failed = await runJson<{ webhooks: Array<{ id: string; status: string }> }>(
      ["webhooks", "list", "--status", "failed", "--org", orgId],
      env,
    )
    expect(failed.code).toBe(0)
    expect(failed.json.webhooks.map((w) => w.id).sort()).toEqual([...failedIds].sort())

    const replayed = await runJson<{ replayed: Array<{ id: string; status: string; generation: number }> }>(
      ["webhooks", "replay", "--failed"],
      env,
    )
    expect(replayed.code).toBe(0)
    expect(replayed.json.replayed.map((w) => [w.status, w.generation])).toEqual([
      ["pending", 1],
      ["pending", 1],
    ])
    const again = await runJson<{ replayed: Array<unknown> }>(["webhooks", "replay", "--failed"], env)
    expect(again.json.replayed).toEqual([])
    const pending = await runJson<{ webhooks: Array<unknown> }>(["webhooks", "list", "--status", "pending"], env)
    expect(pending.json.webhooks).toHaveLength(2)
  })

  it("refuses bad input with a one-line message and a non-zero exit", { timeout: 300_000 }, async () => {
    const nothing = await run(["webhooks", "replay"], env)
    expect(nothing.code).not.toBe(0)
    expectOneLineError(nothing)
    const notAnId = await run(["webhooks", "replay", "--id", "nope"], env)
    expect(notAnId.code).not.toBe(0)
    expectOneLineError(notAnId)
    const unknown = await run(["webhooks", "replay", "--id", "0190a0a0-0000-7000-8000-000000000000"], env)
    expect(unknown.code).toBe(4)
    expectOneLineError(unknown)
  })
})

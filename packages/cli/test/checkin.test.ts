import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  Caller,
  CheckInDevices,
  CheckIns,
  CreateCheckinList,
  type EventId,
  Events,
  withCaller,
} from "../../core/src/index.js"
import { openPack, readPackHeader } from "../../core/src/offline/index.js"
import { assertBuilt, coreRuntime, expectOneLineError, run, runJson, tempDir } from "./support/Cli.js"

const SECRET = "cli-test-secret-0123456789abcdef-0123456789"

describe("sratix device enrol and pack export", () => {
  let dataDir: string
  let env: Record<string, string>
  let eventId: EventId
  let runtime: ReturnType<typeof coreRuntime>

  beforeAll(async () => {
    assertBuilt()
    dataDir = tempDir()
    env = { SRATIX_DATA_DIR: dataDir, SRATIX_SECRET: SECRET, SRATIX_PUBLIC_URL: "https://tickets.example.org" }
    eventId = (await runJson<{ eventId: EventId }>(["seed", "demo"], env)).json.eventId
    runtime = coreRuntime(dataDir, SECRET)
    await runtime.runPromise(
      Effect.gen(function* () {
        const event = yield* Effect.flatMap(Events, (events) => events.get(eventId))
        yield* Effect.flatMap(CheckIns, (c) =>
          c.createList(event, Schema.decodeUnknownSync(CreateCheckinList)({ name: "Main door" })),
        )
      }).pipe(Effect.orDie),
    )
  }, 120_000)
  afterAll(async () => {
    await runtime?.dispose()
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it("prints a one-time code and enrol URL; the exported pack opens with that device's key", async () => {
    const none = await run(["pack", "export", "--event", eventId, "--list", "Main door", "--out", "x.sxp"], env)
    expect(expectOneLineError(none)).toMatch(/No active device is enrolled/)
    expect(none.code).toBe(4)

    const enrolled = await runJson<{ code: string; enrolUrl: string; listId: string; expiresAt: string }>(
      ["device", "enrol", "--event", eventId, "--list", "Main door", "--name", "Door 1"],
      env,
    )
    expect(enrolled.code).toBe(0)
    expect(enrolled.json.enrolUrl).toBe(`https://tickets.example.org/scanner/#enrol=${enrolled.json.code}`)
    expect(Date.parse(enrolled.json.expiresAt)).toBeGreaterThan(Date.now())
    const human = await run(
      ["device", "enrol", "--event", eventId, "--list", enrolled.json.listId, "--name", "Spare"],
      env,
    )
    expect(human.code).toBe(0)
    expect(human.stdout).toContain("https://tickets.example.org/scanner/#enrol=")

    const device = await runtime.runPromise(
      Effect.flatMap(CheckInDevices, (d) => d.enrol(enrolled.json.code)).pipe(
        withCaller(Caller.anonymous),
        Effect.orDie,
      ),
    )
    const out = path.join(dataDir, "door1.sxp")
    const exported = await runJson<{ bytes: number; attendees: number; version: number; deviceId: string }>(
      ["pack", "export", "--event", eventId, "--list", "Main door", "--out", out],
      env,
    )
    expect(exported.code).toBe(0)
    expect(exported.json).toMatchObject({ deviceId: device.deviceId, bytes: fs.statSync(out).size })
    const bytes = new Uint8Array(fs.readFileSync(out))
    expect(readPackHeader(bytes)).toMatchObject({ deviceId: device.deviceId, eventId, baseVersion: null })
    const opened = await openPack(
      bytes,
      { deviceId: device.deviceId, eventId, key: Buffer.from(device.packKey, "base64url") },
      Date.now(),
    )
    expect(opened.ok).toBe(true)
    if (opened.ok) expect(opened.pack.attendees).toHaveLength(exported.json.attendees)

    const delta = await runJson<{ baseVersion: number | null }>(
      [
        "pack",
        "export",
        "--event",
        eventId,
        "--list",
        "Main door",
        "--out",
        out,
        "--since",
        String(exported.json.version),
      ],
      env,
    )
    expect(delta.json.baseVersion).toBe(exported.json.version)
  }, 300_000)

  it("refuses bad input with one line and a non-zero exit", async () => {
    const badEvent = await run(["device", "enrol", "--event", "nope", "--list", "Main door", "--name", "D"], env)
    expect(expectOneLineError(badEvent)).toMatch(/not an event id/)
    expect(badEvent.code).toBe(2)
    const badList = await run(["device", "enrol", "--event", eventId, "--list", "Back door", "--name", "D"], env)
    expect(expectOneLineError(badList)).toMatch(/No check-in list "Back door"/)
    expect(badList.code).toBe(4)
    const stdout = await run(["pack", "export", "--event", eventId, "--list", "Main door", "--out", "-"], env)
    expect(expectOneLineError(stdout)).toMatch(/binary/)
    expect(stdout.code).toBe(2)
    const json = await runJson<{ error: { message: string } }>(
      ["pack", "export", "--event", eventId, "--list", "Main door", "--out", "p.sxp", "--device", "not-a-device"],
      env,
    )
    expect(json.code).not.toBe(0)
    expect(json.json.error.message).toBeTruthy()
  }, 300_000)
})

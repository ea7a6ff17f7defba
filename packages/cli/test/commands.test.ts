import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { assertBuilt, expectOneLineError, run, runJson, tempDir } from "./support/Cli.js"

const SECRET = "cli-test-secret-0123456789abcdef-0123456789"
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

describe("sratix commands on a fresh SQLite data folder", () => {
  let dataDir: string
  let env: Record<string, string>

  beforeAll(() => {
    assertBuilt()
    dataDir = tempDir()
    env = { SRATIX_DATA_DIR: dataDir, SRATIX_SECRET: SECRET }
  })
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }))

  it("migrate status reports the pending migration, then migrate up applies it once", async () => {
    const before = await runJson<{ database: string; migrations: Array<Record<string, unknown>>; pending: number }>(
      ["migrate", "status"],
      env,
    )
    expect(before.code).toBe(0)
    expect(before.json.database).toContain(path.join(dataDir, "sratix.db"))
    expect(before.json.pending).toBe(before.json.migrations.length)
    expect(before.json.migrations[0]).toEqual({ id: 1, name: "ticketing_core", appliedAt: null })

    const up = await runJson<{ database: string; applied: Array<{ id: number; name: string }> }>(["migrate", "up"], env)
    expect(up.code).toBe(0)
    expect(up.json.applied).toContainEqual({ id: 1, name: "ticketing_core" })

    const again = await runJson<{ applied: Array<unknown> }>(["migrate", "up"], env)
    expect(again.json.applied).toEqual([])

    const after = await runJson<{ migrations: Array<{ appliedAt: string | null }>; pending: number }>(
      ["migrate", "status"],
      env,
    )
    expect(after.json.pending).toBe(0)
    expect(after.json.migrations.every((m) => m.appliedAt !== null && iso.test(m.appliedAt))).toBe(true)

    const human = await run(["migrate", "status"], env)
    expect(human.stdout).toMatch(/MIGRATION\s+APPLIED/)
    expect(human.stdout).toContain("0001_ticketing_core")
    expect(human.stdout).toContain("Up to date.")
  })

  it("seed demo creates the demo once, and event list and show find it", async () => {
    const first = await runJson<{ created: boolean; orgId: string; eventId: string }>(["seed", "demo"], env)
    expect(first.code).toBe(0)
    expect(first.json).toEqual({
      created: true,
      orgId: expect.stringMatching(uuid),
      eventId: expect.stringMatching(uuid),
    })
    const second = await runJson<{ created: boolean; eventId: string }>(["seed", "demo"], env)
    expect(second.json).toMatchObject({ created: false, eventId: first.json.eventId })

    const list = await runJson<{ events: Array<Record<string, unknown>> }>(["event", "list"], env)
    expect(list.code).toBe(0)
    expect(list.json.events).toHaveLength(1)
    expect(list.json.events[0]).toMatchObject({
      id: first.json.eventId,
      orgId: first.json.orgId,
      orgSlug: "swiss-robotics-association",
      slug: "swiss-robotics-day",
      status: "published",
      startsAt: expect.stringMatching(iso),
    })
    const byOrg = await runJson<{ events: Array<{ id: string }> }>(
      ["event", "list", "--org", "swiss-robotics-association"],
      env,
    )
    expect(byOrg.json.events.map((e) => e.id)).toEqual([first.json.eventId])
    const byOrgId = await runJson<{ events: Array<{ id: string }> }>(["event", "list", "--org", first.json.orgId], env)
    expect(byOrgId.json.events.map((e) => e.id)).toEqual([first.json.eventId])

    const show = await runJson<{
      event: { id: string; name: string }
      organization: { slug: string }
      ticketTypes: Array<{ name: string; capacity: number; available: number; salesState: string; priceMinor: number }>
    }>(["event", "show", first.json.eventId], env)
    expect(show.code).toBe(0)
    expect(show.json.event.id).toBe(first.json.eventId)
    expect(show.json.organization.slug).toBe("swiss-robotics-association")
    expect(show.json.ticketTypes.map((t) => t.name)).toEqual([
      "Early Bird",
      "Regular",
      "Student",
      "Exhibitor Staff",
      "VIP Dinner",
    ])
    for (const t of show.json.ticketTypes) {
      expect(t.available).toBe(t.capacity)
      expect(t.salesState).toBe("on_sale")
    }

    const human = await run(["event", "show", first.json.eventId], env)
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/Early Bird\s+CHF 49\.00\s+200\s+200\s+public\s+on_sale/)
    expect(human.stderr).toBe("")
  })

  it("event create makes a draft event, shown afterwards; a taken slug is a conflict", async () => {
    const args = [
      "event",
      "create",
      "--org",
      "swiss-robotics-association",
      "--slug",
      "robotics-summit",
      "--name",
      "Robotics Summit",
      "--starts",
      "2026-09-10T09:00:00+02:00",
      "--ends",
      "2026-09-10T18:00:00+02:00",
      "--currency",
      "EUR",
      "--venue",
      "Kraftwerk Zürich",
    ]
    const created = await runJson<{ event: Record<string, unknown> & { id: string } }>(args, env)
    expect(created.code).toBe(0)
    expect(created.json.event).toMatchObject({
      id: expect.stringMatching(uuid),
      slug: "robotics-summit",
      name: "Robotics Summit",
      startsAt: "2026-09-10T07:00:00.000Z",
      endsAt: "2026-09-10T16:00:00.000Z",
      timezone: "Europe/Zurich",
      currency: "EUR",
      venue: { name: "Kraftwerk Zürich" },
      status: "draft",
    })
    const show = await runJson<{ event: { id: string }; ticketTypes: Array<unknown> }>(
      ["event", "show", created.json.event.id],
      env,
    )
    expect(show.json.event.id).toBe(created.json.event.id)
    expect(show.json.ticketTypes).toEqual([])

    const taken = await run(args, env)
    expect(taken.code).toBe(5)
    expect(expectOneLineError(taken)).toContain('The slug "robotics-summit" is used by another event')
    const takenJson = await runJson<{ error: { code: string; exit: number; message: string } }>(args, env)
    expect(takenJson.code).toBe(5)
    expect(takenJson.json.error).toMatchObject({ code: "conflict", exit: 5 })
  })

  it("event create refuses an end before the start, naming the flags", async () => {
    const result = await run(
      [
        "event",
        "create",
        "--org",
        "swiss-robotics-association",
        "--slug",
        "backwards",
        "--name",
        "Backwards",
        "--starts",
        "2026-09-10T18:00:00+02:00",
        "--ends",
        "2026-09-10T09:00:00+02:00",
      ],
      env,
    )
    expect(result.code).toBe(2)
    expect(expectOneLineError(result)).toBe("Error: --ends must be after --starts")
  })

  it("event create refuses a time without offset, and an unknown organisation", async () => {
    const base = ["event", "create", "--slug", "s", "--name", "N", "--ends", "2026-09-10T18:00:00Z"]
    const noOffset = await run([...base, "--org", "swiss-robotics-association", "--starts", "2026-09-10T09:00"], env)
    expect(noOffset.code).toBe(2)
    expect(expectOneLineError(noOffset)).toContain("--starts: must be an ISO-8601 date-time with offset")

    const unknownOrg = await run([...base, "--org", "no-such-org", "--starts", "2026-09-10T09:00:00Z"], env)
    expect(unknownOrg.code).toBe(4)
    expect(expectOneLineError(unknownOrg)).toContain('No organisation with slug "no-such-org"')
  })

  it("missing required flags give one line, not a help dump", async () => {
    const result = await run(["event", "create", "--org", "x"], env)
    expect(result.code).toBe(2)
    expect(expectOneLineError(result)).toMatch(/Missing required flag.*See more help with --help/)
  })

  it("event show with an unknown or malformed id fails in one line", async () => {
    const unknown = await run(["event", "show", "01a21233-81ad-7ca0-9a99-af59ca570600"], env)
    expect(unknown.code).toBe(4)
    expect(expectOneLineError(unknown)).toBe("Error: No such event: find the id with `sratix event list`")

    const malformed = await run(["event", "show", "swiss-robotics-day"], env)
    expect(malformed.code).toBe(2)
    expect(expectOneLineError(malformed)).toContain("is not an event id")

    const json = await runJson<{ error: { message: string; code: string; exit: number } }>(
      ["event", "show", "01a21233-81ad-7ca0-9a99-af59ca570600"],
      env,
    )
    expect(json.code).toBe(4)
    expect(json.json).toEqual({
      error: { message: "No such event: find the id with `sratix event list`", code: "not-found", exit: 4 },
    })
    expect(json.stderr).toBe("")
  })

  it("admin create makes a super admin without ever printing the password; twice is a conflict", async () => {
    const password = "correct-horse-battery-staple"
    const created = await runJson<{ user: Record<string, unknown> }>(
      ["admin", "create", "--email", "Ops@Example.org", "--name", "Ops Team"],
      { ...env, SRATIX_ADMIN_PASSWORD: password },
    )
    expect(created.code).toBe(0)
    expect(created.json.user).toEqual({
      id: expect.stringMatching(uuid),
      email: "ops@example.org",
      name: "Ops Team",
      grants: [{ role: "super_admin", orgId: null, eventId: null }],
      createdAt: expect.stringMatching(iso),
    })
    expect(created.stdout + created.stderr).not.toContain(password)

    const again = await run(
      ["admin", "create", "--email", "ops@example.org", "--name", "Other", "--password", password],
      env,
    )
    expect(again.code).toBe(5)
    expect(expectOneLineError(again)).toBe(
      "Error: A user with this email exists already: use another --email, or sign in with the existing account",
    )
    expect(again.stdout + again.stderr).not.toContain(password)
  })

  it("admin create without a password source, or with a short one, fails clearly", async () => {
    const none = await run(["admin", "create", "--email", "a@example.org", "--name", "A"], env)
    expect(none.code).toBe(2)
    expect(expectOneLineError(none)).toContain("No password given: set SRATIX_ADMIN_PASSWORD")

    const short = await run(["admin", "create", "--email", "a@example.org", "--name", "A", "--password", "short"], env)
    expect(short.code).toBe(2)
    expect(expectOneLineError(short)).toContain("password: must be at least 12 characters")
    expect(short.stderr).not.toContain("short\n")

    const badEmail = await run(
      ["admin", "create", "--email", "not-an-email", "--name", "A", "--password", "long-enough-password"],
      env,
    )
    expect(badEmail.code).toBe(2)
    expect(expectOneLineError(badEmail)).toBe("Error: --email: must be an email address")
  })
})

describe("configuration and database failures", () => {
  let dataDir: string
  beforeAll(() => {
    dataDir = tempDir()
  })
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }))

  it("an unsupported DATABASE_URL is a configuration error (exit 3)", async () => {
    const result = await run(["event", "list"], { SRATIX_DATA_DIR: dataDir, DATABASE_URL: "postgres://db/sratix" })
    expect(result.code).toBe(3)
    expect(expectOneLineError(result)).toContain("DATABASE_URL must start with sqlite:, mysql:// or mariadb://")
  })

  it("an unreachable database names the redacted URL (exit 3)", async () => {
    const url = "mysql://sratix:hunter2-secret@127.0.0.1:1/sratix"
    for (const args of [
      ["migrate", "status"],
      ["migrate", "up"],
      ["event", "list"],
    ]) {
      const result = await run(args, { SRATIX_DATA_DIR: dataDir, SRATIX_SECRET: SECRET, DATABASE_URL: url })
      expect(result.code).toBe(3)
      const line = expectOneLineError(result)
      expect(line).toContain("Cannot use the database at mysql://sratix:***@127.0.0.1:1/sratix")
      expect(line).toContain("ECONNREFUSED")
      expect(result.stderr).not.toContain("hunter2")
    }
    const json = await runJson<{ error: { code: string; exit: number } }>(["migrate", "status"], {
      SRATIX_DATA_DIR: dataDir,
      DATABASE_URL: url,
    })
    expect(json.json.error).toMatchObject({ code: "configuration", exit: 3 })
  })

  it("a bad numeric setting is a configuration error", async () => {
    const result = await run(["seed", "demo"], { SRATIX_DATA_DIR: dataDir, SRATIX_HOLD_MINUTES: "soon" })
    expect(result.code).toBe(3)
    expect(expectOneLineError(result)).toContain("SRATIX_HOLD_MINUTES must be an integer")
  })

  it("warns on stderr once when it generates the secret, keeping stdout pure JSON", async () => {
    const fresh = tempDir()
    try {
      const first = await runJson<{ created: boolean }>(["seed", "demo"], { SRATIX_DATA_DIR: fresh })
      expect(first.code).toBe(0)
      expect(first.json.created).toBe(true)
      expect(first.stderr.match(/SRATIX_SECRET is not set; generated a secret/g)).toHaveLength(1)
      expect(fs.existsSync(path.join(fresh, "keys", "secret"))).toBe(true)
      const second = await run(["seed", "demo"], { SRATIX_DATA_DIR: fresh })
      expect(second.code).toBe(0)
      expect(second.stderr).toBe("")
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true })
    }
  })

  it("reports applied migrations on stderr in human mode only", async () => {
    const fresh = tempDir()
    try {
      const human = await run(["event", "list"], { SRATIX_DATA_DIR: fresh, SRATIX_SECRET: SECRET })
      expect(human.code).toBe(0)
      expect(human.stderr.trim()).toMatch(/^Applied \d+ migrations?: 0001_ticketing_core/)
      expect(human.stdout.trim()).toBe("No events yet.")
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true })
    }
  })
})

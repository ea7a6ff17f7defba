import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { assertBuilt, run, runJson, tempDir } from "./support/Cli.js"

/**
 * The same commands on MariaDB (from `scripts/services.sh`). Besides the SQL, this proves the
 * CLI closes its connection pool: a pool left open would keep the process from exiting.
 */
const base = process.env.SRATIX_TEST_MYSQL_URL
if (!base && process.env.CI) throw new Error("SRATIX_TEST_MYSQL_URL is not set: run the suite through `npm test`")

const mariadb = (statement: string) =>
  new Promise<void>((resolve, reject) => {
    const url = new URL(base!)
    execFile(
      "mariadb",
      [
        `--host=${url.hostname}`,
        `--port=${url.port}`,
        `--user=${decodeURIComponent(url.username)}`,
        `--password=${decodeURIComponent(url.password)}`,
        "--execute",
        statement,
      ],
      (error) => (error ? reject(error) : resolve()),
    )
  })

describe.runIf(base)("sratix on MariaDB", () => {
  const name = `sratix_cli_${randomBytes(5).toString("hex")}`
  let env: Record<string, string>
  let dataDir: string

  beforeAll(async () => {
    assertBuilt()
    await mariadb(`CREATE DATABASE ${name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
    dataDir = tempDir()
    env = {
      DATABASE_URL: `${base}/${name}`,
      SRATIX_DATA_DIR: dataDir,
      SRATIX_SECRET: "cli-mysql-test-secret-0123456789abcdef",
    }
  })
  afterAll(async () => {
    await mariadb(`DROP DATABASE IF EXISTS ${name}`)
    fs.rmSync(dataDir, { recursive: true, force: true })
  })

  it("migrates, seeds, creates and shows events, and reports on the database", async () => {
    const status = await runJson<{ database: string; pending: number }>(["migrate", "status"], env)
    expect(status.code).toBe(0)
    expect(status.json.database).toMatch(/^MySQL mysql:\/\/sratix:\*\*\*@/)
    expect(status.json.pending).toBeGreaterThan(0)

    const up = await runJson<{ applied: Array<{ id: number }> }>(["migrate", "up"], env)
    expect(up.json.applied.map((m) => m.id)).toContain(1)

    const seeded = await runJson<{ created: boolean; eventId: string }>(["seed", "demo"], env)
    expect(seeded.json.created).toBe(true)

    const created = await runJson<{ event: { id: string; startsAt: string } }>(
      [
        "event",
        "create",
        "--org",
        "swiss-robotics-association",
        "--slug",
        "mysql-meetup",
        "--name",
        "MySQL Meetup",
        "--starts",
        "2026-10-01T17:00:00Z",
        "--ends",
        "2026-10-01T20:00:00Z",
      ],
      env,
    )
    expect(created.code).toBe(0)
    expect(created.json.event.startsAt).toBe("2026-10-01T17:00:00.000Z")

    const list = await runJson<{ events: Array<{ id: string }> }>(["event", "list"], env)
    expect(list.json.events.map((e) => e.id).sort()).toEqual([seeded.json.eventId, created.json.event.id].sort())

    const show = await runJson<{ ticketTypes: Array<{ available: number; capacity: number }> }>(
      ["event", "show", seeded.json.eventId],
      env,
    )
    expect(show.json.ticketTypes).toHaveLength(5)

    const admin = await run(["admin", "create", "--email", "ops@example.org", "--name", "Ops"], {
      ...env,
      SRATIX_ADMIN_PASSWORD: "correct-horse-battery-staple",
    })
    expect(admin.code).toBe(0)
    const again = await run(["admin", "create", "--email", "ops@example.org", "--name", "Ops"], {
      ...env,
      SRATIX_ADMIN_PASSWORD: "correct-horse-battery-staple",
    })
    expect(again.code).toBe(5)

    const doctor = await runJson<{ checks: Array<{ check: string; status: string; detail: string }> }>(["doctor"], {
      ...env,
      PORT: "0",
    })
    expect(doctor.json.checks.find((c) => c.check === "database")).toMatchObject({
      status: "PASS",
      detail: expect.stringMatching(/version \d+\.\d+\.\d+-MariaDB/),
    })
    expect(doctor.json.checks.find((c) => c.check === "migrations")).toMatchObject({ status: "PASS" })
  })

  it("names a missing database in one line", async () => {
    const result = await run(["migrate", "status"], { ...env, DATABASE_URL: `${base}/${name}_missing` })
    expect(result.code).toBe(3)
    expect(result.stderr).toMatch(/^Error: Cannot use the database at .*Unknown database/)
    expect(result.stderr.trim().split("\n")).toHaveLength(1)
  })
})

import * as fs from "node:fs"
import * as net from "node:net"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CheckResult, serverVersionProblem } from "../src/doctor/Checks.js"
import { assertBuilt, freePort, run, runJson, tempDir } from "./support/Cli.js"
import { fakeRedis, fakeSmtp } from "./support/FakeServers.js"

interface Report {
  readonly checks: ReadonlyArray<CheckResult>
  readonly ok: boolean
}

const CHECKS = [
  "node",
  "config",
  "secret",
  "database",
  "migrations",
  "redis",
  "smtp",
  "chromium",
  "wallet.apple",
  "wallet.google",
  "folders",
  "memory",
  "port",
]

const check = (report: Report, name: string) => {
  const found = report.checks.find((c) => c.check === name)
  if (!found) throw new Error(`no check named ${name}`)
  return found
}

describe("serverVersionProblem", () => {
  it.each([
    ["10.11.6-MariaDB-0+deb12u1", null],
    ["10.6.0-MariaDB", null],
    ["11.4.2-MariaDB-ubu2404", null],
    ["8.0.36", null],
    ["10.5.23-MariaDB-0+deb11u1", "MariaDB 10.5.23-MariaDB-0+deb11u1 is too old: SRAtix needs MariaDB 10.6 or newer"],
    ["5.7.44-log", "MySQL 5.7.44-log is too old: SRAtix needs MySQL 8.0 or newer"],
  ])("%s → %s", (version, expected) => {
    expect(serverVersionProblem(version)).toBe(expected)
  })
})

describe("sratix doctor", () => {
  let dir: string
  let fakeChromium: string
  let brokenChromium: string
  let base: () => Promise<Record<string, string>>

  beforeAll(() => {
    assertBuilt()
    dir = tempDir()
    fakeChromium = path.join(dir, "fake-chromium")
    fs.writeFileSync(
      fakeChromium,
      '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Chromium 999.0.1 fake"; exit 0; fi\n' +
        'echo "<html><head></head><body><p>ok</p></body></html>"\n',
      { mode: 0o755 },
    )
    brokenChromium = path.join(dir, "broken-chromium")
    fs.writeFileSync(brokenChromium, '#!/bin/sh\necho "cannot open display" >&2\nexit 1\n', { mode: 0o755 })
    base = async () => ({
      SRATIX_DATA_DIR: path.join(dir, `data-${Math.random().toString(36).slice(2)}`),
      HOST: "127.0.0.1",
      PORT: String(await freePort()),
      SRATIX_CHROMIUM_PATH: fakeChromium,
    })
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  it("reports every check on a fresh, unconfigured host, and is ok", async () => {
    const env = await base()
    const { code, json, stderr } = await runJson<Report>(["doctor"], env)
    expect(stderr).toBe("")
    expect(json.checks.map((c) => c.check)).toEqual(CHECKS)
    for (const c of json.checks) {
      expect(["PASS", "WARN", "FAIL", "SKIP"]).toContain(c.status)
      expect(typeof c.detail).toBe("string")
    }
    expect(json.ok).toBe(true)
    expect(code).toBe(0)
    expect(check(json, "node").status).toBe("PASS")
    expect(check(json, "config").status).toBe("PASS")
    expect(check(json, "secret")).toMatchObject({
      status: "WARN",
      detail: expect.stringContaining("will be generated"),
    })
    expect(check(json, "database")).toMatchObject({
      status: "PASS",
      detail: expect.stringContaining("not created yet"),
    })
    expect(check(json, "migrations").status).toBe("WARN")
    expect(check(json, "redis")).toEqual({
      check: "redis",
      status: "SKIP",
      detail: "not configured: in-process queue and pub/sub",
    })
    expect(check(json, "smtp")).toMatchObject({ status: "SKIP", detail: expect.stringContaining("file outbox") })
    expect(check(json, "chromium")).toMatchObject({
      status: "PASS",
      detail: expect.stringContaining("Chromium 999.0.1 fake"),
    })
    expect(check(json, "folders").status).toBe("PASS")
    expect(check(json, "port")).toMatchObject({ status: "PASS", detail: `127.0.0.1:${env.PORT} can be bound` })
    // doctor never creates the database
    expect(fs.existsSync(path.join(env.SRATIX_DATA_DIR!, "sratix.db"))).toBe(false)
    for (const sub of ["outbox", "keys"]) expect(fs.readdirSync(path.join(env.SRATIX_DATA_DIR!, sub))).toEqual([])
  })

  it("prints a table in human mode", async () => {
    const result = await run(["doctor"], await base())
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^STATUS\s+CHECK\s+DETAIL$/m)
    expect(result.stdout).toMatch(/^PASS\s+node\s+Node\.js /m)
    expect(result.stdout).toMatch(/^SKIP\s+redis\s+not configured/m)
    expect(result.stdout).toMatch(/^Ready, with \d+ warnings?\.$/m)
  })

  it("sees applied migrations once the database exists", async () => {
    const env = await base()
    expect((await run(["migrate", "up"], env)).code).toBe(0)
    const { json } = await runJson<Report>(["doctor"], env)
    expect(check(json, "database")).toMatchObject({ status: "PASS", detail: expect.stringContaining("SQLite") })
    expect(check(json, "migrations")).toMatchObject({
      status: "PASS",
      detail: expect.stringMatching(/^all \d+ applied$/),
    })
  })

  it("fails (exit 1) on an unreachable database", async () => {
    const env = { ...(await base()), DATABASE_URL: "mysql://sratix:pw@127.0.0.1:1/sratix" }
    const { code, json } = await runJson<Report>(["doctor"], env)
    expect(code).toBe(1)
    expect(json.ok).toBe(false)
    expect(check(json, "database")).toMatchObject({
      status: "FAIL",
      detail: expect.stringContaining("mysql://sratix:***@127.0.0.1:1/sratix"),
    })
    expect(check(json, "migrations").status).toBe("SKIP")
    const human = await run(["doctor"], env)
    expect(human.code).toBe(1)
    expect(human.stdout).toMatch(/^FAIL\s+database\s+Cannot use the database/m)
    expect(human.stdout).toMatch(/^1 check failed: database\.$/m)
  })

  it("reports an invalid configuration and skips what depends on it", async () => {
    const { code, json } = await runJson<Report>(["doctor"], { ...(await base()), PORT: "http" })
    expect(code).toBe(1)
    expect(check(json, "config")).toMatchObject({
      status: "FAIL",
      detail: expect.stringContaining("PORT must be an integer"),
    })
    for (const name of ["secret", "database", "redis", "folders", "port"]) expect(check(json, name).status).toBe("SKIP")
  })

  it("pings Redis over RESP, authenticating when the URL has a password", async () => {
    const open = await fakeRedis({ version: "7.2.4" })
    const locked = await fakeRedis({ password: "s3cret" })
    try {
      const env = await base()
      const plain = await runJson<Report>(["doctor"], { ...env, REDIS_URL: `redis://127.0.0.1:${open.port}` })
      expect(check(plain.json, "redis")).toMatchObject({
        status: "PASS",
        detail: expect.stringContaining(`Redis 7.2.4 at redis://127.0.0.1:${open.port}`),
      })
      expect(open.received).toEqual(["PING", "INFO", "QUIT"])

      const authed = await runJson<Report>(["doctor"], {
        ...env,
        REDIS_URL: `redis://:s3cret@127.0.0.1:${locked.port}`,
      })
      expect(check(authed.json, "redis")).toMatchObject({ status: "PASS" })
      expect(check(authed.json, "redis").detail).not.toContain("s3cret")

      const noPassword = await runJson<Report>(["doctor"], { ...env, REDIS_URL: `redis://127.0.0.1:${locked.port}` })
      expect(noPassword.code).toBe(1)
      expect(check(noPassword.json, "redis")).toMatchObject({
        status: "FAIL",
        detail: expect.stringContaining("NOAUTH"),
      })

      const wrong = await runJson<Report>(["doctor"], { ...env, REDIS_URL: `redis://:nope@127.0.0.1:${locked.port}` })
      expect(check(wrong.json, "redis")).toMatchObject({
        status: "FAIL",
        detail: expect.stringContaining("AUTH refused"),
      })
    } finally {
      await open.close()
      await locked.close()
    }
  })

  it.runIf(process.env.SRATIX_TEST_REDIS_URL)("pings the test suite's real Redis", async () => {
    const { json } = await runJson<Report>(["doctor"], {
      ...(await base()),
      REDIS_URL: process.env.SRATIX_TEST_REDIS_URL!,
    })
    expect(check(json, "redis")).toMatchObject({ status: "PASS", detail: expect.stringMatching(/^Redis \d+\./) })
  })

  it("fails on an unreachable Redis or SMTP server, in time", async () => {
    const closed = await freePort()
    const started = Date.now()
    const { code, json } = await runJson<Report>(["doctor"], {
      ...(await base()),
      REDIS_URL: `redis://127.0.0.1:${closed}`,
      SMTP_URL: `smtp://127.0.0.1:${closed}`,
    })
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(code).toBe(1)
    expect(check(json, "redis")).toMatchObject({ status: "FAIL", detail: expect.stringContaining("ECONNREFUSED") })
    expect(check(json, "smtp")).toMatchObject({ status: "FAIL", detail: expect.stringContaining("ECONNREFUSED") })
  })

  it("reads the SMTP greeting and EHLO without sending credentials", async () => {
    const smtp = await fakeSmtp()
    const plain = await fakeSmtp({ extensions: ["PIPELINING"] })
    const refusing = await fakeSmtp({ greeting: "554 no service for you\r\n" })
    try {
      const env = await base()
      const ok = await runJson<Report>(["doctor"], {
        ...env,
        SMTP_URL: `smtp://mailer:pa55word@127.0.0.1:${smtp.port}`,
      })
      expect(check(ok.json, "smtp")).toMatchObject({
        status: "PASS",
        detail: expect.stringContaining("offers STARTTLS, AUTH PLAIN LOGIN"),
      })
      expect(check(ok.json, "smtp").detail).toContain("smtp://mailer:***@127.0.0.1")
      expect(smtp.received.map((l) => l.split(" ")[0])).toEqual(["EHLO", "QUIT"])
      expect(smtp.received.join("\n")).not.toContain("pa55word")

      const noTls = await runJson<Report>(["doctor"], { ...env, SMTP_URL: `smtp://127.0.0.1:${plain.port}` })
      expect(check(noTls.json, "smtp").status).toBe("PASS") // loopback: no TLS needed

      const refused = await runJson<Report>(["doctor"], { ...env, SMTP_URL: `smtp://127.0.0.1:${refusing.port}` })
      expect(check(refused.json, "smtp")).toMatchObject({ status: "FAIL", detail: expect.stringContaining("554") })
    } finally {
      await smtp.close()
      await plain.close()
      await refusing.close()
    }
  })

  it("warns when Chromium is missing or does not render", async () => {
    const env = await base()
    const missing = await runJson<Report>(["doctor"], { ...env, SRATIX_CHROMIUM_PATH: path.join(dir, "nope") })
    expect(check(missing.json, "chromium")).toMatchObject({
      status: "WARN",
      detail: expect.stringContaining("not found"),
    })
    expect(missing.json.ok).toBe(true)
    const broken = await runJson<Report>(["doctor"], { ...env, SRATIX_CHROMIUM_PATH: brokenChromium })
    expect(check(broken.json, "chromium")).toMatchObject({
      status: "WARN",
      detail: expect.stringContaining("cannot open display"),
    })
  })

  it.runIf(fs.existsSync("/usr/bin/chromium"))("launches the real Chromium", async () => {
    const { SRATIX_CHROMIUM_PATH: _, ...defaultChromium } = await base()
    const { json } = await runJson<Report>(["doctor"], defaultChromium)
    expect(check(json, "chromium")).toMatchObject({ status: "PASS", detail: expect.stringContaining("rendered") })
  })

  it("warns when the port is taken", async () => {
    const holder = net.createServer()
    const port = await new Promise<number>((resolve) =>
      holder.listen({ port: 0, host: "127.0.0.1" }, () => resolve((holder.address() as net.AddressInfo).port)),
    )
    try {
      const { code, json } = await runJson<Report>(["doctor"], { ...(await base()), PORT: String(port) })
      expect(check(json, "port")).toEqual({
        check: "port",
        status: "WARN",
        detail: `127.0.0.1:${port} in use (is a server running?)`,
      })
      expect(code).toBe(0)
    } finally {
      await new Promise((resolve) => holder.close(resolve))
    }
  })

  it("fails when the data folder cannot be created", async () => {
    const file = path.join(dir, "a-file")
    fs.writeFileSync(file, "not a folder")
    const { code, json } = await runJson<Report>(["doctor"], {
      ...(await base()),
      SRATIX_DATA_DIR: path.join(file, "data"),
    })
    expect(code).toBe(1)
    expect(check(json, "folders")).toMatchObject({ status: "FAIL", detail: expect.stringContaining("ENOTDIR") })
  })
})

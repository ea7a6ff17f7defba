import { spawn } from "node:child_process"
import * as fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { assertBuilt, bin, cleanEnv, run, tempDir } from "./support/Cli.js"

const hasScript = fs.existsSync("/usr/bin/script")

/**
 * Runs `admin create` on a pseudo-terminal (util-linux `script`), typing each chunk only after
 * the CLI has prompted, as a person would.
 */
const onTerminal = (args: ReadonlyArray<string>, typed: ReadonlyArray<string>, env: Record<string, string>) =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    const command = [process.execPath, bin, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ")
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      env: cleanEnv(env),
      stdio: ["pipe", "pipe", "pipe"],
    })
    let output = ""
    let prompts = 0
    const pending = [...typed]
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString()
      const seen = output.match(/password: /gi)?.length ?? 0
      while (prompts < seen && pending.length > 0) {
        prompts++
        child.stdin.write(pending.shift()!)
      }
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000)
    child.on("exit", (code) => {
      clearTimeout(timer)
      resolve({ code, output })
    })
  })

describe.runIf(hasScript)("admin create on a terminal", () => {
  let env: Record<string, string>
  beforeAll(async () => {
    assertBuilt()
    env = { SRATIX_DATA_DIR: tempDir(), SRATIX_SECRET: "cli-password-test-secret-0123456789abcdef" }
    expect((await run(["migrate", "up"], env)).code).toBe(0)
  })
  afterAll(() => fs.rmSync(env.SRATIX_DATA_DIR!, { recursive: true, force: true }))

  it("asks twice without echoing, then creates the admin", async () => {
    const password = "correct-horse-battery"
    const result = await onTerminal(
      ["admin", "create", "--email", "tty@example.org", "--name", "TTY"],
      [`${password}\r`, `${password}\r`],
      env,
    )
    expect(result.code).toBe(0)
    expect(result.output).toContain("Repeat password: ")
    expect(result.output).toContain("Created super admin tty@example.org")
    expect(result.output).not.toContain(password)
  })

  it("refuses two different answers", async () => {
    const result = await onTerminal(
      ["admin", "create", "--email", "tty2@example.org", "--name", "TTY"],
      ["correct-horse-battery\r", "correct-horse-batterz\r"],
      env,
    )
    expect(result.code).toBe(2)
    expect(result.output).toContain("The passwords do not match")
    expect(result.output).not.toContain("correct-horse")
  })

  it("accepts both answers typed ahead in one go, and backspace", async () => {
    const result = await onTerminal(
      ["admin", "create", "--email", "tty3@example.org", "--name", "TTY"],
      ["abc\u007f\u007fbc-long-password\rabc-long-password\r"],
      env,
    )
    expect(result.code).toBe(0)
    expect(result.output).toContain("Created super admin tty3@example.org")
  })

  it("cancels on Ctrl-C with exit 130", async () => {
    const result = await onTerminal(
      ["admin", "create", "--email", "tty4@example.org", "--name", "TTY"],
      ["\u0003"],
      env,
    )
    expect(result.code).toBe(130)
    expect(result.output).toContain("Cancelled")
  })
})

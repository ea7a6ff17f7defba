import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { assertBuilt, bin, cleanEnv, expectOneLineError, freePort, run, tempDir } from "./support/Cli.js"

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect({ port, host: "127.0.0.1" })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

describe("sratix serve", () => {
  let dataDir: string
  beforeAll(() => {
    assertBuilt()
    dataDir = tempDir()
  })
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }))

  it("serves on --port with the demo until SIGTERM, then exits 0 with its --json payload", async () => {
    const port = await freePort()
    const child = spawn(process.execPath, [bin, "serve", "--demo", "--port", String(port), "--json"], {
      env: cleanEnv({ SRATIX_DATA_DIR: dataDir, HOST: "127.0.0.1", PORT: "1" }),
      stdio: ["ignore", "pipe", "pipe"],
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString()
    })
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
    try {
      const deadline = Date.now() + 45_000
      while (!(await canConnect(port))) {
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`the server did not listen on ${port}:\n${stdout}\n${stderr}`)
        }
        await new Promise((r) => setTimeout(r, 200))
      }
      const response = await fetch(`http://127.0.0.1:${port}/`)
      expect(response.status).toBeLessThan(500)
    } finally {
      child.kill("SIGTERM")
    }
    expect(await exited).toBe(0)
    // The server logs JSON lines to stdout; the command's own payload comes last.
    const payload = stdout.slice(stdout.lastIndexOf("\n{\n") + 1)
    expect(JSON.parse(payload)).toEqual({ stopped: true, host: "127.0.0.1", port, demo: true })

    const events = await run(["event", "list", "--json"], { SRATIX_DATA_DIR: dataDir })
    expect(JSON.parse(events.stdout).events[0].slug).toBe("swiss-robotics-day")
  })

  it("explains a port that is in use, in one line on stderr", async () => {
    const holder = net.createServer()
    const port = await new Promise<number>((resolve) =>
      holder.listen({ port: 0, host: "127.0.0.1" }, () => resolve((holder.address() as net.AddressInfo).port)),
    )
    try {
      const result = await run(["serve", "--port", String(port)], { SRATIX_DATA_DIR: dataDir, HOST: "127.0.0.1" })
      expect(result.code).toBe(1)
      expect(expectOneLineError(result)).toContain("EADDRINUSE")
      expect(result.stderr).toContain("choose another with --port or PORT")
    } finally {
      await new Promise((resolve) => holder.close(resolve))
    }
  })

  it("refuses a port out of range before starting anything", async () => {
    const result = await run(["serve", "--port", "70000"], { SRATIX_DATA_DIR: dataDir })
    expect(result.code).toBe(2)
    expect(expectOneLineError(result)).toContain("70000")
  })
})

import { execFile } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { Layer, ManagedRuntime } from "effect"
import { Caller, CoreServices, environmentLayer, loadEnvironment } from "../../../core/src/index.js"

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..")
export const bin = path.join(packageRoot, "bin", "run.js")

/**
 * The tests run the compiled CLI, as operators do. Refuse to run against a stale build rather
 * than test yesterday's code.
 */
export const assertBuilt = () => {
  const src = path.join(packageRoot, "src")
  const dist = path.join(packageRoot, "dist")
  const stale: Array<string> = []
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) walk(file)
      else if (entry.name.endsWith(".ts")) {
        const out = path.join(dist, path.relative(src, file)).replace(/\.ts$/, ".js")
        if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(file).mtimeMs) stale.push(file)
      }
    }
  }
  walk(src)
  if (stale.length > 0) {
    throw new Error(`The CLI build is missing or stale (${stale.length} files): run \`npx tsc -b packages/cli\` first`)
  }
}

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Variables a developer's shell may carry that would make a test depend on the machine. */
const hostVariables = [
  "DATABASE_URL",
  "REDIS_URL",
  "SMTP_URL",
  "PORT",
  "HOST",
  "SRATIX_SECRET",
  "SRATIX_DATA_DIR",
  "SRATIX_ADMIN_PASSWORD",
  "SRATIX_CHROMIUM_PATH",
  "SRATIX_DEBUG",
  "SRATIX_LOG_LEVEL",
]

export const cleanEnv = (env: Record<string, string | undefined>): NodeJS.ProcessEnv => {
  const base: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", NODE_OPTIONS: "" }
  for (const name of hostVariables) delete base[name]
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete base[name]
    else base[name] = value
  }
  return base
}

export const run = (args: ReadonlyArray<string>, env: Record<string, string | undefined> = {}): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: cleanEnv(env), timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })

/** Runs with `--json` and parses stdout (which must be one JSON document). */
export const runJson = async <A = Record<string, unknown>>(
  args: ReadonlyArray<string>,
  env: Record<string, string | undefined> = {},
): Promise<CliResult & { readonly json: A }> => {
  const result = await run([...args, "--json"], env)
  let json: A
  try {
    json = JSON.parse(result.stdout) as A
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`)
  }
  return { ...result, json }
}

export const tempDir = (prefix = "sratix-cli-test-") => fs.mkdtempSync(path.join(os.tmpdir(), prefix))

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen({ port: 0, host: "127.0.0.1" }, () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

/** A one-line message on stderr: no stack trace, no help dump. */
export const expectOneLineError = (result: CliResult) => {
  const lines = result.stderr.trim().split("\n")
  if (result.code === 0) throw new Error(`expected a failure, got exit 0:\n${result.stdout}`)
  if (lines.length !== 1 || !lines[0]!.startsWith("Error: ") || /\n\s+at /.test(result.stderr)) {
    throw new Error(`expected one "Error: …" line on stderr, got:\n${result.stderr}`)
  }
  return lines[0]!
}

/** Core services on the data folder a CLI test runs against, as the system caller, for setup and checks. */
export const coreRuntime = (dataDir: string, secret: string) =>
  ManagedRuntime.make(
    Layer.mergeAll(
      CoreServices.pipe(
        Layer.provideMerge(
          environmentLayer(
            loadEnvironment({ SRATIX_DATA_DIR: dataDir, SRATIX_SECRET: secret }),
            new TextEncoder().encode(secret),
          ),
        ),
      ),
      Caller.layerSystem("test"),
    ),
  )

import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const live = new Set<ChildProcess>()

export interface Child {
  readonly pid: number
  readonly url: string
  readonly stop: () => Promise<void>
}

/**
 * Starts `bench/<script>` as `node --conditions source --import tsx`, waits for the
 * `SRATIX_BENCH_URL=` line on its stdout and returns it. Its stdin is a pipe the child watches,
 * so it also exits if this process dies without cleaning up.
 */
export const startChild = (
  script: string,
  env: Record<string, string | undefined>,
  options: { readonly timeoutMs?: number } = {},
): Promise<Child> =>
  new Promise((resolve, reject) => {
    const flags = ["--conditions", "source", "--import", "tsx"]
    const child = spawn(process.execPath, [...flags, path.join(benchDir, script)], {
      cwd: path.resolve(benchDir, ".."),
      env: env as NodeJS.ProcessEnv,
      stdio: ["pipe", "pipe", "pipe"],
    })
    live.add(child)
    const exited = new Promise<void>((done) => child.once("exit", () => done()))
    child.once("exit", () => live.delete(child))
    let stderr = ""
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString()
      if (stderr.length > 20_000) stderr = stderr.slice(-10_000)
    })
    let out = ""
    let ready = false
    const timer = setTimeout(() => {
      if (ready) return
      kill(child)
      reject(new Error(`${script} did not start within ${options.timeoutMs ?? 60_000} ms\n${stderr}`))
    }, options.timeoutMs ?? 60_000)
    child.once("exit", (code, signal) => {
      if (!ready) {
        clearTimeout(timer)
        reject(new Error(`${script} exited before listening (code ${code}, signal ${signal})\n${stderr}`))
      }
    })
    child.stdout!.on("data", (chunk: Buffer) => {
      if (ready) return
      out += chunk.toString()
      const match = /SRATIX_BENCH_URL=(\S+)/.exec(out)
      if (!match) return
      ready = true
      clearTimeout(timer)
      resolve({
        pid: child.pid!,
        url: match[1]!,
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return
          child.kill("SIGTERM")
          const force = setTimeout(() => kill(child), 8_000)
          await exited
          clearTimeout(force)
        },
      })
    })
  })

const kill = (child: ChildProcess) => {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
    try {
      process.kill(child.pid, "SIGKILL")
    } catch {
      // already gone
    }
  }
}

/** Last resort (error paths, signals, process exit): SIGKILL every child still running, by pid. */
export const killAllChildren = () => {
  for (const child of live) kill(child)
  live.clear()
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); NaN elsewhere. */
export const cpuSeconds = (pid: number): number => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}

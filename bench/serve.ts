/**
 * The SRAtix server as a child process of the benchmark, so the load generator never shares its
 * event loop. Configured only through the environment the parent passes (PORT=0, HOST,
 * DATABASE_URL, SRATIX_*). Prints `SRATIX_BENCH_URL=<url>` once listening; exits on SIGTERM
 * after closing gracefully.
 *
 * With SRATIX_BENCH_CPU_PROF=<prefix>, SIGUSR2 starts the V8 CPU profiler and the next SIGUSR2
 * stops it and writes <prefix>.<n>.cpuprofile (n = 1, 2, …): the parent brackets exactly the
 * measured phases, without start-up or warm-up.
 */
import * as fs from "node:fs"
import { Session } from "node:inspector/promises"
import { loadEnvironment } from "@sratix/core"
import { makeLogger, startServer } from "@sratix/server"

const environment = loadEnvironment(process.env)
const server = await startServer({
  environment,
  demo: false,
  rateLimitPerMinute: 1_000_000_000,
  authRateLimitPerMinute: 1_000_000_000,
  logger: makeLogger("error"),
})
process.stdout.write(`SRATIX_BENCH_URL=${server.url}\n`)

const profilePrefix = process.env.SRATIX_BENCH_CPU_PROF
if (profilePrefix) {
  const session = new Session()
  session.connect()
  await session.post("Profiler.enable")
  await session.post("Profiler.setSamplingInterval", { interval: 500 })
  let profiling = false
  let written = 0
  process.on("SIGUSR2", async () => {
    if (!profiling) {
      profiling = true
      await session.post("Profiler.start")
      return
    }
    profiling = false
    const { profile } = await session.post("Profiler.stop")
    const file = `${profilePrefix}.${++written}.cpuprofile`
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(profile))
    fs.renameSync(`${file}.tmp`, file)
  })
}

let stopping = false
const stop = () => {
  if (stopping) return
  stopping = true
  const force = setTimeout(() => process.exit(0), 3_000)
  force.unref()
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  )
}
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
// The parent going away (even by SIGKILL) closes our stdin pipe: never outlive it.
process.stdin.on("end", stop)
process.stdin.resume()

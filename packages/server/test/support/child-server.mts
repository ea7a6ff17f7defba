// A server in its own process, for tests that need several instances on one database.
// Prints one JSON line {"url": ...} once listening; stops on SIGTERM.
import { loadEnvironment } from "../../../core/src/index.js"
import { makeLogger } from "../../src/http/RequestLog.js"
import { startServer } from "../../src/Server.js"

const server = await startServer({
  environment: loadEnvironment(process.env),
  demo: false,
  rateLimitPerMinute: 0,
  authRateLimitPerMinute: 0,
  sweepEvery: process.env.SRATIX_TEST_SWEEP_EVERY ?? "5 seconds",
  logger: makeLogger("error"),
})
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`)
process.on("SIGTERM", () => {
  server.close().then(() => process.exit(0))
})

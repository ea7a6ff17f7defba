import { Flags } from "@oclif/core"
import { BaseCommand } from "../BaseCommand.js"

export interface ServeResult {
  readonly stopped: true
  readonly host: string
  readonly port: number
  readonly demo: boolean
}

export default class Serve extends BaseCommand<typeof Serve> {
  static override summary = "Run the SRAtix server until SIGINT or SIGTERM."
  static override description =
    "Applies pending migrations, optionally seeds the demo event, then serves the API, the widgets, the " +
    "dashboard and the scanner on HOST:PORT (default 0.0.0.0:3000). With nothing configured it uses SQLite, " +
    "an in-process queue and a file outbox under SRATIX_DATA_DIR (default ./data). Shuts down cleanly on " +
    "SIGINT or SIGTERM. Check a new host first with `sratix doctor`."
  static override examples = [
    "<%= config.bin %> <%= command.id %> --demo",
    "PORT=8080 DATABASE_URL=mysql://sratix:secret@127.0.0.1:3306/sratix REDIS_URL=redis://127.0.0.1:6379 <%= config.bin %> <%= command.id %>",
    "<%= config.bin %> <%= command.id %> --port 4000",
  ]
  static override flags = {
    demo: Flags.boolean({ description: "Seed the demo event (Swiss Robotics Day) if it does not exist" }),
    port: Flags.integer({ description: "Port to listen on (overrides PORT)", min: 0, max: 65535 }),
  }

  async run(): Promise<ServeResult> {
    const environment =
      this.flags.port === undefined ? this.environment : { ...this.environment, port: this.flags.port }
    // Loaded on demand: the other commands should not pay for loading the HTTP server.
    const { runServer } = await import("@sratix/server")
    const { port } = await runServer({ environment, demo: this.flags.demo })
    return { stopped: true, host: environment.host, port, demo: this.flags.demo }
  }
}

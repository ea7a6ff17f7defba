import * as fs from "node:fs"
import * as path from "node:path"
import { Errors, Flags, ux } from "@oclif/core"
import { Events, FormSchemas, Submission, Submissions, submissionsCsv } from "@sratix/core"
import { Effect, Schema } from "effect"
import { BaseCommand } from "../../BaseCommand.js"
import { ExitCode } from "../../Failures.js"
import { requireEventId } from "../../Lookups.js"

export interface SubmissionsExportResult {
  readonly eventId: string
  readonly format: "csv" | "json"
  readonly out: string
  readonly rows: number
  /** Rows per form version: an export always says which version each person saw. */
  readonly versions: Readonly<Record<string, number>>
}

const PAGE = 200

export default class SubmissionsExport extends BaseCommand<typeof SubmissionsExport> {
  static override summary = "Export an event's registration form submissions as CSV or JSON."
  static override description =
    "One row per attendee with the form version they saw, the normalized columns (email, name, organisation, " +
    "dietary needs), each consent with its time, and every answer. Cells a spreadsheet would run as a formula " +
    "are prefixed with an apostrophe."
  static override examples = [
    "<%= config.bin %> <%= command.id %> --event 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60 --out attendees.csv",
    "<%= config.bin %> <%= command.id %> --event 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60 --version 1 --format json --out - ",
  ]
  static override flags = {
    event: Flags.string({ description: "Event id (see `sratix event list`)", required: true, helpValue: "ID" }),
    out: Flags.string({ description: "File to write, or - for standard output", required: true, helpValue: "FILE" }),
    format: Flags.string({ description: "Output format", options: ["csv", "json"], default: "csv" }),
    version: Flags.integer({ description: "Only submissions made with this form version", min: 1 }),
  }

  async run(): Promise<SubmissionsExportResult> {
    const { out, version } = this.flags
    const format = this.flags.format as "csv" | "json"
    const eventId = requireEventId(this.flags.event, this.config.bin)
    const toStdout = out === "-"
    if (toStdout && this.jsonEnabled()) {
      throw new Errors.CLIError("--out - and --json both write to standard output: give --out a file", {
        exit: ExitCode.invalidInput,
      })
    }
    // Progress is for people at a terminal; in pipes and logs it would only add lines.
    const showProgress = !toStdout && !this.jsonEnabled() && process.stderr.isTTY === true
    if (showProgress) ux.action.start("Exporting submissions")
    const { submissions, versions } = await this.withCore(
      Effect.gen(function* () {
        yield* Effect.flatMap(Events, (events) => events.get(eventId))
        const versions = yield* Effect.flatMap(FormSchemas, (forms) => forms.list(eventId))
        const source = yield* Submissions
        const submissions: Array<Submission> = []
        let cursor: string | null = null
        do {
          const page: { items: ReadonlyArray<Submission>; nextCursor: string | null } = yield* source.list(eventId, {
            limit: PAGE,
            ...(cursor === null ? {} : { cursor }),
            ...(version === undefined ? {} : { version }),
          })
          submissions.push(...page.items)
          cursor = page.nextCursor
          if (showProgress) ux.action.status = `${submissions.length} rows`
        } while (cursor !== null)
        return { submissions, versions }
      }),
      { hints: { NotFound: `find the event id with \`${this.config.bin} event list\`` } },
    ).catch((error: unknown) => {
      if (showProgress) ux.action.stop("failed")
      throw error
    })
    const text =
      format === "csv"
        ? submissionsCsv(submissions, versions)
        : `${JSON.stringify(
            submissions.map((s) => Schema.encodeSync(Submission)(s)),
            null,
            2,
          )}\n`
    if (toStdout) process.stdout.write(text)
    else {
      // Written beside the target and renamed: a reader never sees half an export.
      const target = path.resolve(out)
      fs.writeFileSync(`${target}.partial`, text, { mode: 0o600 })
      fs.renameSync(`${target}.partial`, target)
    }
    if (showProgress) ux.action.stop(`${submissions.length} rows`)
    const perVersion: Record<string, number> = {}
    for (const s of submissions) perVersion[String(s.schemaVersion)] = (perVersion[String(s.schemaVersion)] ?? 0) + 1
    if (!toStdout) this.log(`Wrote ${submissions.length} submissions to ${out} (${format}).`)
    return { eventId, format, out, rows: submissions.length, versions: perVersion }
  }
}

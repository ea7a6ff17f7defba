import { Flags, ux } from "@oclif/core"
import { type AuditFinding, DEFAULT_KEPT_FINDINGS, LedgerAudit, type OrgId } from "@sratix/core"
import { Effect } from "effect"
import { BaseCommand, plural } from "../../BaseCommand.js"
import { ExitCode } from "../../Failures.js"
import { resolveOrganization } from "../../Lookups.js"
import { ProgressBar } from "../../Progress.js"

export interface LedgerAuditResult {
  /** What was audited: `null` for all organisations or all series. */
  readonly scope: { readonly orgId: string | null; readonly series: string | null }
  /** Checks run, in order: `triggers`, `chain`, then any registered additional checks. */
  readonly checks: ReadonlyArray<string>
  readonly entries: number
  readonly seriesCount: number
  readonly findingCount: number
  readonly findingsByCheck: Readonly<Record<string, number>>
  /** The first 1,000 findings; `truncated` says whether there were more. */
  readonly findings: ReadonlyArray<AuditFinding>
  readonly truncated: boolean
  readonly ok: boolean
}

/** `chain hash_mismatch org … series inv-2026 seq 13 entry …: message`: the entry first, so lines sort and grep well. */
export const findingLine = (f: AuditFinding) => {
  const where =
    f.entry === null ? "ledger" : `org ${f.entry.orgId} series ${f.entry.series} seq ${f.entry.seq} entry ${f.entry.id}`
  return `${ux.colorize("red", `${f.check} ${f.kind}`)} ${where}: ${f.message}`
}

export default class LedgerAuditCommand extends BaseCommand<typeof LedgerAuditCommand> {
  static override summary = "Prove the invoice ledger unchanged: triggers, hash chains and registered checks."
  static override description =
    "Checks that the database triggers refusing UPDATE and DELETE on invoice_ledger exist, then walks every " +
    "series in seq order and verifies each entry's hash and its link to the entry before it (docs/ledger.md), " +
    "then runs any additional checks. Prints each finding with the entry it concerns as it is found; memory " +
    "stays flat on any ledger size. Exits 0 when nothing is found, 6 when anything is (with --json too, after " +
    `printing the report; the report keeps the first ${DEFAULT_KEPT_FINDINGS.toLocaleString("en")} findings and counts the rest).`
  static override examples = [
    "<%= config.bin %> <%= command.id %>",
    "<%= config.bin %> <%= command.id %> --org acme --series ledger",
    "<%= config.bin %> <%= command.id %> --json",
  ]
  static override flags = {
    org: Flags.string({ description: "Only this organisation (id or slug)", helpValue: "ID" }),
    series: Flags.string({ description: "Only this series (e.g. ledger, invoices-2026)", helpValue: "NAME" }),
  }

  async run(): Promise<LedgerAuditResult> {
    const { org, series } = this.flags
    const human = !this.jsonEnabled()
    const bar = new ProgressBar(human, "Auditing")
    const report = await this.withCore(
      Effect.gen(function* () {
        const orgId: OrgId | undefined = org === undefined ? undefined : (yield* resolveOrganization(org)).id
        const audit = yield* LedgerAudit
        const result = yield* audit.run({
          ...(orgId === undefined ? {} : { orgId }),
          ...(series === undefined ? {} : { series }),
          onProgress: ({ checked, total }) => {
            if (checked === 0) bar.start(total)
            else bar.update(checked, Math.max(total, checked))
          },
          onFinding: (finding) => {
            if (human) bar.above(findingLine(finding))
          },
        })
        return { orgId: orgId ?? null, result }
      }),
      { hints: { NotFound: `list organisations with \`${this.config.bin} event list\`` } },
    ).finally(() => bar.stop())
    const { result } = report
    const scope = [org && `organisation ${org}`, series && `series ${series}`].filter(Boolean).join(", ")
    const entries = `${result.entries} ${result.entries === 1 ? "entry" : "entries"}`
    const summary = `${entries} in ${result.series} series${scope ? ` (${scope})` : ""}`
    if (result.findingCount === 0) this.log(`No findings: ${summary} verified, triggers in place.`)
    else {
      const perCheck = Object.entries(result.findingsByCheck)
        .filter(([, n]) => n > 0)
        .map(([check, n]) => `${check} ${n}`)
        .join(", ")
      this.log(`${plural(result.findingCount, "finding")} (${perCheck}) over ${summary}.`)
      process.exitCode = ExitCode.auditFindings
    }
    return {
      scope: { orgId: report.orgId, series: series ?? null },
      checks: result.checks,
      entries: result.entries,
      seriesCount: result.series,
      findingCount: result.findingCount,
      findingsByCheck: result.findingsByCheck,
      findings: result.findings,
      truncated: result.truncated,
      ok: result.findingCount === 0,
    }
  }
}

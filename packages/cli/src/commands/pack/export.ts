import { Errors, Flags } from "@oclif/core"
import { type BuiltPack, CheckInDevices, CheckInPacks, Events, NotFound } from "@sratix/core"
import { Effect } from "effect"
import { BaseCommand } from "../../BaseCommand.js"
import { ExitCode } from "../../Failures.js"
import { requireCheckinList, requireEventId } from "../../Lookups.js"
import { formatBytes, writeAtomically } from "../../Output.js"
import { ProgressBar } from "../../Progress.js"

export interface PackExportResult {
  readonly out: string
  readonly bytes: number
  readonly eventId: string
  readonly listId: string
  readonly deviceId: string
  readonly version: number
  readonly baseVersion: number | null
  readonly expiresAt: string
  readonly attendees: number
  readonly revoked: number
  readonly checkIns: number
}

const STEPS = 3

export default class PackExport extends BaseCommand<typeof PackExport> {
  static override summary = "Export a check-in list's encrypted pack for a scanner device to a file."
  static override description =
    "The same sealed pack the device downloads (SXP1 envelope, AES-256-GCM with the device's own key): list " +
    "settings, public keys, revoked tickets and the minimum about each attendee. For venues where devices load " +
    "packs from a file. Without --since a full pack; with it a delta since that pack version. --device may be " +
    "left out when exactly one active device is enrolled for the list."
  static override examples = [
    "<%= config.bin %> <%= command.id %> --event 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60 --list 'Main door' --out door1.sxp",
    "<%= config.bin %> <%= command.id %> --event 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60 --list 'Main door' --device 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f62 --since 1788890000000 --out delta.sxp --json",
  ]
  static override flags = {
    event: Flags.string({ description: "Event id (see `sratix event list`)", required: true, helpValue: "ID" }),
    list: Flags.string({ description: "Check-in list id or name", required: true, helpValue: "ID_OR_NAME" }),
    out: Flags.string({ description: "File to write", required: true, helpValue: "FILE" }),
    since: Flags.integer({ description: "Pack version to make a delta from", min: 0, helpValue: "VERSION" }),
    device: Flags.string({ description: "Device id the pack is sealed for", helpValue: "ID" }),
  }

  async run(): Promise<PackExportResult> {
    const eventId = requireEventId(this.flags.event, this.config.bin)
    const { list, out, since, device } = this.flags
    if (out === "-") {
      throw new Errors.CLIError("--out: a pack is binary; give a file name", { exit: ExitCode.invalidInput })
    }
    const bar = new ProgressBar(!this.jsonEnabled(), "Pack")
    bar.start(STEPS)
    let built: BuiltPack
    try {
      built = await this.withCore(
        Effect.gen(function* () {
          const event = yield* Effect.flatMap(Events, (events) => events.get(eventId))
          const found = yield* requireCheckinList(eventId, list)
          const deviceId = device ?? (yield* onlyActiveDevice(eventId, found.id))
          bar.update(1, STEPS)
          const pack = yield* Effect.flatMap(CheckInPacks, (packs) => packs.build(event, found.id, { deviceId, since }))
          bar.update(2, STEPS)
          return pack
        }),
        {
          hints: {
            NotFound: `check --event (see \`${this.config.bin} event list\`), --list and --device`,
            Conflict: "the device is revoked: enrol a new one with `sratix device enrol`",
            InvalidRequest: "--since must be a version this server made (from an earlier pack)",
          },
        },
      )
      writeAtomically(out, built.bytes)
      bar.update(STEPS, STEPS)
    } finally {
      bar.stop()
    }
    const { header } = built
    const result: PackExportResult = {
      out,
      bytes: built.bytes.length,
      eventId,
      listId: header.listId,
      deviceId: header.deviceId,
      version: header.version,
      baseVersion: header.baseVersion,
      expiresAt: new Date(header.expiresAt).toISOString(),
      attendees: built.attendees,
      revoked: built.revoked,
      checkIns: built.checkIns,
    }
    this.log(
      `Wrote ${header.baseVersion === null ? "a full pack" : `a delta since ${header.baseVersion}`} (version ` +
        `${header.version}, ${formatBytes(result.bytes)}) for device ${header.deviceId} to ${out}: ` +
        `${result.attendees} attendees, ${result.revoked} revoked, ${result.checkIns} check-ins; expires ${result.expiresAt}.`,
    )
    return result
  }
}

/** The list's one active device; several (or none) must be named with --device. */
const onlyActiveDevice = (eventId: string, listId: string) =>
  Effect.gen(function* () {
    const all = yield* Effect.flatMap(CheckInDevices, (devices) => devices.list(eventId as never))
    const active = all.filter((d) => d.listId === listId && d.revokedAt === null)
    if (active.length === 1) return active[0]!.id as string
    return yield* new NotFound({
      detail:
        active.length === 0
          ? "No active device is enrolled for this list: enrol one with `sratix device enrol`"
          : `Several devices are enrolled for this list; name one with --device: ${active.map((d) => `${d.name} (${d.id})`).join(", ")}`,
      resource: "checkin-device",
    })
  })

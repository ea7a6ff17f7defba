import { Flags } from "@oclif/core"
import { CheckInDevices, Events } from "@sratix/core"
import { Effect } from "effect"
import { BaseCommand } from "../../BaseCommand.js"
import { requireCheckinList, requireEventId } from "../../Lookups.js"
import { fields, formatInstant } from "../../Output.js"

export interface DeviceEnrolResult {
  readonly code: string
  readonly expiresAt: string
  readonly enrolUrl: string
  readonly eventId: string
  readonly listId: string
  readonly deviceName: string
}

/** The terminal QR code of `text`, or null when the `qrcode` package is not installed. */
const terminalQr = async (text: string): Promise<string | null> => {
  const qrcode = await import("qrcode").catch(() => null)
  return qrcode === null ? null : qrcode.default.toString(text, { type: "terminal", small: true })
}

export default class DeviceEnrol extends BaseCommand<typeof DeviceEnrol> {
  static override summary = "Create a one-time enrolment code for a scanner device."
  static override description =
    "The code enrols one device for one check-in list; it works once and expires after 30 minutes. Open the " +
    "enrolment URL on the device (or scan the QR code printed here) and the scanner enrols itself. The code " +
    "is shown only now; the database keeps its hash."
  static override examples = [
    "<%= config.bin %> <%= command.id %> --event 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60 --list 'Main door' --name 'Door 1'",
    "<%= config.bin %> <%= command.id %> --event 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f60 --list 0193a4f2-7c1e-7d3a-9f00-2b1c3d4e5f61 --name 'Door 2' --json",
  ]
  static override flags = {
    event: Flags.string({ description: "Event id (see `sratix event list`)", required: true, helpValue: "ID" }),
    list: Flags.string({ description: "Check-in list id or name", required: true, helpValue: "ID_OR_NAME" }),
    name: Flags.string({ description: "Device name staff will see (e.g. Door 1)", required: true, helpValue: "NAME" }),
  }

  async run(): Promise<DeviceEnrolResult> {
    const eventId = requireEventId(this.flags.event, this.config.bin)
    const { list, name } = this.flags
    const publicUrl = this.environment.publicUrl
    const issued = await this.withCore(
      Effect.gen(function* () {
        const event = yield* Effect.flatMap(Events, (events) => events.get(eventId))
        const found = yield* requireCheckinList(eventId, list)
        const code = yield* Effect.flatMap(CheckInDevices, (devices) =>
          devices.createEnrolmentCode(event, { listId: found.id, deviceName: name }),
        )
        return { code, list: found }
      }),
      {
        hints: {
          NotFound: `check --event (see \`${this.config.bin} event list\`) and --list`,
          InvalidRequest: "check --name (1 to 100 characters)",
        },
      },
    )
    const enrolUrl = `${publicUrl}/scanner/#enrol=${issued.code.code}`
    const expiresAt = new Date(issued.code.expiresAt).toISOString()
    if (!this.jsonEnabled()) {
      this.log(
        fields([
          ["code", issued.code.code],
          ["enrol URL", enrolUrl],
          ["list", `${issued.list.name} (${issued.list.id})`],
          ["device", name],
          ["expires", `${formatInstant(issued.code.expiresAt, "UTC")} UTC`],
        ]),
      )
      const qr = await terminalQr(enrolUrl)
      if (qr !== null) this.log(`\n${qr}`)
    }
    return { code: issued.code.code, expiresAt, enrolUrl, eventId, listId: issued.list.id, deviceName: name }
  }
}
